"""Features of many paragraphs at once: the same TF-IDF as ``predict.LinearModel.features``.

Scoring a paragraph at a time built a ``Counter`` of ~440 n-gram strings and looked each up in
a dict. Here a whole batch of paragraphs is handled as one string and numpy arrays:

- the batch is prepared in one pass (``tokenize.prepare_joined``: lower case, digits, spaces);
- char n-grams are never made into strings: each character becomes its code point + 1
  (1 … 0x110000, 21 bits), an n-gram of up to three characters is those numbers packed into
  one int64, looked up in an open-addressing table of the vocabulary's packed terms (1-grams
  index a table directly);
- words: the batch is cut into pieces at characters where jieba always ends a block, and
  ``WordCache`` keeps each piece's known word indexes; only pieces it has not seen are cut by
  jieba (the C++ engine when installed), all in one call;
- counts: each paragraph's term indexes are sorted in a row of its own (``Hits.decision``),
  runs of equal indexes are the counts; then sublinear tf ``1 + ln(count)`` × idf, L2 per
  block per paragraph, ``X @ coef`` by ``np.add.reduceat``, calibration.

The arithmetic is the model's own; the sums run in another order, so probabilities agree with
the per-paragraph path to ~1e-15 (tests/test_classify_batch.py checks 1e-9 on the corpus, the
fixtures and published text; tests/test_classify_words.py the words of each paragraph).
``Batch.features(r)`` rebuilds one paragraph's ``Features`` exactly as the per-paragraph path
orders them (first occurrence), for the few paragraphs that get a finding: their score and top
terms are then the per-paragraph ones, bit for bit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain, filterfalse, pairwise, repeat
from typing import TYPE_CHECKING, Any

import numpy as np

from secreview.classify.tokenize import JOIN, is_word_feature, pieces, prepare, prepare_joined

if TYPE_CHECKING:
    from secreview.classify.predict import LinearModel


@dataclass
class Features:
    idx: np.ndarray  # int64 feature indexes (word block first, then char block)
    val: np.ndarray  # float64 TF-IDF values


def calibrate(decision: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per-class sigmoid, then normalise rows to sum 1 (uniform where all are 0)."""
    with np.errstate(over="ignore"):
        p = 1.0 / (1.0 + np.exp(a * decision + b))
    total = p.sum(axis=-1, keepdims=True)
    k = p.shape[-1]
    return np.where(total > 0, p / np.where(total > 0, total, 1.0), 1.0 / k)


def ordered_block(seq: np.ndarray, idf: np.ndarray, offset: int) -> Features:
    """``_block`` from the paragraph's known term indexes in token order (same arithmetic)."""
    if seq.size == 0:
        return Features(np.empty(0, np.int64), np.empty(0, np.float64))
    uniq, first, counts = np.unique(seq, return_index=True, return_counts=True)
    order = np.argsort(first, kind="stable")
    local = uniq[order].astype(np.int64)
    tf = 1.0 + np.log(counts[order].astype(np.int64).astype(np.float64))
    val = tf * idf[local]
    norm = float(np.sqrt(np.dot(val, val)))
    if norm > 0:
        val = val / norm
    return Features(local + offset, val)


BITS = 21  # a code point + 1 fits in 21 bits; three of them in an int64
MAX_N = 3


