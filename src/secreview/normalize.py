"""Normalization for matching, with an offset map back to the original text.

- NFKC per character (full-width → half-width: "１２３" → "123", "＊" → "*").
- Zero-width characters and soft hyphens removed.
- One-to-one folding (``secreview.fold``): traditional and variant characters → simplified
  (機密 → 机密), star variants → ★, Greek/Cyrillic look-alikes → Latin.
- Whitespace and line breaks next to CJK characters folded ("秘 密 ★ 1 年" → "秘密★1年"),
  because PDF extraction and Word line wrapping split words. Whitespace between two
  non-CJK characters is kept, so separate numbers never run together.

Every normalized character remembers the index of the original character it came from,
so a match in normalized text maps back to an exact span of the original.

Speed: the characters NFKC or zero-width removal can change are found with one regex (built
once from ``unicodedata``) and mapped run by run; whitespace runs are found with a regex and
only those next to CJK are dropped. tests/test_normalize_reference.py holds the plain
character-by-character version this must match exactly (text and offsets).
"""

from __future__ import annotations

import re
import unicodedata
from array import array
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from secreview.fold import fold
from secreview.offsets import SEPARATOR, ZERO_WIDTH, OffsetMap

__all__ = [
    "SEPARATOR",
    "ZERO_WIDTH",
    "Normalized",
    "OffsetMap",
    "is_cjk",
    "normalize",
    "normalize_many",
]


def is_cjk(ch: str) -> bool:
    """CJK ideographs, CJK punctuation/brackets, and the marking star."""
    o = ord(ch)
    return (
        0x4E00 <= o <= 0x9FFF
        or 0x3400 <= o <= 0x4DBF
        or 0x20000 <= o <= 0x2FA1F
        or 0xF900 <= o <= 0xFAFF
        or 0x3000 <= o <= 0x303F  # 、。〈〉《》「」【】〔〕
        or 0xFF00 <= o <= 0xFFEF  # full-width forms left after NFKC (、。 etc.)
        or o in (0x2605, 0x2606, 0x2018, 0x2019, 0x201C, 0x201D, 0x2014, 0x2026)
    )


class _Runs:
    """Builds an OffsetMap position by position, merging positions that continue a run."""

    __slots__ = ("starts", "origins")

    def __init__(self) -> None:
        self.starts = array("q")
        self.origins = array("q")

    def add(self, at: int, origin: int) -> None:
        """Normalized position ``at`` (and those after it, until the next ``add``) comes
        from original index ``origin`` onwards."""
        if self.starts and self.origins[-1] + (at - self.starts[-1]) == origin:
            return  # continues the current run
        if self.starts and self.starts[-1] == at:
            self.origins[-1] = origin  # an empty run is replaced
            return
        self.starts.append(at)
        self.origins.append(origin)

    def add_from(self, at: int, source: OffsetMap, lo: int, hi: int, shift: int = 0) -> None:
        """Positions ``at …`` take the offsets ``source[lo:hi]`` (run by run), plus ``shift``."""
        starts, origins = source._starts, source._origins
        k = bisect_right(starts, lo) - 1
        while lo < hi:
            stop = min(hi, starts[k + 1] if k + 1 < len(starts) else hi)
            self.add(at, origins[k] + (lo - starts[k]) + shift)
            at += stop - lo
            lo = stop
            k += 1

    def build(self, length: int) -> OffsetMap:
        return OffsetMap(self.starts, self.origins, length)


