"""CSV extraction: rows are records, cells located as A1, encodings as for TXT."""

from __future__ import annotations

import pytest

from secreview.config import Limits
from secreview.errors import TooLarge
from secreview.extract import extract_bytes
from secreview.pipeline import scan_bytes
from tests.helpers.encodings import encoded_variants

ROW = "张三,110105194912310021,13812345678\n"

ENCODINGS = encoded_variants(ROW)


@pytest.mark.parametrize("name", sorted(ENCODINGS))
def test_person_row_cells_located(name):
    doc = extract_bytes(ENCODINGS[name], f"{name}.csv", Limits())
    assert doc.format == "csv"
    (seg,) = doc.segments
    assert seg.text == "张三\t110105194912310021\t13812345678"
    assert seg.location.part == "sheet" and seg.location.row == 1
    cells = [(sp.location.cell, sp.location.row, seg.text[sp.start : sp.end]) for sp in seg.spans]
    assert cells == [("A1", 1, "张三"), ("B1", 1, "110105194912310021"), ("C1", 1, "13812345678")]


def test_header_quotes_and_semicolons():
    data = '姓名;地址\n李四;"某某路1号;2单元"\n\n王五;"多行\n地址"\n'.encode("gbk")
    doc = extract_bytes(data, "名单.csv", Limits())
    rows = [(s.location.row, [sp.location.cell for sp in s.spans]) for s in doc.segments]
    assert rows == [(1, ["A1", "B1"]), (2, ["A2", "B2"]), (4, ["A4", "B4"])]
    assert doc.segments[1].text == "李四\t某某路1号;2单元"


def test_unbalanced_quote_keeps_rest_as_text():
    data = ('说明,"未闭合的引号\n' + "第二行内容,秘密★1年\n" * 3).encode()
    doc = extract_bytes(data, "x.csv", Limits())
    assert "秘密★1年" in "".join(s.text for s in doc.segments)


def test_cell_limit():
    data = ("a,b,c\n" * 10).encode()
    with pytest.raises(TooLarge):
        extract_bytes(data, "x.csv", Limits(max_xlsx_cells=20))


def test_marking_in_csv_cell_is_located(config):
    data = "标题,密级\n年度计划,秘密★1年\n".encode("gbk")
    report = scan_bytes(data, "计划.csv", config)
    assert report.verdict == "block"
    (f,) = report.findings
    assert f.location.cell == "B2" and f.location.row == 2
