"""`init`, `user …`, `check`, `export`, `ledger verify|checkpoint|rebuild`."""

from __future__ import annotations

import os
from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from secreview.cli.common import (
    FORMAT,
    AppState,
    RoleType,
    handled,
    open_ledger,
    print_json,
    stdout_console,
)
from secreview.cli.passphrase import read_new_passphrase, read_passphrase, signer_for
from secreview.errors import UsageError
from secreview.ledger.backends import list_offices
from secreview.ledger.keys import DEFAULT_COST, MAX_COST, MIN_COST
from secreview.service import Ledger
from secreview.workflow import ROLE_ZH


def _local(state: AppState, ts: str | None) -> str:
    """A ledger time as people read it: 北京时间, labelled (clock.py)."""
    return state.config().clock().show(ts)


@click.command()
@click.option("--admin", "admin", required=True, metavar="NAME", help="首位管理员的姓名.")
@click.option("--office", default=None, help="单位名称（印在台账标题中）.")
@click.option(
    "--kdf-cost",
    "kdf_cost",
    type=click.IntRange(MIN_COST, MAX_COST),
    default=DEFAULT_COST,
    show_default=True,
    help="口令保护强度：scrypt N=2^cost（内存 2^cost KiB；15 = 32 MiB）。记入台账，对所有密钥生效.",
)
@FORMAT
@click.pass_obj
def init(state: AppState, admin: str, office: str | None, kdf_cost: int, fmt: str) -> None:
    """建立台账和首位管理员 — create the ledger together with its first admin.

    The admin sets a passphrase (asked on the terminal, or --passphrase-file /
    SECREVIEW_PASSPHRASE); an Ed25519 key pair is made and stored encrypted under it. There is
    no other bootstrap: every later user is added by an admin. An existing ledger is left as
    it is (exit 1).

    \b
    Example:
      secreview --db 台账.db init --admin 老周 --office 示例县人民政府办公室
    """
    with handled():
        passphrase = read_passphrase(state, f"为管理员「{admin}」设置口令", confirm=True)
        ledger, info = Ledger.init(state.config(), admin, passphrase, office, kdf_cost)
        ledger.close()
    if fmt == "json":
        print_json(info)
        return
    out = stdout_console()
    out.print(f"已建立台账：{escape(info['db'])}，管理员「{escape(info['admin'])}」的密钥已生成")
    out.print("下一步：secreview --as 管理员 user add 姓名 --role 角色（会给出一次性登记码）")


@click.group()
def user() -> None:
    """用户与密钥 — users, roles and their keys (drafter/reviewer/leader/auditor/admin)."""


@user.command("add")
@click.argument("name")
@click.option(
    "--role",
    "roles",
    required=True,
    multiple=True,
    type=RoleType(),
    help="角色：拟稿人/保密审查员/审核领导/审计员/管理员（或 drafter/reviewer/leader/auditor/"
    "admin）；可重复 (a user may hold several roles).",
)
@click.option(
    "--dept", "depts", multiple=True, help="部门 (repeatable); leaders sign only for these."
)
@FORMAT
@click.pass_obj
def user_add(
    state: AppState, name: str, roles: tuple[str, ...], depts: tuple[str, ...], fmt: str
) -> None:
    """登记用户（管理员）— register a user; prints a one-time enrolment code (72 h).

    Give the code to the user in person; they set their own passphrase with `user enroll`.

    \b
    Example:
      secreview --as 管理员 user add 张三 --role drafter --dept 办公室
    """
    with handled(), open_ledger(state) as ledger:
        signer = signer_for(ledger, state, f"登记用户「{name}」")
        info = ledger.accounts.add_user(signer, name, roles, depts)
    if fmt == "json":
        print_json(info)
        return
    out = stdout_console()
    u = info["user"]
    dept_text = f"，部门：{'、'.join(u['depts'])}" if u["depts"] else ""
    role_text = "/".join(ROLE_ZH[r] for r in u["roles"])
    out.print(f"已登记用户「{escape(u['name'])}」：{role_text}{escape(dept_text)}")
    out.print(
        f"一次性登记码：[bold]{info['enrol_code']}[/bold]（{_local(state, info['enrol_expires'])}前有效，只显示这一次）"
    )
    out.print(
        f"请当面交给本人，由本人运行：secreview user enroll {escape(u['name'])} --code 登记码"
    )


