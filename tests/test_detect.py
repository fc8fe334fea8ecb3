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
        detect_format(
            b"From: a@example.cn\r\nTo: b@example.cn\r\nSubject: x\r\n"
            b"Date: Fri, 12 Apr 2024 09:00:00 +0800\r\n\r\nbody",
            "x.txt",
        )
        == "eml"
    )
    assert (
        detect_format(
            b"MIME-Version: 1.0\nContent-Type: multipart/related; boundary=b\n\n--b--", "x"
        )
        == "mht"
    )
    assert detect_format("主题: 不是邮件\n正文".encode(), "x.eml") == "txt"


# Real messages as mail programs, browsers and Word save them (headers invented).
_THUNDERBIRD = (
    b"From - Fri Apr 12 09:00:05 2024\r\nX-Mozilla-Status: 0001\r\nX-Mozilla-Status2: 00000000\r\n"
    b"Message-ID: <5f1c2a@example.cn>\r\nDate: Fri, 12 Apr 2024 09:00:00 +0800\r\n"
    b"From: =?UTF-8?B?546L5bu65Zu9?= <wangjianguo@example.cn>\r\nTo: liming@example.cn\r\n"
    b"Subject: =?UTF-8?B?6YCa55+l?=\r\n\r\nbody"
)
_OUTLOOK = (
    b"Received: from mail.example.cn (10.0.0.8) by mx.example.cn;\r\n"
    b" Fri, 12 Apr 2024 09:00:03 +0800\r\nFrom: wangjianguo@example.cn\r\n"
    b"To: liming@example.cn\r\nSubject: report\r\nThread-Index: AdqMXyz=\r\n\r\nbody"
)
_IE_MHT = (
    b"From: <Saved by Windows Internet Explorer 8>\r\nSubject: =?gb2312?B?1fHO8c/7z6I=?=\r\n"
    b"Date: Fri, 12 Apr 2024 09:00:00 +0800\r\nMIME-Version: 1.0\r\n"
    b'Content-Type: multipart/related;\r\n\ttype="text/html";\r\n'
    b'\tboundary="----=_NextPart_000_0000_01DA8C5B.12345670"\r\n'
    b"X-MimeOLE: Produced By Microsoft MimeOLE V6.1.7601.24158\r\n\r\n"
)
_WORD_MHT = (
    b"MIME-Version: 1.0\r\nX-Document-Type: Document\r\n"
    b'Content-Type: multipart/related; boundary="----=_NextPart_01DA8C5B.1"\r\n\r\n'
)
_CHROME_MHT = (
    b"From: <Saved by Blink>\r\nSnapshot-Content-Location: http://www.example.cn/a.html\r\n"
    b"Subject: x\r\nDate: Fri, 12 Apr 2024 09:00:00 -0000\r\nMIME-Version: 1.0\r\n"
    b'Content-Type: multipart/related;\r\n\ttype="text/html";\r\n\tboundary="----MultipartBoundary"'
    b"\r\n\r\n"
)


@pytest.mark.parametrize(
    ("data", "fmt"),
    [
        (_THUNDERBIRD, "eml"),
        (_OUTLOOK, "eml"),
        (_IE_MHT, "mht"),
        (_WORD_MHT, "mht"),
        (_CHROME_MHT, "mht"),
    ],
    ids=["thunderbird", "outlook", "ie-mht", "word-mht", "chrome-mht"],
)
def test_issue_14_saved_messages_are_mime(data: bytes, fmt: str) -> None:
    assert detect_format(data, "x") == fmt


@pytest.mark.parametrize(
    "text",
    [
        "Subject: 关于报送材料的通知\nFrom: 办公室\n\n各科室：请于周五前报送。",
        "From: 张三\nTo: 李四\nDate: 2024年4月12日\nSubject: 周报\n\n本周完成……",
        "From: zhangsan@example.cn\nSubject: 周报\n\n本周完成……",  # no Date/Message-ID/…
        "Subject: 测试\nFrom: a@example.cn\nDate: 昨天\n\n正文",  # not an RFC 5322 date
        "From: 办公室\nDate: Fri, 12 Apr 2024 09:00:00 +0800\n\n正文",  # From names no address
        "\nFrom: a@example.cn\nDate: Fri, 12 Apr 2024 09:00:00 +0800\n\n正文",  # not at the start
        "From: a@example.cn\n正文第一行\nDate: Fri, 12 Apr 2024 09:00:00 +0800\n\n",
    ],
)
def test_issue_14_text_starting_with_mail_headers_is_text(text: str) -> None:
    assert detect_format(text.encode("utf-8"), "备忘.txt") == "txt"
    assert detect_format(text.encode("gb18030"), "备忘.txt") == "txt"
