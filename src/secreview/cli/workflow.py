"""`submit`, `queue`, `show`, `review`, `sign`, `publish` — the review workflow."""

from __future__ import annotations

from typing import Any

import click
from rich.markup import escape
from rich.table import Table

from secreview.cli.common import (
    FORMAT,
    SHOWN_PER_RULE,
    AppState,
    first_per_rule,
    print_hidden,
    print_json,
    stdout_console,
)
from secreview.cli.ledger_cmds import handled, open_ledger
from secreview.cli.scan import SEVERITY_STYLE, VERDICT_STYLE
from secreview.errors import UsageError
from secreview.model import CATEGORIES, Location
from secreview.workflow import ROLE_ZH, STATUS_ZH

ROUTE_ZH = {"reviewer": "保密审查员", "leader": "审核领导"}
ACTION_ZH = {
    "submit": "提交",
    "review": "保密审查",
    "sign": "领导签批",
    "publish": "公开",
    "reveal": "查看未遮盖内容",
    "export": "导出存档",
    "sweep_result": "定期梳理",
}
DECISION_ZH = {"approve": "同意", "reject": "退回"}
FINDING_STATUS_ZH = {
    "open": "待审查",
    "confirmed": "审查员确认",
    "dismissed": "审查员排除",
    "dismissed_accepted": "排除（领导已接受）",
}


def _decision(approve: bool | None) -> bool:
    if approve is None:
        raise UsageError("须选择 --approve（同意）或 --reject（退回）")
    return approve


@click.command()
@click.argument("file", type=click.Path())
@click.option("--title", default=None, help="信息标题 (required unless --revises).")
@click.option("--dept", default=None, help="拟公开单位/科室 (required unless --revises).")
@click.option("--channel", default=None, help="拟公开渠道，如 政府网站/政务新媒体/公开栏.")
@click.option("--revises", default=None, metavar="ID", help="提交某稿件的修改稿（新版本）.")
@FORMAT
@click.pass_obj
def submit(
    state: AppState,
    file: str,
    title: str | None,
    dept: str | None,
    channel: str | None,
    revises: str | None,
    fmt: str,
) -> None:
    """提交待公开稿件（拟稿人）— scan, archive the exact bytes, record and route.

    \b
    Example:
      secreview submit 通知.docx --title 关于开展安全检查的通知 --dept 办公室 --channel 政府网站
      secreview submit 通知-改.docx --revises 2026-0001
    """
    with handled():
        if not revises and (not title or not dept):
            raise UsageError("提交新稿件须写明 --title 和 --dept")
        with open_ledger(state) as ledger:
            if not revises:  # a revision keeps its item's channel unless one is given
                channel = channel or state.config().default_channel
            info = ledger.submit(file, title, dept, channel, revises, state.user)
    if fmt == "json":
        print_json(info)
        return
    label, style = VERDICT_STYLE[info["verdict"]]
    out = stdout_console()
    out.print(
        f"已提交：稿件 [bold]{info['id']}[/bold] 第 {info['version']} 版  "
        f"机审结论 [{style}]{label}[/{style}]（{info['findings']} 个问题）"
    )
    out.print("流转：" + " → ".join(ROUTE_ZH[r] for r in info["route"]))


@click.command()
@FORMAT
@click.pass_obj
def queue(state: AppState, fmt: str) -> None:
    """我的待办 — what waits for you (reviews, sign-offs, returned items).

    \b
    Example:
      secreview --as 李审 queue
    """
    with handled(), open_ledger(state) as ledger:
        items = ledger.queue(state.user)
    if fmt == "json":
        print_json(items)
        return
    out = stdout_console()
    if not items:
        out.print("没有等待您处理的稿件。")
        return
    table = Table(show_lines=False)
    table.add_column("稿件", no_wrap=True)
    table.add_column("版本", no_wrap=True)
    table.add_column("标题", overflow="fold", ratio=3)
    table.add_column("部门", overflow="fold")
    table.add_column("拟稿人", overflow="fold")
    table.add_column("机审", overflow="fold")
    table.add_column("状态", overflow="fold", ratio=2)
    table.add_column("提交时间", overflow="fold")
    for it in items:
        label, style = VERDICT_STYLE[it["verdict"]]
        status = STATUS_ZH[it["status"]]
        if it["returned_reason"]:
            status += f"：{it['returned_reason']}"
        table.add_row(
            it["id"],
            str(it["version"]),
            escape(it["title"]),
            escape(it["dept"]),
            escape(it["drafter"]),
            f"[{style}]{label}[/{style}]",
            escape(status),
            it["submitted"][:19].replace("T", " "),
        )
    out.print(table)


