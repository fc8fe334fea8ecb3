"""RTF: through LibreOffice when it is installed (every residue the DOCX reader knows:
comments, tracked changes, hidden text, properties), else with striprtf.

Without LibreOffice the text is read by striprtf and the document information group
(``{\\info …}``: author, operator, company …) by this module; striprtf drops comments
(``\\annotation``) and does not tell deleted (``\\deleted``) or hidden (``\\v``) text from
the rest, so when the file has any of them a ``review`` residue note asks for a manual check.
"""

from __future__ import annotations

import re

from secreview.config import Limits
from secreview.errors import CorruptFile
from secreview.extract import legacy
from secreview.extract.ooxml_props import add_property_segments
from secreview.extract.text import lines_to_segments
from secreview.model import Document, Location, ResidueNote

_INFO_FIELDS = {
    "author": "creator",
    "operator": "lastModifiedBy",
    "title": "title",
    "subject": "subject",
    "keywords": "keywords",
    "doccomm": "description",
    "company": "company",
    "manager": "manager",
    "category": "category",
}
_INFO_RE = re.compile(rb"\{\\(" + b"|".join(k.encode() for k in _INFO_FIELDS) + rb")\s?([^{}]*)\}")
_ANSICPG = re.compile(rb"\\ansicpg(\d{3,5})")
_RESIDUE = {
    "批注": re.compile(rb"\\\*\\annotation|\\atnid"),
    "修订（删除）": re.compile(rb"\\deleted(?![a-z])"),
    "隐藏文字": re.compile(rb"\\v(?![a-z0-9])"),
}


def _decode(rtf: bytes) -> str:
    """RTF is 7-bit ASCII with escapes; a stray 8-bit byte is read as the declared code page."""
    m = _ANSICPG.search(rtf[:4096])
    codepage = f"cp{int(m.group(1))}" if m else "cp1252"
    if codepage == "cp936":
        codepage = "gb18030"
    try:
        return rtf.decode(codepage)
    except (LookupError, UnicodeDecodeError):
        return rtf.decode("latin-1")


def _info(rtf: bytes, header: bytes) -> list[tuple[str, str]]:
    from striprtf.striprtf import rtf_to_text

    out: list[tuple[str, str]] = []
    for m in _INFO_RE.finditer(rtf[: 1024 * 1024]):
        group = header + b" " + m.group(2) + b"}"
        try:
            value = rtf_to_text(_decode(group), errors="ignore").strip()
        except (ValueError, IndexError, LookupError):
            continue
        if value:
            out.append((_INFO_FIELDS[m.group(1).decode()], value))
    return out


def extract(data: bytes, path: str, limits: Limits) -> Document:
    if legacy.find_soffice() is not None:
        try:
            return legacy.extract(data, path, limits)
        except CorruptFile:
            pass  # LibreOffice gave up on it: striprtf is more forgiving
    return read_with_striprtf(data, path)


def read_with_striprtf(data: bytes, path: str) -> Document:
    from striprtf.striprtf import rtf_to_text

    try:
        text = rtf_to_text(_decode(data), errors="ignore")
    except (ValueError, IndexError, LookupError, RecursionError) as e:
        raise CorruptFile(f"RTF 文件格式错误，无法读取（{type(e).__name__}）") from e
    doc = Document(path=path, format="rtf", segments=lines_to_segments(text))
    cpg = _ANSICPG.search(data[:4096])
    header = b"{\\rtf1\\ansi" + (b"\\ansicpg" + cpg.group(1) if cpg else b"")
    add_property_segments(doc, _info(data, header))
    found = [label for label, pattern in _RESIDUE.items() if pattern.search(data)]
    if found:
        doc.residue.append(
            ResidueNote(
                "rtf_residue",
                f"RTF 文件含{'、'.join(found)}；本机未安装 LibreOffice，无法逐条提取这些内容"
                "（其中的文字已按正文审查，批注未能读取），请人工检查，或安装 LibreOffice 后重新审查",
                Location(part="body"),
                count=len(found),
                severity="review",
                sample="、".join(found),
            )
        )
    return doc
