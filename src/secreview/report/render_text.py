"""The 台账 as a rich table in the terminal."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from secreview.report.audit import COLUMNS, Audit


def render_text(audit: Audit, console: Console) -> None:
    table = Table(title=escape(f"{audit.title}\n{audit.period}"), show_lines=True, expand=True)
    for col in COLUMNS:
        table.add_column(col, overflow="fold")
    for row in audit.rows:
        table.add_row(*(escape(c) for c in row.cells()))
    if audit.stats.published_without_signoff:
        console.print(
            "[bold red]警告：下列事项未经完整签批即已公开，必须立即整改："
            + escape("；".join(audit.stats.published_without_signoff))
            + "[/bold red]"
        )
    console.print(table)
    stats = Table(title="统计", show_header=False)
    stats.add_column("项目")
    stats.add_column("数值")
    for key, value in audit.stat_lines():
        stats.add_row(escape(key), escape(value))
    console.print(stats)
    style = "green" if audit.verify_ok else "bold red"
    console.print(f"[{style}]{escape(audit.footer_line())}[/{style}]", soft_wrap=True)
