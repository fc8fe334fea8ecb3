"""The training set: the written corpus plus real public text read from ../shared/data.

- ``corpus/written/*.jsonl``: {id, doc, text, label, origin, genre, dept}; ``doc`` groups the
  paragraphs of one document (falls back to ``id``).
- shared public text (label ``public``), read at training time only and never copied:
  gov-work-reports and lawrefbook split into paragraphs, thucnews headlines, CLUENER and
  Resume-NER sentences (published news and published executive résumés: hard negatives that
  contain names). Each file's sha256 and counts are recorded.

The split is by document (written: ``doc``; shared: the record, Resume-NER: the résumé group,
lawrefbook: the law's title so all its versions land on one side) using a salted SHA-1 of the
group, so it is deterministic and independent of file order. Exact duplicates (after
normalisation) and near-duplicates (char 3-gram MinHash, Jaccard >= 0.8) of a training
paragraph are dropped from the test side.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from secreview.classify import LABELS, MIN_CHARS
from secreview.errors import UsageError
from secreview.normalize import normalize

log = logging.getLogger(__name__)

SPLIT_SALT = "secreview-split-v1"
TEST_SHARE = 0.2

# Real public text that measures paragraph-level false alarms (held-out side only).
LAW_TRAIN_CAP = 40000


@dataclass(frozen=True)
class SharedSource:
    name: str
    path: str  # relative to the shared dir
    kind: str  # "document" (split into paragraphs) | "sentence"
    train_cap: int | None  # paragraphs kept for training (None: all)
    test_cap: int | None  # paragraphs kept for the held-out side (None: all)
    group_field: str = "id"  # the record field naming the split unit
    genre_field: str | None = None  # the record field naming its genre (for reports)
    title_line: bool = False  # the record's title is the published document's first line
    # Held-out records are also scored as whole documents: the document-level false alarms
    # the thresholds are held to (and the model card reports per source and genre).
    whole_documents: bool = False
    # Sample the training side evenly over (genre, month) instead of at random.
    stratified: bool = False


# Published laws and work reports are what offices publish most; the more of them training sees,
# the fewer generic legal phrases ("当事人", "证据", "(一)…的；") look like case files.
# The three sources of issue 13 add what offices publish day to day: news of meetings and work
# (xinwenlianbo: 80 % of the new text, sampled evenly over genre and month), replies to citizens'
# messages (tipdm-replies: the office's ``text`` only, never the citizen's ``question``) and a
# bureau's notices, 公示 with real names, 政策解读 and 采购意向 (bjtcm-notices).
SHARED_SOURCES = (
    SharedSource(
        "gov-work-reports",
        "gov-work-reports/gov_work_reports.jsonl",
        "document",
        None,
        None,
        genre_field="doc_type",
        title_line=True,
        whole_documents=True,
    ),
    SharedSource(
        "lawrefbook",
        "lawrefbook/lawrefbook.jsonl",
        "document",
        LAW_TRAIN_CAP,
        6000,
        genre_field="doc_type",
        whole_documents=True,
    ),
    SharedSource(
        "xinwenlianbo",
        "xinwenlianbo/xinwenlianbo.jsonl",
        "document",
        16000,
        3000,
        group_field="date",  # a whole broadcast day on one side (stories recur within a day)
        genre_field="genre",
        title_line=True,
        whole_documents=True,
        stratified=True,
    ),
    SharedSource(
        "tipdm-replies",
        "tipdm-replies/tipdm_replies.jsonl",
        "document",
        None,
        None,
        genre_field="genre",
        whole_documents=True,
    ),
    SharedSource(
        "bjtcm-notices",
        "bjtcm-notices/bjtcm_notices.jsonl",
        "document",
        None,
        None,
        genre_field="genre",
        title_line=True,
        whole_documents=True,
    ),
    SharedSource(
        "thucnews-titles",
        "thucnews-titles/thucnews_titles_dev.jsonl",
        "sentence",
        1200,
        500,
        genre_field="category_zh",
    ),
    SharedSource("cluener2020", "cluener2020/cluener_train.jsonl", "sentence", 1200, 500),
    SharedSource(
        "resume-ner",
        "resume-ner/resume_ner_train_dev.jsonl",
        "sentence",
        800,
        300,
        group_field="resume_group",
    ),
)
REAL_PUBLIC_SOURCES = tuple(s.name for s in SHARED_SOURCES if s.whole_documents)


def shared_source(name: str) -> SharedSource:
    for src in SHARED_SOURCES:
        if src.name == name:
            return src
    raise KeyError(name)


@dataclass(frozen=True)
class Example:
    id: str
    group: str  # the document the paragraph belongs to (split unit)
    text: str  # normalized text
    label: str
    source: str  # "written" or a shared source name


@dataclass(frozen=True)
class HeldOutDoc:
    """A whole held-out real public document: every paragraph long enough to be scored."""

    id: str
    source: str
    paragraphs: tuple[str, ...]  # normalized
    genre: str = ""  # the source's genre tag (written: the corpus ``genre`` field)


@dataclass
class Dataset:
    train: list[Example]
    test: list[Example]
    heldout_docs: list[HeldOutDoc] = field(default_factory=list)
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)
    dropped: dict[str, int] = field(default_factory=dict)
    shared_used: bool = False


def _norm(text: str) -> str:
    # Without the character fold (traditional → simplified …) the shipped model was trained
    # with; prediction sees folded text, which only brings traditional text closer to it.
    # TODO(issue 13): fold the training corpus too when the model is next retrained.
    return normalize(text, fold_characters=False).text.strip()


def long_enough(text: str) -> bool:
    return len("".join(text.split())) >= MIN_CHARS


def is_test(group: str, share: float = TEST_SHARE) -> bool:
    digest = hashlib.sha1(f"{SPLIT_SALT}:{group}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < share


def _order_key(ex_id: str) -> bytes:
    return hashlib.sha1(f"{SPLIT_SALT}:order:{ex_id}".encode()).digest()


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _read_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                yield n, json.loads(line)
            except json.JSONDecodeError as e:
                raise UsageError(f"语料文件 {path} 第 {n} 行不是合法 JSON：{e.msg}") from e


def load_written(corpus_dir: Path) -> tuple[list[Example], dict[str, dict[str, Any]]]:
    """All ``written/*.jsonl`` files of the corpus dir, sorted by name."""
    folder = corpus_dir / "written"
    files = sorted(folder.glob("*.jsonl")) if folder.is_dir() else []
    if not files:
        raise UsageError(f"语料目录中没有 written/*.jsonl：{folder}（no written corpus found）")
    out: list[Example] = []
    info: dict[str, dict[str, Any]] = {}
    for path in files:
        counts: Counter[str] = Counter()
        for n, rec in _read_jsonl(path):
            label, text = rec.get("label"), rec.get("text")
            if label not in LABELS:
                raise UsageError(f"语料文件 {path.name} 第 {n} 行的 label 无效：{label!r}")
            if not isinstance(text, str) or not text.strip():
                raise UsageError(f"语料文件 {path.name} 第 {n} 行缺少 text")
            ex_id = str(rec.get("id") or f"{path.stem}:{n}")
            group = str(rec.get("doc") or ex_id)
            out.append(Example(ex_id, f"written:{group}", _norm(text), label, "written"))
            counts[label] += 1
        info[f"written/{path.name}"] = {
            "sha256": sha256_of(path),
            "records": sum(counts.values()),
            "labels": dict(sorted(counts.items())),
        }
    return out, info


def _paragraphs(text: str) -> Iterator[str]:
    for line in text.split("\n"):
        line = line.strip().lstrip("#").strip()
        if line:
            yield line


_DATE_SUFFIX = re.compile(r"[（(]\d{4}-\d{2}-\d{2}[)）]$")


def shared_group(src: SharedSource, rec: dict[str, Any]) -> str:
    """The split unit of a shared record: its ``group_field`` (laws: the title without its
    version date, so every version of a law lands on one side)."""
    if src.name == "lawrefbook":
        return f"{src.name}:{_DATE_SUFFIX.sub('', str(rec.get('title', '')))}"
    if src.group_field == "resume_group" and "resume_group" in rec:  # the original key
        return f"{src.name}:group:{rec['resume_group']}"
    if src.group_field != "id" and src.group_field in rec:
        return f"{src.name}:{src.group_field}:{rec[src.group_field]}"
    return f"{src.name}:{rec['id']}"


def record_genre(src: SharedSource, rec: dict[str, Any]) -> str:
    if src.genre_field is None:
        return src.name
    return str(rec.get(src.genre_field) or src.name)


def document_text(src: SharedSource, rec: dict[str, Any]) -> str:
    """The text of a shared record as it is published: title line (where the record keeps the
    title apart) and body. tipdm-replies: the office's reply only, never the citizen's message."""
    text = str(rec["text"])
    title = str(rec.get("title") or "").strip()
    if src.title_line and title and not text.lstrip().lstrip("#").strip().startswith(title):
        return f"{title}\n{text}"
    return text


def _held_out_doc(src: SharedSource, rec: dict[str, Any]) -> HeldOutDoc | None:
    paras = tuple(
        p for p in (_norm(x) for x in _paragraphs(document_text(src, rec))) if long_enough(p)
    )
    if not paras:
        return None
    return HeldOutDoc(f"{src.name}:{rec['id']}", src.name, paras, record_genre(src, rec))


def _stratum(src: SharedSource, rec: dict[str, Any]) -> str:
    return f"{record_genre(src, rec)}|{str(rec.get('date', ''))[:7]}"


def _sample(pool: list[Example], cap: int | None, strata: dict[str, str] | None) -> list[Example]:
    """``cap`` examples in salted-hash order; with ``strata`` (example id → stratum) the strata
    take turns, so every genre and month is represented before any is exhausted."""
    ordered = sorted(pool, key=lambda e: _order_key(e.id))
    if strata is not None:
        rank: Counter[str] = Counter()
        keyed = []
        for e in ordered:
            s = strata[e.id]
            keyed.append((rank[s], e))
            rank[s] += 1
        ordered = [e for _, e in sorted(keyed, key=lambda kv: kv[0])]  # stable: hash order kept
    return ordered[:cap]


def load_shared(
    shared_dir: Path,
) -> tuple[list[Example], list[Example], dict[str, dict[str, Any]], list[HeldOutDoc]]:
    """(train, test, info, held-out real public documents) from the shared public data;
    capped per source, deterministic."""
    train: list[Example] = []
    test: list[Example] = []
    docs: list[HeldOutDoc] = []
    info: dict[str, dict[str, Any]] = {}
    for src in SHARED_SOURCES:
        path = shared_dir / src.path
        if not path.is_file():
            log.warning("shared file missing, skipped: %s", path)
            continue
        pools: dict[bool, list[Example]] = {False: [], True: []}
        strata: dict[str, str] | None = {} if src.stratified else None
        records = 0
        for _, rec in _read_jsonl(path):
            records += 1
            group = shared_group(src, rec)
            side = is_test(group)
            if side and src.whole_documents:
                doc = _held_out_doc(src, rec)
                if doc is not None:
                    docs.append(doc)
            text = document_text(src, rec)
            pieces = _paragraphs(text) if src.kind == "document" else [text]
            for k, piece in enumerate(pieces):
                if long_enough(piece):
                    ex = Example(f"{rec['id']}#{k}", group, piece, "public", src.name)
                    pools[side].append(ex)
                    if strata is not None:
                        strata[ex.id] = _stratum(src, rec)
        kept = {}
        for side, cap in ((False, src.train_cap), (True, src.test_cap)):
            # Sample first, normalise only what is kept (lawrefbook alone is 22 MB).
            pool = _sample(pools[side], cap, strata if not side else None)
            pool = [replace(e, text=_norm(e.text)) for e in pool]
            pool = [e for e in pool if long_enough(e.text)]
            (test if side else train).extend(pool)
            kept[side] = (len(pools[side]), len(pool))
        info[src.path] = {
            "sha256": sha256_of(path),
            "records": records,
            "paragraphs_train_pool": kept[False][0],
            "paragraphs_train_used": kept[False][1],
            "paragraphs_test_pool": kept[True][0],
            "paragraphs_test_used": kept[True][1],
        }
    docs.sort(key=lambda d: d.id)
    return train, test, info, docs


def dedup_key(text: str) -> str:
    return re.sub(r"[^\w]|_", "", text.lower())


_MH_PRIME = (1 << 61) - 1
_MH_PERMS = 64
_MH_BANDS = 16


def _shingles(text: str) -> set[int]:
    s = dedup_key(text)
    if len(s) < 3:
        return {zlib.crc32(s.encode())}
    return {zlib.crc32(s[i : i + 3].encode()) for i in range(len(s) - 2)}


def _minhash(shingles: set[int], a: np.ndarray, b: np.ndarray) -> np.ndarray:
    x = np.fromiter(shingles, dtype=np.uint64, count=len(shingles))
    hashed = (np.outer(a, x) + b[:, None]) % _MH_PRIME
    return np.asarray(hashed.min(axis=1))


def near_duplicates(train: list[Example], test: list[Example], jaccard: float = 0.8) -> set[int]:
    """Indexes of ``test`` examples whose char 3-gram Jaccard with a train example >= jaccard."""
    rng = np.random.default_rng(20240601)
    a = rng.integers(1, 1 << 31, size=_MH_PERMS, dtype=np.uint64)
    b = rng.integers(0, 1 << 31, size=_MH_PERMS, dtype=np.uint64)
    rows = _MH_PERMS // _MH_BANDS
    buckets: dict[tuple[int, bytes], list[int]] = {}
    train_sh = [_shingles(e.text) for e in train]
    for i, sh in enumerate(train_sh):
        sig = _minhash(sh, a, b)
        for band in range(_MH_BANDS):
            key = (band, sig[band * rows : (band + 1) * rows].tobytes())
            buckets.setdefault(key, []).append(i)
    out: set[int] = set()
    for j, ex in enumerate(test):
        sh = _shingles(ex.text)
        sig = _minhash(sh, a, b)
        seen: set[int] = set()
        for band in range(_MH_BANDS):
            key = (band, sig[band * rows : (band + 1) * rows].tobytes())
            for i in buckets.get(key, ()):
                if i in seen:
                    continue
                seen.add(i)
                other = train_sh[i]
                if len(sh & other) / len(sh | other) >= jaccard:
                    out.add(j)
                    break
            if j in out:
                break
    return out


def build_dataset(corpus_dir: Path, shared_dir: Path | None) -> Dataset:
    written, sources = load_written(corpus_dir)
    written = [e for e in written if long_enough(e.text)]
    train = [e for e in written if not is_test(e.group)]
    test = [e for e in written if is_test(e.group)]
    shared_used = False
    docs: list[HeldOutDoc] = []
    if shared_dir is not None and shared_dir.is_dir():
        s_train, s_test, s_info, docs = load_shared(shared_dir)
        if s_info:
            shared_used = True
            sources.update(s_info)
            train.extend(s_train)
            test.extend(s_test)
    dropped: Counter[str] = Counter()
    seen: dict[str, str] = {}
    uniq_train: list[Example] = []
    for e in train:
        key = dedup_key(e.text)
        if key in seen:
            dropped["train_exact_duplicate"] += 1
            if seen[key] != e.label:
                dropped["train_conflicting_label"] += 1
            continue
        seen[key] = e.label
        uniq_train.append(e)
    test_seen: set[str] = set()
    uniq_test: list[Example] = []
    for e in test:
        key = dedup_key(e.text)
        if key in seen:
            dropped["test_exact_duplicate_of_train"] += 1
        elif key in test_seen:
            dropped["test_exact_duplicate"] += 1
        else:
            test_seen.add(key)
            uniq_test.append(e)
    near = near_duplicates(uniq_train, uniq_test)
    dropped["test_near_duplicate_of_train"] = len(near)
    final_test = [e for j, e in enumerate(uniq_test) if j not in near]
    return Dataset(
        uniq_train, final_test, docs, sources, dict(sorted(dropped.items())), shared_used
    )


def label_counts(examples: list[Example]) -> dict[str, int]:
    c = Counter(e.label for e in examples)
    return {label: c.get(label, 0) for label in LABELS}


def source_counts(examples: list[Example]) -> dict[str, int]:
    return dict(sorted(Counter(e.source for e in examples).items()))