@user.command("enroll")
@click.argument("name")
@click.option("--code", required=True, help="管理员给出的一次性登记码.")
@FORMAT
@click.pass_obj
def user_enroll(state: AppState, name: str, code: str, fmt: str) -> None:
    """启用账号（本人）— set your passphrase with the enrolment code; your key pair is made.

    The passphrase is asked twice on the terminal (or --passphrase-file / SECREVIEW_PASSPHRASE).
    Only the public key is readable in the ledger; the private key is stored encrypted under
    your passphrase, which nobody else — the admin included — knows.

    \b
    Example:
      secreview user enroll 张三 --code K7QF-2M4X-…
    """
    with handled(), open_ledger(state) as ledger:
        passphrase = read_passphrase(state, f"为「{name}」设置口令", confirm=True)
        info = ledger.accounts.enroll(name, code, passphrase)
    if info.get("notice"):
        click.echo(info["notice"], err=True)
    if fmt == "json":
        print_json(info)
        return
    stdout_console().print(
        f"已启用「{escape(info['name'])}」：密钥已生成（公钥 {info['public_key'][:16]}…），"
        "此后每次写入台账都须输入本人口令"
    )


@user.command("passwd")
@click.option(
    "--new-passphrase-file",
    "new_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="新口令文件 (else env SECREVIEW_NEW_PASSPHRASE, else a prompt).",
)
@FORMAT
@click.pass_obj
def user_passwd(state: AppState, new_file: Path | None, fmt: str) -> None:
    """修改口令（本人）— change your passphrase; a new key pair replaces the old one.

    The old key is retired, so a passphrase someone may have seen opens nothing that can
    still sign.

    \b
    Example:
      secreview --as 张三 user passwd
    """
    with handled(), open_ledger(state) as ledger:
        old = read_passphrase(state, f"「{state.user}」的现口令")
        new = read_new_passphrase(new_file)
        info = ledger.accounts.change_passphrase(state.user, old, new)
    if fmt == "json":
        print_json(info)
    else:
        stdout_console().print(f"已修改「{escape(info['name'])}」的口令，并更换了密钥")


@user.command("rotate-key")
@FORMAT
@click.pass_obj
def user_rotate_key(state: AppState, fmt: str) -> None:
    """更换密钥（本人）— replace your key pair (same passphrase); the old key stops signing.

    \b
    Example:
      secreview --as 张三 user rotate-key
    """
    with handled(), open_ledger(state) as ledger:
        passphrase = read_passphrase(state, f"「{state.user}」的口令")
        info = ledger.accounts.rotate_key(state.user, passphrase)
    if fmt == "json":
        print_json(info)
    else:
        stdout_console().print(
            f"已更换「{escape(info['name'])}」的密钥（新公钥 {info['public_key'][:16]}…）"
        )


@user.command("reset-key")
@click.argument("name")
@FORMAT
@click.pass_obj
def user_reset_key(state: AppState, name: str, fmt: str) -> None:
    """重置密钥（管理员）— for a lost passphrase: void the user's key, issue a new code.

    Loud by design: the reset is its own event, listed in every audit, and the user is told
    when they enrol again.

    \b
    Example:
      secreview --as 管理员 user reset-key 张三
    """
    with handled(), open_ledger(state) as ledger:
        signer = signer_for(ledger, state, f"重置用户「{name}」的密钥")
        info = ledger.accounts.reset_key(signer, name)
    click.echo(f"注意：已作废「{info['name']}」的密钥；此重置记入台账并列入保密审查台账", err=True)
    if fmt == "json":
        print_json(info)
        return
    out = stdout_console()
    out.print(
        f"新的一次性登记码：[bold]{info['enrol_code']}[/bold]（{_local(state, info['enrol_expires'])}前有效）"
    )
    out.print(
        f"请当面交给本人，由本人运行：secreview user enroll {escape(info['name'])} --code 登记码"
    )