class CharVocab:
    """The char n-gram vocabulary (terms of 1 … 3 characters) as packed integer keys.

    1-grams index a table by code point; longer n-grams are found in an open-addressing hash
    table (multiplicative hash, linear probing, at most a quarter full) probed for the whole
    batch at once.
    """

    def __init__(self, terms: Sequence[str], lo: int, hi: int) -> None:
        self.lo, self.hi = lo, hi
        by_len: dict[int, list[int]] = {}
        for i, term in enumerate(terms):
            if lo <= len(term) <= hi:  # other lengths are never produced by char_ngrams
                by_len.setdefault(len(term), []).append(i)
        packed: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        for n, idx in by_len.items():
            packed[n] = (pack_all([terms[i] for i in idx], n), np.array(idx, dtype=np.int64))
        uni_keys, uni_ids = packed.pop(1, (np.zeros(0, np.int64), np.zeros(0, np.int64)))
        self.uni = np.full(int(uni_keys.max(initial=0)) + 2, -1, dtype=np.int64)  # last: larger
        self.uni[uni_keys] = uni_ids
        keys = np.concatenate([k for k, _ in packed.values()] or [np.zeros(0, np.int64)])
        ids = np.concatenate([i for _, i in packed.values()] or [np.zeros(0, np.int64)])
        self.bits = max(4, (4 * len(keys)).bit_length())
        self.keys, self.ids, self.max_probe = _hash_table(keys.view(np.uint64), ids, self.bits)
        # Key and term index side by side: a probe reads one 16-byte slot (one cache line),
        # gathered as complex128, numpy's fast 16-byte copy.
        slots = np.empty((len(self.keys), 2), dtype=np.uint64)
        slots[:, 0] = self.keys
        slots[:, 1] = self.ids.view(np.uint64)
        self.slots = slots.view(np.complex128).ravel()

    def lookup(self, n: int, key: np.ndarray) -> np.ndarray:
        """Term index of each packed n-gram (int64 array), -1 when not in the vocabulary."""
        if n == 1:
            return self.uni[np.minimum(key, len(self.uni) - 1)]
        k = key.view(np.uint64)
        mask = len(self.keys) - 1
        slot = _slots(k, self.bits)
        pair = self.slots[slot].view(np.uint64).reshape(-1, 2)
        found = pair[:, 0]
        hit = found == k
        out = np.where(hit, pair[:, 1].view(np.int64), -1)
        pending = np.flatnonzero(~hit & (found != 0))
        for probe in range(1, self.max_probe + 1):
            if not pending.size:
                break
            s = (slot[pending] + probe) & mask
            found = self.keys[s]
            hit = found == k[pending]
            out[pending[hit]] = self.ids[s[hit]]
            pending = pending[~hit & (found != 0)]
        return out


_MULT = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing


def _slots(key: np.ndarray, bits: int) -> np.ndarray:
    return ((key * _MULT) >> np.uint64(64 - bits)).astype(np.int64)


def _hash_table(
    todo_keys: np.ndarray, todo_ids: np.ndarray, bits: int
) -> tuple[np.ndarray, np.ndarray, int]:
    """Keys (distinct, >= 1) and values in 2**bits slots by linear probing, a round at a time."""
    size = 1 << bits
    keys = np.zeros(size, dtype=np.uint64)  # 0: empty
    ids = np.full(size, -1, dtype=np.int64)
    home = _slots(todo_keys, bits)
    probe = np.zeros(len(todo_keys), dtype=np.int64)
    max_probe = 0
    while todo_keys.size:
        slot = (home + probe) & (size - 1)
        free = keys[slot] == 0
        # Of the keys wanting the same free slot, the first takes it; the rest probe on.
        _, first = np.unique(slot, return_index=True)
        take = np.zeros(len(slot), dtype=bool)
        take[first] = True
        take &= free
        keys[slot[take]] = todo_keys[take]
        ids[slot[take]] = todo_ids[take]
        if take.any():
            max_probe = max(max_probe, int(probe[take].max()))
        keep = ~take
        todo_keys, todo_ids, home, probe = todo_keys[keep], todo_ids[keep], home[keep], probe[keep]
        probe += 1
    return keys, ids, max_probe


def codes(text: str) -> np.ndarray:
    """Code point + 1 of every character (int64; lone surrogates included)."""
    raw = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")
    return raw.astype(np.int64) + 1


def pack_all(grams: Sequence[str], n: int) -> np.ndarray:
    """The packed keys of n-character strings: (c1 + 1) << 42 | (c2 + 1) << 21 | (c3 + 1)."""
    c = codes("".join(grams)).reshape(len(grams), n)
    key = c[:, 0].copy()
    for k in range(1, n):
        key <<= BITS
        key |= c[:, k]
    return key


_TF = 1.0 + np.log(np.arange(1, 257, dtype=np.float64))  # sublinear tf of counts 1 … 256
_TF = np.concatenate([[np.nan], _TF])  # indexed by the count itself
_PAD = np.iinfo(np.int32).max  # after every term index in a sorted row


def _ceil_log2(n: np.ndarray) -> np.ndarray:
    """Smallest e with 2**e >= n, for n >= 1: the bit length of n - 1 (frexp is exact)."""
    return np.frexp(np.maximum(n - 1, 0).astype(np.float64))[1].astype(np.int64)


def supported(lo: int, hi: int) -> bool:
    return 1 <= lo <= hi <= MAX_N


