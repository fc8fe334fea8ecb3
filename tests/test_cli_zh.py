"""Chinese where a user types or reads (issue 18): click's usage errors, help headings, roles."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from secreview import workflow
from secreview.cli import main
from secreview.errors import UsageError
from secreview.roles import ROLE_ZH, ROLES, Role, parse_role
from tests.helpers.ledger import ADMIN, cli


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["scan"], "缺少参数 PATHS"),
        (["submit", "a.txt", "--title"], "选项 --title 需要一个值"),
        (["scna", "a.txt"], "没有这个命令：scna（是否想用 scan？）"),
        (
            ["scan", "--format", "xml", "a.txt"],
            "--format 的值「xml」无效，可选：text、json、sarif、csv",
        ),
        (["scan", "--bogus", "a.txt"], "没有这个选项：--bogus"),
        (["sweep", "--jobs", "0", "a"], "--jobs 的值超出允许范围"),
        (["sweep", "--jobs", "x", "a"], "--jobs 的值须为整数"),
        (["rules", "list", "多余"], "多余的参数：多余"),
        (["--as"], "选项 --as 需要一个值"),
        (["user", "add", "某人", "--role", "领导x"], "未知的角色「领导x」"),
        (["export", "2026-0001"], "缺少必填的选项 -o / --output"),
    ],
)
def test_usage_errors_are_one_chinese_line_exit_2(runner, args, expected) -> None:
    r = runner.invoke(main, args, prog_name="secreview")
    assert r.exit_code == 2, (r.exit_code, r.output)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("错误：") and expected in lines[0], lines[0]
    assert "查看帮助：secreview" in lines[0]
    for english in ("Error", "Missing", "No such", "Usage", "Invalid value", "Try '"):
        assert english not in r.stderr


def test_help_has_chinese_headings(runner) -> None:
    r = runner.invoke(main, ["scan", "-h"], prog_name="secreview")
    assert r.exit_code == 0
    assert r.stdout.startswith("用法：secreview scan [选项] PATHS...")
    assert "选项：" in r.stdout and "显示本帮助并退出" in r.stdout
    top = runner.invoke(main, ["-h"])
    assert "命令：" in top.stdout and "Options:" not in top.stdout


def test_a_group_without_a_command_shows_its_help(runner) -> None:
    r = runner.invoke(main, ["ledger"], prog_name="secreview")
    assert r.exit_code == 2 and "用法：secreview ledger" in r.stderr and "verify" in r.stderr


@pytest.mark.parametrize(
    ("typed", "role"),
    [
        ("拟稿人", Role.DRAFTER),
        ("保密审查员", Role.REVIEWER),
        ("审核领导", Role.LEADER),
        ("审计员", Role.AUDITOR),
        ("管理员", Role.ADMIN),
        ("reviewer", Role.REVIEWER),
        (" LEADER ", Role.LEADER),
        ("签批领导", Role.LEADER),
    ],
)
def test_roles_in_chinese_or_english(typed, role) -> None:
    assert parse_role(typed) is role


def test_unknown_role_lists_the_chinese_names() -> None:
    with pytest.raises(UsageError) as info:
        parse_role("科长")
    assert all(zh in info.value.message for zh in ROLE_ZH.values())


def test_the_role_table_is_the_workflows() -> None:
    assert ROLES == workflow.ROLES
    assert {str(k): v for k, v in ROLE_ZH.items()} == workflow.ROLE_ZH


def test_user_add_accepts_chinese_role_names(office: Path, runner) -> None:
    r = cli(
        runner, office, ADMIN, "user", "add", "新同事",
        "--role", "保密审查员", "--role", "审核领导", "--dept", "办公室", "--format", "json",
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["user"]["roles"] == ["reviewer", "leader"]
    text = cli(runner, office, ADMIN, "user", "add", "另一位", "--role", "拟稿人")
    assert text.exit_code == 0 and "拟稿人" in text.stdout
