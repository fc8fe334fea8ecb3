"""XLSX extraction: located cells, stored values, residue (issue 4)."""

from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.styles.colors import Color

from secreview.config import Limits
from secreview.errors import TooLarge
from secreview.extract import extract_bytes
from secreview.extract.xlsx import render_value
from secreview.pipeline import scan_bytes
from tests.helpers.xlsx_builder import (
    PERSON,
    plain_workbook,
    replace_member,
    residue_workbook,
    to_bytes,
)

LIMITS = Limits()


def cells_of(doc, part=None):
    """{ "sheet!A1": text } for every located cell span (optionally of one part)."""
    out = {}
    for seg in doc.segments:
        for span in seg.spans:
            if part is None or span.location.part == part:
                out[f"{span.location.sheet}!{span.location.cell}"] = seg.text[span.start : span.end]
    return out


def test_row_is_one_segment_with_located_cells():
    doc = extract_bytes(to_bytes(plain_workbook()), "名单.xlsx", LIMITS)
    assert doc.format == "xlsx"
    rows = [s for s in doc.segments if s.location.part == "sheet"]
    assert [s.text for s in rows] == ["姓名\t身份证号\t手机", "\t".join(PERSON)]
    person = rows[1]
    assert person.location.row == 2 and person.location.sheet == "名单"
    assert [sp.location.cell for sp in person.spans] == ["A2", "B2", "C2"]
    assert person.location_at(person.text.index("1101")).cell == "B2"
    assert person.spans[1].location.label() == "名单!B2 工作表"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1200, "1200"),
        (1200.0, "1200"),
        (0.5, "0.5"),
        (-3.25, "-3.25"),
        (1.1010519491231e17, "110105194912310000"),
        (1e21, "1e+21"),
        (True, "TRUE"),
        (dt.datetime(2023, 5, 1), "2023-05-01"),
        (dt.datetime(2023, 5, 1, 9, 30), "2023-05-01 09:30:00"),
        (dt.date(2024, 2, 29), "2024-02-29"),
        (None, None),
    ],
)
def test_render_value(value, text):
    assert render_value(value) == text


def test_numbers_and_dates_as_stored():
    wb = Workbook()
    ws = wb.active
    ws.title = "数据"
    ws["A1"] = 1.1010519491231e17  # an ID typed as a number: Excel keeps 15 digits
    ws["B1"] = 110105194912310021  # openpyxl (like Excel) writes it as 1.1010519491231e+17
    ws["C1"] = 13812345678.0
    ws["D1"] = dt.date(2023, 5, 1)
    ws["E1"] = 3.5
    cells = cells_of(extract_bytes(to_bytes(wb), "x.xlsx", LIMITS))
    assert cells == {
        "数据!A1": "110105194912310000",
        "数据!B1": "110105194912310000",
        "数据!C1": "13812345678",
        "数据!D1": "2023-05-01",
        "数据!E1": "3.5",
    }


def test_excel_style_scientific_number_keeps_only_stored_digits():
    wb = Workbook()
    wb.active["A1"] = "占位"
    data = to_bytes(wb)
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetData><row r="1"><c r="A1"><v>1.10105194912310E+17</v></c>'
        '<c r="B1" t="str"><f>"张"&amp;"三"</f><v>张三</v></c>'
        '<c r="C1"><f>1+1</f></c><c r="D1"><v>110105194912310021</v></c>'
        '<c r="E1"><v>4.0E+2</v></c></row></sheetData></worksheet>'
    )
    data = replace_member(data, "xl/worksheets/sheet1.xml", sheet.encode())
    cells = cells_of(extract_bytes(data, "x.xlsx", LIMITS))
    # the cached formula value is read; a formula without a cached value yields nothing
    assert cells == {
        "Sheet!A1": "110105194912310000",
        "Sheet!B1": "张三",
        "Sheet!D1": "110105194912310021",  # an integer stored in full keeps every digit
        "Sheet!E1": "400",
    }


def test_cell_limit_is_too_large():
    wb = Workbook()
    for r in range(1, 5):
        wb.active.append([f"格{r}{c}" for c in range(3)])
    with pytest.raises(TooLarge, match="单元格过多"):
        extract_bytes(to_bytes(wb), "x.xlsx", Limits(max_xlsx_cells=10))
    assert extract_bytes(to_bytes(wb), "x.xlsx", Limits(max_xlsx_cells=12))


@pytest.fixture(scope="module")
def residue_doc():
    return extract_bytes(residue_workbook(), "残留.xlsx", LIMITS)


