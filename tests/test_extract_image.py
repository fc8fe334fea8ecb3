"""Pictures: OCR (RapidOCR) located as ``ocr``, EXIF residue, size limits, no silent pass."""

from __future__ import annotations

import struct
import zlib
from dataclasses import replace
from difflib import SequenceMatcher

import pytest
from PIL import Image

from secreview.config import Config, Limits
from secreview.extract import extract_bytes, ocr
from secreview.extract.ocr import OcrLine, paragraphs
from secreview.pipeline import scan_bytes
from tests.helpers import image_builder as IB
from tests.helpers import office_builder as B

CFG = Config(use_classifier=False)


def _needs_ocr() -> None:
    IB.require_font()
    if not ocr.available():
        pytest.skip("OCR extra not installed (pip install 'secreview[ocr]')")


def _blank(size: tuple[int, int] = (64, 64)) -> Image.Image:
    return Image.new("RGB", size, "white")


def test_without_ocr_a_picture_needs_review(monkeypatch) -> None:
    monkeypatch.setattr(ocr, "available", lambda: False)
    report = scan_bytes(IB.to_bytes(_blank()), "图.png", CFG)
    assert report.verdict == "review"
    (note,) = [f for f in report.findings if f.rule == "residue.image_unread"]
    assert "secreview[ocr]" in note.reason and note.location.part == "image_only_page"


def test_exif_author_and_gps_are_residue(monkeypatch) -> None:
    monkeypatch.setattr(ocr, "available", lambda: False)
    data = IB.to_bytes(_blank(), "JPEG", exif=IB.exif_bytes(artist="王建国", gps=(36.5, 117.25)))
    doc = extract_bytes(data, "照片.jpg", Limits())
    meta = {s.location.field: s.text for s in doc.segments if s.location.part == "metadata"}
    assert meta["Artist"] == "王建国" and meta["XPAuthor"] == "王建国"
    assert meta["GPS"] == "36.50000°N, 117.25000°E"
    (note,) = [n for n in doc.residue if n.kind == "image_metadata"]
    assert note.severity == "review" and "GPS" in note.message and "王建国" in note.message


def test_png_text_chunk_author_is_residue(monkeypatch) -> None:
    from PIL.PngImagePlugin import PngInfo

    monkeypatch.setattr(ocr, "available", lambda: False)
    info = PngInfo()
    info.add_itxt("Author", "李明")
    doc = extract_bytes(IB.to_bytes(_blank(), pnginfo=info), "a.png", Limits())
    assert ("PNG:Author", "李明") in {(s.location.field, s.text) for s in doc.segments}


def _png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG that declares a huge canvas (a decompression bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


def test_decompression_bomb_is_too_large() -> None:
    report = scan_bytes(_png_header_only(60000, 60000), "bomb.png", CFG)
    assert (
        report.verdict == "error" and report.error is not None and report.error.code == "too_large"
    )
    small = replace(CFG, limits=Limits(max_image_pixels=1000))
    report = scan_bytes(IB.to_bytes(_blank((100, 100))), "a.png", small)
    assert report.error is not None and report.error.code == "too_large"


def test_corrupt_picture_is_corrupt_file() -> None:
    data = IB.to_bytes(_blank())[:40]
    report = scan_bytes(data, "a.png", CFG)
    assert report.verdict == "error" and report.error is not None
    assert report.error.code == "corrupt_file"


def test_wrapped_lines_join_into_one_paragraph() -> None:
    lines = [
        OcrLine("三、联系人：王建国，身份证号3704021985", 150, 600, 1090, 637, 0.99),
        OcrLine("06154213，电话另告。", 150, 653, 520, 690, 0.99),
        OcrLine("四、另起一段", 150, 706, 600, 743, 0.99),
        OcrLine("特此通知。", 220, 759, 420, 796, 0.99),
    ]
    groups = paragraphs(lines)
    assert ["".join(ln.text for ln in g) for g in groups] == [
        "三、联系人：王建国，身份证号370402198506154213，电话另告。",
        "四、另起一段",
        "特此通知。",
    ]
    (seg, *_rest) = ocr.segments(lines, page=1)
    assert seg.location.bbox == (150.0, 600.0, 1090.0, 690.0) and len(seg.spans) == 2


def test_ocr_recall_on_a_rendered_notice_at_150_dpi() -> None:
    _needs_ocr()
    page = IB.render_page(dpi=150)
    doc = extract_bytes(IB.to_bytes(page), "通知.png", Limits())
    got = "".join(s.text for s in doc.segments if s.location.part == "ocr")
    truth = "".join(IB.NOTICE)
    matched = sum(
        b.size for b in SequenceMatcher(None, truth, got, autojunk=False).get_matching_blocks()
    )
    assert matched / len(truth) >= 0.95, got
    assert all(
        s.location.bbox is not None and s.location.page == 1
        for s in doc.segments
        if s.location.part == "ocr"
    )


def test_multi_page_tiff_and_ocr_time_budget() -> None:
    _needs_ocr()
    pages = [
        IB.render_page([B.MARK5, "第一页"], dpi=100),
        IB.render_page(["第二页 身份证号 " + B.RESIDENT_ID], dpi=100),
    ]
    import io

    buf = io.BytesIO()
    pages[0].save(buf, format="TIFF", save_all=True, append_images=pages[1:])
    report = scan_bytes(buf.getvalue(), "扫描.tif", CFG)
    got = {(f.rule, f.location.page) for f in report.findings}
    assert ("marking.secret_level", 1) in got and ("pii.resident_id", 2) in got
    rushed = scan_bytes(buf.getvalue(), "扫描.tif", replace(CFG, limits=Limits(ocr_seconds=0)))
    (note,) = [f for f in rushed.findings if f.rule == "residue.ocr_skipped"]
    assert note.severity == "review" and rushed.verdict == "review"


def test_scanned_pdf_page_is_read_by_ocr(tmp_path) -> None:
    _needs_ocr()
    import io

    from reportlab.lib.utils import ImageReader

    from tests.helpers import pdf_builder as P

    page = IB.render_page(dpi=150)

    def draw(c) -> None:
        c.drawImage(
            ImageReader(io.BytesIO(IB.to_bytes(page))), 0, 0, width=P.WIDTH, height=P.HEIGHT
        )

    report = scan_bytes(P.build([draw]), "扫描件.pdf", CFG)
    by_rule = {f.rule: f for f in report.findings}
    mark, pid = by_rule["marking.secret_level"], by_rule["pii.resident_id"]
    assert mark.location.part == pid.location.part == "ocr" and pid.text == B.RESIDENT_ID
    x0, top, x1, bottom = mark.location.bbox
    assert 60 < x0 < 80 and 60 < top < 100  # pt from the top-left corner: 1 inch margins
    assert "OCR 识别，请核对原图" in mark.reason
    assert "residue.image_only_page" not in by_rule and by_rule["residue.ocr"].severity == "info"
