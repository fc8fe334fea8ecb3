"""The 台账 as CSV (UTF-8 with BOM, so Excel opens the Chinese correctly) and XLSX.

The XLSX is a working spreadsheet: one column per fact (the leader and the sign-off time
apart, so times sort and filter), numbers as numbers, times as dates (北京时间, the office's
clock), an autofilter over the table, the header row repeated on every printed page, A4
landscape fitted to the page width and "第 N 页 共 M 页" in the footer. Text cells that a
spreadsheet would run as a formula are neutralised (report/cells.py).
"""

from __future__ import annotations

import csv
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from secreview.mask import mask_numbers
from secreview.report.annual import ANNUAL_NOTE, TABLE_COLUMNS, TABLE_TITLE
from secreview.report.audit import COLUMNS, Audit, AuditRow
from secreview.report.cells import formula_like, neutralise

DATE_FORMAT = "yyyy-mm-dd hh:mm"
_STAMP = re.compile(r"^(\d{4}-\d{2}-\d{2} \d{2}:\d{2})(?::\d{2})?\s*(.*)$")

# (header, width in characters) of the XLSX table
XLSX_COLUMNS: list[tuple[str, float]] = [
    ("序号", 6),
    ("稿件编号", 12),
    ("版本", 6),
    ("信息标题", 30),
    ("文号", 20),
    ("拟公开单位", 14),
    ("拟稿人", 9),
    ("提交时间（北京时间）", 17),
    ("发现问题数", 8),
    ("发现摘要", 24),
    ("保密审查员", 9),
    ("审查意见", 34),
    ("审核领导", 9),
    ("领导意见", 9),
    ("领导意见时间（北京时间）", 17),
    ("公开时间（北京时间）", 17),
    ("公开渠道", 12),
    ("网址", 28),
    ("备注", 30),
]


def render_csv(audit: Audit, path: str | Path) -> Path:
    """The 台账 rows; with ``--annual`` the annual report's tables instead (the category
    table, a blank line, then 项目/数量)."""
    out = Path(path)
    with out.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        if audit.annual is not None:
            writer.writerow(TABLE_COLUMNS)
            for arow in audit.annual.table():
                writer.writerow([neutralise(str(c)) for c in arow])
            writer.writerow([])
            writer.writerow(["项目", "数量"])
            for key, value in audit.annual.summary_items():
                writer.writerow([key, value])
            return out
        writer.writerow(COLUMNS)
        for row in audit.rows:
            writer.writerow([neutralise(c) for c in audit.cells(row)])
    return out


