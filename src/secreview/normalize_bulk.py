"""``normalize`` of a long text with numpy: every character at once, no Python per character.

The same steps as ``secreview.normalize`` (which calls this for texts of ``_BULK_MIN`` …
``_BULK_MAX`` characters), on the code points of the text as one uint32 array:

1. per character: a table of the BMP maps each code point to the one character per-character
   NFKC and ``fold`` give it; the characters that give none (zero-width) or several (ﬁ → fi,
   ½ → 1⁄2) and every astral character are mapped one by one in Python (rare);
2. whitespace: runs of ``str.isspace`` characters, dropped where the character before or
   after is CJK — not at either end of the text, nor (``separated``) next to SEPARATOR;
3. offsets: the original index of each character left, stored as runs (``OffsetMap``).

tests/test_normalize_reference.py checks this path and the regex one against the plain
character-by-character reference (text and offsets).
"""

from __future__ import annotations

import threading
import unicodedata
from array import array
from typing import Any

import numpy as np

from secreview.fold import fold, table
from secreview.offsets import SEPARATOR, ZERO_WIDTH, OffsetMap

BMP = 0x10000
_ASTRAL_CJK = (0x20000, 0x2FA1F)  # the astral range of is_cjk()
_lock = threading.Lock()
_tables: dict[bool, _Tables] = {}


class _Tables:
    """Per BMP code point: the one character it maps to (``one``), whether it maps to zero
    or several (``special``), whether it is whitespace and whether it is CJK."""

    def __init__(self, fold_characters: bool) -> None:
        self.fold_characters = fold_characters
        one = np.arange(BMP, dtype="<u4")
        special = np.zeros(BMP, dtype=bool)
        if fold_characters:
            for cp, out in table().items():
                if 0x80 <= cp < BMP:
                    one[cp] = ord(out)
        for cp in range(0x80, BMP):
            if 0xD800 <= cp <= 0xDFFF:
                continue
            ch = chr(cp)
            if ch in ZERO_WIDTH:
                special[cp] = True
            elif not unicodedata.is_normalized("NFKC", ch):
                out = self.expand(cp)
                if len(out) == 1:
                    one[cp] = ord(out)
                else:
                    special[cp] = True
        self.one = one
        self.special = special
        self.space = np.zeros(BMP, dtype=bool)
        self.space[[cp for cp in range(BMP) if chr(cp).isspace()]] = True
        cjk = np.zeros(BMP, dtype=bool)
        for lo, hi in ((0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0xF900, 0xFAFF)):
            cjk[lo : hi + 1] = True
        cjk[0x3000 : 0x303F + 1] = True
        cjk[0xFF00 : 0xFFEF + 1] = True
        cjk[[0x2605, 0x2606, 0x2018, 0x2019, 0x201C, 0x201D, 0x2014, 0x2026]] = True
        self.cjk = cjk
        self.cache: dict[int, str] = {}

    def expand(self, cp: int) -> str:
        """What one character becomes: "" (zero-width), its NFKC (then folded)."""
        ch = chr(cp)
        if ch in ZERO_WIDTH:
            return ""
        if cp < 0x80:
            return ch
        out = unicodedata.normalize("NFKC", ch)
        return fold(out) if self.fold_characters else out

    def expanded(self, cp: int) -> str:
        got = self.cache.get(cp)
        if got is None:
            got = self.cache[cp] = self.expand(cp)
        return got


def tables(fold_characters: bool) -> _Tables:
    got = _tables.get(fold_characters)
    if got is None:
        with _lock:
            got = _tables.get(fold_characters)
            if got is None:
                got = _tables[fold_characters] = _Tables(fold_characters)
    return got


def _codes(text: str) -> Any:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")


def normalize(text: str, fold_characters: bool, separated: bool) -> tuple[str, OffsetMap]:
    t = tables(fold_characters)
    a = _codes(text)
    n = a.size
    astral = n > 0 and int(a.max()) >= BMP
    index = np.minimum(a, BMP - 1) if astral else a
    codes = t.one[index]
    special = t.special[index]
    if astral:
        special |= a >= BMP
    origin: Any = None  # None: every character kept its place
    at = np.flatnonzero(special)
    if at.size:
        outs = [t.expanded(cp) for cp in a[at].tolist()]
        sizes = np.fromiter(map(len, outs), dtype=np.int64, count=len(outs))
        if bool((sizes == 1).all()):
            codes[at] = [ord(o) for o in outs]
        else:
            lengths = np.ones(n, dtype=np.int64)
            lengths[at] = sizes
            origin = np.repeat(np.arange(n, dtype=np.int64), lengths)
            codes = np.repeat(codes, lengths)
            expansion = _codes("".join(outs))
            if expansion.size:
                first = np.cumsum(lengths)[at] - sizes  # where each special's output starts
                shift = first - (np.cumsum(sizes) - sizes)
                codes[np.repeat(shift, sizes) + np.arange(expansion.size)] = expansion
    codes, origin = _fold_whitespace(codes, origin, t, separated)
    mapped = codes.astype("<u4", copy=False).tobytes().decode("utf-32-le", "surrogatepass")
    if origin is None:
        return mapped, OffsetMap.identity(len(mapped))
    return mapped, _runs(origin, len(text))


def _fold_whitespace(codes: Any, origin: Any, t: _Tables, separated: bool) -> tuple[Any, Any]:
    """Drop the whitespace runs next to CJK (not at either end, nor next to SEPARATOR)."""
    n = codes.size
    if n < 3:
        return codes, origin
    wide = int(codes.max()) >= BMP
    index = np.minimum(codes, BMP - 1) if wide else codes
    space = t.space[index]
    if not space.any():
        return codes, origin
    edges = np.diff(space.view(np.int8), prepend=np.int8(0), append=np.int8(0))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    inner = (starts > 0) & (ends < n)
    starts, ends = starts[inner], ends[inner]
    if not starts.size:
        return codes, origin
    before, after = index[starts - 1], index[ends]
    drop = t.cjk[before] | t.cjk[after]
    if wide:
        lo, hi = _ASTRAL_CJK
        wide_before, wide_after = codes[starts - 1], codes[ends]
        drop |= ((wide_before >= lo) & (wide_before <= hi)) | (
            (wide_after >= lo) & (wide_after <= hi)
        )
    if separated:
        sep = ord(SEPARATOR)
        drop &= (before != sep) & (after != sep)
    starts, ends = starts[drop], ends[drop]
    if not starts.size:
        return codes, origin
    mark = np.zeros(n + 1, dtype=np.int32)
    mark[starts] = 1
    mark[ends] = -1
    keep = np.cumsum(mark[:n]) == 0
    if origin is None:
        origin = np.arange(n, dtype=np.int64)
    return codes[keep], origin[keep]


def _runs(origin: Any, original_length: int) -> OffsetMap:
    """The OffsetMap of per-character origins (and ``original_length`` one past the end)."""
    full = np.empty(origin.size + 1, dtype=np.int64)
    full[:-1] = origin
    full[-1] = original_length
    breaks = np.flatnonzero(np.diff(full) != 1) + 1
    starts = np.empty(breaks.size + 1, dtype=np.int64)
    starts[0] = 0
    starts[1:] = breaks
    run_starts, run_origins = array("q"), array("q")
    run_starts.frombytes(starts.tobytes())
    run_origins.frombytes(full[starts].tobytes())
    return OffsetMap(run_starts, run_origins, full.size)
