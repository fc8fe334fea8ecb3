"""The fast ``normalize`` gives exactly the text and offsets of the plain per-character one.

``reference_normalize`` is the original implementation (one NFKC call per character, then a
second pass folding whitespace runs next to CJK), kept here as the specification. Each check
runs both paths: the regex one (short and huge texts) and the numpy one (normalize_bulk.py),
and ``normalize_many`` (many texts in one pass, as ScanContext does) against each text alone.
"""

from __future__ import annotations

import sys
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import secreview.normalize as normalize_module
from secreview.fold import fold_char
from secreview.normalize import SEPARATOR, ZERO_WIDTH, OffsetMap, is_cjk, normalize, normalize_many


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


PATHS = ("regex", "bulk")


@pytest.fixture(autouse=True, scope="module")
def _tables_built() -> None:
    """numpy's tables are built once per process (~0.1 s): not inside a timed example."""
    from secreview import normalize_bulk

    normalize_bulk.tables(True)


@contextmanager
def path(name: str) -> Iterator[None]:
    """Every text through one path: the regex one, or numpy's (normalize_bulk.py)."""
    bounds = (normalize_module._BULK_MIN, normalize_module._BULK_MAX)
    if name == "regex":
        normalize_module._BULK_MIN = sys.maxsize
    else:
        normalize_module._BULK_MIN, normalize_module._BULK_MAX = 0, sys.maxsize
    try:
        yield
    finally:
        normalize_module._BULK_MIN, normalize_module._BULK_MAX = bounds


def _same(text: str, paths: tuple[str, ...] = PATHS) -> None:
    want_text, want_offsets = reference_normalize(text)
    for name in paths:
        with path(name):
            got = normalize(text)
        assert got.text == want_text, name
        assert tuple(got.offsets) == want_offsets, name
        # compact storage (issue 17): runs, not one integer per character
        assert isinstance(got.offsets, OffsetMap), type(got.offsets)
        assert got.offsets.runs <= len(want_offsets)
        assert [got.offsets[i] for i in range(len(want_offsets))] == list(want_offsets)
        assert got.offsets[-1] == len(text)
        assert got.original == text


def _same_many(texts: list[str]) -> None:
    """normalize_many == each text normalized alone (text and offsets), on both paths."""
    want = [reference_normalize(t) for t in texts]
    for name in PATHS:
        with path(name):
            joined, starts, origin_starts, offsets = normalize_many(texts)
        assert joined == SEPARATOR.join(w[0] for w in want), name
        assert len(starts) == len(origin_starts) == len(texts) + 1
        assert len(offsets) == len(joined) + 1
        origin = 0
        for k, (text, (want_text, want_offsets)) in enumerate(zip(texts, want, strict=True)):
            assert origin_starts[k] == origin
            origin += len(text) + 1
            assert joined[starts[k] : starts[k + 1] - 1] == want_text
            part = offsets.part(starts[k], starts[k + 1] - 1, origin_starts[k])
            assert tuple(part) == want_offsets, (name, text)
            assert [part[i] for i in range(len(part))] == list(want_offsets)


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
    """Each code point alone and between two CJK characters: NFKC and folding per character
    (the regex path, which such short texts take; the next test runs numpy's on them all)."""
    for cp in range(sys.maxunicode + 1):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        ch = chr(cp)
        plain = unicodedata.is_normalized("NFKC", ch) and not ch.isspace() and fold_char(ch) == ch
        if ch.isascii() or (plain and ch not in ZERO_WIDTH):
            continue
        for text in (ch, f"秘{ch}密", f"a{ch}b"):
            _same(text, ("regex",))


@settings(max_examples=300)
@given(st.lists(TEXT, max_size=8))
def test_many_matches_reference_on_rich_alphabet(texts: list[str]) -> None:
    _same_many(texts)


@settings(max_examples=200)
@given(
    st.lists(st.text(st.sampled_from(list("秘 \u3000a\x00\n密ﬁ\u200b１")), max_size=12), max_size=6)
)
def test_many_matches_reference_with_separator_inside_a_text(texts: list[str]) -> None:
    """Whitespace next to a NUL inside a text folds as next to any other character."""
    _same_many(texts)


@pytest.mark.parametrize("texts", [[], [""], ["", ""], [" 秘", "密 ", " "], ["秘\x00 密"]])
def test_many_matches_reference_on_edge_cases(texts: list[str]) -> None:
    _same_many(texts)


def test_every_single_character_matches_reference_in_one_pass() -> None:
    """The characters NFKC, fold or whitespace folding change (and a sample of the others),
    each alone and between CJK and Latin, in one normalize_many call: the numpy path on one
    long text (the regex path on it when forced)."""
    texts = []
    for cp in range(sys.maxunicode + 1):
        if 0xD800 <= cp <= 0xDFFF or cp == 0:
            continue
        ch = chr(cp)
        plain = unicodedata.is_normalized("NFKC", ch) and not ch.isspace() and fold_char(ch) == ch
        if cp % 101 == 0 or not ch.isascii() and not (plain and ch not in ZERO_WIDTH):
            texts += [ch, f"秘{ch}密", f"a{ch} b"]
    _same_many(texts)
