"""TXT extraction and decoding: BOMs, UTF-16, GB18030/GBK, files cut mid-character."""

from __future__ import annotations

from unittest.mock import patch

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from secreview.config import Limits
from secreview.errors import UnsupportedFormat
from secreview.extract import extract_bytes
from secreview.extract import text as text_module
from secreview.extract.text import decode_text
from tests.helpers.encodings import encoded_variants

LINES = [
    "关于做好2024年度政务公开工作的通知",
    "各镇（街道）、区直各部门：",
    "现将有关事项通知如下。",
]
TEXT = "\r\n".join(LINES[:2]) + "\n\n" + LINES[2] + "\n"

ENCODINGS = encoded_variants(TEXT)


@pytest.mark.parametrize("name", sorted(ENCODINGS))
def test_txt_encodings(name):
    doc = extract_bytes(ENCODINGS[name], f"{name}.txt", Limits())
    assert doc.format == "txt"
    assert [s.text for s in doc.segments] == LINES
    assert [s.location.paragraph for s in doc.segments] == [1, 2, 3]
    assert all(s.location.part == "body" for s in doc.segments)


def test_gb18030_only_characters():
    text = "𠀀字与㐀字的公告\n"  # characters outside GBK, present in GB18030
    assert decode_text(text.encode("gb18030")) == text


def test_utf8_cut_mid_character_is_still_utf8():
    data = ("关于进一步加强政府信息公开工作的通知。" * 20).encode("utf-8")[:-1]
    text = decode_text(data)
    assert text.startswith("关于进一步加强政府信息公开工作的通知。")
    assert text.count("通知") == 20


def test_gbk_cut_mid_character_is_still_gbk():
    data = ("关于进一步加强政府信息公开工作的通知。" * 20).encode("gbk")[:-1]
    text = decode_text(data)
    assert text.startswith("关于进一步加强政府信息公开工作的通知。")
    assert text.count("公开") == 20


def test_binary_is_unsupported():
    with pytest.raises(UnsupportedFormat):
        decode_text(bytes(range(256)) * 8)


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_a_replacement_character_the_file_contains_is_text(encoding):
    # A short text converted lossily once before keeps a literal U+FFFD: it decodes strictly,
    # so it is text (scanned), not "binary" — in both encodings it can be stored in.
    # A headline of a dozen characters is the hard case (one U+FFFD is a large share of it).
    text = "城西壹�院项目即将开盘"
    assert decode_text(text.encode(encoding)) == text
    doc = extract_bytes(text.encode(encoding), "notice.txt", Limits())
    assert [s.text for s in doc.segments] == [text]


def test_control_characters_still_make_binary():
    with pytest.raises(UnsupportedFormat):
        decode_text(("公示\x01\x02\x03\x04\x05" * 50).encode("utf-8") + b"\x00" * 64)


@settings(max_examples=300, deadline=None)
@given(
    st.text(st.sampled_from(list("ab 中文\r\n\t\u3000\u2028😀")), max_size=80),
    st.integers(1, 9),
)
def test_chunked_utf8_lines_are_the_whole_text_lines(text: str, chunk: int) -> None:
    """utf8_segments (a MiB at a time) cuts the same lines as decoding the whole file."""
    data = text.encode("utf-8")
    with patch.object(text_module, "DECODE_CHUNK", chunk):  # chunk bytes: cuts mid-character
        got = text_module.utf8_segments(data)
    assert got is not None
    assert got == text_module.lines_to_segments(decode_text(data))


@pytest.mark.parametrize(
    "data", [b"\xef\xbb\xbfabc", "甲乙".encode("gb18030") * 20, b"\x01\x02\x03" * 100]
)
def test_chunked_utf8_leaves_other_files_to_decode_text(data: bytes) -> None:
    assert text_module.utf8_segments(data) is None