@user.command("disable")
@click.argument("name")
@FORMAT
@click.pass_obj
def user_disable(state: AppState, name: str, fmt: str) -> None:
    """停用用户（管理员）— revoke a user and their key; their past events stay valid.

    \b
    Example:
      secreview --as 管理员 user disable 张三
    """
    with handled(), open_ledger(state) as ledger:
        signer = signer_for(ledger, state, f"停用用户「{name}」")
        info = ledger.accounts.disable(signer, name)
    if fmt == "json":
        print_json(info)
    else:
        stdout_console().print(f"已停用用户「{escape(info['disabled'])}」")


KEY_ZH = {
    "active": "已启用",
    "pending": "待启用",
    "reset_pending": "密钥已重置，待重新启用",
    "disabled": "已停用",
}


@user.command("list")
@FORMAT
@click.pass_obj
def user_list(state: AppState, fmt: str) -> None:
    """用户列表 — registered users, their roles and key state.

    \b
    Example:
      secreview user list --format json
    """
    with handled(), open_ledger(state) as ledger:
        users = ledger.accounts.list_users(state.user)
    if fmt == "json":
        print_json(users)
        return
    clock = state.config().clock()
    table = Table()
    for name in (
        "用户",
        "角色",
        "部门",
        "密钥",
        clock.heading("密钥启用时间"),
        clock.heading("管理员重置"),
    ):
        table.add_column(name, overflow="fold")
    for u in users:
        resets = "；".join(f"{clock.plain(r['ts'])} 由「{r['admin']}」" for r in u["resets"])
        table.add_row(
            escape(u["name"]),
            "/".join(ROLE_ZH.get(r, r) for r in u["roles"]),
            escape("、".join(u["depts"]) or "全部"),
            KEY_ZH[u["key"]],
            clock.plain(u["key_since"]),
            escape(resets),
        )
    stdout_console().print(table)


@click.command()
@click.argument("file", type=click.Path())
@FORMAT
@click.pass_obj
def check(state: AppState, file: str, fmt: str) -> None:
    """核验文件是否经签批 — exit 0 only if these exact bytes were signed off.

    The gate a website CMS calls before posting: exit 0 names the submission, exit 1 means
    the bytes were never signed off (or a newer version replaced them) — or that the ledger
    fails verification (chain, signatures, policy, checkpoints), which is never a pass.
    When the bytes are not signed off, it says which item they belong to; a file of the name
    recorded for a signed item, with other bytes, is named as signed for that item and then
    replaced (the sweep's matching).

    \b
    Example:
      secreview check 待发布/通知.pdf && 发布脚本 通知.pdf
    """
    with handled():
        from secreview.extract import read_input

        data = read_input(file, state.config().limits)
        with open_ledger(state) as ledger:
            found = ledger.check(data)
            why = None if found else ledger.explain_unsigned(data, Path(file).name)
    if fmt == "json":
        print_json(found or why)
    elif found:
        stdout_console().print(
            f"已签批：{escape(file)} 即稿件 {found['id']} 第 {found['version']} 版"
            f"「{escape(found['title'])}」，{escape(found['signer'] or '')} 于 {_local(state, found['sign_time'])}签批"
            f"（台账已校验，{found['events']} 条记录）"
        )
    elif why and why["verdict"] != "unknown":
        click.echo(f"未经签批：{file} 不得公开——{why['detail']}", err=True)
    else:
        click.echo(f"未经签批：{file} 的内容与台账中任何已签批版本都不一致，不得公开", err=True)
    raise SystemExit(0 if found else 1)


