"""The batch path (classify/batch.py) scores exactly as one paragraph at a time.

Probabilities within 1e-9 of ``LinearModel.proba`` (the per-paragraph path, ``predict._block``)
on the written corpus, the sample documents and published text from ../shared/data; the same
findings and summary from a scan with ``ClassifierCheck`` as with the former check
(tests/helpers/classify_reference.py); char n-grams as ``char_ngrams`` gives them.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from secreview.classify.batch import CharVocab, char_hits
from secreview.classify.check import ClassifierCheck, _batches, get_model
from secreview.classify.corpus import long_enough
from secreview.classify.predict import load_model
from secreview.classify.tokenize import char_ngrams
from secreview.config import Config
from secreview.extract import extract_bytes
from secreview.normalize import normalize
from secreview.pipeline import default_checks, expand_paths, scan_file
from tests.conftest import REPO, SHARED_DATA
from tests.helpers.classify_reference import ReferenceClassifierCheck, reference_proba

MODEL_DIR = REPO / "models" / "default"
TOL = 1e-9
# A few hundred paragraphs from each published source (documents split into paragraphs).
SHARED = {
    "gov-work-reports/gov_work_reports.jsonl": 400,
    "lawrefbook/lawrefbook.jsonl": 300,
    "cluener2020/cluener_train.jsonl": 300,
    "resume-ner/resume_ner_train_dev.jsonl": 300,
    "tipdm-replies/tipdm_replies.jsonl": 300,
    "bjtcm-notices/bjtcm_notices.jsonl": 200,
    "xinwenlianbo/xinwenlianbo.jsonl": 200,
    "thucnews-titles/thucnews_titles_dev.jsonl": 200,
}


def corpus_texts() -> list[str]:
    out = []
    for path in sorted((REPO / "corpus" / "written").glob("*.jsonl")):
        for line in path.read_text("utf-8").splitlines():
            if line.strip():
                out.append(json.loads(line)["text"])
    return out


def example_texts() -> list[str]:
    out = []
    for path in expand_paths([REPO / "examples"], recursive=True):
        doc = extract_bytes(path.read_bytes(), str(path), Config().limits)
        out.extend(seg.text for seg in doc.segments)
    return out


def shared_texts() -> list[str]:
    out: list[str] = []
    for rel, limit in SHARED.items():
        path = SHARED_DATA / rel
        if not path.is_file():
            continue
        got: list[str] = []
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                rec = json.loads(line)
                text = rec.get("text") or rec.get("title") or ""
                got.extend(p for p in str(text).split("\n") if p.strip())
                if len(got) >= limit:
                    break
        out.extend(got[:limit])
    seed = SHARED_DATA / "seed" / "taierzhuang-2017-annual-report.txt"
    if seed.is_file():
        out.extend(p for p in seed.read_text("utf-8").splitlines() if p.strip())
    return out


def _scored(texts: list[str]) -> list[str]:
    norms = [normalize(t).text for t in texts]
    return [n for n in norms if long_enough(n)]


def _assert_same_proba(texts: list[str]) -> None:
    model = get_model(MODEL_DIR)
    want = reference_proba(texts)
    for chunk in _batches(iter(enumerate(texts)), max_items=700, max_chars=1 << 16):
        got = model.batch([t for _, t in chunk]).proba
        rows = [i for i, _ in chunk]
        assert np.abs(got - want[rows]).max() <= TOL


def test_corpus_probabilities_match_one_at_a_time() -> None:
    texts = _scored(corpus_texts())
    assert len(texts) > 2000
    _assert_same_proba(texts)


def test_example_documents_probabilities_match() -> None:
    texts = _scored(example_texts())
    assert len(texts) > 20
    _assert_same_proba(texts)


def test_published_text_probabilities_match() -> None:
    texts = _scored(shared_texts())
    if not texts:
        pytest.skip(f"../shared/data not present here ({SHARED_DATA} missing)")
    _assert_same_proba(texts)


def test_odd_paragraphs_probabilities_match() -> None:
    """Empty rows, rows without a known term, one very long row (its own width class), terms
    counted past the table of small counts (> 256), the joiner inside a text (that batch is
    prepared paragraph by paragraph)."""
    texts = [
        "",
        " ",
        "\U0010fffd\U0010fffd",
        "关于做好部门预算公开工作的通知",
        "预算" * 400 + "公开。" * 300,
        "经局党组会议研究，拟提拔甲某同志任办公室副主任，考察组已完成民主测评。" * 700,
        "甲",
    ]
    model = get_model(MODEL_DIR)
    want = reference_proba(texts)
    got = model.batch(texts).proba
    assert np.abs(got - want).max() <= TOL
    with_joiner = [*texts, "x\x00y 预算公开"]
    got = model.batch(with_joiner).proba
    assert np.abs(got - reference_proba(with_joiner)).max() <= TOL


def test_features_of_a_row_are_the_per_paragraph_features_bit_for_bit() -> None:
    model = get_model(MODEL_DIR)
    texts = _scored(corpus_texts())[::9] + [
        "甲乙甲乙甲乙甲乙甲乙甲乙甲乙",
        "𠀀𠀁𠀀 x1 中华人民共和国 " * 3,
        "预算" * 400 + "公开。" * 300,
    ]
    batch = model.batch(texts)
    for r, text in enumerate(texts):
        want = model.features(text)
        got = batch.features(r)
        assert got.idx.tolist() == want.idx.tolist()
        assert got.val.tobytes() == want.val.tobytes()
        assert model.proba_features(got).tobytes() == model.proba(text).tobytes()


def _report(path: Path, check: ClassifierCheck) -> dict:
    config = Config(use_classifier=False)
    report = scan_file(path, config, [*default_checks(config), check]).to_dict()
    return report


@pytest.mark.parametrize(
    "source", ["corpus", "examples", "shared"], ids=["corpus", "examples", "shared-data"]
)
def test_scan_gives_the_same_findings_as_one_at_a_time(source: str, tmp_path: Path) -> None:
    if source == "examples":
        paths = expand_paths([REPO / "examples"], recursive=True)
    else:
        texts = corpus_texts() if source == "corpus" else shared_texts()
        if not texts:
            pytest.skip(f"../shared/data not present here ({SHARED_DATA} missing)")
        path = tmp_path / f"{source}.txt"
        path.write_text("\n".join(texts), "utf-8")
        paths = [path]
    flagged = 0
    for path in paths:
        got = _report(path, ClassifierCheck(MODEL_DIR))
        want = _report(path, ReferenceClassifierCheck(MODEL_DIR))
        assert got == want
        flagged += sum(f["source"] == "classifier" for f in got["findings"])
    if source == "corpus":
        assert flagged > 500  # the finding path itself is exercised


def test_other_char_ngram_lengths_fall_back_to_one_at_a_time() -> None:
    model = load_model(MODEL_DIR)
    model.spec = replace(model.spec, char_ngram_max=4)
    assert model.char_vocab is None
    texts = _scored(corpus_texts())[:40]
    got = model.batch(texts)
    want = np.array([model.proba(t) for t in texts])
    assert got.proba.tobytes() == want.tobytes()
    assert got.features(3).idx.tolist() == model.features(texts[3]).idx.tolist()


def test_word_filter_kept_when_the_vocabulary_needs_it() -> None:
    model = load_model(MODEL_DIR)
    assert model.filter_words is False  # every vocabulary word passes word_tokens' filter
    texts = _scored(corpus_texts())[:200]
    plain = model.batch(texts).proba
    model.filter_words = True
    assert np.abs(model.batch(texts).proba - plain).max() <= TOL


ALPHABET = st.sampled_from(list("甲乙丙丁 ab0\U00020000\U0010fffd\ud800\x00。"))
TEXTS = st.lists(st.text(ALPHABET, max_size=12), max_size=8)


@settings(max_examples=200, deadline=None)
@given(TEXTS, st.lists(st.text(ALPHABET, min_size=1, max_size=4), max_size=30), st.data())
def test_char_hits_are_char_ngrams_looked_up(
    texts: list[str], terms: list[str], data: st.DataObject
) -> None:
    lo = data.draw(st.integers(1, 3))
    hi = data.draw(st.integers(lo, 3))
    terms = list(dict.fromkeys(t for t in terms if " " not in t))
    index = {t: i for i, t in enumerate(terms)}
    hits = char_hits(CharVocab(terms, lo, hi), texts)
    for r, text in enumerate(texts):
        want = [index[g] for g in char_ngrams(text, lo, hi) if g in index]
        assert hits.sequence(r).tolist() == want
