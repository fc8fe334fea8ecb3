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
from collections.abc import Sequence
from dataclasses import dataclass

from secreview.fold import fold

ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e\u200e\u200f")


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


@dataclass(frozen=True)
class Normalized:
    text: str
    # offsets[i] = index in the original of normalized char i; offsets[len(text)] = len(original)
    offsets: tuple[int, ...]
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
    mapped, origin = _map_characters(text, fold_characters)
    n = len(mapped)
    pieces: list[str] = []
    out_origin: list[int] = []
    pos = 0
    if _WHITESPACE.search(mapped) is not None:
        for m in _WHITESPACE_RUN.finditer(mapped):
            start, end = m.span()
            if start == 0 or end == n:
                continue
            if _CJK.match(mapped, start - 1) is None and _CJK.match(mapped, end) is None:
                continue
            pieces.append(mapped[pos:start])
            out_origin.extend(origin[pos:start])
            pos = end
    if not pieces:
        if isinstance(origin, range):  # one output character per input character
            return Normalized(mapped, tuple(range(len(text) + 1)), text)
        return Normalized(mapped, (*origin, len(text)), text)
    pieces.append(mapped[pos:])
    out_origin.extend(origin[pos:])
    out_origin.append(len(text))
    return Normalized("".join(pieces), tuple(out_origin), text)


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


def _map_characters(text: str, fold_characters: bool = True) -> tuple[str, Sequence[int]]:
    """Per-character NFKC with zero-width characters dropped, then the one-to-one ``fold``
    (traditional → simplified, star variants → ★, look-alike letters → Latin); origin index
    of each output char."""
    if text.isascii():
        return text, range(len(text))
    mapped, origin = _nfkc_characters(text)
    return (fold(mapped) if fold_characters else mapped), origin


def _nfkc_characters(text: str) -> tuple[str, Sequence[int]]:
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
        return mapped, range(len(text))
    origin: list[int] = []
    pos = 0
    for m in changing.finditer(text):
        start = m.start()
        origin.extend(range(pos, start))
        run_origin = _map_run(m.group())[1]
        if run_origin is None:
            origin.extend(range(start, m.end()))
        else:
            origin.extend([start + i for i in run_origin])
        pos = m.end()
    origin.extend(range(pos, len(text)))
    return mapped, origin
