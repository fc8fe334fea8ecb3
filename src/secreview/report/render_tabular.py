"""The 台账 as CSV (UTF-8 with BOM, so Excel opens the Chinese correctly) and XLSX."""

from __future__ import annotations

import csv
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from secreview.report.audit import COLUMN_WIDTHS, COLUMNS, Audit


def render_csv(audit: Audit, path: str | Path) -> Path:
    out = Path(path)
    with out.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        for row in audit.rows:
            writer.writerow(row.cells())
    return out


def render_xlsx(audit: Audit, path: str | Path) -> Path:
    out = Path(path)
    wb = Workbook()
    ws = wb.active
    ws.title = "台账"
    ws.append([audit.title])
    ws.append([f"统计期间：{audit.period}    生成时间：{audit.generated_at}"])
    ws.append(COLUMNS)
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
            ws.cell(row=r, column=c, value=value).alignment = wrap
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    ws.cell(row=header_row + len(audit.rows) + 2, column=1, value=audit.footer_line())

    stats = wb.create_sheet("统计")
    stats.append(["项目", "数值"])
    for key, value in audit.stat_lines():
        stats.append([key, value])
    stats.append([])
    stats.append(["台账校验", audit.footer_line()])
    stats.column_dimensions["A"].width = 30
    stats.column_dimensions["B"].width = 80
    stats["A1"].font = bold
    stats["B1"].font = bold
    wb.save(out)
    return out
