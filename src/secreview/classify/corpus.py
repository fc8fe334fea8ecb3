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
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from secreview.classify import LABELS, MIN_CHARS, PUBLIC
from secreview.classify.genre import HEAD_LINES, detect
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
        12000,
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
        1250,
        None,
        genre_field="genre",
        title_line=True,
        whole_documents=True,
    ),
    SharedSource(
        "thucnews-titles",
        "thucnews-titles/thucnews_titles_dev.jsonl",
        "sentence",
        3000,
        500,
        genre_field="category_zh",
    ),
    SharedSource("cluener2020", "cluener2020/cluener_train.jsonl", "sentence", 2500, 500),
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
    # The genre its document's head names (classify/genre.py), or None. Training only: see
    # train.py (a marker feature there); scanning never uses it.
    genre: str | None = None


@dataclass(frozen=True)
class HeldOutDoc:
    """A whole held-out real public document: every paragraph long enough to be scored."""

    id: str
    source: str
    paragraphs: tuple[str, ...]  # normalized
    genre: str = ""  # the source's genre tag (written: the corpus ``genre`` field)
    head: tuple[str, ...] = ()  # its first non-empty lines, short ones too (genre detection)


@dataclass
class Dataset:
    train: list[Example]
    test: list[Example]
    heldout_docs: list[HeldOutDoc] = field(default_factory=list)
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)
    dropped: dict[str, int] = field(default_factory=dict)
    shared_used: bool = False
    written_docs: list[WrittenDoc] = field(default_factory=list)


def _norm(text: str) -> str:
    # With the character fold (traditional → simplified …): the text prediction sees.
    return normalize(text).text.strip()


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


# Files of whole multi-paragraph documents written for issue 13: their split is stratified by
# genre (within each genre the documents with the lowest salted hash are held out, 20 % rounded,
# at least one of three or more), so every public genre and every positive kind has held-out
# documents. The older files keep the plain salted-hash split their model card figures used.
GENRE_STRATIFIED_FILES = frozenset({"public_genres.jsonl", "nonpublic_more.jsonl"})


@dataclass(frozen=True)
class WrittenDoc:
    """A document of corpus/written: its paragraphs in file order (raw text)."""

    group: str  # "written:<doc>"
    file: str
    label: str
    genre: str
    paragraphs: tuple[str, ...]
    held_out: bool

    def text(self) -> str:
        return "\n".join(self.paragraphs)


def _hash_rank(group: str) -> int:
    return int.from_bytes(hashlib.sha1(f"{SPLIT_SALT}:{group}".encode()).digest()[:8], "big")


def written_documents(corpus_dir: Path) -> list[WrittenDoc]:
    """Every document of ``written/*.jsonl`` (files sorted by name), with its split side."""
    folder = corpus_dir / "written"
    files = sorted(folder.glob("*.jsonl")) if folder.is_dir() else []
    if not files:
        raise UsageError(f"语料目录中没有 written/*.jsonl：{folder}（no written corpus found）")
    docs: list[WrittenDoc] = []
    for path in files:
        order: list[str] = []
        paras: dict[str, list[str]] = {}
        meta: dict[str, tuple[str, str]] = {}
        for n, rec in _read_jsonl(path):
            label, text = rec.get("label"), rec.get("text")
            if label not in LABELS:
                raise UsageError(f"语料文件 {path.name} 第 {n} 行的 label 无效：{label!r}")
            if not isinstance(text, str) or not text.strip():
                raise UsageError(f"语料文件 {path.name} 第 {n} 行缺少 text")
            group = f"written:{rec.get('doc') or rec.get('id') or f'{path.stem}:{n}'}"
            if group not in paras:
                order.append(group)
                paras[group] = []
                meta[group] = (str(label), str(rec.get("genre") or ""))
            elif meta[group][0] != label:
                raise UsageError(
                    f"语料文件 {path.name} 第 {n} 行：同一文件（doc）中的 label 不一致"
                )
            paras[group].append(text)
        if path.name in GENRE_STRATIFIED_FILES:
            held: set[str] = set()
            by_genre: dict[tuple[str, str], list[str]] = {}
            for g in order:
                by_genre.setdefault(meta[g], []).append(g)
            for groups in by_genre.values():
                k = round(len(groups) * TEST_SHARE)
                if len(groups) >= 3:
                    k = max(k, 1)
                held.update(sorted(groups, key=_hash_rank)[:k])
        else:
            held = {g for g in order if is_test(g)}
        for g in order:
            label, genre = meta[g]
            docs.append(WrittenDoc(g, path.name, label, genre, tuple(paras[g]), g in held))
    return docs


