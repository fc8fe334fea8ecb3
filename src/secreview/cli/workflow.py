"""`submit`, `queue`, `show`, `review`, `sign`, `publish` — the review workflow."""

from __future__ import annotations

from typing import Any

import click

from secreview.cli.common import (
    FORMAT,
    SHOWN_PER_RULE,
    VERDICT_STYLE,
    AppState,
    escape,
    first_per_rule,
    handled,
    open_ledger,
    print_hidden,
    print_json,
    stdout_console,
)
from secreview.cli.passphrase import signer_for
from secreview.errors import UsageError
from secreview.workflow import ROLE_ZH, STATUS_ZH

ROUTE_ZH = {"reviewer": "保密审查员", "leader": "审核领导"}
# What each recorded step is called. A decision's name says what it did: a leader's
# rejection is 领导退回, never 签批 (a sign-off); a reviewer's is 保密审查退回.
ACTION_ZH = {
    "submit": "提交",
    "review": "保密审查",
    "sign": "领导审核",
    "publish": "登记公开",
    "reveal": "查看未遮盖内容",
    "export": "导出存档",
    "sweep_result": "定期梳理",
}
DECISION_ACTION_ZH = {
    ("review", "approve"): "保密审查同意",
    ("review", "reject"): "保密审查退回",
    ("sign", "approve"): "领导签批同意",
    ("sign", "reject"): "领导退回",
}
VERDICT_ZH = {"pass": "通过", "review": "需人工审查", "block": "不得公开", "error": "无法审查"}


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
@click.option(
    "--allow-duplicate",
    "allow_duplicate",
    is_flag=True,
    help="文件与台账中已有的版本完全相同时，仍作为新稿件登记（默认拒绝，并指出已有的稿件）.",
)
@FORMAT
@click.pass_obj
def submit(
    state: AppState,
    file: str,
    title: str | None,
    dept: str | None,
    channel: str | None,
    revises: str | None,
    allow_duplicate: bool,
    fmt: str,
) -> None:
    """提交待公开稿件（拟稿人）— scan, archive the exact bytes, record and route.

    A file whose exact bytes are already in the ledger is refused (exit 1), naming the item
    and version that hold them; --allow-duplicate records it as a new item all the same.

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
            signer = signer_for(ledger, state, "提交稿件")
            info = ledger.submit(
                file, title, dept, channel, revises, signer, allow_duplicate=allow_duplicate
            )
    if info["duplicate_of"]:
        from secreview.duplicates import Copy, duplicate_notice

        copies = [Copy(**c) for c in info["duplicate_of"]]
        click.echo(duplicate_notice(copies, state.config().clock()), err=True)
    if fmt == "json":
        print_json(info)
        return
    label, style = VERDICT_STYLE[info["verdict"]]
    out = stdout_console()
    out.print(
        f"{'已提交修改稿' if info['version'] > 1 else '已提交'}：稿件 [bold]{info['id']}[/bold] "
        f"第 {info['version']} 版  "
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
    if not items:  # plain text: the same line rich would print, without importing rich
        click.echo("没有等待您处理的稿件。")
        return
    from rich.table import Table

    out = stdout_console()
    clock = state.config().clock()
    table = Table(show_lines=False)
    table.add_column("稿件", no_wrap=True)
    table.add_column("版本", no_wrap=True)
    table.add_column("标题", overflow="fold", ratio=3)
    table.add_column("部门", overflow="fold")
    table.add_column("拟稿人", overflow="fold")
    table.add_column("机审", overflow="fold")
    table.add_column("状态", overflow="fold", ratio=2)
    table.add_column(clock.heading("提交时间"), overflow="fold")
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
            clock.plain(it["submitted"]),
        )
    out.print(table)


def history_line(h: dict[str, Any], numbers: dict[str, int] | None = None) -> str:
    """One recorded step in words: what was decided (同意 / 退回), why, by which finding."""
    d = h["detail"]
    action = h["action"]
    numbers = numbers or {}
    if action in ("review", "sign"):
        name = DECISION_ACTION_ZH.get((action, d.get("decision")), ACTION_ZH[action])
    elif action == "submit" and (h.get("version") or 1) > 1:
        name = "提交修改稿"
    else:
        name = ACTION_ZH.get(action, action)
    bits: list[str] = []
    if action == "submit":
        verdict = VERDICT_ZH.get(d.get("verdict"), d.get("verdict") or "")
        bits.append(f"第 {h['version']} 版，机审{verdict}")
    elif action in ("review", "sign"):
        reason = d.get("comment")
        if reason:
            bits.append(f"{'理由' if d.get('decision') == 'reject' else '意见'}：{reason}")
        for dis in d.get("dismissals", []):
            n = numbers.get(dis["fingerprint"])
            which = f"第 {n} 号问题" if n else f"问题 {dis['fingerprint']}"
            bits.append(f"排除{which}：{dis['reason']}")
        if d.get("accept_dismissals"):
            bits.append("接受审查员对禁止级问题的排除意见")
    elif action == "sweep_result":
        bits.append(d.get("detail") or d.get("verdict") or "")
    elif action == "publish":
        bits.append(f"{d.get('channel') or ''} {d.get('url') or ''}".strip())
    rest = "；".join(b for b in bits if b)
    return f"{name}：{rest}" if rest else name


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
    """查看稿件 — findings in context (numbered; personal numbers masked) and the history.

    The numbers before the findings are what `review --dismiss 1,3` (or 2-4) takes.

    \b
    Example:
      secreview show 2026-0001
      secreview --as 李审 show 2026-0001 --reveal
    """
    with handled(), open_ledger(state) as ledger:
        signer = (
            signer_for(ledger, state, f"查看 {submission_id} 中未遮盖的个人信息")
            if reveal
            else None
        )
        info = ledger.show(submission_id, state.user, reveal=reveal, version=version, signer=signer)
    if fmt == "json":
        print_json(info)
        return
    from secreview.cli.findings import print_finding

    clock = state.config().clock()
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
    out.print(f"提交时间：{clock.show(v['submitted'])}")
    if v["sign_time"]:
        step = "签批同意" if v["sign_decision"] == "approve" else "退回"
        out.print(f"审核领导：{escape(v['signer'] or '')} {step}，{clock.show(v['sign_time'])}")
    out.print(f"SHA-256：{v['sha256']}")
    if v["returned_reason"]:
        out.print(f"[yellow]退回理由：{escape(v['returned_reason'])}[/yellow]")
    if not info["findings"]:
        out.print("  未发现问题。")
    else:
        out.print("[bold]发现的问题[/bold]（编号可用于 review --dismiss 1,3 或 2-4）")
    shown, hidden = first_per_rule(
        info["findings"], lambda f: str(f.get("rule", "")), lambda f: f["severity"], show_all
    )
    for f in shown:
        print_finding(out, f)
    print_hidden(out, hidden)
    numbers = {str(f["fingerprint"]): int(f["n"]) for f in info["findings"]}
    out.print(f"[bold]记录[/bold]（{clock.label}）")
    for h in info["history"]:
        out.print(
            f"  #{h['seq']} {clock.plain(h['ts'], seconds=True)} {escape(h['actor'])} "
            f"{escape(history_line(h, numbers if h['version'] == v['version'] else None))}"
        )
    if not info["revealed"]:
        out.print("[dim]（个人号码已遮盖；审查员、领导、审计员可用 --reveal 查看）[/dim]")


def parse_dismissals(
    dismiss: tuple[str, ...], reasons: tuple[str, ...]
) -> list[tuple[str | int, str]]:
    """``--dismiss 1,3 --reason R`` → [(1, R), (3, R)]: each --dismiss (numbers, ranges or
    fingerprints) pairs with the --reason after it."""
    from secreview.numbering import parse_refs

    if len(dismiss) != len(reasons):
        raise UsageError("每个 --dismiss 都须紧跟一个 --reason（排除理由）")
    out: list[tuple[str | int, str]] = []
    for refs, reason in zip(dismiss, reasons, strict=True):
        out.extend((ref, reason) for ref in parse_refs(refs))
    return out


@click.command()
@click.argument("submission_id")
@click.option("--approve/--reject", "approve", default=None, help="同意公开 / 退回拟稿人.")
@click.option(
    "--dismiss",
    "dismiss",
    multiple=True,
    metavar="编号",
    help="排除问题：show 列出的编号（1,3 或 2-4）或指纹；每个 --dismiss 后跟一个 --reason.",
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

    On a terminal, `review ID` alone steps through the open findings one by one: confirm or
    dismiss each (a reason picked from a numbered list of common ones, or typed), then
    approve or return the item. Scripts give --approve/--reject, and --dismiss with the
    numbers `show` prints (or fingerprints).

    \b
    Example:
      secreview --as 李审 review 2026-0001
      secreview --as 李审 review 2026-0001 --approve --dismiss 1,3 --reason 系引用已公开文件的标题
      secreview --as 李审 review 2026-0002 --reject --comment 含身份证号，请删除后重新提交
    """
    from secreview.cli.review_tty import step_through, terminal

    if approve is None and not dismiss and fmt == "text" and terminal():
        with handled(), open_ledger(state) as ledger:
            signer = signer_for(ledger, state, f"审查 {submission_id}")
            plan = step_through(ledger, state, submission_id, comment)
            if plan is None:
                stdout_console().print("已放弃，未记入台账。")
                raise SystemExit(1)
            info = ledger.review(submission_id, signer, plan.approve, plan.dismissals, plan.comment)
        _print_review(submission_id, info)
        return
    with handled():
        if approve is None:
            raise UsageError(
                "须选择 --approve（同意）或 --reject（退回）；在终端中只写 review 稿件编号 可逐项审查"
            )
        chosen = parse_dismissals(dismiss, reasons)
        with open_ledger(state) as ledger:
            signer = signer_for(ledger, state, f"审查 {submission_id}")
            info = ledger.review(submission_id, signer, approve, chosen, comment)
    if fmt == "json":
        print_json(info)
        return
    _print_review(submission_id, info)


