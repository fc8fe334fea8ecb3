"""Decide a file's format from its bytes (magic numbers, zip content), not its extension."""

from __future__ import annotations

import io
import re
import zipfile
from email.utils import parsedate_tz
from pathlib import Path

from secreview.errors import CorruptFile, EncryptedFile, UnsupportedFormat

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# ODF package mimetype → format (the first member, stored uncompressed).
ODF_TYPES = {
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.text-template": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.oasis.opendocument.spreadsheet-template": "ods",
    "application/vnd.oasis.opendocument.presentation": "odp",
    "application/vnd.oasis.opendocument.presentation-template": "odp",
}
IMAGE_FORMATS = ("png", "jpg", "tiff", "bmp", "gif", "webp")


def _ole_kind(data: bytes, path: str) -> str:
    """A legacy OLE2 compound file: Word 97 (.doc/.wps), PowerPoint 97 (.ppt/.dps),
    Excel 97 (.xls/.et), or encrypted OOXML."""
    if "EncryptionInfo".encode("utf-16-le") in data:
        raise EncryptedFile("文件已加密（password-protected Office file），请解除密码后再提交")
    if "WordDocument".encode("utf-16-le") in data:
        return "doc"
    if "PowerPoint Document".encode("utf-16-le") in data:
        return "ppt"
    if "Workbook".encode("utf-16-le") in data or "Book".encode("utf-16-le") in data:
        return "xls"
    suffix = Path(path).suffix.lower()
    if suffix in (".doc", ".wps", ".dot"):
        return "doc"
    if suffix in (".ppt", ".dps", ".pps", ".pot"):
        return "ppt"
    if suffix in (".xls", ".et"):
        return "xls"
    raise UnsupportedFormat("不支持的旧版 Office 文件（unknown OLE2 document）")


def _zip_kind(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
            mimetype = b""
            if "mimetype" in names and zf.getinfo("mimetype").file_size < 256:
                mimetype = zf.read("mimetype")
    except (zipfile.BadZipFile, EOFError, ValueError, OSError, NotImplementedError) as e:
        raise CorruptFile(f"文件已损坏，无法作为压缩包打开（{e}）") from e
    except RuntimeError as e:  # an encrypted mimetype member
        raise EncryptedFile("压缩包已加密（需要密码），无法审查，请解除密码后重新提交") from e
    if "word/document.xml" in names or any(n.startswith("word/") for n in names):
        return "docx"
    if "xl/workbook.xml" in names or any(n.startswith("xl/") for n in names):
        return "xlsx"
    if "ppt/presentation.xml" in names or any(n.startswith("ppt/") for n in names):
        return "pptx"
    if any(n.lower() == "ofd.xml" for n in names):
        return "ofd"
    odf = ODF_TYPES.get(mimetype.decode("ascii", "replace").strip())
    if odf is not None and "content.xml" in names:
        return odf
    return "zip"  # a bundle of attachments (附件.zip): each member is reviewed


_HEADER_LINE = re.compile(rb"^([!-9;-~]+):[ \t]*(.*)$")
_MIME_VERSION = re.compile(rb"^\s*1\s*\.\s*0\b")
_MESSAGE_ID = re.compile(rb"<[^<>\s]+>")
_SAVED_BY = re.compile(
    rb"saved by|\xe4\xbf\x9d\xe5\xad\x98|\xb1\xa3\xb4\xe6", re.IGNORECASE
)  # 保存


def _header_block(data: bytes) -> dict[bytes, bytes] | None:
    """The header block a MIME message starts with: ``Name: value`` lines (or folded
    continuations) from the very first line up to a blank line, within 16 KB; else None."""
    head = data[:16384]
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    lines = head.replace(b"\r\n", b"\n").split(b"\n")
    if lines and lines[0].startswith(b"From "):  # mbox separator line (Thunderbird, mutt)
        lines = lines[1:]
    headers: dict[bytes, bytes] = {}
    for line in lines[:200]:
        if not line.strip():
            return headers or None
        if line[:1] in (b" ", b"\t"):  # folded continuation
            if not headers:
                return None
            continue
        m = _HEADER_LINE.match(line)
        if m is None:
            return None
        headers.setdefault(m.group(1).lower(), m.group(2).strip())
    return None  # no blank line after the headers in the first 16 KB


def _is_message(headers: dict[bytes, bytes]) -> bool:
    """A real message, not a text that happens to start with "Subject:"/"From:" lines.

    Either MIME (``MIME-Version: 1.0`` and a Content-Type: what mail programs, browsers and
    Word write), or RFC 5322's own minimum: a From that names an address (or a browser's
    "Saved by …") and one header only a mail system writes — a Date in RFC 5322 form, a
    Message-ID, a Received trace.
    """
    if _MIME_VERSION.match(headers.get(b"mime-version", b"")) and b"content-type" in headers:
        return True
    sender = headers.get(b"from", b"")
    if not (b"@" in sender or _SAVED_BY.search(sender)):
        return False
    date = headers.get(b"date")
    if date is not None and parsedate_tz(date.decode("latin-1")) is not None:
        return True
    if _MESSAGE_ID.search(headers.get(b"message-id", b"")):
        return True
    return b"received" in headers or b"mime-version" in headers


def _mime_kind(data: bytes) -> str | None:
    """An RFC 5322 message: an e-mail (.eml) or a saved web page (.mht, multipart/related)."""
    headers = _header_block(data)
    if headers is None or not _is_message(headers):
        return None
    ctype = headers.get(b"content-type", b"").lower()
    saved = _SAVED_BY.search(headers.get(b"from", b"")) is not None
    if b"multipart/related" in ctype or saved or b"snapshot-content-location" in headers:
        return "mht"
    return "eml"


def _image_kind(data: bytes) -> str | None:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[:2] == b"BM" and len(data) >= 26:
        dib = int.from_bytes(data[14:18], "little")
        if dib in (12, 16, 40, 52, 56, 64, 108, 124):
            return "bmp"
    return None


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
    if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{\\rtf"):
        return "rtf"
    image = _image_kind(data)
    if image is not None:
        return image
    if head.startswith((b"Rar!\x1a\x07", b"7z\xbc\xaf\x27\x1c")):
        raise UnsupportedFormat("不支持 RAR/7z 压缩包，请解压后提交，或改用 ZIP 格式打包")
    mime = _mime_kind(data)
    if mime is not None:
        return mime
    # Text-like: decide text / csv / html after decoding.
    from secreview.extract.text import decode_text

    text = decode_text(data[: 64 * 1024], probe=True)
    if _looks_like_html(text[:4096]):
        return "html"
    suffix = Path(path).suffix.lower()
    if suffix in (".csv", ".tsv"):
        return "csv"
    return "txt"
