"""Normalization for matching, with an offset map back to the original text.

- NFKC per character (full-width → half-width: "１２３" → "123", "＊" → "*").
- Zero-width characters and soft hyphens removed.
- Whitespace and line breaks next to CJK characters folded ("秘 密 ★ 1 年" → "秘密★1年"),
  because PDF extraction and Word line wrapping split words. Whitespace between two
  non-CJK characters is kept, so separate numbers never run together.

Every normalized character remembers the index of the original character it came from,
so a match in normalized text maps back to an exact span of the original.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

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


def normalize(text: str) -> Normalized:
    chars: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        if ch in ZERO_WIDTH:
            continue
        if ch.isascii():
            chars.append(ch)
            origin.append(i)
            continue
        for out in unicodedata.normalize("NFKC", ch):
            chars.append(out)
            origin.append(i)

    out_chars: list[str] = []
    out_origin: list[int] = []
    n = len(chars)
    i = 0
    while i < n:
        ch = chars[i]
        if not ch.isspace():
            out_chars.append(ch)
            out_origin.append(origin[i])
            i += 1
            continue
        j = i
        while j < n and chars[j].isspace():
            j += 1
        prev = out_chars[-1] if out_chars else None
        nxt = chars[j] if j < n else None
        fold = prev is not None and nxt is not None and (is_cjk(prev) or is_cjk(nxt))
        if not fold:
            out_chars.extend(chars[i:j])
            out_origin.extend(origin[i:j])
        i = j
    out_origin.append(len(text))
    return Normalized("".join(out_chars), tuple(out_origin), text)
