"""State and helpers shared by the CLI command modules."""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

if TYPE_CHECKING:  # rich is imported when something is printed (start-up, issue 17)
    from rich.console import Console

from secreview.errors import Refused, SecreviewError

if TYPE_CHECKING:
    from secreview.config import Config
    from secreview.service import Ledger
    from secreview.settings import Settings

T = TypeVar("T")

# How a verdict and a finding's severity are shown (scan, submit, queue, show).
VERDICT_STYLE = {
    "pass": ("通过 pass", "bold green"),
    "review": ("需人工审查 review", "bold yellow"),
    "block": ("不得公开 block", "bold red"),
    "error": ("无法审查 error", "bold magenta"),
}
SEVERITY_STYLE = {"block": ("禁止", "red"), "review": ("复核", "yellow"), "info": ("提示", "cyan")}


@dataclass
class AppState:
    db_path: Path
    user: str | None
    extra_rules: tuple[Path, ...] = ()
    model_dir: Path | None = None
    passphrase_file: Path | None = None
    checkpoints: Path | None = None
    db_url: str | None = None  # a PostgreSQL ledger (then db_path is unused)
    office: str | None = None  # global --office: which office's chain of a PostgreSQL ledger
    _settings: Settings | None = None

    def settings(self) -> Settings:
        """secreview.toml beside the ledger or in the user's config folder (read once)."""
        if self._settings is None:
            from secreview.settings import load_settings

            self._settings = load_settings(None if self.db_url else self.db_path)
        return self._settings

    def config(self) -> Config:
        from secreview.config import Config

        base = Config()
        s = self.settings()
        changes: dict[str, Any] = {
            "db_path": self.db_path,
            "db_url": self.db_url,
            "ledger_office": self.office,
            "user": self.user,
            "checkpoints": self.checkpoints,
            "limits": s.limits,
            "office": s.office,
            "default_channel": s.default_channel,
            "time_zone": s.time_zone,
            "pdf_font": s.pdf_font,
        }
        if self.extra_rules:
            changes["rules_dirs"] = base.rules_dirs + self.extra_rules
        if self.model_dir is not None:
            changes["model_dir"] = self.model_dir
        return replace(base, **changes)


class RoleType(click.ParamType):
    """A role typed in Chinese or English (secreview.roles); the English value comes out."""

    name = "role"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        from secreview.roles import parse_role

        try:
            return str(parse_role(str(value)))
        except SecreviewError as e:
            self.fail(e.message, param, ctx)

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        return "角色"


def format_option(help_text: str = "text for people, json for scripts.") -> Any:
    """The ``--format text|json`` option every command that prints a result takes."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(["text", "json"]),
        default="text",
        show_default=True,
        help=help_text,
    )


FORMAT = format_option()


# A roster with 10,000 ID numbers must not print 10,000 findings: people see the first few
# of each rule and how many more there are (JSON output always has every finding).
SHOWN_PER_RULE = 5
SEVERITY_ORDER = {"block": 0, "review": 1, "info": 2}


def first_per_rule(
    findings: list[T], rule: Callable[[T], str], severity: Callable[[T], str], show_all: bool
) -> tuple[list[T], Counter[str]]:
    """Findings worst first, at most SHOWN_PER_RULE of each rule unless ``show_all``;
    and how many of each rule were left out."""
    shown: list[T] = []
    per_rule: Counter[str] = Counter()
    hidden: Counter[str] = Counter()
    for f in sorted(findings, key=lambda f: SEVERITY_ORDER.get(severity(f), 3)):
        if per_rule[rule(f)] >= SHOWN_PER_RULE and not show_all:
            hidden[rule(f)] += 1
        else:
            per_rule[rule(f)] += 1
            shown.append(f)
    return shown, hidden


def escape(text: str) -> str:
    """``text`` with rich markup escaped (rich.markup.escape; rich imported on first use, so
    that ``queue --format json`` loads no rich at all)."""
    from rich.markup import escape as rich_escape

    return rich_escape(text)


def print_hidden(console: Console, hidden: Counter[str]) -> None:
    for rule, n in hidden.items():
        console.print(
            f"  [dim]… 同类问题（{escape(rule)}）另有 {n} 处未逐条列出，加 --all 全部显示[/dim]"
        )


def stdout_console() -> Console:
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True)


def stderr_console() -> Console:
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


@contextmanager
def handled() -> Iterator[None]:
    """Map core errors to one line on stderr and the exit code (never a traceback)."""
    try:
        yield
    except SecreviewError as e:
        fail(e)
    except OSError as e:  # a full disk or a read-only medium says so (ledger/space.py)
        from secreview.ledger import space

        fail(
            space.from_os_error(e, untouched=False)
            or Refused(f"文件操作失败：{e.strerror or e}（{e.filename or ''}）")
        )
    except Exception as e:  # a bug: still one line for the user, the traceback with -v
        import logging  # (not at import: --help and queue never log, issue 17)

        # handled() lived in cli/ledger_cmds.py: its -v lines keep that logger's name
        logging.getLogger("secreview.cli.ledger_cmds").debug("internal error", exc_info=True)
        fail(
            Refused(
                f"内部错误，操作未完成（请报告开发者，加 -v 查看详情）：{type(e).__name__}: {e}"
            )
        )


def open_ledger(state: AppState) -> Ledger:
    """The ledger of ``--db`` (the core and its services are imported here, on first use)."""
    from secreview.service import Ledger

    return Ledger.open(state.config())


def fail(err: SecreviewError) -> NoReturn:
    """One clear line on stderr and the error's exit code — never a traceback."""
    click.echo(f"错误：{err.message}", err=True)
    raise SystemExit(err.exit_code)
