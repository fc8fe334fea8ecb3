"""Command line: the click group and nothing else. Commands live in sibling modules.

This package is the only place that imports click; the core never imports it.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from secreview import __version__
from secreview.cli.common import AppState, fail
from secreview.cli.zh import ChineseContext, help_hint, usage_message, use_chinese
from secreview.errors import SecreviewError


class SafeGroup(click.Group):
    """Maps core errors to one clear line and an exit code — never a traceback for users;
    click's usage errors become one Chinese line (cli/zh.py) with exit code 2."""

    context_class = ChineseContext

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.UsageError as e:
            if type(e).__name__ == "NoArgsIsHelpError":  # a group named without a command
                click.echo(e.format_message(), err=True)
                if not standalone_mode:
                    raise
                sys.exit(2)
            click.echo(f"错误：{usage_message(e)}（查看帮助：{help_hint(e.ctx)}）", err=True)
            if not standalone_mode:
                raise
            sys.exit(2)
        except click.ClickException as e:
            if not standalone_mode:
                raise
            e.show()
            sys.exit(e.exit_code)
        except click.Abort:
            if not standalone_mode:
                raise
            click.echo("已中止（aborted）", err=True)
            sys.exit(1)
        if standalone_mode:
            sys.exit(rv if isinstance(rv, int) else 0)
        return rv

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except SecreviewError as e:
            fail(e)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            click.echo("已中断（interrupted）", err=True)
            raise SystemExit(130) from None
        except Exception as e:  # noqa: BLE001 — last resort: one line, details with -v
            import logging

            logging.getLogger("secreview.cli").debug("unexpected error", exc_info=True)
            click.echo(
                f"内部错误（internal error）：{type(e).__name__}: {e}；加 -v 查看详情", err=True
            )
            raise SystemExit(2) from None


# Sub-commands are imported when used (issue 17: `secreview --help` and `queue` start fast):
# name → (module under secreview.cli, attribute, the first line of its help). The help line is
# what the top-level --help lists; tests/test_cli_startup.py checks it against the command.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "scan": ("scan", "scan", "审查文件（不写台账）— dry-run scan of documents."),
    "init": (
        "ledger_cmds",
        "init",
        "建立台账和首位管理员 — create the ledger together with its first admin.",
    ),
    "user": (
        "ledger_cmds",
        "user",
        "用户与密钥 — users, roles and their keys (drafter/reviewer/leader/auditor/admin).",
    ),
    "submit": (
        "workflow",
        "submit",
        "提交待公开稿件（拟稿人）— scan, archive the exact bytes, record and route.",
    ),
    "queue": (
        "workflow",
        "queue",
        "我的待办 — what waits for you (reviews, sign-offs, returned items).",
    ),
    "show": (
        "workflow",
        "show",
        "查看稿件 — findings in context (numbered; personal numbers masked) and the history.",
    ),
    "review": (
        "workflow",
        "review",
        "保密审查（保密审查员）— confirm or dismiss each finding, then approve or return.",
    ),
    "sign": ("workflow", "sign", "领导签批（审核领导）— sign off or return a reviewed item."),
    "publish": (
        "workflow",
        "publish",
        "登记公开（拟稿人/管理员）— record publication of the signed-off bytes.",
    ),
    "check": (
        "ledger_cmds",
        "check",
        "核验文件是否经签批 — exit 0 only if these exact bytes were signed off.",
    ),
    "export": (
        "ledger_cmds",
        "export",
        "导出存档文件（审计员/管理员）— write the stored bytes of a version, hash re-checked.",
    ),
    "ledger": (
        "ledger_cmds",
        "ledger_group",
        "台账维护 — verify, checkpoint, rebuild the derived tables.",
    ),
    "rules": (
        "rules",
        "rules",
        "规则包：列出规则、运行规则自带的示例 — rule packs and their self-tests.",
    ),
    "train": (
        "model",
        "train",
        "训练分类模型 — train the paragraph classifier and write its model card.",
    ),
    "model": ("model", "model", "分类模型 — the trained classifier."),
    "audit": (
        "audit",
        "audit",
        "保密审查台账（审计员/管理员）— the inspection audit of the ledger.",
    ),
    "sweep": (
        "audit",
        "sweep",
        "定期梳理（审计员/管理员）— re-scan published files with today's rules and model.",
    ),
    "serve": (
        "serve",
        "serve",
        "审查台（网页）— web pages for drafters, reviewers, leaders and auditors.",
    ),
}


