"""The fast ``normalize`` gives exactly the text and offsets of the plain per-character one.

``reference_normalize`` is the original implementation (one NFKC call per character, then a
second pass folding whitespace runs next to CJK), kept here as the specification.
"""

from __future__ import annotations

import sys
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from secreview.fold import fold_char
from secreview.normalize import ZERO_WIDTH, OffsetMap, is_cjk, normalize


def reference_normalize(text: str) -> tuple[str, tuple[int, ...]]:
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
            chars.append(fold_char(out))
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
    return "".join(out_chars), tuple(out_origin)


RICH = (
    "秘密机密绝密★☆＊内部资料、。，；：“”‘’—…《》【】〔〕"  # CJK, CJK punctuation, star
    "機絕祕絶長級內資✭✩✯⭐ЅЕСРТΕΤ"  # traditional/variant forms, star variants, look-alikes
    "０１２３ＡＢｚ（）％＃"  # full-width forms
    "\u3000\u00a0\u2002\u202f\u1680\u2028\u0085\x1c\x1f"  # ideographic, no-break, odd spaces
    "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e\u200e\u200f"  # zero-width and soft hyphen
    "ﬁﬂﬃ㍱㎏㏄"  # ligatures and squared compatibility forms
    "①⑳㈠㊙Ⅻⅸ⁵₂½"  # circled, parenthesized, roman numerals, super/subscripts, fractions
    "\u0301\u0308\u0344\u0f73e\u00e9\u1e9b\u00a8\u00b4\u2126\u212b"  # combining marks, composites
    "가\u1100\u1161ｶﾞ\uff9e"  # Hangul syllable and jamo, half-width katakana and its sound mark
    "\U00020000\U0002f800\uf900\ufa10𝐀𝟘"  # astral CJK, compatibility ideographs, math letters
    " \n\t\r\x0b\x0cabc019 -_.,:"  # ASCII
)
TEXT = st.text(alphabet=st.sampled_from(list(RICH)), max_size=80)
ANY_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), max_codepoint=sys.maxunicode),
    max_size=60,
)


def _same(text: str) -> None:
    got = normalize(text)
    want_text, want_offsets = reference_normalize(text)
    assert got.text == want_text
    assert tuple(got.offsets) == want_offsets
    # compact storage (issue 17): runs, not one integer per character
    assert isinstance(got.offsets, OffsetMap), type(got.offsets)
    assert got.offsets.runs <= len(want_offsets)
    assert [got.offsets[i] for i in range(len(want_offsets))] == list(want_offsets)
    assert got.offsets[-1] == len(text)
    assert got.original == text


@settings(max_examples=1500)
@given(TEXT)
def test_matches_reference_on_rich_alphabet(text: str) -> None:
    _same(text)


@settings(max_examples=500)
@given(ANY_TEXT)
def test_matches_reference_on_any_unicode(text: str) -> None:
    _same(text)


@given(
    st.lists(
        st.sampled_from(["秘", "a", "1", " ", "\u3000", "\n", "ﬁ", "\u200b", "¨"]), max_size=30
    )
)
def test_matches_reference_on_dense_whitespace(parts: list[str]) -> None:
    _same("".join(parts))


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "秘 密 ★ 1 年",
        "  秘密  ",
        "a b",
        "中 a",
        "a \u3000 中",
        "机\u200b密★",
        "\u200b \u200b",
        "第１２３号 ﬁle ① ㍱",
        "e\u0301 \u0344",
        "秘¨密",
        "ab\n\n\t中文\r\nxy",
    ],
)
def test_matches_reference_on_edge_cases(text: str) -> None:
    _same(text)


def test_every_single_character_matches_reference() -> None:
    """Each code point alone and between two CJK characters: NFKC and folding per character."""
    for cp in range(sys.maxunicode + 1):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        ch = chr(cp)
        plain = unicodedata.is_normalized("NFKC", ch) and not ch.isspace() and fold_char(ch) == ch
        if ch.isascii() or (plain and ch not in ZERO_WIDTH):
            continue
        for text in (ch, f"秘{ch}密", f"a{ch}b"):
            _same(text)
