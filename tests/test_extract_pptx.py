"""PPTX: slides in order, tables, notes, comments, hidden slides, masters, properties."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from secreview.config import Config, Limits
from secreview.extract import extract_bytes
from secreview.pipeline import scan_bytes, scan_file
from tests.helpers import office_builder as B

CFG = Config(use_classifier=False)


def _deck() -> bytes:
    return B.pptx_bytes(
        [("第一张", ["甲", "乙"]), ("第二张", ["隐藏的内容 内部资料"]), ("第三张", ["丙"])],
        notes={0: "讲到这里提一下 " + B.RESIDENT_ID},
        hidden=[1],
        table=(2, [["姓名", "身份证号"], ["王建国", B.RESIDENT_ID_X]]),
        author="王建国",
        comments={0: ("李明", "这一页不要公开")},
    )


def test_slides_notes_table_in_order() -> None:
    doc = extract_bytes(_deck(), "a.pptx", Limits())
    slides = [
        (s.location.part, s.location.page, s.text)
        for s in doc.segments
        if s.location.part == "slide"
    ]
    assert slides == [
        ("slide", 1, "第一张"),
        ("slide", 1, "甲"),
        ("slide", 1, "乙"),
        ("slide", 3, "第三张"),
        ("slide", 3, "丙"),
    ]
    (row,) = [s for s in doc.segments if s.location.part == "table" and s.location.row == 2]
    assert row.location.page == 3 and [sp.location.col for sp in row.spans] == [1, 2]
    assert doc.facts["slides"] == 3 and doc.facts["hidden_slides"] == [2]


def test_residue_of_a_deck() -> None:
    report = scan_bytes(_deck(), "a.pptx", CFG)
    by_rule: dict[str, list] = {}
    for f in report.findings:
        by_rule.setdefault(f.rule, []).append(f)
    hidden = by_rule["residue.hidden_slides"][0]
    assert hidden.severity == "review" and hidden.location.page == 2 and "第2张" in hidden.reason
    assert by_rule["marking.internal_material"][0].location.to_dict() == {
        "part": "hidden",
        "page": 2,
        "paragraph": 2,
    }
    comment = by_rule["residue.comments"][0]
    assert "李明" in comment.reason and comment.location.page == 1
    assert {f.location.part for f in by_rule["pii.resident_id"]} == {"notes", "table"}
    assert by_rule["residue.metadata"][0].severity == "review"  # author looks like a name
    assert by_rule["residue.speaker_notes"][0].severity == "info"
    comment_seg = [
        s
        for s in extract_bytes(_deck(), "a.pptx", Limits()).segments
        if s.location.part == "comment"
    ]
    assert comment_seg[0].text == "这一页不要公开" and "李明" in (
        comment_seg[0].location.field or ""
    )


def test_slide_order_follows_the_presentation_not_the_part_names() -> None:
    import io

    from pptx import Presentation

    prs = Presentation(io.BytesIO(B.pptx_bytes([("一", ["A"]), ("二", ["B"])])))
    ids = prs.slides._sldIdLst
    first = ids[0]
    ids.remove(first)
    ids.append(first)  # slide2.xml is now shown first
    buf = io.BytesIO()
    prs.save(buf)
    doc = extract_bytes(buf.getvalue(), "a.pptx", Limits())
    titles = [
        s.text for s in doc.segments if s.location.part == "slide" and s.location.paragraph == 1
    ]
    assert titles == ["二", "一"]


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
def test_legacy_ppt_goes_through_libreoffice(tmp_path: Path) -> None:
    src = tmp_path / "deck.pptx"
    src.write_bytes(B.pptx_bytes([("通知", [B.MARK])]))
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{tmp_path}/p",
            "--headless",
            "--convert-to",
            "ppt",
            "--outdir",
            str(tmp_path),
            str(src),
        ],
        check=False,
        capture_output=True,
        timeout=120,
    )
    if not (tmp_path / "deck.ppt").exists():
        pytest.skip("LibreOffice Impress not installed (Debian: libreoffice-impress-nogui)")
    legacy = tmp_path / "旧版.dps"
    (tmp_path / "deck.ppt").rename(legacy)
    report = scan_file(legacy, CFG)
    assert report.format == "ppt"
    (mark,) = [f for f in report.findings if f.rule == "marking.secret_level"]
    assert mark.location.part == "slide" and mark.location.page == 1


def test_chart_labels_and_its_workbook_are_read() -> None:
    import io

    from pptx import Presentation
    from pptx.chart.data import CategoryChartData
    from pptx.enum.chart import XL_CHART_TYPE
    from pptx.util import Inches

    prs = Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[5])
    slide.shapes.title.text = "补助发放情况"
    data = CategoryChartData()
    data.categories = ["王建国 " + B.RESIDENT_ID, "李明"]
    data.add_series("补助金额", (100, 200))
    slide.shapes.add_chart(
        XL_CHART_TYPE.COLUMN_CLUSTERED, Inches(1), Inches(1), Inches(6), Inches(4), data
    )
    buf = io.BytesIO()
    prs.save(buf)
    report = scan_bytes(buf.getvalue(), "a.pptx", CFG)
    parts = {f.location.part for f in report.findings if f.rule == "pii.resident_id"}
    assert parts == {"slide", "attachment"}  # the chart's label and its embedded workbook
    assert any(f.rule == "residue.embedded" for f in report.findings)


def test_a_scanned_page_pasted_on_a_slide_is_read_by_ocr() -> None:
    import io

    from pptx import Presentation
    from pptx.util import Inches

    from secreview.extract import ocr
    from tests.helpers import image_builder as IB

    IB.require_font()
    if not ocr.available():
        pytest.skip("OCR extra not installed (pip install 'secreview[ocr]')")
    prs = Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    png = IB.to_bytes(IB.render_page([B.MARK5, "关于报送材料的通知"], dpi=100))
    slide.shapes.add_picture(io.BytesIO(png), Inches(1), Inches(1), height=Inches(5))
    buf = io.BytesIO()
    prs.save(buf)
    report = scan_bytes(buf.getvalue(), "a.pptx", CFG)
    mark = next(f for f in report.findings if f.rule == "marking.secret_level")
    assert (mark.location.part, mark.location.page) == ("ocr", 1)
    assert mark.location.field and mark.location.field.endswith(".png")
    assert "OCR 识别，请核对原图" in mark.reason


def test_photo_with_gps_on_a_slide_is_residue() -> None:
    import io

    from PIL import Image
    from pptx import Presentation
    from pptx.util import Inches

    from tests.helpers import image_builder as IB

    prs = Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    photo = IB.to_bytes(
        Image.new("RGB", (32, 32), "white"),
        "JPEG",
        exif=IB.exif_bytes(artist="王建国", gps=(36.5, 117.25)),
    )
    slide.shapes.add_picture(io.BytesIO(photo), Inches(1), Inches(1))
    buf = io.BytesIO()
    prs.save(buf)
    note = next(
        f
        for f in scan_bytes(buf.getvalue(), "a.pptx", CFG).findings
        if f.rule == "residue.image_metadata"
    )
    assert note.severity == "review" and "GPS" in note.reason
