"""Command line: the click group and nothing else. Commands live in sibling modules.

This package is the only place that imports click; the core never imports it.
"""

from __future__ import annotations

import logging
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

log = logging.getLogger("secreview.cli")


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
            log.debug("unexpected error", exc_info=True)
            click.echo(
                f"内部错误（internal error）：{type(e).__name__}: {e}；加 -v 查看详情", err=True
            )
            raise SystemExit(2) from None


@click.group(
    cls=SafeGroup,
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


def _register() -> None:
    from secreview.cli import audit, ledger_cmds, model, rules, scan, serve, workflow

    for cmd in (
        scan.scan,
        ledger_cmds.init,
        ledger_cmds.user,
        workflow.submit,
        workflow.queue,
        workflow.show,
        workflow.review,
        workflow.sign,
        workflow.publish,
        ledger_cmds.check,
        ledger_cmds.export,
        ledger_cmds.ledger_group,
        rules.rules,
        model.train,
        model.model,
        audit.audit,
        audit.sweep,
        serve.serve,
    ):
        main.add_command(cmd)
    use_chinese(main)


_register()