def test_visible_cells_stay_sheet_part(residue_doc):
    assert cells_of(residue_doc, "sheet") == {
        "公开!A1": "项目",
        "公开!B1": "金额",
        "公开!C1": "备注",
        "公开!A2": "办公用品",
        "公开!B2": "1200",
        "公开!C2": "已采购",
        "公开!E2": "红色可见",
        "公开!A4": "可见",
    }


def test_hidden_rows_columns_colours_and_sheets(residue_doc):
    assert cells_of(residue_doc, "hidden") == {
        "公开!D2": "隐藏列内容",
        "公开!A3": "秘密行",
        "公开!B3": "不应公开的内容",
        "公开!B4": "白色文字",
        "公开!C4": "黄底黄字",
        "公开!A5": "格式隐藏",
        "名单!A1": "李四",
        "深藏!A1": "王五",
    }
    notes = {n.kind: n for n in residue_doc.residue}
    sheets = notes["hidden_sheets"]
    assert sheets.count == 2 and sheets.location.sheet == "名单"
    assert "隐藏工作表「名单」、「深藏」" in sheets.message and "veryHidden" in sheets.message
    cells = notes["hidden_cells"]
    assert cells.count == 6  # cells on hidden sheets are counted under hidden_sheets
    assert cells.location.part == "hidden" and cells.location.cell == "D2"


def test_one_hidden_sheet_message():
    wb = plain_workbook()
    extra = wb.create_sheet("名单2")
    extra["A1"] = "李四"
    extra.sheet_state = "hidden"
    doc = extract_bytes(to_bytes(wb), "x.xlsx", LIMITS)
    (note,) = [n for n in doc.residue if n.kind == "hidden_sheets"]
    assert note.message == "工作簿含隐藏工作表「名单2」，请删除或取消隐藏后检查"
    assert not [n for n in doc.residue if n.kind == "hidden_cells"]


def test_theme_colours_white_on_white_and_black_text():
    wb = Workbook()
    ws = wb.active
    ws["A1"] = "主题白字"
    ws["A1"].font = Font(color=Color(theme=0))  # theme 0 = lt1 = white in the default theme
    ws["B1"] = "主题黑字"
    ws["B1"].font = Font(color=Color(theme=1))
    ws["C1"] = "浅灰近白"
    ws["C1"].font = Font(color="FFFAFAFA")
    ws["D1"] = "灰色可读"
    ws["D1"].font = Font(color="FF808080")
    doc = extract_bytes(to_bytes(wb), "x.xlsx", LIMITS)
    assert cells_of(doc, "hidden") == {"Sheet!A1": "主题白字", "Sheet!C1": "浅灰近白"}
    assert cells_of(doc, "sheet") == {"Sheet!B1": "主题黑字", "Sheet!D1": "灰色可读"}


def test_comments_defined_names_and_properties(residue_doc):
    comments = [s for s in residue_doc.segments if s.location.part == "comment"]
    assert [(s.text, s.location.sheet, s.location.cell) for s in comments] == [
        ("请核实采购人王小明的电话", "公开", "A2")
    ]
    meta = {s.location.field: s.text for s in residue_doc.segments if s.location.part == "metadata"}
    assert meta == {
        "definedName:联系人": "赵六 13900001111",
        "creator": "张三",
        "lastModifiedBy": "李明",
        "title": "关于某事的通知",
        "company": "某某区人民政府办公室",
    }
    notes = {n.kind: n for n in residue_doc.residue}
    assert set(notes) == {"hidden_sheets", "hidden_cells", "comments", "defined_names", "metadata"}
    assert notes["comments"].location.cell == "A2"
    assert "名称管理器" in notes["defined_names"].message
    assert notes["metadata"].severity == "review"
    assert "张三" in notes["metadata"].message and "清除文档属性" in notes["metadata"].message


def test_scan_reports_each_residue_kind(config):
    report = scan_bytes(residue_workbook(), "残留.xlsx", config)
    assert report.verdict != "pass"
    rules = {f.rule: f for f in report.findings if f.source == "residue"}
    assert set(rules) == {
        "residue.hidden_sheets",
        "residue.hidden_cells",
        "residue.comments",
        "residue.defined_names",
        "residue.metadata",
    }
    assert all(f.category == "residue" for f in rules.values())
    assert rules["residue.hidden_sheets"].location.to_dict() == {"part": "hidden", "sheet": "名单"}


def test_clean_workbook_has_info_metadata_only(config):
    # The roster row itself is personal data (rules and classifier flag it); what this test
    # checks is that a workbook with no residue gets no residue finding beyond info metadata.
    report = scan_bytes(to_bytes(plain_workbook("Administrator")), "x.xlsx", config)
    residue = [(f.rule, f.severity) for f in report.findings if f.source == "residue"]
    assert residue == [("residue.metadata", "info")]