def _history_line(h: dict[str, Any]) -> str:
    d = h["detail"]
    bits = [ACTION_ZH.get(h["action"], h["action"])]
    if h["action"] == "submit":
        bits.append(f"第 {h['version']} 版，机审 {d.get('verdict')}")
    elif h["action"] in ("review", "sign"):
        bits.append(DECISION_ZH.get(d.get("decision"), d.get("decision") or ""))
        for dis in d.get("dismissals", []):
            bits.append(f"排除 {dis['fingerprint']}：{dis['reason']}")
        if d.get("accept_dismissals"):
            bits.append("接受审查员的排除意见")
        if d.get("comment"):
            bits.append(f"意见：{d['comment']}")
    elif h["action"] == "sweep_result":
        bits.append(d.get("detail") or d.get("verdict") or "")
    elif h["action"] == "publish":
        bits.append(f"{d.get('channel') or ''} {d.get('url') or ''}".strip())
    return "；".join(b for b in bits if b)


@click.command()
@click.argument("submission_id")
@click.option("--version", "version", type=int, default=None, help="版本号 (default: current).")
@click.option(
    "--reveal", is_flag=True, help="显示未遮盖的个人信息（审查员/领导/审计员，记入台账）."
)
@click.option(
    "--all", "show_all", is_flag=True, help=f"列出全部问题（默认每条规则最多 {SHOWN_PER_RULE} 处）."
)
@FORMAT
@click.pass_obj
def show(
    state: AppState,
    submission_id: str,
    version: int | None,
    reveal: bool,
    show_all: bool,
    fmt: str,
) -> None:
    """查看稿件 — findings in context (personal numbers masked) and the full history.

    \b
    Example:
      secreview show 2026-0001
      secreview --as 李审 show 2026-0001 --reveal
    """
    with handled(), open_ledger(state) as ledger:
        info = ledger.show(submission_id, state.user, reveal=reveal, version=version)
    if fmt == "json":
        print_json(info)
        return
    out = stdout_console()
    v = info["version"]
    label, style = VERDICT_STYLE[v["verdict"]]
    out.print(
        f"[bold]{info['id']}[/bold]「{escape(info['title'])}」 {escape(info['dept'])}  拟稿人 {escape(info['drafter'])}"
    )
    out.print(
        f"第 {v['version']} 版（共 {len(info['versions'])} 版） {escape(v['filename'])}  "
        f"机审 [{style}]{label}[/{style}]  状态：{STATUS_ZH[v['status']]}"
    )
    out.print(f"SHA-256：{v['sha256']}")
    if v["returned_reason"]:
        out.print(f"[yellow]退回理由：{escape(v['returned_reason'])}[/yellow]")
    if not info["findings"]:
        out.print("  未发现问题。")
    shown, hidden = first_per_rule(
        info["findings"], lambda f: str(f.get("rule", "")), lambda f: f["severity"], show_all
    )
    for f in shown:
        tag, colour = SEVERITY_STYLE.get(f["severity"], (f["severity"], "white"))
        cat = f.get("category", "")
        cat_txt = cat if cat in CATEGORIES else escape(str(cat))
        loc = Location.from_dict(f.get("location") or {"part": "body"}).label()
        out.print(
            f"  [{colour}]■ {tag}[/{colour}] [dim]{f['fingerprint']}[/dim] {escape(loc)}  "
            f"{escape(f.get('reason', ''))}  [dim]({escape(f.get('rule', ''))}, {cat_txt})[/dim]"
        )
        out.print(f"      {escape(f.get('context', ''))}")
        status = FINDING_STATUS_ZH[f["status"]]
        if f.get("dismissal"):
            status += f"：{f['dismissal']['reason']}"
        out.print(f"      [dim]{escape(status)}[/dim]")
    print_hidden(out, hidden)
    out.print("[bold]记录[/bold]")
    for h in info["history"]:
        out.print(
            f"  #{h['seq']} {h['ts'][:19].replace('T', ' ')} {escape(h['actor'])} "
            f"{escape(_history_line(h))}"
        )
    if not info["revealed"]:
        out.print("[dim]（个人号码已遮盖；审查员、领导、审计员可用 --reveal 查看）[/dim]")


