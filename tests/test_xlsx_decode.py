"""The fast cell decoder of extract/xlsx.py gives exactly what openpyxl's own parser gives.

Workbooks are written with openpyxl (shared strings in normal mode, inline strings in write-only
mode); rows openpyxl cannot write (cached formula results, error cells, ISO dates, cells
without a reference, phonetic runs) are added to the sheet XML by hand.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import lxml.etree
import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.worksheet._reader import WorkSheetParser

from secreview.config import Limits
from secreview.extract import extract_bytes
from secreview.extract.xlsx import _cell_parser, _open_workbook, render_value
from tests.helpers.xlsx_builder import replace_member

pytestmark = pytest.mark.filterwarnings("ignore:Cell H5 is marked as a date:UserWarning")

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
ROW_TAG = f"{{{NS}}}row"

VALUES = [
    "文字",
    "  前后空格  ",
    42,
    -7,
    3.5,
    0.1 + 0.2,
    1e-10,
    110105194912310000,  # an ID-like big integer
    1.1010519491231e17,
    dt.date(2023, 5, 1),
    dt.datetime(2024, 2, 29, 13, 45, 30),
    dt.time(8, 30),
    dt.timedelta(hours=36),
    True,
    False,
    "=B1*2",
]


def _typed_workbook(write_only: bool) -> bytes:
    wb = Workbook(write_only=write_only)
    ws = wb.create_sheet("类型") if write_only else wb.active
    if not write_only:
        ws.title = "类型"
    rich = CellRichText("普通", TextBlock(InlineFont(b=True), "加粗"), "结尾")
    ws.append(VALUES)
    ws.append([rich, "身份证号", 3.0, "=1+1"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _sheet_part(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return next(n for n in zf.namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n))


def _style_of(sheet_xml: bytes, ref: str) -> str:
    root = lxml.etree.fromstring(sheet_xml)
    return root.find(f".//{{{NS}}}c[@r='{ref}']").get("s", "0")


def _with_hand_rows(data: bytes) -> bytes:
    """Add rows openpyxl does not write: cached formula values, error/ISO/str cells, …"""
    part = _sheet_part(data)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        xml = zf.read(part)
    date_style = _style_of(xml, "J1")
    rows = (
        '<row r="5"><c r="A5"><f>B1*2</f><v>84</v></c>'
        '<c r="B5" t="str"><f>"甲"&amp;"乙"</f><v>甲乙</v></c>'
        '<c r="C5" t="e"><f>1/0</f><v>#DIV/0!</v></c>'
        '<c r="D5" t="b"><f>TRUE()</f><v>1</v></c>'
        '<c r="E5" t="d"><v>2023-07-01T08:00:00</v></c>'
        f'<c r="F5" s="{date_style}"><v>45000.5</v></c>'
        f'<c r="G5" s="{date_style}"><v>0.25</v></c>'
        f'<c r="H5" s="{date_style}"><v>99999999999</v></c>'
        '<c r="I5"><v>1.5E+3</v></c><c r="J5"><v></v></c><c r="K5"/></row>'
        '<row r="6" spans="1:3"><c t="inlineStr"><is><t xml:space="preserve"> 行内 </t></is></c>'
        '<c t="inlineStr"><is><t/></is></c><c t="inlineStr"/>'
        '<c t="inlineStr"><is><t>注音</t><rPh sb="0" eb="1"><t>zhu</t></rPh></is></c>'
        '<c t="inlineStr"><is><r><t>分</t></r><r><rPr><b/></rPr><t>段</t></r></is></c>'
        '<c r="Z6" t="n"><v>12</v></c><c><v>13</v></c></row>'
        '<row r="7" ht="0" customHeight="1"><c r="A7" t="inlineStr"><is><t>隐藏行</t></is></c>'
        "</row><row><c><v>8</v></c></row>"
    ).encode()
    xml = xml.replace(b"</sheetData>", rows + b"</sheetData>", 1)
    if b"</sheetData>" not in xml:  # an empty <sheetData/> cannot happen here
        raise AssertionError("sheet has no sheetData")
    return replace_member(data, part, xml)


def _decode_both(data: bytes) -> tuple[list, list]:
    reader, sheets = _open_workbook(data)
    wb = reader.wb
    fast: list = []
    slow: list = []
    try:
        for sheet in sheets:
            xml = reader.archive.read(sheet.part)
            ours = _cell_parser(io.BytesIO(xml), reader)
            theirs = WorkSheetParser(
                io.BytesIO(xml),
                reader.shared_strings,
                data_only=True,
                epoch=wb.epoch,
                date_formats=wb._date_formats,
                timedelta_formats=wb._timedelta_formats,
            )
            for row in lxml.etree.fromstring(xml).iter(ROW_TAG):
                fast.append(ours.parse_row(row))
                slow.append(theirs.parse_row(row))
    finally:
        reader.archive.close()
    return fast, slow


@pytest.mark.parametrize("write_only", [False, True], ids=["shared-strings", "inline-strings"])
def test_cells_decode_exactly_as_openpyxl(write_only: bool) -> None:
    data = _with_hand_rows(_typed_workbook(write_only))
    fast, slow = _decode_both(data)
    assert fast == slow
    cells = [cell for _, row in fast for cell in row]
    assert len(cells) >= 40
    types = {cell["data_type"] for cell in cells}
    assert {"s", "n", "d", "b", "e"} <= types
    # the shapes this is about really occur: big integer, date, inline and shared strings
    values = [cell["value"] for cell in cells]
    assert 110105194912310000 in values
    assert dt.datetime(2023, 5, 1) in values
    assert " 行内 " in values and "注音" in values and "分段" in values
    assert "普通加粗结尾" in values


@pytest.mark.parametrize("write_only", [False, True], ids=["shared-strings", "inline-strings"])
def test_extracted_text_equals_openpyxl_values(write_only: bool) -> None:
    """Every non-empty cell of the extracted rows is render_value(openpyxl's value)."""
    data = _typed_workbook(write_only)
    doc = extract_bytes(data, "类型.xlsx", Limits())
    got = {
        span.location.cell: seg.text[span.start : span.end]
        for seg in doc.segments
        for span in seg.spans
        if span.location.part == "sheet"
    }
    ws = load_workbook(io.BytesIO(data), data_only=True, rich_text=False).active
    want = {}
    for row in ws.iter_rows():
        for cell in row:
            text = render_value(cell.value)
            if text is not None and text.strip():
                want[cell.coordinate] = text
    assert got == want
    assert got["H1"] == "110105194912310000"
    assert got["J1"] == "2023-05-01"
    assert got["A2"] == "普通加粗结尾"
    assert "P1" not in got  # formula without a cached value: nothing to read


def test_hand_rows_reach_the_document() -> None:
    doc = extract_bytes(_with_hand_rows(_typed_workbook(True)), "类型.xlsx", Limits())
    shown = {
        span.location.cell: seg.text[span.start : span.end]
        for seg in doc.segments
        for span in seg.spans
        if span.location.part == "sheet"
    }
    hidden = {
        span.location.cell: seg.text[span.start : span.end]
        for seg in doc.segments
        for span in seg.spans
        if span.location.part == "hidden"
    }
    assert shown["A5"] == "84" and shown["B5"] == "甲乙" and "C5" not in shown  # error skipped
    assert shown["D5"] == "TRUE" and shown["E5"] == "2023-07-01 08:00:00"
    assert shown["F5"] == "2023-03-15 12:00:00" and shown["G5"] == "06:00:00"
    assert "H5" not in shown  # a date serial out of range is an error cell
    assert shown["I5"] == "1500" and "J5" not in shown
    assert shown["A6"] == " 行内 " and shown["D6"] == "注音" and shown["E6"] == "分段"
    assert shown["Z6"] == "12" and shown["AA6"] == "13"
    assert hidden == {"A7": "隐藏行"}
    assert shown["A8"] == "8"
