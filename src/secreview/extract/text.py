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


def _control_ratio(text: str, *, replacement_is_bad: bool = True) -> float:
    """Share of control characters (and of U+FFFD, which a lenient decode puts where bytes were
    broken). After a strict decode a U+FFFD is a character the file really contains — text
    converted lossily once before (a headline "西山壹�院") — so ``replacement_is_bad=False``."""
    if not text:
        return 0.0
    bad = sum(
        1
        for c in text
        if (ord(c) < 32 and c not in "\t\r\n\f\v") or (replacement_is_bad and c == "\ufffd")
    )
    return bad / len(text)


def _mostly_utf8(data: bytes) -> str | None:
    """UTF-8 with a few broken bytes (a file cut mid-character, one stray byte).

    Without this such a file decodes "successfully" as GB18030 mojibake or not at all, and
    no rule sees its text. Valid multi-byte UTF-8 sequences almost never arise by chance in
    GBK text, so many valid ones against few errors means UTF-8.
    """
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    good = sum(1 for c in text if ord(c) > 127) - bad
    if bad and good >= 20 * bad and _control_ratio(text[:20000]) < 0.01:
        return text
    return None


def _mostly_gb18030(data: bytes) -> str | None:
    """GB18030/GBK with a broken byte or two (typically a file cut mid-character)."""
    text = data.decode("gb18030", errors="replace")
    bad = text.count("\ufffd")
    cjk = sum(1 for c in text[:20000] if "\u4e00" <= c <= "\u9fff")
    if bad and bad <= max(2, len(text) // 1000) and cjk * 5 >= min(len(text), 20000):
        if _control_ratio(text[:20000]) < 0.01:
            return text
    return None


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
            if _control_ratio(text[:20000], replacement_is_bad=False) < 0.01:
                return text
    mostly = _mostly_utf8(data) or _mostly_gb18030(data)
    if mostly is not None:
        return mostly
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
    _add_lines(segments, text, part)
    return segments


def _add_lines(segments: list[Segment], text: str, part: str) -> None:
    n = len(segments)
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if not line.strip():
            continue
        n += 1
        segments.append(Segment(line, Location(part=part, paragraph=n)))


DECODE_CHUNK = 1 << 20


def utf8_segments(data: bytes, part: str = "body") -> list[Segment] | None:
    """``lines_to_segments(decode_text(data))`` for strict UTF-8 without a BOM, decoded a MiB
    at a time so that the whole text never exists beside the bytes and the lines (a 100 MB
    file); None when ``decode_text`` has to decide (a BOM, not strict UTF-8, a binary head).

    The text is cut only after a "\n", so a "\r\n" is never split and every line is the one
    the whole text gives.
    """
    if any(data.startswith(bom) for bom, _ in _BOMS):
        return None
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    segments: list[Segment] = []
    carry = ""
    for at in range(0, max(len(data), 1), DECODE_CHUNK):
        final = at + DECODE_CHUNK >= len(data)
        try:
            text = carry + decoder.decode(data[at : at + DECODE_CHUNK], final=final)
        except UnicodeDecodeError:
            return None
        if at == 0 and _control_ratio(text[:20000]) >= 0.01:
            return None
        cut = len(text) if final else text.rfind("\n") + 1
        _add_lines(segments, text[:cut], part)
        carry = text[cut:]
    return segments


def extract(data: bytes, path: str, limits: Limits) -> Document:
    segments = utf8_segments(data)
    if segments is None:
        segments = lines_to_segments(decode_text(data))
    return Document(path=path, format="txt", segments=segments)