class Hits:
    """Known terms of one block over a batch: term index and paragraph of each occurrence.

    ``parts`` keeps the occurrences in the per-paragraph path's order: for words the jieba
    order, for chars all 1-grams of a paragraph, then its 2-grams, then its 3-grams; each part
    is sorted by paragraph, ``bounds[k][r]`` … ``bounds[k][r + 1]`` being paragraph r's slice.
    """

    def __init__(self, n_rows: int) -> None:
        self.n_rows = n_rows
        self.parts: list[tuple[np.ndarray, np.ndarray]] = []  # (ids, rows)
        self.bounds: list[np.ndarray] = []

    def add(self, ids: np.ndarray, rows: np.ndarray) -> None:
        known = ids >= 0
        ids, rows = ids[known], rows[known]
        self.parts.append((ids, rows))
        self.bounds.append(np.searchsorted(rows, np.arange(self.n_rows + 1)))

    def sequence(self, r: int) -> np.ndarray:
        """Paragraph r's known term indexes in the per-paragraph path's order."""
        return np.concatenate(
            [ids[b[r] : b[r + 1]] for (ids, _), b in zip(self.parts, self.bounds, strict=True)]
        )

    def decision(self, idf: np.ndarray, coef: np.ndarray) -> np.ndarray:
        """``X @ coef.T`` for the batch's TF-IDF X (sublinear tf, L2 per paragraph): (rows, k).

        numpy only (scipy.sparse would add ~0.2 s to every cold start). Counting a
        paragraph's terms needs them sorted. One sort of the whole batch is slow (numpy's
        introsort, ~30 ns a value); sorting the rows of a matrix, one paragraph a row, runs in
        sorting networks (~1 ns a value). So each paragraph gets a segment of one buffer, its
        count rounded up to a power of two and padded after its terms; the segments of one
        width are consecutive, a matrix sorted row by row; runs of equal term indexes in a
        segment are then the counts.
        """
        out = np.zeros((self.n_rows, coef.shape[0]), dtype=np.float64)
        filled = np.zeros(self.n_rows, dtype=np.int64)  # each paragraph's occurrences so far
        places = []
        for (_, rows), bound in zip(self.parts, self.bounds, strict=True):
            places.append(np.arange(len(rows), dtype=np.int64) - bound[rows] + filled[rows])
            filled += np.diff(bound)
        if not filled.any():
            return out
        width = np.where(filled > 0, np.left_shift(1, np.maximum(3, _ceil_log2(filled))), 0)
        order = np.argsort(width, kind="stable")  # paragraphs by width: one matrix per width
        seg = width[order]
        offset = np.empty(self.n_rows, dtype=np.int64)
        offset[order] = np.cumsum(seg) - seg
        buf = np.full(int(seg.sum()), _PAD, dtype=np.int32)
        for (ids, rows), place in zip(self.parts, places, strict=True):
            buf[offset[rows] + place] = ids
        edges = np.flatnonzero(np.diff(seg, prepend=0, append=0))  # where the width changes
        for a, b in pairwise(edges.tolist()):
            if seg[a]:
                start, stop = int(offset[order[a]]), int(offset[order[b - 1]] + seg[b - 1])
                buf[start:stop].reshape(b - a, int(seg[a])).sort(axis=1)
        terms = buf[buf != _PAD]  # each paragraph's terms sorted, paragraphs in `order`
        lens = filled[order]
        present = lens > 0
        begin = (np.cumsum(lens) - lens)[present]
        first = np.empty(len(terms), dtype=bool)
        first[0] = True
        np.not_equal(terms[1:], terms[:-1], out=first[1:])
        first[begin] = True  # a run never crosses into the next paragraph
        starts = np.flatnonzero(first)
        counts = np.diff(starts, append=len(terms))
        term = terms[starts]
        at = np.searchsorted(starts, begin)  # each paragraph's first (paragraph, term) pair
        # 1 + ln(count): most counts are 1, a table serves them all (np.log's own values).
        tf = _TF[np.minimum(counts, len(_TF) - 1)]
        big = np.flatnonzero(counts >= len(_TF))
        tf[big] = 1.0 + np.log(counts[big].astype(np.float64))
        val = tf * idf[term]
        norm = np.sqrt(np.add.reduceat(val * val, at))
        norm[norm == 0] = 1.0
        which = order[present]
        for j in range(coef.shape[0]):  # coef is (classes, terms): contiguous per class
            out[which, j] = np.add.reduceat(coef[j][term] * val, at) / norm
        return out