@click.command()
@click.argument("submission_id")
@click.option("--version", "version", type=int, default=None, help="版本号 (default: current).")
@click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False))
@FORMAT
@click.pass_obj
def export(state: AppState, submission_id: str, version: int | None, output: str, fmt: str) -> None:
    """导出存档文件（审计员/管理员）— write the stored bytes of a version, hash re-checked.

    \b
    Example:
      secreview export 2026-0001 --version 1 -o 原件.docx
    """
    with handled(), open_ledger(state) as ledger:
        signer = signer_for(ledger, state, f"导出 {submission_id}")
        data, info = ledger.export(submission_id, version, signer)
        out = Path(output)
        tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # personal data
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, out)
    info["output"] = str(output)
    if fmt == "json":
        print_json(info)
    else:
        stdout_console().print(
            f"已导出 {submission_id} 第 {info['version']} 版到 {escape(output)}"
            f"（{info['size']} 字节，SHA-256 {info['sha256']} 校验一致）"
        )


@click.group("ledger")
def ledger_group() -> None:
    """台账维护 — verify, checkpoint, rebuild the derived tables."""


@ledger_group.command("verify")
@click.option(
    "--expect-head",
    "expect_head",
    default=None,
    metavar="HASH",
    help="此前记录的链头哈希（或其前 12 位以上），须仍在链中.",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="核验签名的进程数 (default: all cores).",
)
@FORMAT
@click.pass_obj
def ledger_verify(state: AppState, expect_head: str | None, jobs: int | None, fmt: str) -> None:
    """校验台账 — the hash chain, every signature, the policy, the archive and the checkpoints.

    Every event's signature is checked against the key its actor held at that point; every
    decision is replayed against the review policy; the auditor's checkpoint file (see
    --checkpoints) catches a truncated ledger or an older backup. Exit 0 when all is intact;
    exit 1 naming the first bad sequence number.

    \b
    Example:
      secreview ledger verify --expect-head 3f2a9c81d0e4b7a1
    """
    with handled():
        config = state.config()
        many = config.db_url is not None and config.ledger_office is None
        offices = list_offices(config.db) if many else []
        if len(offices) > 1:
            return _verify_offices(state, offices, expect_head, jobs, fmt)
        with Ledger.open(config, refresh=False) as ledger:
            result = ledger.verify(expect_head, jobs=jobs)
    if fmt == "json":
        print_json(result.to_dict())
    else:
        out = stdout_console()
        if result.ok:
            out.print(
                f"[green]台账完好[/green]：{result.events} 条记录，{result.signatures} 个签名，"
                f"{result.blobs} 个存档文件"
            )
            out.print(f"链头哈希：{result.head}")
            if result.checkpoint:
                cp = result.checkpoint
                out.print(
                    f"已核对检查点 {result.checkpoints_known} 个，最近：第 {cp['seq']} 条，"
                    f"{_local(state, cp['ts'])}「{escape(cp['auditor'])}」"
                )
            else:
                out.print(
                    "[yellow]本机没有此台账的检查点：无法发现截断或换成旧备份（审计员可运行 ledger checkpoint）[/yellow]"
                )
        else:
            out.print(
                f"[bold red]台账校验失败[/bold red]：首个问题在第 {result.first_bad_seq} 条"
                if result.first_bad_seq is not None
                else "[bold red]台账校验失败[/bold red]"
            )
            for p in result.problems:
                out.print(f"  - {escape(p.reason)}")
            if result.more_problems:
                out.print(f"  - ……另有 {result.more_problems} 个问题")
    if not result.ok:
        first = result.problems[0].reason
        where = f"（第 {result.first_bad_seq} 条）" if result.first_bad_seq is not None else ""
        click.echo(f"错误：台账校验失败{where}：{first}", err=True)
    raise SystemExit(0 if result.ok else 1)