@dataclass(frozen=True, slots=True)
class Normalized:
    text: str
    # offsets[i] = index in the original of normalized char i; offsets[len(text)] = len(original)
    offsets: OffsetMap
    original: str

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map a normalized half-open span to the original half-open span."""
        if end <= start:
            pos = self.offsets[min(start, len(self.text))]
            return pos, pos
        return self.offsets[start], self.offsets[end - 1] + 1

    def original_text(self, start: int, end: int) -> str:
        s, e = self.span(start, end)
        return self.original[s:e]


def normalize(text: str, *, fold_characters: bool = True) -> Normalized:
    """``fold_characters=False`` skips the one-to-one ``fold`` (the classifier's training
    corpus: the shipped model was trained on text normalized without it)."""
    mapped, offsets = _normalize(text, fold_characters, False)
    return Normalized(mapped, offsets, text)


def normalize_many(
    texts: Sequence[str], *, fold_characters: bool = True
) -> tuple[str, array[int], array[int], OffsetMap]:
    """``texts`` normalized in one pass: (their normalized texts joined by SEPARATOR, where
    each starts in it, where each original starts in the originals joined by SEPARATOR, the
    offset map of the joined text into the joined originals). Both start arrays have one
    entry more than ``texts``: the end of the last text plus one.

    Text ``k`` is ``joined[starts[k] : starts[k + 1] - 1]`` and its own offset map is
    ``offsets.part(starts[k], starts[k + 1] - 1, origin_starts[k])`` — exactly what
    ``normalize(texts[k])`` gives: whitespace next to a separator is a text's first or last
    and stays, as it does at the ends of a text normalized alone.
    """
    origin_starts = array("q", [0])
    pos = 0
    for t in texts:
        pos += len(t) + 1
        origin_starts.append(pos)
    joined = SEPARATOR.join(texts)
    if not texts:
        return "", array("q", [0]), origin_starts, OffsetMap.identity(0)
    if joined.count(SEPARATOR) == len(texts) - 1:
        mapped, offsets = _normalize(joined, fold_characters, True)
        starts = array("q", [0])
        at = mapped.find(SEPARATOR)
        while at != -1:
            starts.append(at + 1)
            at = mapped.find(SEPARATOR, at + 1)
        starts.append(len(mapped) + 1)
        return mapped, starts, origin_starts, offsets
    # A text holds the separator itself (rare): one at a time, then their maps joined.
    runs = _Runs()
    parts: list[str] = []
    starts = array("q", [0])
    at = 0
    for k, t in enumerate(texts):
        got, offsets = _normalize(t, fold_characters, False)
        parts.append(got)
        runs.add_from(at, offsets, 0, len(got) + 1, shift=origin_starts[k])
        at += len(got) + 1
        starts.append(at)
    return SEPARATOR.join(parts), starts, origin_starts, runs.build(max(at, 1))


def _normalize(text: str, fold_characters: bool, separated: bool) -> tuple[str, OffsetMap]:
    """(normalized text, its offset map); ``separated``: SEPARATOR ends a text (whitespace
    next to it is at a text's end and is kept)."""
    if text.isascii():  # nothing NFKC or fold changes, and no CJK for whitespace to touch
        return text, OffsetMap.identity(len(text))
    if _BULK_MIN <= len(text) <= _BULK_MAX:
        from secreview import normalize_bulk

        return normalize_bulk.normalize(text, fold_characters, separated)
    mapped, origin = _map_characters(text, fold_characters)
    n = len(mapped)
    kept: list[tuple[int, int]] = []
    pos = 0
    if _WHITESPACE.search(mapped) is not None:
        for m in _WHITESPACE_RUN.finditer(mapped):
            start, end = m.span()
            if start == 0 or end == n:
                continue
            before, after = mapped[start - 1], mapped[end]
            if separated and (before == SEPARATOR or after == SEPARATOR):
                continue
            if _CJK.match(before) is None and _CJK.match(after) is None:
                continue
            kept.append((pos, start))
            pos = end
    if not kept:
        return mapped, origin
    kept.append((pos, n))
    runs = _Runs()
    at = 0
    for lo, hi in kept:
        runs.add_from(at, origin, lo, hi)
        at += hi - lo
    runs.add(at, len(text))
    return "".join(mapped[lo:hi] for lo, hi in kept), runs.build(at + 1)


# Texts this long (and not longer than _BULK_MAX) are normalized with numpy, all characters
# at once (normalize_bulk.py); shorter ones, where numpy's per-call cost dominates, and huge
# ones, whose per-character arrays would cost memory, run by regex below.
_BULK_MIN = 512
_BULK_MAX = 1_000_000  # ~40 bytes a character while numpy runs: at most ~40 MB


# ------------------------------------------------------------------ per-character NFKC

_WHITESPACE = re.compile(r"\s")  # the same characters as str.isspace()
_WHITESPACE_RUN = re.compile(r"\s+")
_CJK = re.compile(
    "[\u4e00-\u9fff\u3400-\u4dbf\U00020000-\U0002fa1f\uf900-\ufaff\u3000-\u303f\uff00-\uffef"
    "\u2605\u2606\u2018\u2019\u201c\u201d\u2014\u2026]"
)  # exactly is_cjk()
_RUN_CACHE_LIMIT = 4096
_RUN_CACHE_MAX_LEN = 16
_run_cache: dict[str, tuple[str, tuple[int, ...] | None]] = {}
_changing: re.Pattern[str] | None = None


def _changing_runs() -> re.Pattern[str]:
    """Runs of characters that per-character NFKC or zero-width removal may change.

    Built once per process from ``unicodedata`` (so it follows the running Python's Unicode
    version): the BMP characters that NFKC changes, the zero-width set, and every astral
    character (rare; the mapping below leaves the unchanged ones as they are).
    """
    global _changing
    if _changing is None:
        points = sorted(
            {
                cp
                for cp in range(0x80, 0x10000)
                if not 0xD800 <= cp <= 0xDFFF and not unicodedata.is_normalized("NFKC", chr(cp))
            }
            | {ord(ch) for ch in ZERO_WIDTH}
        )
        ranges: list[list[int]] = []
        for cp in points:
            if ranges and ranges[-1][1] == cp - 1:
                ranges[-1][1] = cp
            else:
                ranges.append([cp, cp])
        cls = "".join(
            re.escape(chr(lo)) if lo == hi else f"{re.escape(chr(lo))}-{re.escape(chr(hi))}"
            for lo, hi in ranges
        )
        _changing = re.compile(f"[{cls}\U00010000-\U0010ffff]+")
    return _changing


def _map_run(run: str) -> tuple[str, tuple[int, ...] | None]:
    """A run mapped character by character; the run-relative origin of each output character,
    or None when every character maps to exactly one."""
    got = _run_cache.get(run)
    if got is not None:
        return got
    parts = ["" if ch in ZERO_WIDTH else unicodedata.normalize("NFKC", ch) for ch in run]
    if all(len(p) == 1 for p in parts):
        got = ("".join(parts), None)
    else:
        got = ("".join(parts), tuple(i for i, p in enumerate(parts) for _ in p))
    if len(run) <= _RUN_CACHE_MAX_LEN:
        if len(_run_cache) >= _RUN_CACHE_LIMIT:
            _run_cache.clear()
        _run_cache[run] = got
    return got


def _map_characters(text: str, fold_characters: bool = True) -> tuple[str, OffsetMap]:
    """Per-character NFKC with zero-width characters dropped, then the one-to-one ``fold``
    (traditional → simplified, star variants → ★, look-alike letters → Latin); the offset
    map of the result (one entry past its end, for the original's length)."""
    if text.isascii():
        return text, OffsetMap.identity(len(text))
    mapped, origin = _nfkc_characters(text)
    return (fold(mapped) if fold_characters else mapped), origin


def _nfkc_characters(text: str) -> tuple[str, OffsetMap]:
    resized = False

    def mapped_run(m: re.Match[str]) -> str:
        nonlocal resized
        mapped, run_origin = _map_run(m.group())
        if run_origin is not None:
            resized = True
        return mapped

    changing = _changing_runs()
    mapped = changing.sub(mapped_run, text)
    if not resized:
        return mapped, OffsetMap.identity(len(text))
    runs = _Runs()
    at = 0
    pos = 0
    for m in changing.finditer(text):
        start = m.start()
        runs.add(at, pos)
        at += start - pos
        out, run_origin = _map_run(m.group())
        if run_origin is None:
            runs.add(at, start)
        else:
            for j, o in enumerate(run_origin):
                runs.add(at + j, start + o)
        at += len(out)
        pos = m.end()
    runs.add(at, pos)
    at += len(text) - pos
    runs.add(at, len(text))
    return mapped, runs.build(at + 1)