def _load(name: str) -> click.Command | None:
    spec = COMMANDS.get(name)
    if spec is None:
        return None
    module, attr, _ = spec
    cmd = getattr(importlib.import_module(f"secreview.cli.{module}"), attr)
    assert isinstance(cmd, click.Command)
    use_chinese(cmd)
    return cmd


class LazyGroup(SafeGroup):
    """The top-level group: a sub-command's module is imported only when it is run."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(self.commands) | set(COMMANDS))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        cmd = self.commands.get(cmd_name)
        if cmd is None:
            cmd = _load(cmd_name)
            if cmd is not None:
                self.add_command(cmd, cmd_name)
        return cmd

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list of --help from COMMANDS, importing none of them."""
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(len(n) for n in names)
        rows = []
        for name in names:
            loaded = self.commands.get(name)
            if loaded is not None:
                if loaded.hidden:
                    continue
                rows.append((name, loaded.get_short_help_str(limit)))
            else:
                rows.append(
                    (name, click.Command(name, help=COMMANDS[name][2]).get_short_help_str(limit))
                )
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option(
    "--db",
    "db",
    envvar="SECREVIEW_DB",
    default="secreview.db",
    show_default=True,
    metavar="PATH|URL",
    help="台账：SQLite 文件，或 postgresql://用户@主机/库 (many offices on one ledger).",
)
@click.option(
    "--office",
    "office",
    envvar="SECREVIEW_OFFICE",
    default=None,
    metavar="单位",
    help="多单位台账（PostgreSQL）中的哪个单位；'*' 为全市（市级检查）. Default: the only one.",
)
@click.option(
    "--as",
    "user",
    envvar="SECREVIEW_USER",
    default=None,
    help="以哪个用户身份操作 (default: the OS login); a claim only: writes need the passphrase.",
)
@click.option(
    "--passphrase-file",
    "passphrase_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="从文件读取口令 (owner-only file; else env SECREVIEW_PASSPHRASE, else a prompt).",
)
@click.option(
    "--checkpoints",
    "checkpoints",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="SECREVIEW_CHECKPOINTS",
    default=None,
    help="审计员的检查点文件 (default: ~/.secreview/checkpoints.json or $SECREVIEW_HOME).",
)
@click.option(
    "--rules",
    "rules",
    multiple=True,
    type=click.Path(file_okay=False),
    help="额外的规则目录 (adds to the shipped packs); repeatable.",
)
@click.option(
    "--model",
    "model",
    type=click.Path(file_okay=False),
    default=None,
    help="分类模型目录 (default: models/default).",
)
@click.option("-v", "--verbose", count=True, help="More log output on stderr.")
@click.version_option(__version__, prog_name="secreview")
@click.pass_context
def main(
    ctx: click.Context,
    db: str,
    office: str | None,
    user: str | None,
    passphrase_file: Path | None,
    checkpoints: Path | None,
    rules: tuple[str, ...],
    model: str | None,
    verbose: int,
) -> None:
    """secreview — 政府信息公开保密审查 (review before publishing: 先审核、后公开).

    \b
    Example:
      secreview scan 通知.docx
      secreview scan --recursive 待发布/ --format json
    """
    import logging

    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(
        level=level, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s"
    )
    if user is None:
        try:
            user = os.getlogin()
        except OSError:
            user = os.environ.get("USER") or os.environ.get("LOGNAME")
    is_url = db.startswith(("postgresql://", "postgres://"))
    ctx.obj = AppState(
        db_path=Path("secreview.db") if is_url else Path(db),
        db_url=db if is_url else None,
        office=office,
        user=user,
        extra_rules=tuple(Path(r) for r in rules),
        model_dir=Path(model) if model else None,
        passphrase_file=passphrase_file,
        checkpoints=checkpoints,
    )


use_chinese(main)
