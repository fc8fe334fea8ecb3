"""`secreview rules list` / `secreview rules test` — the rule packs and their self-tests."""

from __future__ import annotations

import click
from rich.markup import escape
from rich.table import Table

from secreview.cli.common import FORMAT, AppState, fail, print_json, stderr_console, stdout_console
from secreview.errors import SecreviewError
from secreview.model import CATEGORY_NAMES_ZH
from secreview.rules import RuleSet, load_ruleset, run_examples

SEVERITY_ZH = {"block": "禁止", "review": "复核", "info": "提示"}


def _load(state: AppState) -> RuleSet:
    try:
        return load_ruleset(state.config().rules_dirs)
    except SecreviewError as e:
        fail(e)


@click.group("rules")
def rules() -> None:
    """规则包：列出规则、运行规则自带的示例 — rule packs and their self-tests."""


@rules.command("list")
@FORMAT
@click.pass_obj
def list_rules(state: AppState, fmt: str) -> None:
    """列出全部规则（名称、id、类别、级别、理由）— list every rule.

    \b
    Example:
      secreview rules list
      secreview --rules 本单位规则/ rules list --format json
    """
    ruleset = _load(state)
    if fmt == "json":
        print_json(
            [
                {
                    "id": r.id,
                    "name": r.name,
                    "category": r.category,
                    "severity": r.severity,
                    "reason": r.reason,
                    "basis": r.basis,
                    "kind": r.kind,
                    "file": r.file,
                    "line": r.line,
                }
                for r in ruleset.rules
            ]
        )
        return
    table = Table(title=f"规则 {len(ruleset.rules)} 条，允许清单 {len(ruleset.allow)} 条")
    table.add_column("名称", overflow="fold")
    table.add_column("id", no_wrap=True, style="dim")
    table.add_column("类别", no_wrap=True)
    table.add_column("级别", no_wrap=True)
    table.add_column("理由", overflow="fold")
    for r in ruleset.rules:
        table.add_row(
            escape(r.name or r.id),
            escape(r.id),
            CATEGORY_NAMES_ZH.get(r.category, r.category),
            SEVERITY_ZH[r.severity],
            escape(r.reason.replace("{text}", "…")),
        )
    stdout_console().print(table)


@rules.command("test")
@FORMAT
@click.pass_obj
def test_rules(state: AppState, fmt: str) -> None:
    """运行每条规则自带的示例（examples.match / no_match）— run every rule's examples.

    Exit status 0 when every example behaves as declared, 1 naming each failure.

    \b
    Example:
      secreview rules test
      secreview --rules 本单位规则/ rules test --format json
    """
    ruleset = _load(state)
    total, failures = run_examples(ruleset)
    if fmt == "json":
        print_json(
            {
                "rules": len(ruleset.rules),
                "allow": len(ruleset.allow),
                "examples": total,
                "passed": not failures,
                "failures": [f.to_dict() for f in failures],
            }
        )
    elif failures:
        err = stderr_console()
        for f in failures:
            err.print(escape(f"失败：{f.message}"))
        err.print(f"{len(failures)} 个示例未通过（共 {total} 个）")
    else:
        stdout_console().print(
            f"全部 {total} 个示例通过（规则 {len(ruleset.rules)} 条，允许清单 {len(ruleset.allow)} 条）"
        )
    unnamed = [r.id for r in ruleset.rules if not r.name or r.name == r.id]
    if unnamed and fmt != "json":
        stderr_console().print(
            escape(
                f"提示：{len(unnamed)} 条规则没有中文名称（name），台账中将显示其 id："
                + "、".join(unnamed[:10])
                + ("…" if len(unnamed) > 10 else "")
            )
        )
    raise SystemExit(1 if failures else 0)