def _annual_sheet(wb: Workbook, audit: Audit) -> None:
    """audit --annual: sheet 年度报告 — the paragraph, 项目/数量 and the category table."""
    annual = audit.annual
    assert annual is not None
    ws = wb.create_sheet("年度报告", 0)
    bold = Font(bold=True)
    _put(ws, 1, 1, annual.heading).font = Font(bold=True, size=14)
    para = _put(ws, 2, 1, annual.paragraph())
    para.alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(TABLE_COLUMNS))
    ws.row_dimensions[2].height = 15 * (len(annual.paragraph()) // 60 + 2)
    r = 4
    for c, name in enumerate(("项目", "数量"), start=1):
        _put(ws, r, c, name).font = bold
    for key, value in annual.summary_items():
        r += 1
        _put(ws, r, 1, key)
        _put(ws, r, 2, value)
    r += 2
    _put(ws, r, 1, TABLE_TITLE).font = bold
    r += 1
    for c, name in enumerate(TABLE_COLUMNS, start=1):
        _put(ws, r, c, name).font = bold
    for arow in annual.table():
        r += 1
        for c, cell in enumerate(arow, start=1):
            _put(ws, r, c, cell)
    _put(ws, r + 2, 1, ANNUAL_NOTE)
    ws.column_dimensions["A"].width = 36
    for c in range(2, len(TABLE_COLUMNS) + 1):
        ws.column_dimensions[get_column_letter(c)].width = 16
    _print_setup(ws, 1, r + 2, len(TABLE_COLUMNS))


def as_datetime(text: str) -> tuple[datetime | None, str]:
    """A printed time ("2026-03-02 15:30", 北京时间) as a naive datetime, and any words after
    it ("退回"); (None, text) when the text is not a time."""
    m = _STAMP.match(text.strip())
    if not m:
        return None, text
    return datetime.strptime(m.group(1), "%Y-%m-%d %H:%M"), m.group(2)


def _typed_row(audit: Audit, row: AuditRow) -> list[Any]:
    submitted, _ = as_datetime(row.submitted_at)
    signed, _ = as_datetime(row.signed_at)
    published, _ = as_datetime(row.published_at)
    values: list[Any] = [
        row.seq,
        row.submission_id,
        row.version,
        row.title,
        row.doc_number,
        row.dept,
        row.drafter,
        submitted or row.submitted_at,
        sum(row.findings.values()),
        row.findings_summary(),
        row.reviewer,
        row.opinion(audit.rule_names),
        row.leader,
        row.leader_decision,
        signed if signed is not None else row.signed_at,
        published or row.published_at,
        row.channel,
        row.url,
        row.remarks,
    ]
    return [mask_numbers(v) if isinstance(v, str) else v for v in values]


def _put(ws: Worksheet, r: int, c: int, value: Any) -> Cell:
    """Write one cell; a date gets the date format, formula-like text stays text."""
    cell: Cell = ws.cell(row=r, column=c)
    if isinstance(value, str) and formula_like(value):
        cell.value = value
        cell.data_type = "s"  # never "f": the text is shown, not run
        cell.quotePrefix = True
    else:
        cell.value = value
    if isinstance(value, datetime):
        cell.number_format = DATE_FORMAT
    return cell


def _print_setup(ws: Worksheet, header_row: int, last_row: int, last_col: int) -> None:
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages tall as needed
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.oddFooter.center.text = "第 &P 页 共 &N 页"
    ws.evenFooter.center.text = "第 &P 页 共 &N 页"
    ws.print_area = f"A1:{get_column_letter(last_col)}{max(last_row, header_row)}"


def render_xlsx(audit: Audit, path: str | Path) -> Path:
    out = Path(path)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "台账"
    _put(ws, 1, 1, audit.title).font = Font(bold=True, size=14)
    _put(ws, 2, 1, audit.subtitle())
    header_row = 3
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDDDDD")
    for col, (name, width) in enumerate(XLSX_COLUMNS, start=1):
        cell = _put(ws, header_row, col, name)
        cell.font = bold
        cell.fill = fill
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        ws.column_dimensions[get_column_letter(col)].width = width * 1.15 + 2
    wrap = Alignment(wrap_text=True, vertical="top")
    last_row = header_row
    for r, row in enumerate(audit.rows, start=header_row + 1):
        for c, value in enumerate(_typed_row(audit, row), start=1):
            _put(ws, r, c, value).alignment = wrap
        last_row = r
    last_col = len(XLSX_COLUMNS)
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    ws.auto_filter.ref = f"A{header_row}:{get_column_letter(last_col)}{last_row}"
    for i, line in enumerate([*audit.alarms(), audit.footer_line()]):
        _put(ws, last_row + 2 + i, 1, line)
    _print_setup(ws, header_row, last_row, last_col)

    stats = wb.create_sheet("统计")
    for c, name in enumerate(("项目", "数值", "单位/说明"), start=1):
        _put(stats, 1, c, name).font = bold
    r = 1
    for r, (key, value, note) in enumerate(audit.stat_items(), start=2):
        _put(stats, r, 1, key)
        _put(stats, r, 2, value)
        _put(stats, r, 3, note)
    _put(stats, r + 2, 1, "台账校验")
    _put(stats, r + 2, 2, audit.footer_line())
    stats.column_dimensions["A"].width = 34
    stats.column_dimensions["B"].width = 12
    stats.column_dimensions["C"].width = 60
    _print_setup(stats, 1, r + 2, 3)
    if audit.annual is not None:
        _annual_sheet(wb, audit)
    wb.save(out)
    return out
