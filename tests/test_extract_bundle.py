"""ZIP bundles (附件.zip): each member reviewed, bounded, encrypted members refused."""

from __future__ import annotations

import io
import zipfile
from dataclasses import replace

from secreview.config import Config, Limits
from secreview.extract import extract_bytes, nested
from secreview.pipeline import scan_bytes
from tests.helpers import docx_builder as D
from tests.helpers import office_builder as B

CFG = Config(use_classifier=False)


def _docx(text: str) -> bytes:
    d = D.new_document()
    d.add_paragraph(text)
    return D.to_bytes(d)


def test_gbk_member_names_are_read_as_written() -> None:
    data = B.zip_bytes(
        [("附件1 通知.docx", _docx(B.MARK)), ("说明.txt", "无".encode())], gbk_names=True
    )
    doc = extract_bytes(data, "附件.zip", Limits())
    assert doc.facts["members"] == ["附件1 通知.docx", "说明.txt"]


def test_encrypted_member_is_an_error() -> None:
    data = B.zip_bytes([("a.txt", b"hello"), ("b.docx", _docx("x"))], encrypt="b.docx")
    report = scan_bytes(data, "附件.zip", CFG)
    assert report.verdict == "error" and report.error is not None
    assert report.error.code == "encrypted_file" and "b.docx" in report.error.message


def test_unreadable_member_is_listed_for_review_never_skipped() -> None:
    data = B.zip_bytes([("a.txt", "正文".encode()), ("b.bin", b"\x00\x01\x02" * 100)])
    report = scan_bytes(data, "附件.zip", CFG)
    note = next(f for f in report.findings if f.rule == "residue.attachments_unread")
    assert note.severity == "review" and "b.bin" in note.reason
    assert report.verdict == "review"


def test_nesting_is_followed_only_to_a_small_depth() -> None:
    data = B.zip_bytes([("x.txt", B.MARK.encode())])
    for level in range(nested.MAX_DEPTH + 1):
        data = B.zip_bytes([(f"level{level}.zip", data)])
    report = scan_bytes(data, "附件.zip", CFG)
    assert not any(f.rule == "marking.secret_level" for f in report.findings)
    note = next(f for f in report.findings if f.rule == "residue.attachments_unread")
    assert "嵌套" in note.reason
    shallow = B.zip_bytes([("in.zip", B.zip_bytes([("x.txt", B.MARK.encode())]))])
    mark = next(
        f for f in scan_bytes(shallow, "a.zip", CFG).findings if f.rule == "marking.secret_level"
    )
    assert mark.location.field == "in.zip/x.txt"


def test_zip_bomb_limits_apply() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a.txt", b"\0" * (8 << 20))
    report = scan_bytes(
        buf.getvalue(), "附件.zip", replace(CFG, limits=Limits(max_member_bytes=1 << 20))
    )
    assert (
        report.verdict == "error" and report.error is not None and report.error.code == "too_large"
    )


def test_empty_bundle_is_not_passed() -> None:
    data = B.zip_bytes([("__MACOSX/._a", b"x")])
    report = scan_bytes(data, "a.zip", CFG)
    assert report.verdict == "review"


def test_pictures_in_a_bundle_share_one_ocr_budget(monkeypatch) -> None:
    import time

    from PIL import Image

    from secreview.extract import ocr
    from tests.helpers import image_builder as IB

    def slow_recognize(image):
        started = time.process_time()
        while time.process_time() - started < 0.4:  # OCR budgets are CPU time
            pass
        return [ocr.OcrLine("正文", 0, 0, 50, 10, 0.99)]

    monkeypatch.setattr(ocr, "available", lambda: True)
    monkeypatch.setattr(ocr, "recognize", slow_recognize)
    png = IB.to_bytes(Image.new("RGB", (64, 64), "white"))
    data = B.zip_bytes([(f"{k}.png", png) for k in range(4)])
    report = scan_bytes(data, "图片.zip", replace(CFG, limits=Limits(ocr_seconds=1.0)))
    skipped = [f for f in report.findings if f.rule == "residue.ocr_skipped"]
    assert 1 <= len(skipped) <= 3 and report.verdict == "review"
