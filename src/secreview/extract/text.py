"""Plain text (TXT/MD): UTF-8 with or without BOM, UTF-16 with BOM, GB18030/GBK.

Paragraphs are separated by blank lines or single line breaks (office text files put one
paragraph per line); each non-empty line is a segment with its 1-based paragraph number.
"""

from __future__ import annotations

import codecs

from secreview.config import Limits
from secreview.errors import UnsupportedFormat
from secreview.model import Document, Location, Segment

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _control_ratio(text: str) -> float:
    if not text:
        return 0.0
    bad = sum(1 for c in text if (ord(c) < 32 and c not in "\t\r\n\f\v") or c == "\ufffd")
    return bad / len(text)


def decode_text(data: bytes, *, probe: bool = False) -> str:
    """Decode bytes as text. Try-order: BOM, strict UTF-8, strict GB18030, then detection.

    ``probe`` allows a truncated multi-byte sequence at the end (we decode a prefix).
    """
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return data.decode(enc, errors="replace")
    candidates = [data]
    if probe and len(data) >= 4:
        candidates += [data[:-1], data[:-2], data[:-3]]
    for enc in ("utf-8", "gb18030"):
        for chunk in candidates:
            try:
                text = chunk.decode(enc)
            except UnicodeDecodeError:
                continue
            if _control_ratio(text[:20000]) < 0.01:
                return text
    if b"\x00" in data[:4096]:
        raise UnsupportedFormat("无法识别的二进制文件（binary file of unknown type）")
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise UnsupportedFormat("无法识别文本编码（not a text file of a known encoding）")
    text = str(best)
    if _control_ratio(text[:20000]) > 0.05:
        raise UnsupportedFormat("无法识别的二进制文件（binary file of unknown type）")
    return text


def lines_to_segments(text: str, part: str = "body") -> list[Segment]:
    segments: list[Segment] = []
    n = 0
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if not line.strip():
            continue
        n += 1
        segments.append(Segment(line, Location(part=part, paragraph=n)))
    return segments


def extract(data: bytes, path: str, limits: Limits) -> Document:
    text = decode_text(data)
    return Document(path=path, format="txt", segments=lines_to_segments(text))