def load_written(
    corpus_dir: Path,
) -> tuple[list[Example], dict[str, dict[str, Any]], set[str], list[WrittenDoc]]:
    """(paragraphs, per-file info, held-out document groups, documents) of ``written/``."""
    docs = written_documents(corpus_dir)
    out: list[Example] = []
    info: dict[str, dict[str, Any]] = {}
    counts: dict[str, Counter[str]] = {}
    for d in docs:
        genre = head_genre(d.paragraphs)
        for k, text in enumerate(d.paragraphs, 1):
            ex_id = f"{d.group.removeprefix('written:')}#{k}"
            out.append(Example(ex_id, d.group, _norm(text), d.label, "written", genre))
            counts.setdefault(d.file, Counter())[d.label] += 1
    folder = corpus_dir / "written"
    for name in sorted(counts):
        info[f"written/{name}"] = {
            "sha256": sha256_of(folder / name),
            "records": sum(counts[name].values()),
            "labels": dict(sorted(counts[name].items())),
        }
    return out, info, {d.group for d in docs if d.held_out}, docs


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


def head_genre(lines: Sequence[str]) -> str | None:
    """The genre id the first lines of a document name (raw lines; normalized here)."""
    head = [t for t in (_norm(x.strip().lstrip("#").strip()) for x in lines[: HEAD_LINES * 2]) if t]
    found = detect(head[:HEAD_LINES])
    return found.id if found is not None else None


def held_out_document(doc_id: str, source: str, lines: list[str], genre: str) -> HeldOutDoc | None:
    normed = [p for p in (_norm(x) for x in lines) if p]
    paras = tuple(p for p in normed if long_enough(p))
    if not paras:
        return None
    return HeldOutDoc(doc_id, source, paras, genre, tuple(normed[:HEAD_LINES]))


def _held_out_doc(src: SharedSource, rec: dict[str, Any]) -> HeldOutDoc | None:
    return held_out_document(
        f"{src.name}:{rec['id']}",
        src.name,
        list(_paragraphs(document_text(src, rec))),
        record_genre(src, rec),
    )


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
            pieces = list(_paragraphs(text)) if src.kind == "document" else [text]
            genre = head_genre(pieces) if src.kind == "document" else None
            for k, piece in enumerate(pieces):
                if long_enough(piece):
                    ex = Example(f"{rec['id']}#{k}", group, piece, "public", src.name, genre)
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


