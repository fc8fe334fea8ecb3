"""EML and MHT: headers as personal data, bodies, attachments (recursively), saved pages."""

from __future__ import annotations

from email.message import EmailMessage

from secreview.config import Config, Limits
from secreview.extract import extract_bytes
from secreview.pipeline import scan_bytes
from tests.helpers import docx_builder as D
from tests.helpers import office_builder as B

CFG = Config(use_classifier=False)


def test_headers_are_personal_data() -> None:
    data = B.eml_bytes("正文一行。", sender="王建国 <wangjianguo1980@163.com>")
    report = scan_bytes(data, "a.eml", CFG)
    email = next(f for f in report.findings if f.rule == "pii.email")
    assert email.location.to_dict() == {"part": "metadata", "field": "From"}
    note = next(f for f in report.findings if f.rule == "residue.email_headers")
    assert note.severity == "review" and "王建国" in note.reason


def test_encoded_gb2312_subject_and_body() -> None:
    msg = EmailMessage()
    msg["From"] = (
        "=?gb2312?B?"
        + __import__("base64").b64encode("王建国".encode("gbk")).decode()
        + "?= <a@example.cn>"
    )
    msg["To"] = "b@example.cn"
    msg["Subject"] = "关于机密★5年材料"
    msg.set_content("此件不公开，请勿外传。", charset="gb2312")
    doc = extract_bytes(msg.as_bytes(), "a.eml", Limits())
    meta = {s.location.field: s.text for s in doc.segments if s.location.part == "metadata"}
    assert meta["From"].startswith("王建国") and meta["Subject"] == "关于机密★5年材料"
    assert [s.text for s in doc.segments if s.location.part == "body"] == ["此件不公开，请勿外传。"]


def test_attachments_recursively() -> None:
    d = D.new_document()
    d.add_paragraph(B.MARK)
    inner = B.eml_bytes(
        "转发的邮件正文 身份证号 " + B.RESIDENT_ID,
        attachments=[("通知.docx", D.to_bytes(d), "application/octet-stream")],
    )
    outer = B.eml_bytes("请查收。", attachments=[("转发.eml", inner, "message/rfc822")])
    report = scan_bytes(outer, "a.eml", CFG)
    mark = next(f for f in report.findings if f.rule == "marking.secret_level")
    assert mark.location.part == "attachment" and mark.location.field == "转发.eml/通知.docx"
    pid = next(f for f in report.findings if f.rule == "pii.resident_id")
    assert pid.location.field == "转发.eml"  # the forwarded message's own body
    assert any(
        f.rule == "residue.email_headers" and f.location.part == "attachment"
        for f in report.findings
    )


def test_mht_page_parts_are_read_as_html() -> None:
    html = "<html><body><p>首页</p><p style='display:none'>内部资料</p><p>（此件不公开）</p></body></html>"
    data = B.mht_bytes(html, charset="gb2312")
    doc = extract_bytes(data, "页面.mht", Limits())
    assert doc.format == "mht"
    assert [
        (s.location.part, s.text) for s in doc.segments if s.location.part in ("body", "hidden")
    ] == [
        ("body", "首页"),
        ("body", "（此件不公开）"),
        ("hidden", "内部资料"),
    ]
    report = scan_bytes(data, "页面.mht", CFG)
    assert any(f.rule == "marking.disclosure_attribute" for f in report.findings)
    assert not any(f.rule == "residue.email_headers" for f in report.findings)


def test_mht_word_saved_page_without_from_header() -> None:
    body = "<html><body><p>机密★5年</p></body></html>".encode()
    import quopri

    data = (
        b'MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary="----=_NextPart_01"\r\n\r\n'
        b"------=_NextPart_01\r\nContent-Location: file:///C:/doc.htm\r\n"
        b'Content-Transfer-Encoding: quoted-printable\r\nContent-Type: text/html; charset="utf-8"\r\n\r\n'
        + quopri.encodestring(body)
        + b"\r\n------=_NextPart_01--\r\n"
    )
    report = scan_bytes(data, "doc.mht", CFG)
    assert report.format == "mht"
    assert any(f.rule == "marking.secret_level" for f in report.findings)


def test_text_and_html_alternatives_are_not_read_twice() -> None:
    body = "联系人身份证号 " + B.RESIDENT_ID
    data = B.eml_bytes(body, html=f"<html><body><p>{body}</p></body></html>")
    report = scan_bytes(data, "a.eml", CFG)
    assert len([f for f in report.findings if f.rule == "pii.resident_id"]) == 1
    other = B.eml_bytes(
        "纯文本里另有内容 此件不公开", html="<html><body><p>网页正文</p></body></html>"
    )
    assert any(
        f.rule == "marking.disclosure_attribute" for f in scan_bytes(other, "b.eml", CFG).findings
    )
