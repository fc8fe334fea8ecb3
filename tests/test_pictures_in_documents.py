"""Pictures placed in DOCX, XLSX and PPTX (issue 14 follow-up): a pasted scan is read by OCR
at its host paragraph / sheet cell, decorative pictures are skipped, the file's OCR budget is
shared and what it leaves is listed, and without OCR a picture that could hold text is
``review`` — never a silent pass. Alternative text of pictures and shapes is scanned too.

OCR is slow: the pictures are small renderings (60 dpi page, 16 px lines) and the documents
holding them are built once per module.
"""

from __future__ import annotations

import io
from dataclasses import replace

import pytest
from PIL import Image

from secreview.config import Config, Limits
from secreview.extract import extract_bytes, ocr
from secreview.extract.image import could_hold_text, is_decorative
from secreview.pipeline import scan_bytes
from tests.helpers import docx_builder as DB
from tests.helpers import image_builder as IB
from tests.helpers import office_builder as B
from tests.helpers import xlsx_builder as XB

CFG = Config(use_classifier=False)


def _needs_ocr() -> None:
    IB.require_font()
    if not ocr.available():
        pytest.skip("OCR extra not installed (pip install 'secreview[ocr]')")


def _icon(side: int = 24) -> bytes:
    """A coloured square with a mark: a bullet or checkbox (decorative under 40 px)."""
    im = Image.new("RGB", (side, side), (30, 90, 200))
    im.paste((255, 255, 255), (side // 4, side // 4, 3 * side // 4, 3 * side // 4))
    return IB.to_bytes(im)


def _stamp(text: str, side: int = 64) -> bytes:
    """A red round stamp with ``text`` across it, as a small picture."""
    from PIL import ImageDraw, ImageFont

    im = Image.new("RGB", (side, side), "white")
    draw = ImageDraw.Draw(im)
    draw.ellipse((2, 2, side - 3, side - 3), outline=(200, 0, 0), width=3)
    face = ImageFont.truetype(IB.require_font(), side * 5 // 16)
    width = face.getlength(text)
    draw.text(((side - width) / 2, side * 11 / 32), text, fill=(200, 0, 0), font=face)
    return IB.to_bytes(im)


@pytest.fixture(scope="module")
def scan_png() -> bytes:
    """A page scanned at 60 dpi (496×701): a marking and an ID number."""
    IB.require_font()
    return IB.to_bytes(
        IB.render_page([B.MARK, "关于报送材料的通知", "身份证号 " + B.RESIDENT_ID], dpi=60)
    )


@pytest.fixture(scope="module")
def docx_with_pictures(scan_png: bytes) -> bytes:
    """A DOCX whose text is harmless; the scan is in body paragraph 2, a marking pasted as
    a small picture in the header, an ID number as a picture inside a text box, a bullet."""
    d = DB.new_document()
    d.add_paragraph("附件：材料扫描件")
    d.add_paragraph().add_run().add_picture(io.BytesIO(scan_png))
    header = d.sections[0].header.paragraphs[0]
    header.add_run().add_picture(io.BytesIO(IB.to_bytes(IB.render_line(B.MARK5, px=16))))
    DB.picture_in_textbox(d, IB.to_bytes(IB.render_line("公民身份号码 " + B.RESIDENT_ID_X)))
    d.add_paragraph().add_run().add_picture(io.BytesIO(_icon()))
    return DB.to_bytes(d)


# --- the thresholds -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("size", "decorative", "unread_without_ocr"),
    [
        ((24, 24), True, False),  # bullet, checkbox
        ((39, 39), True, False),  # small icon
        ((300, 8), True, False),  # a rule or border
        ((64, 64), False, False),  # a stamp: OCR reads "机密" in it
        ((40, 20), False, False),  # "秘密" pasted as a 16 px picture
        ((81, 24), False, False),  # "秘密★1年" pasted as a 16 px picture: OCR reads it
        ((300, 100), False, False),  # logo banner: read by OCR, not flagged without it
        ((200, 200), False, False),  # seal
        ((300, 200), False, True),  # screenshot of a paragraph
        ((1240, 175), False, True),  # a strip cut from a scanned page
        ((496, 701), False, True),  # page at 60 dpi
        ((1240, 1754), False, True),  # page at 150 dpi
    ],
)
def test_picture_size_thresholds(size, decorative, unread_without_ocr) -> None:
    assert is_decorative(*size) is decorative
    assert could_hold_text(*size) is unread_without_ocr


def test_what_looks_like_a_scanned_page(scan_png) -> None:
    from secreview.extract.image import _looks_like_paper

    page = Image.open(io.BytesIO(scan_png))
    assert _looks_like_paper(page)
    assert _looks_like_paper(IB.render_page([B.MARK], dpi=150))  # one line on a page
    assert not _looks_like_paper(Image.new("RGB", (800, 1100), "white"))  # nothing on it
    assert not _looks_like_paper(Image.effect_noise((800, 600), 60))  # a photo
    assert not _looks_like_paper(page.crop((0, 0, 390, 390)))  # under 400 px: not judged


# --- DOCX -----------------------------------------------------------------------------------
def test_issue_14_docx_picture_of_a_marked_page_is_read_by_ocr(docx_with_pictures) -> None:
    _needs_ocr()
    report = scan_bytes(docx_with_pictures, "通知.docx", CFG)
    assert report.verdict == "block"
    by_rule: dict[str, list] = {}
    for f in report.findings:
        by_rule.setdefault(f.rule, []).append(f)
    marks = {f.text: f.location for f in by_rule["marking.secret_level"]}
    ids = {f.text: f.location for f in by_rule["pii.resident_id"]}
    body = marks[B.MARK]
    assert (body.part, body.paragraph, body.field) == ("ocr", 2, "image1.png")
    assert ids[B.RESIDENT_ID].field == "image1.png" and ids[B.RESIDENT_ID].bbox is not None
    assert marks[B.MARK5].part == "ocr" and marks[B.MARK5].field.startswith("header:")
    assert ids[B.RESIDENT_ID_X].part == "ocr"
    assert ids[B.RESIDENT_ID_X].field.startswith("textbox:")
    assert all("OCR 识别，请核对原图" in f.reason for f in by_rule["pii.resident_id"])
    (note,) = by_rule["residue.ocr"]
    assert note.severity == "info" and note.extra["count"] == 3


def test_docx_pictures_without_ocr_need_review(monkeypatch, docx_with_pictures) -> None:
    monkeypatch.setattr(ocr, "available", lambda: False)
    report = scan_bytes(docx_with_pictures, "通知.docx", CFG)
    assert report.verdict == "review"
    (note,) = [f for f in report.findings if f.rule == "residue.image_unread"]
    assert note.severity == "review" and "图片中的文字无法自动审查" in note.reason
    # only the page-sized scan: the 16 px lines and the bullet cannot hold a paragraph
    assert note.extra["count"] == 1 and (note.location.paragraph, note.location.field) == (
        2,
        "image1.png",
    )


def test_a_small_stamp_is_read() -> None:
    _needs_ocr()
    d = DB.new_document()
    d.add_paragraph("附件")
    d.add_paragraph().add_run().add_picture(io.BytesIO(_stamp("机密")))
    doc = extract_bytes(DB.to_bytes(d), "a.docx", Limits())
    texts = [s.text for s in doc.segments if s.location.part == "ocr"]
    assert any("机密" in t for t in texts), texts
    assert ocr._engine().text_det.limit_side_len == 736  # the detector's own size restored


def test_docx_picture_in_a_table_cell_without_ocr_is_located(monkeypatch, scan_png) -> None:
    monkeypatch.setattr(ocr, "available", lambda: False)
    d = DB.new_document()
    table = d.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "姓名"
    table.cell(1, 1).paragraphs[0].add_run().add_picture(io.BytesIO(scan_png))
    report = scan_bytes(DB.to_bytes(d), "表.docx", CFG)
    (note,) = [f for f in report.findings if f.rule == "residue.image_unread"]
    loc = note.location
    assert (loc.part, loc.paragraph, loc.row, loc.col) == ("image_only_page", 1, 2, 2)
    assert loc.field == "table:image1.png" and report.verdict == "review"


def test_docx_picture_that_cannot_be_decoded_is_listed(scan_png) -> None:
    d = DB.new_document()
    d.add_paragraph().add_run().add_picture(io.BytesIO(scan_png))
    data = DB.repackage(DB.to_bytes(d), replace={"word/media/image1.png": b"\x89PNG broken"})
    report = scan_bytes(data, "a.docx", CFG)
    assert report.verdict == "review"
    kinds = {f.rule for f in report.findings}
    assert kinds & {"residue.ocr_skipped", "residue.image_unread"}


def test_ocr_budget_is_shared_and_pictures_left_are_listed(docx_with_pictures) -> None:
    _needs_ocr()
    rushed = replace(CFG, limits=Limits(ocr_seconds=0))
    report = scan_bytes(docx_with_pictures, "通知.docx", rushed)
    assert report.verdict == "review"
    (note,) = [f for f in report.findings if f.rule == "residue.ocr_skipped"]
    # the three pictures that can hold text; the bullet is decorative, never queued for OCR
    assert note.extra["count"] == 3 and "image1.png" in note.reason
    assert not [f for f in report.findings if f.location.part == "ocr"]


def test_docx_alt_text_is_scanned(monkeypatch) -> None:
    monkeypatch.setattr(ocr, "available", lambda: False)
    d = DB.new_document()
    d.add_paragraph("正文")
    d.add_paragraph().add_run().add_picture(io.BytesIO(_icon()))
    d.inline_shapes[0]._inline.docPr.set("descr", "张三 身份证 " + B.RESIDENT_ID)
    report = scan_bytes(DB.to_bytes(d), "a.docx", CFG)
    pid = next(f for f in report.findings if f.rule == "pii.resident_id")
    assert (pid.location.part, pid.location.paragraph, pid.location.field) == (
        "body",
        2,
        "alt_text",
    )


def test_docx_text_watermark_is_read() -> None:
    d = DB.new_document()
    d.add_paragraph("关于开展安全检查的通知")
    DB.watermark(d, "内部资料 注意保存")
    report = scan_bytes(DB.to_bytes(d), "a.docx", CFG)
    hit = next(f for f in report.findings if "内部资料" in f.text)
    assert (hit.location.part, hit.location.field) == ("header", "watermark")


# --- XLSX -----------------------------------------------------------------------------------
def _workbook_with_picture(png: bytes) -> bytes:
    from openpyxl.drawing.image import Image as XImage

    wb = XB.plain_workbook()
    ws = wb.active
    ws.title = "名单"
    ws["A1"] = "附件"
    ws.add_image(XImage(io.BytesIO(png)), "C3")
    data = XB.to_bytes(wb)
    return XB.with_text_box(
        data, f"{B.MARK5} 内部传阅", col=5, row=9, alt="王建国 " + B.RESIDENT_ID
    )


def test_issue_14_xlsx_picture_text_box_and_alt_text(scan_png) -> None:
    _needs_ocr()
    report = scan_bytes(_workbook_with_picture(scan_png), "名单.xlsx", CFG)
    locs = {(f.rule, f.text): f.location for f in report.findings}
    scan = locs[("marking.secret_level", B.MARK)]
    assert (scan.part, scan.sheet, scan.cell, scan.field) == ("ocr", "名单", "C3", "image1.png")
    assert locs[("pii.resident_id", B.RESIDENT_ID)].part in ("ocr", "sheet")
    box = locs[("marking.secret_level", B.MARK5)]
    assert (box.part, box.sheet, box.cell) == ("textbox", "名单", "F10")
    alt = [
        f for f in report.findings if f.rule == "pii.resident_id" and f.location.field == "alt_text"
    ]
    assert alt and (alt[0].location.part, alt[0].location.cell) == ("sheet", "F10")


def test_xlsx_picture_without_ocr_needs_review(monkeypatch, scan_png) -> None:
    monkeypatch.setattr(ocr, "available", lambda: False)
    report = scan_bytes(_workbook_with_picture(scan_png), "名单.xlsx", CFG)
    (note,) = [f for f in report.findings if f.rule == "residue.image_unread"]
    assert (note.location.sheet, note.location.cell, note.severity) == ("名单", "C3", "review")


# --- PPTX -----------------------------------------------------------------------------------
def test_pptx_picture_alt_text_and_unread_picture(monkeypatch, scan_png) -> None:
    from pptx import Presentation
    from pptx.util import Inches

    monkeypatch.setattr(ocr, "available", lambda: False)
    prs = Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    pic = slide.shapes.add_picture(io.BytesIO(scan_png), Inches(1), Inches(1), height=Inches(5))
    pic._element.nvPicPr.cNvPr.set("descr", "会议纪要扫描件 " + B.MARK)
    buf = io.BytesIO()
    prs.save(buf)
    report = scan_bytes(buf.getvalue(), "a.pptx", CFG)
    mark = next(f for f in report.findings if f.rule == "marking.secret_level")
    assert (mark.location.part, mark.location.page, mark.location.field) == ("slide", 1, "alt_text")
    (note,) = [f for f in report.findings if f.rule == "residue.image_unread"]
    assert note.location.page == 1 and note.severity == "review"