def _minhash(shingle_sets: list[set[int]], a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(n, _MH_PERMS) MinHash signatures: min over each set of (a*x + b) mod p, computed for
    many sets at once (the shingles of a block of sets hashed in one array operation)."""
    n = len(shingle_sets)
    out = np.empty((n, _MH_PERMS), dtype=np.uint64)
    lens = np.fromiter((len(sh) for sh in shingle_sets), dtype=np.int64, count=n)
    flat = np.fromiter(
        (x for sh in shingle_sets for x in sh), dtype=np.uint64, count=int(lens.sum())
    )
    starts = np.concatenate([[0], np.cumsum(lens)]).astype(np.int64)
    block = 1 << 17  # shingles per array operation (64 x 131072 x 8 bytes = 64 MiB)
    i = 0
    while i < n:
        j = i + 1
        while j < n and starts[j + 1] - starts[i] <= block:
            j += 1
        x = flat[starts[i] : starts[j]]
        hashed = (np.outer(a, x) + b[:, None]) % _MH_PRIME
        out[i:j] = np.minimum.reduceat(hashed, starts[i:j] - starts[i], axis=1).T
        i = j
    return out


def _band_keys(sig: np.ndarray, band: int, rows: int) -> list[bytes]:
    raw = np.ascontiguousarray(sig[:, band * rows : (band + 1) * rows]).tobytes()
    width = rows * 8
    return [raw[k * width : (k + 1) * width] for k in range(len(sig))]


def near_duplicates(train: list[Example], test: list[Example], jaccard: float = 0.8) -> set[int]:
    """Indexes of ``test`` examples whose char 3-gram Jaccard with a train example >= jaccard."""
    rng = np.random.default_rng(20240601)
    a = rng.integers(1, 1 << 31, size=_MH_PERMS, dtype=np.uint64)
    b = rng.integers(0, 1 << 31, size=_MH_PERMS, dtype=np.uint64)
    rows = _MH_PERMS // _MH_BANDS
    train_sh = [_shingles(e.text) for e in train]
    test_sh = [_shingles(e.text) for e in test]
    train_sig = _minhash(train_sh, a, b)
    train_len = np.fromiter((len(sh) for sh in train_sh), dtype=np.int64, count=len(train_sh))
    test_sig = _minhash(test_sh, a, b)
    buckets: list[dict[bytes, list[int]]] = []
    for band in range(_MH_BANDS):
        index: dict[bytes, list[int]] = {}
        for i, key in enumerate(_band_keys(train_sig, band, rows)):
            index.setdefault(key, []).append(i)
        buckets.append(index)
    test_keys = [_band_keys(test_sig, band, rows) for band in range(_MH_BANDS)]
    out: set[int] = set()
    for j, sh in enumerate(test_sh):
        cands: set[int] = set()
        for band in range(_MH_BANDS):
            cands.update(buckets[band].get(test_keys[band][j], ()))
        if not cands:
            continue
        # |A ∩ B| / |A ∪ B| <= min(|A|, |B|) / max(|A|, |B|): sizes too far apart cannot reach
        # the threshold (an exact filter), the others get the exact Jaccard.
        ids = np.fromiter(sorted(cands), dtype=np.int64, count=len(cands))
        sizes = train_len[ids]
        n = len(sh)
        ok = np.minimum(sizes, n) >= jaccard * np.maximum(sizes, n)
        for i in ids[ok]:
            other = train_sh[int(i)]
            if len(sh & other) / len(sh | other) >= jaccard:
                out.add(j)
                break
    return out


def build_dataset(corpus_dir: Path, shared_dir: Path | None) -> Dataset:
    written, sources, held_groups, written_docs = load_written(corpus_dir)
    written = [e for e in written if long_enough(e.text)]
    train = [e for e in written if e.group not in held_groups]
    test = [e for e in written if e.group in held_groups]
    shared_used = False
    docs: list[HeldOutDoc] = []
    if shared_dir is not None and shared_dir.is_dir():
        s_train, s_test, s_info, docs = load_shared(shared_dir)
        if s_info:
            shared_used = True
            sources.update(s_info)
            train.extend(s_train)
            test.extend(s_test)
    for d in written_docs:  # held-out written public documents count as documents too
        if d.held_out and d.label == PUBLIC:
            doc = held_out_document(d.group, "written", list(d.paragraphs), d.genre)
            if doc is not None:
                docs.append(doc)
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
        uniq_train,
        final_test,
        docs,
        sources,
        dict(sorted(dropped.items())),
        shared_used,
        written_docs,
    )


def label_counts(examples: list[Example]) -> dict[str, int]:
    c = Counter(e.label for e in examples)
    return {label: c.get(label, 0) for label in LABELS}


def source_counts(examples: list[Example]) -> dict[str, int]:
    return dict(sorted(Counter(e.source for e in examples).items()))
