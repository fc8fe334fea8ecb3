"""One finding as people read it on the terminal (``show`` and the terminal review)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape

from secreview.cli.common import SEVERITY_STYLE
from secreview.model import CATEGORY_NAMES_ZH, Location

FINDING_STATUS_ZH = {
    "open": "待审查",
    "confirmed": "审查员确认",
    "dismissed": "审查员排除",
    "dismissed_accepted": "排除（领导已接受）",
}


def print_finding(out: Console, f: dict[str, Any], *, status: bool = True) -> None:
    """Number, severity, where, why, the context (personal numbers masked unless revealed)
    and, with ``status``, what the reviewer decided."""
    tag, colour = SEVERITY_STYLE.get(f["severity"], (f["severity"], "white"))
    cat = str(f.get("category", ""))
    loc = Location.from_dict(f.get("location") or {"part": "body"}).label()
    out.print(
        f"  [bold]{f['n']:>3}.[/bold] [{colour}]■ {tag}[/{colour}] {escape(loc)}  "
        f"{escape(f.get('reason', ''))}  [dim]({escape(f.get('rule', ''))}, "
        f"{escape(CATEGORY_NAMES_ZH.get(cat, cat))}；指纹 {f['fingerprint']})[/dim]"
    )
    out.print(f"       {escape(f.get('context', ''))}")
    if status:
        text = FINDING_STATUS_ZH[f["status"]]
        if f.get("dismissal"):
            text += f"：{f['dismissal']['reason']}"
        out.print(f"       [dim]{escape(text)}[/dim]")
