"""Decide a file's format from its bytes (magic numbers, zip content), not its extension."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from secreview.errors import CorruptFile, EncryptedFile, UnsupportedFormat

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _ole_kind(data: bytes, path: str) -> str:
    """A legacy OLE2 compound file: Word 97 (.doc/.wps), Excel 97 (.xls/.et), or encrypted OOXML."""
    if "EncryptionInfo".encode("utf-16-le") in data:
        raise EncryptedFile("文件已加密（password-protected Office file），请解除密码后再提交")
    if "WordDocument".encode("utf-16-le") in data:
        return "doc"
    if "Workbook".encode("utf-16-le") in data or "Book".encode("utf-16-le") in data:
        return "xls"
    suffix = Path(path).suffix.lower()
    if suffix in (".doc", ".wps", ".dot"):
        return "doc"
    if suffix in (".xls", ".et"):
        return "xls"
    raise UnsupportedFormat("不支持的旧版 Office 文件（unknown OLE2 document）")


def _zip_kind(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
    except (zipfile.BadZipFile, EOFError, ValueError, OSError) as e:
        raise CorruptFile(f"文件已损坏，无法作为压缩包打开（{e}）") from e
    if "word/document.xml" in names or any(n.startswith("word/") for n in names):
        return "docx"
    if "xl/workbook.xml" in names or any(n.startswith("xl/") for n in names):
        return "xlsx"
    if any(n.startswith("ppt/") for n in names):
        raise UnsupportedFormat("不支持演示文稿（PPTX），请另存为 PDF 后提交")
    if "mimetype" in names:
        raise UnsupportedFormat("不支持 OpenDocument 文件，请另存为 DOCX/XLSX/PDF 后提交")
    raise UnsupportedFormat("压缩包（ZIP）不是可审查的文档，请解压后逐个提交")


def _looks_like_html(head: str) -> bool:
    h = head.lstrip().lower()
    return h.startswith(("<!doctype html", "<html")) or any(
        tag in h for tag in ("<html", "<body", "<head>", "<meta ")
    )


def detect_format(data: bytes, path: str = "") -> str:
    head = data[:8]
    if data[:1024].find(b"%PDF-") != -1:
        return "pdf"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _zip_kind(data)
    if head.startswith(OLE_MAGIC):
        return _ole_kind(data, path)
    if data.startswith(b"{\\rtf"):
        return "rtf"
    # Text-like: decide text / csv / html after decoding.
    from secreview.extract.text import decode_text

    text = decode_text(data[: 64 * 1024], probe=True)
    if _looks_like_html(text[:4096]):
        return "html"
    suffix = Path(path).suffix.lower()
    if suffix in (".csv", ".tsv"):
        return "csv"
    return "txt"