def char_hits(vocab: CharVocab, texts: Sequence[str]) -> Hits:
    """Char n-grams (vocab.lo … vocab.hi) of prepared texts, spaces removed, as in char_ngrams."""
    strs = [t.replace(" ", "") for t in texts]
    lens = np.fromiter(map(len, strs), dtype=np.int64, count=len(strs))
    return _char_hits(vocab, codes("".join(strs)), lens)


def joined_char_hits(vocab: CharVocab, joined: str, n_rows: int) -> Hits:
    """``char_hits`` of the paragraphs of ``JOIN.join(texts)`` (no text holding ``JOIN``)."""
    code = codes(joined.replace(" ", ""))
    ends = np.flatnonzero(code == ord(JOIN) + 1)
    assert len(ends) == n_rows - 1
    lens = np.diff(ends, prepend=-1, append=len(code)) - 1
    return _char_hits(vocab, np.delete(code, ends), lens)


def _char_hits(vocab: CharVocab, code: np.ndarray, lens: np.ndarray) -> Hits:
    """Char n-grams of paragraphs given as their concatenated codes and their lengths."""
    hits = Hits(len(lens))
    rows = np.repeat(np.arange(len(lens), dtype=np.int64), lens)
    ends = np.cumsum(lens)
    total = len(code)
    for n in range(vocab.lo, vocab.hi + 1):
        m = total - n + 1
        if m <= 0:
            hits.add(np.empty(0, np.int64), np.empty(0, np.int64))
            continue
        key = code[:m].copy()
        for k in range(1, n):
            key <<= BITS
            key |= code[k : k + m]
        ids = vocab.lookup(n, key)
        # An n-gram starting in the last n - 1 characters of a paragraph runs into the next.
        for back in range(1, n):
            cut = ends - back
            ok = (lens >= back) & (cut < m)
            ids[cut[ok]] = -1
        hits.add(ids, rows[:m])
    return hits


class WordCache:
    """Known word indexes of each piece of text jieba cuts (``tokenize.pieces``), kept for the
    model's lifetime (at most ``limit`` pieces: then it starts again).

    A batch's words are the words of its pieces in order; only pieces not seen before are cut,
    all at once, joined by a newline (a jieba block boundary, like each separator). Repeated
    pieces — headings, table cells, set phrases, 〔0000〕-style numbers once digits are 0 —
    then cost a dict look-up. A piece's value: its known word indexes, int32 bytes.
    """

    def __init__(self, tokenizer: Any, index: dict[str, int], filtered: bool, limit: int) -> None:
        self.cut = tokenizer.lcut  # jieba and jieba_fast_dat: cut() as a list
        self.index = {**index, "\n": -2}
        self.filtered = filtered
        self.limit = limit
        self.known: dict[str, bytes] = {}

    def hits(self, joined: str, n_rows: int) -> Hits:
        """Word hits of the paragraphs of a prepared, joined batch (``prepare_joined``)."""
        if len(self.known) > self.limit:
            self.known = {}
        known = self.known  # this batch's values stay in it, whatever another thread does
        per_row = [pieces(p) for p in joined.split(JOIN)]
        assert len(per_row) == n_rows
        parts = list(chain.from_iterable(per_row))
        known.update(self._cut_new(dict.fromkeys(filterfalse(known.__contains__, parts))))
        vals = list(map(known.__getitem__, parts))
        ids = np.frombuffer(b"".join(vals), dtype=np.int32).astype(np.int64)
        lens = np.fromiter(map(len, vals), dtype=np.int64, count=len(vals)) >> 2
        n_parts = np.fromiter(map(len, per_row), dtype=np.int64, count=n_rows)
        row = np.repeat(np.arange(n_rows, dtype=np.int64), n_parts)
        hits = Hits(n_rows)
        hits.add(ids, np.repeat(row, lens))
        return hits

    def _cut_new(self, todo: dict[str, None]) -> dict[str, bytes]:
        """Values of new pieces: cut as one string, then split at the newline tokens."""
        if not todo:
            return {}
        texts = list(todo)
        ids = self._ids(self.cut("\n".join(texts), HMM=False))
        sep = ids == -2
        if int(sep.sum()) != len(texts) - 1:  # never seen: then each piece on its own
            out = {}
            for t in texts:
                alone = self._ids(self.cut(t, HMM=False))
                out[t] = alone[alone >= 0].astype(np.int32).tobytes()
            return out
        known = ids >= 0
        raw = ids[known].astype(np.int32).tobytes()
        piece = np.cumsum(sep)[known]
        bounds = (np.searchsorted(piece, np.arange(len(texts) + 1)) * 4).tolist()
        return dict(zip(texts, [raw[a:b] for a, b in pairwise(bounds)], strict=True))

    def _ids(self, tokens: list[str]) -> np.ndarray:
        """Word index of each token (int64), -2 for a newline, -1 when not a known word."""
        index = self.index
        if self.filtered:
            return np.fromiter(
                (index.get(t, -1) if t == "\n" or is_word_feature(t) else -1 for t in tokens),
                dtype=np.int64,
                count=len(tokens),
            )
        return np.fromiter(map(index.get, tokens, repeat(-1)), dtype=np.int64, count=len(tokens))


