"""`secreview rules list` / `rules test` on the shipped packs and on a broken example."""

from __future__ import annotations

import json
from pathlib import Path

from secreview.cli import main
from secreview.rules import load_ruleset

DATA = Path(__file__).parent / "data"
SHIPPED = Path(__file__).resolve().parent.parent / "rules"


def test_rules_list_json(runner) -> None:
    result = runner.invoke(main, ["rules", "list", "--format", "json"], catch_exceptions=False)
    assert result.exit_code == 0
    rules = json.loads(result.stdout)
    assert len(rules) == len(load_ruleset([SHIPPED]).rules)
    first = {r["id"]: r for r in rules}["marking.secret_level"]
    assert first["category"] == "state_secret" and first["severity"] == "block"
    assert first["reason"].startswith("密级标志")


def test_rules_list_text(runner) -> None:
    result = runner.invoke(main, ["rules", "list"], catch_exceptions=False, terminal_width=200)
    assert result.exit_code == 0
    assert "marking.secret_level" in result.stdout and "禁止" in result.stdout


def test_rules_test_passes_on_shipped_packs(runner) -> None:
    result = runner.invoke(main, ["rules", "test"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "全部" in result.stdout and "个示例通过" in result.stdout


def test_rules_test_names_each_failing_rule_and_example(runner) -> None:
    args = ["--rules", str(DATA / "rules_broken_example"), "rules", "test"]
    result = runner.invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if line.startswith("失败：")]
    assert len(lines) == 2
    assert "office.broken_example" in lines[0] and "红杉工程进展顺利" in lines[0]
    assert "应当命中却未命中" in lines[0]
    assert "本月青松工程验收" in lines[1] and "不应命中却命中了" in lines[1]


def test_rules_test_json(runner) -> None:
    args = ["--rules", str(DATA / "rules_broken_example"), "rules", "test", "--format", "json"]
    result = runner.invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["passed"] is False
    assert [(f["rule"], f["expected"], f["example"]) for f in data["failures"]] == [
        ("office.broken_example", "match", "红杉工程进展顺利"),
        ("office.broken_example", "no_match", "本月青松工程验收"),
    ]
    assert data["failures"][0]["line"] == 5
