"""State and helpers shared by the CLI command modules."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, NoReturn

import click
from rich.console import Console

from secreview.config import Config
from secreview.errors import SecreviewError


@dataclass
class AppState:
    db_path: Path
    user: str | None
    extra_rules: tuple[Path, ...] = ()
    model_dir: Path | None = None

    def config(self) -> Config:
        base = Config()
        changes: dict[str, Any] = {"db_path": self.db_path, "user": self.user}
        if self.extra_rules:
            changes["rules_dirs"] = base.rules_dirs + self.extra_rules
        if self.model_dir is not None:
            changes["model_dir"] = self.model_dir
        return replace(base, **changes)


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


def stdout_console() -> Console:
    return Console(highlight=False, soft_wrap=True)


def stderr_console() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def fail(err: SecreviewError) -> NoReturn:
    """One clear line on stderr and the error's exit code — never a traceback."""
    click.echo(f"错误：{err.message}", err=True)
    raise SystemExit(err.exit_code)