def _print_review(sid: str, info: dict[str, Any]) -> None:
    head = DECISION_ACTION_ZH[("review", info["decision"])]
    counts = f"确认 {info['confirmed']} 个问题，排除 {info['dismissed']} 个"
    if info["decision"] == "reject":
        line = f"{head}：{sid} 第 {info['version']} 版已退回拟稿人（{counts}）；理由：{info['comment']}"
    else:
        line = (
            f"{head}：{sid} 第 {info['version']} 版（{counts}），状态：{STATUS_ZH[info['status']]}"
        )
    stdout_console().print(escape(line))


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
      secreview --as 王领导 sign 2026-0004 --reject --comment 附件须先脱敏
    """
    with handled():
        decision = _decision(approve)
        with open_ledger(state) as ledger:
            signer = signer_for(ledger, state, f"签批 {submission_id}")
            info = ledger.sign(submission_id, signer, decision, accept_dismissals, comment)
    if fmt == "json":
        print_json(info)
        return
    clock = state.config().clock()
    when = clock.show(info["ts"])
    if info["decision"] == "approve":
        line = (
            f"领导签批同意：{submission_id} 第 {info['version']} 版（{when}），"
            f"状态：{STATUS_ZH[info['status']]}"
        )
    else:
        line = (
            f"领导退回：{submission_id} 第 {info['version']} 版未获签批，已退回拟稿人（{when}）；"
            f"理由：{info['comment']}"
        )
    stdout_console().print(escape(line))


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
    signed — and unless the item's events verify (chain, signatures, policy, checkpoints).

    \b
    Example:
      secreview publish 2026-0001 --channel 政府网站 --url https://www.example.gov.cn/a/1.html
    """
    with handled(), open_ledger(state) as ledger:
        signer = signer_for(ledger, state, f"公开 {submission_id}")
        info = ledger.publish(submission_id, signer, channel, url)
    if fmt == "json":
        print_json(info)
        return
    where = " ".join(x for x in (info["channel"], info["url"]) if x)
    when = state.config().clock().show(info["ts"])
    stdout_console().print(
        f"已登记公开：{submission_id} 第 {info['version']} 版 {escape(where)}  {when}"
    )


__all__ = ["submit", "queue", "show", "review", "sign", "publish", "ROLE_ZH"]
