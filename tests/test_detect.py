"""The format is decided from the bytes, never from the file name."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from secreview.config import Config
from secreview.errors import EncryptedFile, UnsupportedFormat
from secreview.extract.detect import OLE_MAGIC, detect_format
from secreview.pipeline import scan_file
from tests.helpers import docx_builder as D
from tests.helpers import pdf_builder as P
from tests.helpers.xlsx_builder import to_bytes as xlsx_bytes


def _docx() -> bytes:
    d = D.new_document()
    d.add_paragraph("秘密★1年")
    return D.to_bytes(d)


def _xlsx() -> bytes:
    wb = openpyxl.Workbook()
    wb.active.append(["秘密★1年"])
    return xlsx_bytes(wb)


@pytest.mark.parametrize(
    ("build", "name", "expected"),
    [
        (lambda: P.marking_pdf(), "通知.docx", "pdf"),
        (_docx, "通知.pdf", "docx"),
        (_xlsx, "名单.txt", "xlsx"),
        (lambda: "<html><body><p>秘密★1年</p></body></html>".encode(), "页面.txt", "html"),
        (lambda: "秘密★1年\n正文".encode("gb18030"), "通知.pdf", "txt"),
    ],
)
def test_content_decides_the_format(
    tmp_path: Path, config: Config, build, name: str, expected: str
) -> None:
    path = tmp_path / name
    path.write_bytes(build())
    assert detect_format(path.read_bytes(), name) == expected
    report = scan_file(path, config)
    assert report.format == expected
    assert any(f.rule == "marking.secret_level" for f in report.findings)
    assert report.verdict == "block"


def test_legacy_word_file_is_recognised_by_its_stream_name() -> None:
    data = OLE_MAGIC + b"\x00" * 100 + "WordDocument".encode("utf-16-le") + b"\x00" * 100
    assert detect_format(data, "x.bin") == "doc"


def test_encrypted_office_file_is_refused() -> None:
    data = OLE_MAGIC + b"\x00" * 100 + "EncryptionInfo".encode("utf-16-le") + b"\x00" * 100
    with pytest.raises(EncryptedFile):
        detect_format(data, "名单.xlsx")


def test_pptx_is_recognised_by_its_package_part() -> None:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("ppt/presentation.xml", "<p/>")
    assert detect_format(buf.getvalue(), "a.docx") == "pptx"


def test_a_plain_zip_is_a_bundle_and_rar_gets_advice() -> None:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("附件1.txt", "正文")
    assert detect_format(buf.getvalue(), "附件.zip") == "zip"
    with pytest.raises(UnsupportedFormat, match="ZIP"):
        detect_format(b"Rar!\x1a\x07\x01\x00" + b"\0" * 64, "附件.rar")


def test_legacy_powerpoint_and_mime_messages() -> None:
    data = OLE_MAGIC + b"\x00" * 100 + "PowerPoint Document".encode("utf-16-le") + b"\x00" * 100
    assert detect_format(data, "x.bin") == "ppt"
    assert (
        detect_format(b"From: a@example.cn\r\nTo: b@example.cn\r\nSubject: x\r\n\r\nbody", "x.txt")
        == "eml"
    )
    assert (
        detect_format(
            b"MIME-Version: 1.0\nContent-Type: multipart/related; boundary=b\n\n--b--", "x"
        )
        == "mht"
    )
    assert detect_format("主题: 不是邮件\n正文".encode(), "x.eml") == "txt"
