"""`init`, `user add|list|disable`, `check`, `export`, `ledger verify`."""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from secreview.cli.common import FORMAT, AppState, RoleType, fail, print_json, stdout_console
from secreview.errors import Refused, SecreviewError
from secreview.extract import read_input
from secreview.service import Ledger
from secreview.workflow import ROLE_ZH

log = logging.getLogger(__name__)


@contextmanager
def handled() -> Iterator[None]:
    """Map core errors to one line on stderr and the exit code (never a traceback)."""
    try:
        yield
    except SecreviewError as e:
        fail(e)
    except sqlite3.Error as e:
        fail(Refused(f"台账操作失败，未写入任何记录：{e}"))
    except OSError as e:
        fail(Refused(f"文件操作失败：{e.strerror or e}（{e.filename or ''}）"))
    except Exception as e:  # a bug: still one line for the user, the traceback with -v
        log.debug("internal error", exc_info=True)
        fail(
            Refused(
                f"内部错误，操作未完成（请报告开发者，加 -v 查看详情）：{type(e).__name__}: {e}"
            )
        )


def open_ledger(state: AppState) -> Ledger:
    return Ledger.open(state.config())


@click.command()
@FORMAT
@click.pass_obj
def init(state: AppState, fmt: str) -> None:
    """建立台账 — create the ledger file (and its archive folder) if it does not exist.

    \b
    Example:
      secreview --db 台账.db init
    """
    with handled():
        ledger, info = Ledger.init(state.config(), state.user)
        ledger.close()
    if fmt == "json":
        print_json(info)
        return
    out = stdout_console()
    if info["created"]:
        out.print(f"已建立台账：{escape(info['db'])}")
        out.print("下一步：secreview user add 姓名 --role admin（首位登记者成为管理员）")
    else:
        out.print(f"台账已存在，未做改动：{escape(info['db'])}（{info['events']} 条记录）")


@click.group()
def user() -> None:
    """用户与角色 — users and roles (drafter/reviewer/leader/auditor/admin)."""


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
    """登记用户（管理员）— register a user.

    On an empty ledger the caller (--as / SECREVIEW_USER / OS login) is registered as the
    admin first, then NAME is added.

    \b
    Example:
      secreview --as 管理员 user add 张三 --role drafter --dept 办公室
    """
    with handled(), open_ledger(state) as ledger:
        info = ledger.add_user(state.user, name, roles, depts)
    if fmt == "json":
        print_json(info)
        return
    out = stdout_console()
    if info["bootstrap"] and state.user != name:
        out.print(f"台账首位用户：已将「{escape(state.user or '')}」登记为管理员")
    dept_text = f"，部门：{'、'.join(info['user']['depts'])}" if info["user"]["depts"] else ""
    role_text = "/".join(ROLE_ZH[r] for r in roles)
    out.print(f"已登记用户「{escape(name)}」：{role_text}{escape(dept_text)}")


@user.command("disable")
@click.argument("name")
@FORMAT
@click.pass_obj
def user_disable(state: AppState, name: str, fmt: str) -> None:
    """停用用户（管理员）— deactivate a user; their past events stay in the ledger.

    \b
    Example:
      secreview user disable 张三
    """
    with handled(), open_ledger(state) as ledger:
        info = ledger.disable_user(state.user, name)
    if fmt == "json":
        print_json(info)
    else:
        stdout_console().print(f"已停用用户「{escape(name)}」")


@user.command("list")
@FORMAT
@click.pass_obj
def user_list(state: AppState, fmt: str) -> None:
    """用户列表 — list registered users.

    \b
    Example:
      secreview user list --format json
    """
    with handled(), open_ledger(state) as ledger:
        users = ledger.list_users(state.user)
    if fmt == "json":
        print_json(users)
        return
    table = Table("用户", "角色", "部门", "状态")
    for u in users:
        table.add_row(
            escape(u["name"]),
            "/".join(ROLE_ZH.get(r, r) for r in u["roles"]),
            escape("、".join(u["depts"]) or "全部"),
            "在用" if u["active"] else "已停用",
        )
    stdout_console().print(table)


@click.command()
@click.argument("file", type=click.Path())
@FORMAT
@click.pass_obj
def check(state: AppState, file: str, fmt: str) -> None:
    """核验文件是否经签批 — exit 0 only if these exact bytes were signed off.

    The gate a website CMS calls before posting: exit 0 names the submission, exit 1 means
    the bytes were never signed off (or a newer version replaced them).

    \b
    Example:
      secreview check 待发布/通知.pdf && 发布脚本 通知.pdf
    """
    with handled():
        data = read_input(file, state.config().limits)
        with open_ledger(state) as ledger:
            found = ledger.check(data)
    if fmt == "json":
        import hashlib

        print_json(found or {"ok": False, "sha256": hashlib.sha256(data).hexdigest()})
    elif found:
        stdout_console().print(
            f"已签批：{escape(file)} 即稿件 {found['id']} 第 {found['version']} 版"
            f"「{escape(found['title'])}」，{escape(found['signer'] or '')} 于 {str(found['sign_time'])[:19].replace('T', ' ')} 签批"
        )
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
        data, info = ledger.export(submission_id, version, state.user)
        out = Path(output)
        tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
        tmp.write_bytes(data)
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
    """台账维护 — ledger maintenance (verify)."""


@ledger_group.command("verify")
@click.option("--expect-head", "expect_head", default=None, help="此前记录的链头哈希，须仍在链中。")
@FORMAT
@click.pass_obj
def ledger_verify(state: AppState, expect_head: str | None, fmt: str) -> None:
    """校验台账 — recompute the hash chain and check every archived file.

    Exit 0 when intact; exit 1 naming the first bad sequence number on any edit, deletion,
    insertion, reordering or altered archive file.

    \b
    Example:
      secreview ledger verify --expect-head 3f2a…
    """
    with handled(), Ledger.open(state.config(), refresh=False) as ledger:
        result = ledger.verify(expect_head)
    if fmt == "json":
        print_json(result.to_dict())
    else:
        out = stdout_console()
        if result.ok:
            out.print(f"[green]台账完好[/green]：{result.events} 条记录，{result.blobs} 个存档文件")
            out.print(f"链头哈希：{result.head}")
        else:
            out.print(
                f"[bold red]台账校验失败[/bold red]：首个问题在第 {result.first_bad_seq} 条"
                if result.first_bad_seq is not None
                else "[bold red]台账校验失败[/bold red]"
            )
            for p in result.problems:
                out.print(f"  - {escape(p.reason)}")
    if not result.ok:
        first = result.problems[0].reason
        where = f"（第 {result.first_bad_seq} 条）" if result.first_bad_seq is not None else ""
        click.echo(f"错误：台账校验失败{where}：{first}", err=True)
    raise SystemExit(0 if result.ok else 1)