def word_hits(
    index: dict[str, int], words: Sequence[list[str]], filtered: bool
) -> tuple[Hits, list[int]]:
    """Word hits of per-paragraph jieba tokens (``filtered``: apply word_tokens' filter)."""
    if filtered:
        words = [[w for w in ws if is_word_feature(w)] for ws in words]
    lens = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
    flat = chain.from_iterable(words)
    total = int(lens.sum())
    ids = np.fromiter(map(index.get, flat, repeat(-1)), dtype=np.int64, count=total)
    hits = Hits(len(words))
    hits.add(ids, np.repeat(np.arange(len(words), dtype=np.int64), lens))
    return hits, lens.tolist()


# glibc's malloc gives the heap's free top back to the system beyond 128 KiB, so each large
# temporary array (a batch has dozens of ~1 MB) comes back as fresh pages, one fault per 4 KiB
# (~12,000 faults, ~12 % of the batch path's CPU time on 3,000 paragraphs). Up to 64 MiB of
# freed heap is kept for the next array, and arrays under 32 MiB (glibc's own ceiling for its
# adaptive threshold) come from the heap; the peak is unchanged (freed memory is reused).
_MALLOC_TRIM_THRESHOLD, _MALLOC_MMAP_THRESHOLD = -1, -3  # M_TRIM_THRESHOLD, M_MMAP_THRESHOLD
_malloc_tuned = False


def keep_freed_memory() -> None:
    """Tune glibc's malloc once per process as above (nothing elsewhere: no ``mallopt``)."""
    global _malloc_tuned
    if _malloc_tuned:
        return
    _malloc_tuned = True
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    mallopt(_MALLOC_TRIM_THRESHOLD, 64 << 20)
    mallopt(_MALLOC_MMAP_THRESHOLD, 32 << 20)


class Batch:
    """Scores of a batch of normalized paragraphs (``proba``: one row per paragraph)."""

    def __init__(self, model: LinearModel, texts: Sequence[str]) -> None:
        keep_freed_memory()
        self.model = model
        self.proba: np.ndarray
        self._exact: list[Features] | None = None
        if model.char_vocab is None:  # n-grams longer than MAX_N: the per-paragraph path
            self._exact = [model.features(t) for t in texts]
            rows = [model.proba_features(f) for f in self._exact]
            self.proba = np.array(rows).reshape(len(texts), len(model.labels))
            return
        joined = prepare_joined(list(texts)) if texts else None
        if joined is not None:
            self.words = model.word_cache.hits(joined, len(texts))
            self.chars = joined_char_hits(model.char_vocab, joined, len(texts))
        else:  # a text holds JOIN: paragraph by paragraph
            prepared = [prepare(t) for t in texts]
            cut = model.tokenizer.lcut  # jieba and jieba_fast_dat: cut() as a list
            tokens = [cut(p, HMM=False) for p in prepared]
            self.words, _ = word_hits(model.word_index, tokens, model.filter_words)
            self.chars = char_hits(model.char_vocab, prepared)
        decision = (
            self.words.decision(model.idf_word, model.coef_word)
            + self.chars.decision(model.idf_char, model.coef_char)
            + model.intercept
        )
        self.proba = calibrate(np.asarray(decision), model.calib_a, model.calib_b).reshape(
            len(texts), len(model.labels)
        )

    def features(self, r: int) -> Features:
        """Paragraph r's features exactly as ``LinearModel.features`` gives them."""
        if self._exact is not None:
            return self._exact[r]
        w = ordered_block(self.words.sequence(r), self.model.idf_word, 0)
        c = ordered_block(self.chars.sequence(r), self.model.idf_char, self.model.n_word)
        return Features(np.concatenate([w.idx, c.idx]), np.concatenate([w.val, c.val]))