@click.command()
@click.argument("submission_id")
@click.option("--approve/--reject", "approve", default=None, help="同意公开 / 退回拟稿人.")
@click.option(
    "--dismiss", "dismiss", multiple=True, metavar="FINGERPRINT", help="排除某个问题（按指纹）."
)
@click.option("--reason", "reasons", multiple=True, help="排除理由，与每个 --dismiss 一一对应.")
@click.option("--comment", default=None, help="审查意见（退回时必填）.")
@FORMAT
@click.pass_obj
def review(
    state: AppState,
    submission_id: str,
    approve: bool | None,
    dismiss: tuple[str, ...],
    reasons: tuple[str, ...],
    comment: str | None,
    fmt: str,
) -> None:
    """保密审查（保密审查员）— confirm or dismiss each finding, then approve or return.

    \b
    Example:
      secreview --as 李审 review 2026-0001 --approve --dismiss 70752572ee1468bf15e1 --reason 系引用公开文件标题
      secreview --as 李审 review 2026-0002 --reject --comment 含身份证号，请删除后重新提交
    """
    with handled():
        decision = _decision(approve)
        if len(dismiss) != len(reasons):
            raise UsageError("每个 --dismiss 都须紧跟一个 --reason（排除理由）")
        with open_ledger(state) as ledger:
            info = ledger.review(
                submission_id,
                state.user,
                decision,
                list(zip(dismiss, reasons, strict=True)),
                comment,
            )
    if fmt == "json":
        print_json(info)
        return
    stdout_console().print(
        f"已审查 {submission_id} 第 {info['version']} 版：{DECISION_ZH[info['decision']]}"
        f"（排除 {info['dismissed']} 个问题），状态：{STATUS_ZH[info['status']]}"
    )


@click.command()
@click.argument("submission_id")
@click.option("--approve/--reject", "approve", default=None, help="签批同意 / 退回拟稿人.")
@click.option("--accept-dismissals", is_flag=True, help="明确接受审查员对禁止级问题的排除意见.")
@click.option("--comment", default=None, help="签批意见（退回时必填）.")
@FORMAT
@click.pass_obj
def sign(
    state: AppState,
    submission_id: str,
    approve: bool | None,
    accept_dismissals: bool,
    comment: str | None,
    fmt: str,
) -> None:
    """领导签批（审核领导）— sign off or return a reviewed item.

    \b
    Example:
      secreview --as 王领导 sign 2026-0001 --approve
      secreview --as 王领导 sign 2026-0003 --approve --accept-dismissals --comment 同意
    """
    with handled():
        decision = _decision(approve)
        with open_ledger(state) as ledger:
            info = ledger.sign(submission_id, state.user, decision, accept_dismissals, comment)
    if fmt == "json":
        print_json(info)
        return
    stdout_console().print(
        f"已签批 {submission_id} 第 {info['version']} 版：{DECISION_ZH[info['decision']]}，"
        f"状态：{STATUS_ZH[info['status']]}"
    )


@click.command()
@click.argument("submission_id")
@click.option("--channel", default=None, help="公开渠道/栏目 (default: as submitted).")
@click.option("--url", default=None, help="公开网址.")
@FORMAT
@click.pass_obj
def publish(
    state: AppState, submission_id: str, channel: str | None, url: str | None, fmt: str
) -> None:
    """登记公开（拟稿人/管理员）— record publication of the signed-off bytes.

    Refused unless the current version was signed off and its archived bytes still hash as
    signed.

    \b
    Example:
      secreview publish 2026-0001 --channel 政府网站 --url https://www.example.gov.cn/a/1.html
    """
    with handled(), open_ledger(state) as ledger:
        info = ledger.publish(submission_id, state.user, channel, url)
    if fmt == "json":
        print_json(info)
        return
    where = " ".join(x for x in (info["channel"], info["url"]) if x)
    stdout_console().print(
        f"已登记公开：{submission_id} 第 {info['version']} 版 {escape(where)}  {info['ts'][:19].replace('T', ' ')}"
    )


__all__ = ["submit", "queue", "show", "review", "sign", "publish", "ROLE_ZH"]
