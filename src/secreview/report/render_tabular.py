"""The 台账 as CSV (UTF-8 with BOM, so Excel opens the Chinese correctly) and XLSX.

Every cell goes through :func:`spreadsheet_safe`: text a spreadsheet would run as a formula
(beginning with ``= + - @``, a tab or a carriage return — also after leading spaces, and in
full-width form) gets a leading apostrophe, so a title like ``=HYPERLINK(…)`` stays text. In
the XLSX, cells are also typed as strings explicitly, so openpyxl never writes a formula.
"""

from __future__ import annotations

import csv
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from secreview.report.audit import COLUMN_WIDTHS, COLUMNS, Audit

_FORMULA_START = tuple("=+-@\t\r＝＋－＠")


def spreadsheet_safe(value: str) -> str:
    """``value`` with a leading apostrophe when a spreadsheet would read it as a formula."""
    if value.lstrip(" \u3000\u00a0").startswith(_FORMULA_START) or value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _safe_row(cells: list[str]) -> list[str]:
    return [spreadsheet_safe(c) for c in cells]


def _put(ws, row: int, column: int, value: str):  # type: ignore[no-untyped-def]
    cell = ws.cell(row=row, column=column)
    cell.value = spreadsheet_safe(value)
    cell.data_type = "s"  # never a formula, whatever the text
    return cell


def render_csv(audit: Audit, path: str | Path) -> Path:
    out = Path(path)
    with out.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(_safe_row(COLUMNS))
        for row in audit.rows:
            writer.writerow(_safe_row(row.cells()))
    return out


def render_xlsx(audit: Audit, path: str | Path) -> Path:
    out = Path(path)
    wb = Workbook()
    ws = wb.active
    ws.title = "台账"
    _put(ws, 1, 1, audit.title)
    _put(ws, 2, 1, f"统计期间：{audit.period}    生成时间：{audit.generated_at}")
    for c, name in enumerate(COLUMNS, start=1):
        _put(ws, 3, c, name)
    header_row = 3
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDDDDD")
    for col in range(1, len(COLUMNS) + 1):
        cell = ws.cell(row=header_row, column=col)
        cell.font = bold
        cell.fill = fill
        ws.column_dimensions[get_column_letter(col)].width = COLUMN_WIDTHS[col - 1] * 1.6 + 2
    ws["A1"].font = Font(bold=True, size=14)
    wrap = Alignment(wrap_text=True, vertical="top")
    for r, row in enumerate(audit.rows, start=header_row + 1):
        for c, value in enumerate(row.cells(), start=1):
            _put(ws, r, c, value).alignment = wrap
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    footer_row = header_row + len(audit.rows) + 2
    for i, line in enumerate([*audit.alarms(), audit.footer_line()]):
        _put(ws, footer_row + i, 1, line)

    stats = wb.create_sheet("统计")
    lines = [("项目", "数值"), *audit.stat_lines(), ("", ""), ("台账校验", audit.footer_line())]
    for r, (key, value) in enumerate(lines, start=1):
        if key or value:
            _put(stats, r, 1, key)
            _put(stats, r, 2, value)
    stats.column_dimensions["A"].width = 30
    stats.column_dimensions["B"].width = 80
    stats["A1"].font = bold
    stats["B1"].font = bold
    wb.save(out)
    return out
