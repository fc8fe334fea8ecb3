"""The batch path's words (classify/batch.py WordCache) are the words of one paragraph at a time.

A batch is prepared as one string (``prepare_joined``), cut into pieces at characters where
jieba always ends a block (``PIECE_SEPARATORS``), and only pieces not seen before are cut,
joined by newlines. Shown here: each separator is a block boundary of both engines (a
dictionary word across it is never found, while one across an in-block character is); the
word indexes of every paragraph, in order, are those of ``word_tokens`` on ``prepare`` —
cold cache, warm cache, a cache that starts again, the filter on or off — for spaces,
newlines, ASCII, digits, mixed scripts, empty and very long paragraphs; and char n-grams of
the joined batch are those of each paragraph.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from secreview.classify.batch import WordCache, char_hits, joined_char_hits
from secreview.classify.check import get_model
from secreview.classify.predict import load_model
from secreview.classify.tokenize import (
    JOIN,
    PIECE_SEPARATORS,
    is_word_feature,
    pieces,
    prepare,
    prepare_joined,
    word_tokens,
)
from secreview.normalize import normalize
from tests.conftest import REPO
from tests.test_classify_batch import _scored, corpus_texts, shared_texts

MODEL_DIR = REPO / "models" / "default"
IN_BLOCK = "+#&._%-a0"  # jieba's block class beyond ideographs, latin letters and digits


def _engines() -> list[object]:
    import jieba

    out: list[object] = [jieba]
    try:
        import jieba_fast_dat
    except ImportError:
        return out
    return [*out, jieba_fast_dat]


@pytest.mark.parametrize("engine", _engines(), ids=lambda m: m.__name__)
def test_every_piece_separator_ends_a_jieba_block(engine: object, tmp_path: Path) -> None:
    engine.setLogLevel(logging.WARNING)  # type: ignore[attr-defined]
    seps = [c for c in PIECE_SEPARATORS if not c.isspace()]
    words = "".join(f"甲{c}乙 100000 n\n" for c in seps + list(IN_BLOCK))
    (tmp_path / "dict.txt").write_text(words + "甲 10 n\n乙 10 n\n", "utf-8")
    tk = engine.Tokenizer(dictionary=str(tmp_path / "dict.txt"))  # type: ignore[attr-defined]
    tk.tmp_dir = str(tmp_path)
    tk.cache_file = str(tmp_path / "jieba.cache")
    tk.initialize()
    for c in seps:
        assert tk.lcut(f"甲{c}乙", HMM=False) == ["甲", c, "乙"], c
    for c in IN_BLOCK:  # the same dictionary finds a word across a character inside a block
        assert tk.lcut(f"甲{c}乙", HMM=False) == [f"甲{c}乙"], c
    # whitespace (no dictionary word can hold it): its own token, never merged
    assert tk.lcut("甲 乙\n甲a b\n0", HMM=False) == [
        "甲",
        " ",
        "乙",
        "\n",
        "甲",
        "a",
        " ",
        "b",
        "\n",
        "0",
    ]


def _want(model, texts: list[str]) -> list[list[int]]:
    out = []
    for t in texts:
        words = word_tokens(model.tokenizer, prepare(t))
        out.append([model.word_index[w] for w in words if w in model.word_index])
    return out


def _got(cache: WordCache, texts: list[str]) -> list[list[int]]:
    joined = prepare_joined(texts)
    assert joined is not None
    hits = cache.hits(joined, len(texts))
    return [hits.sequence(r).tolist() for r in range(len(texts))]


def _vocab_words(n: int) -> list[str]:
    model = get_model(MODEL_DIR)
    return [w for w in model.word_terms if len(w) >= 2][:: max(1, len(model.word_terms) // n)]


WORDS = _vocab_words(200)
PIECE = st.one_of(
    st.sampled_from(WORDS),
    st.sampled_from(list(PIECE_SEPARATORS + IN_BLOCK + " \n\t\u3000")),
    st.text(
        st.sampled_from(list("中华人民共和国的ABCabc0123456789ΣσςΑ'\u0301İ𠀀😀·…")), max_size=6
    ),
)
PARAGRAPH = st.lists(PIECE, max_size=25).map("".join)


@settings(max_examples=150, deadline=None)
@given(st.lists(PARAGRAPH, min_size=1, max_size=12), st.integers(0, 40))
def test_words_of_a_batch_are_the_words_of_each_paragraph(texts: list[str], limit: int) -> None:
    model = get_model(MODEL_DIR)
    texts = [normalize(t).text for t in texts]
    want = _want(model, texts)
    cache = WordCache(model.tokenizer, model.word_index, False, limit)
    assert _got(cache, texts) == want  # cold
    assert _got(cache, texts) == want  # warm (or started again when over the limit)
    assert _got(cache, texts[::-1]) == want[::-1]
    filtered = WordCache(model.tokenizer, model.word_index, True, limit)
    assert _got(filtered, texts) == want  # every vocabulary word passes the filter anyway


def test_words_on_the_corpus_and_published_text_cold_and_warm() -> None:
    model = get_model(MODEL_DIR)
    texts = _scored(corpus_texts())[::3] + _scored(shared_texts())[::3]
    texts += ["", " ", "\n\n", "甲" * 5000 + "中华人民共和国" * 3000, "abc def 123 0.5%-x#y&z"]
    want = _want(model, texts)
    cache = WordCache(model.tokenizer, model.word_index, False, 1 << 16)
    for _ in range(2):
        assert _got(cache, texts) == want
    small = WordCache(model.tokenizer, model.word_index, False, 100)
    for start in range(0, len(texts), 250):
        chunk = texts[start : start + 250]
        assert _got(small, chunk) == want[start : start + 250]


def test_filter_applies_to_cut_words_when_the_vocabulary_needs_it() -> None:
    model = load_model(MODEL_DIR)
    index = {**model.word_index, "。": len(model.word_terms), "x": len(model.word_terms) + 1}
    cache = WordCache(model.tokenizer, index, True, 1 << 10)
    texts = ["通知。x 预算公开。", "x。"]
    joined = prepare_joined(texts)
    assert joined is not None
    hits = cache.hits(joined, 2)
    for r, text in enumerate(texts):
        words = [w for w in model.tokenizer.lcut(prepare(text), HMM=False) if is_word_feature(w)]
        assert hits.sequence(r).tolist() == [index[w] for w in words if w in index]
    # Without the filter "x" (a token of its own, one letter) would count: the filter matters.
    unfiltered = WordCache(model.tokenizer, index, False, 1 << 10).hits(joined, 2)
    assert index["x"] in unfiltered.sequence(1).tolist()
    assert index["x"] not in hits.sequence(1).tolist()


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.text(st.sampled_from(list("Aa ΣσİI\u0301'\t\n\u3000٣0１中。\x00")), max_size=10))
)
def test_prepare_joined_is_prepare_of_each_paragraph(texts: list[str]) -> None:
    joined = prepare_joined(texts)
    if any(JOIN in t for t in texts) or not texts:
        assert joined is None or not texts
        return
    assert joined is not None
    assert [p.strip() for p in joined.split(JOIN)] == [prepare(t) for t in texts]
    model = get_model(MODEL_DIR)
    vocab = model.char_vocab
    assert vocab is not None
    got = joined_char_hits(vocab, joined, len(texts))
    want = char_hits(vocab, [prepare(t) for t in texts])
    for r in range(len(texts)):
        assert got.sequence(r).tolist() == want.sequence(r).tolist()


def test_pieces_split_only_at_separators() -> None:
    assert pieces("关于(0000)年,“部门”预算:公开! abc—...·、《通知》") == [
        "关于",
        "0000",
        "年",
        "部门",
        "预算",
        "公开",
        "abc",
        "...",
        "通知",
    ]
    assert pieces("") == [] and pieces(" ,。") == []


def test_a_paragraph_holding_the_joiner_is_scored_paragraph_by_paragraph() -> None:
    model = get_model(MODEL_DIR)
    texts = ["经局党组会议研究，拟提拔甲某同志任办公室副主任\x00考察组已完成民主测评", "预算公开"]
    assert prepare_joined(texts) is None
    got = model.batch(texts)
    want = np.array([model.proba(t) for t in texts])
    assert np.abs(got.proba - want).max() <= 1e-9
    assert got.features(0).idx.tolist() == model.features(texts[0]).idx.tolist()


def test_pieces_are_cut_one_by_one_if_the_newlines_do_not_come_back() -> None:
    model = get_model(MODEL_DIR)
    texts = ["关于做好部门预算公开工作的通知：各科室", "经局党组会议研究，拟提拔甲某同志任副主任"]
    cache = WordCache(model.tokenizer, model.word_index, False, 1 << 10)
    real = cache.cut
    seen: list[str] = []

    def no_newlines(text: str, HMM: bool) -> list[str]:  # noqa: N803 (jieba's own name)
        seen.append(text)
        return [t for t in real(text, HMM=HMM) if t != "\n"]

    cache.cut = no_newlines
    assert _got(cache, texts) == _want(model, texts)
    assert len(seen) > 1 and "\n" in seen[0] and all("\n" not in t for t in seen[1:])
