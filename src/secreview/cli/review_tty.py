"""`review ID` on a terminal: step through the open findings one by one (detect-secrets
`audit` style) — confirm or dismiss each, a reason picked from the common ones
(secreview.reasons) or typed — then approve or return the item.

Nothing is recorded until the reviewer confirms the summary at the end; quitting (q, or
Ctrl-D) records nothing. The decision is then made by the same core call as
``review --approve/--reject --dismiss …``, so the policy checks are the same.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

import click
from rich.console import Console
from rich.markup import escape

from secreview.cli.common import AppState, stdout_console
from secreview.cli.findings import print_finding
from secreview.errors import Refused
from secreview.reasons import DISMISS_REASONS, RETURN_REASONS, pick
from secreview.service import Ledger
from secreview.workflow import ACTIONABLE_SEVERITIES, STATUS_ZH

CONFIRM = {"c", "y", "确认", "是"}
DISMISS = {"d", "n", "排除", "否"}
BACK = {"b", "上一个", "返回"}
QUIT = {"q", "放弃", "退出"}
APPROVE = {"a", "同意", "同意公开"}
RETURN = {"r", "退回"}


def terminal() -> bool:
    """Whether a person is at a terminal (stdin and stdout both a tty)."""
    return sys.stdin.isatty() and sys.stdout.isatty()


@dataclass
class Plan:
    approve: bool
    dismissals: list[tuple[str | int, str]] = field(default_factory=list)
    comment: str | None = None


def _ask(text: str, default: str | None = None) -> str:
    return str(click.prompt(text, default=default, show_default=default is not None)).strip()


def _choose(text: str, allowed: list[set[str]], default: str | None = None) -> str:
    """Ask until the answer is one of ``allowed``; return the set's first-listed key."""
    while True:
        answer = _ask(text, default).lower()
        for options in allowed:
            if answer in options:
                return sorted(o for o in options if o.isascii())[0]
        click.echo("  请按提示输入括号中的字母。")


def _reason(out: Console, title: str, choices: tuple[str, ...], default: str | None) -> str:
    out.print(f"  {title}：")
    for i, text in enumerate(choices, start=1):
        out.print(f"    {i}. {escape(text)}")
    while True:
        answer = _ask("  输入编号，或直接输入理由", default)
        got = pick(answer, choices)
        if got:
            return got
        click.echo(f"  请输入编号 1-{len(choices)}，或直接输入理由。")


def step_through(ledger: Ledger, state: AppState, sid: str, comment: str | None) -> Plan | None:
    """Walk the reviewer through the item's open findings; None when they quit."""
    info = ledger.show(sid, state.user)
    out = stdout_console()
    v = info["version"]
    if info["status"] != "awaiting_review":
        raise Refused(
            f"{sid} 第 {v['version']} 版当前状态为「{STATUS_ZH[info['status']]}」，不在待保密审查状态"
        )
    todo = [
        f
        for f in info["findings"]
        if f["severity"] in ACTIONABLE_SEVERITIES and f["status"] == "open"
    ]
    notes = len(info["findings"]) - len(todo)
    out.print(
        f"[bold]保密审查 {sid}[/bold]「{escape(info['title'])}」第 {v['version']} 版 "
        f"{escape(v['filename'])}：{len(todo)} 个问题待逐项审查"
        + (f"（另有 {notes} 个提示，无须决定）" if notes else "")
    )
    out.print("[dim]（个人号码已遮盖；需要核对原文可先运行 show --reveal）[/dim]")
    decided: dict[str, str | None] = {}  # fingerprint → dismissal reason, None = confirmed
    i = 0
    while i < len(todo):
        f = todo[i]
        out.print(f"\n[bold][{i + 1}/{len(todo)}][/bold]")
        print_finding(out, f, status=False)
        if f["severity"] == "block":
            out.print("       [dim]禁止级：排除后还须审核领导明确接受[/dim]")
        answer = _choose(
            "  确认为问题(c) / 排除(d) / 上一个(b) / 放弃(q)",
            [CONFIRM, DISMISS, BACK, QUIT],
            default="c",
        )
        if answer == "q":
            return None
        if answer == "b":
            i = max(0, i - 1)
            continue
        fp = str(f["fingerprint"])
        if answer == "c":
            decided[fp] = None
        else:
            decided[fp] = _reason(out, "排除理由", DISMISS_REASONS, None)
        i += 1
    dismissals = [(fp, r) for fp, r in decided.items() if r is not None]
    confirmed = [fp for fp, r in decided.items() if r is None]
    out.print(f"\n小结：确认 {len(confirmed)} 个问题，排除 {len(dismissals)} 个。")
    if confirmed:
        out.print("有确认的问题，不能同意公开，只能退回拟稿人修改。")
        choice = _choose("  退回拟稿人(r) / 放弃(q)", [RETURN, QUIT], default="r")
    else:
        choice = _choose("  同意公开(a) / 退回拟稿人(r) / 放弃(q)", [APPROVE, RETURN, QUIT])
    if choice == "q":
        return None
    approve = choice == "a"
    if approve:
        text = _ask("  审查意见（可留空）", comment or "")
        plan = Plan(True, list(dismissals), text or None)
        head = "保密审查同意"
    else:
        text = _reason(out, "退回理由", RETURN_REASONS, comment)
        plan = Plan(False, list(dismissals), text)
        head = f"保密审查退回（理由：{text}）"
    out.print(
        escape(f"将记入台账：{sid} 第 {v['version']} 版 {head}，排除 {len(dismissals)} 个问题。")
    )
    if _choose("  确认记入台账？是(y) / 否(n)", [CONFIRM, DISMISS]) != "c":
        return None
    return plan
