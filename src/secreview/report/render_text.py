"""The 台账 as rich output in the terminal: a table on wide terminals, one card per item on
narrow ones (twelve columns in 80 characters would wrap every cell into unreadable slivers)."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from secreview.report.annual import ANNUAL_NOTE, TABLE_COLUMNS, TABLE_TITLE
from secreview.report.audit import COLUMNS, Audit

WIDE = 140  # below this many columns the items are printed as cards


def _table(audit: Audit) -> Table:
    table = Table(title=escape(f"{audit.title}\n{audit.subtitle()}"), show_lines=True, expand=True)
    for col in COLUMNS:
        table.add_column(col, overflow="fold", min_width=4 if col == "序号" else None)
    for row in audit.rows:
        table.add_row(*(escape(c) for c in audit.cells(row)))
    return table


def _cards(audit: Audit, console: Console) -> None:
    console.print(f"[bold]{escape(audit.title)}[/bold]")
    console.print(escape(audit.subtitle()))
    if not audit.rows:
        console.print("本期间无提交事项。")
    for row in audit.rows:
        cells = audit.cells(row)
        card = Table(
            title=escape(f"{cells[0]}. {cells[2]}（{cells[1]}）"),
            title_justify="left",
            show_header=False,
            expand=True,
        )
        card.add_column("项目", no_wrap=True, style="bold", min_width=18)
        card.add_column("内容", overflow="fold")
        for name, value in zip(COLUMNS[3:], cells[3:], strict=True):
            if value:
                card.add_row(name, escape(value))
        console.print(card)


def render_annual(audit: Audit, console: Console) -> None:
    """audit --annual: the annual report's 保密审查 section — heading, paragraph, tables."""
    annual = audit.annual
    assert annual is not None
    for alarm in audit.alarms():
        console.print(f"[bold red]{escape(alarm)}[/bold red]")
    console.print(f"[bold]{escape(annual.heading)}[/bold]")
    console.print(escape(annual.paragraph()))
    table = Table(title=TABLE_TITLE, show_header=True)
    for i, col in enumerate(TABLE_COLUMNS):
        table.add_column(col, justify="left" if i == 0 else "right", overflow="fold")
    for row in annual.table():
        table.add_row(*(escape(str(c)) for c in row))
    console.print(table)
    summary = Table(title="统计", show_header=True)
    summary.add_column("项目", overflow="fold")
    summary.add_column("数量", justify="right")
    for key, value in annual.summary_items():
        summary.add_row(escape(key), str(value))
    console.print(summary)
    console.print(escape(ANNUAL_NOTE))
    style = "green" if audit.verify_ok else "bold red"
    console.print(f"[{style}]{escape(audit.footer_line())}[/{style}]", soft_wrap=True)


def render_text(audit: Audit, console: Console) -> None:
    for alarm in audit.alarms():
        console.print(f"[bold red]{escape(alarm)}[/bold red]")
    if console.width >= WIDE:
        console.print(_table(audit))
    else:
        _cards(audit, console)
    stats = Table(title="统计", show_header=False)
    stats.add_column("项目")
    stats.add_column("数值", overflow="fold")
    for key, value in audit.stat_lines():
        stats.add_row(escape(key), escape(value))
    console.print(stats)
    style = "green" if audit.verify_ok else "bold red"
    console.print(f"[{style}]{escape(audit.footer_line())}[/{style}]", soft_wrap=True)