def _verify_offices(
    state: AppState, offices: list[str], expect_head: str | None, jobs: int | None, fmt: str
) -> None:
    """Every office's chain of a multi-office ledger (and the city's), one by one."""
    from dataclasses import replace

    if expect_head is not None:
        raise UsageError("--expect-head 只针对一个单位的台账：请同时用 --office 指明单位")
    results = []
    with handled():
        base = state.config()
        for office in offices:
            with Ledger.open(replace(base, ledger_office=office), refresh=False) as ledger:
                results.append((office, ledger.verify(jobs=jobs)))
    ok = all(r.ok for _, r in results)
    if fmt == "json":
        print_json({"ok": ok, "offices": [{"office": o, **r.to_dict()} for o, r in results]})
    else:
        out = stdout_console()
        for office, r in results:
            label = "全市" if office == "*" else office
            if r.ok:
                out.print(
                    f"[green]{escape(label)}：台账完好[/green]（{r.events} 条记录，{r.signatures} 个签名，"
                    f"{r.blobs} 个存档文件；链头 {r.head[:16]}…）"
                )
            else:
                out.print(f"[bold red]{escape(label)}：台账校验失败[/bold red]")
                for p in r.problems:
                    out.print(f"  - {escape(p.reason)}")
    if not ok:
        bad = [o for o, r in results if not r.ok]
        click.echo(f"错误：台账校验失败（{'、'.join(bad)}）", err=True)
    raise SystemExit(0 if ok else 1)


@ledger_group.command("copy")
@click.argument("source")
@click.argument("destination")
@click.option(
    "--office",
    "office",
    default=None,
    help="目标中的单位名称 (default: the office recorded when the source was created); "
    "for a PostgreSQL source also the office copied.",
)
@click.option("--move", is_flag=True, help="复制后把源台账标记为已迁移，不再写入.")
@FORMAT
@click.pass_obj
def ledger_copy(
    state: AppState, source: str, destination: str, office: str | None, move: bool, fmt: str
) -> None:
    """复制台账 — copy an office's ledger (events, signatures, archived files) into another.

    Typically an office's SQLite file into the city's PostgreSQL ledger: the rows move exactly
    as they are, so every hash and signature still verifies (the source is verified first, the
    copy after). An interrupted copy continues when run again. --move then marks the source
    as moved, so nobody goes on writing to it.

    \b
    Example:
      secreview ledger copy 台账.db postgresql://secreview@db.example/city --move
    """
    from secreview.services.copying import copy_office

    with handled():
        info = copy_office(source, destination, office, move=move)
    if fmt == "json":
        print_json(info)
        return
    stdout_console().print(
        f"已复制「{escape(str(info['office']))}」的台账到 {escape(info['destination'])}："
        f"{info['events']} 条记录（本次 {info['copied']} 条），{info['blobs']} 个存档文件，"
        f"{info['signatures']} 个签名校验通过；链头 {info['head']}"
        + ("；源台账已标记为已迁移" if info["moved"] else "")
    )


@ledger_group.command("checkpoint")
@FORMAT
@click.pass_obj
def ledger_checkpoint(state: AppState, fmt: str) -> None:
    """记录检查点（审计员）— verify, then record the head, signed, in the ledger and in your file.

    The file (--checkpoints, default ~/.secreview/checkpoints.json) stays with the auditor,
    outside the ledger; every later `ledger verify` that can read it catches a truncation or
    an older backup below the checkpoint.

    \b
    Example:
      secreview --as 孙审计 ledger checkpoint
    """
    with handled(), open_ledger(state) as ledger:
        signer = signer_for(ledger, state, "记录台账检查点")
        info = ledger.checkpoint(signer)
    if fmt == "json":
        print_json(info)
        return
    out = stdout_console()
    out.print(
        f"已记录检查点：第 {info['seq']} 条，哈希 {info['head']}（{_local(state, info['ts'])}，"
        f"核验了此前 {info['verified_events']} 条记录）"
    )
    out.print(f"检查点文件：{escape(info['file'])}（请妥善保管，可复制给检查人员）")


@ledger_group.command("rebuild")
@FORMAT
@click.pass_obj
def ledger_rebuild(state: AppState, fmt: str) -> None:
    """重建派生表 — re-derive the users/submissions/versions tables from the events.

    Decisions never read these tables; `ledger verify` reports them when they differ.

    \b
    Example:
      secreview ledger rebuild
    """
    with handled(), Ledger.open(state.config(), refresh=False) as ledger:
        n = ledger.rebuild_projections()
    if fmt == "json":
        print_json({"events": n})
    else:
        stdout_console().print(f"已按 {n} 条记录重建派生表")
