"""`secreview scan`: exit codes 0/1/2, JSON-only stdout, several files, --recursive, seed file."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from secreview.cli import main
from tests.conftest import shared_file
from tests.helpers.xlsx_builder import residue_workbook

CLEAN = "区政府办公室2023年度政务公开工作总结：全年主动公开政府信息一百二十条。\n"
MARKED = "秘密★1年\n关于某项工作的安排意见\n"


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding=encoding)
    return path


def _scan_json(runner, *args: str):
    result = runner.invoke(main, ["scan", *args, "--format", "json"])
    return result, json.loads(result.stdout)


def test_exit_0_when_everything_passes(tmp_path, runner):
    path = _write(tmp_path / "总结.txt", CLEAN)
    result = runner.invoke(main, ["scan", str(path)], catch_exceptions=False)
    assert result.exit_code == 0
    assert "通过" in result.stdout and result.stderr == ""


def test_exit_1_when_a_finding_blocks(tmp_path, runner):
    path = _write(tmp_path / "安排.txt", MARKED, "gbk")
    result = runner.invoke(main, ["scan", str(path)], catch_exceptions=False)
    assert result.exit_code == 1
    assert "不得公开" in result.stdout and "秘密★1年" in result.stdout


def test_exit_1_for_xlsx_residue(tmp_path, runner):
    path = tmp_path / "残留.xlsx"
    path.write_bytes(residue_workbook())
    result, reports = _scan_json(runner, str(path))
    assert result.exit_code == 1
    (report,) = reports
    assert report["format"] == "xlsx" and report["verdict"] == "review"
    hidden = next(f for f in report["findings"] if f["rule"] == "residue.hidden_sheets")
    assert hidden["location"] == {"part": "hidden", "sheet": "名单"}


def test_exit_2_for_unreadable_input(tmp_path, runner):
    result = runner.invoke(main, ["scan", str(tmp_path / "无此文件.pdf")])
    assert result.exit_code == 2
    assert result.stderr.count("错误：") == 1 and "not_found" in result.stderr


def test_json_stdout_is_only_json(tmp_path, runner):
    a = _write(tmp_path / "a.txt", CLEAN)
    b = _write(tmp_path / "b.txt", MARKED)
    result, reports = _scan_json(runner, str(a), str(b))
    assert result.exit_code == 1
    assert isinstance(reports, list) and [r["path"] for r in reports] == [str(a), str(b)]
    assert [r["verdict"] for r in reports] == ["pass", "block"]
    for r in reports:
        assert set(r) == {"path", "sha256", "format", "verdict", "error", "findings", "classifier"}
    assert result.stderr == ""


def _site_folder(root: Path) -> Path:
    """A folder as offices really have them: documents, other files, hidden files, a pipe."""
    _write(root / "b.txt", CLEAN)
    _write(root / "子目录" / "a.csv", "标题,密级\n计划,秘密★1年\n", "gbk")
    _write(root / ".隐藏" / "旧稿.txt", MARKED)
    _write(root / ".备份.txt", MARKED)
    (root / "图片.xyz").write_bytes(b"\x00\x01\x02binary\xff\xfe" * 20)
    os.mkfifo(root / "管道")
    (root / "链接目录").symlink_to(root / "子目录", target_is_directory=True)
    return root


def test_recursive_folder_reports_every_file(tmp_path, runner):
    """issue 10: nothing under the folder is skipped silently — each file is scanned or
    reported with its error code (a hidden draft with a marking is found, not dropped)."""
    root = _site_folder(tmp_path / "待发布")
    result, reports = _scan_json(runner, "--recursive", str(root))
    assert result.exit_code == 2  # some entries cannot be read
    got = {Path(r["path"]).relative_to(root).as_posix(): r for r in reports}
    assert sorted(got) == [
        ".备份.txt",
        ".隐藏/旧稿.txt",
        "b.txt",
        "图片.xyz",
        "子目录/a.csv",
        "管道",
        "链接目录",
    ]
    assert got["b.txt"]["verdict"] == "pass"
    assert got["子目录/a.csv"]["verdict"] == "block"
    assert got[".隐藏/旧稿.txt"]["verdict"] == "block"
    assert got[".备份.txt"]["verdict"] == "block"
    assert got["管道"]["error"]["code"] == "not_regular_file"
    assert got["链接目录"]["error"]["code"] == "not_found"  # listed, not entered (no loops)
    assert got["图片.xyz"]["verdict"] in ("error", "review")  # never a silent pass
    errors = [ln for ln in result.stderr.splitlines() if ln.startswith("错误：")]
    assert len(errors) == sum(r["verdict"] == "error" for r in reports)


def test_recursive_text_output_counts_found_scanned_refused(tmp_path, runner):
    root = _site_folder(tmp_path / "待发布")
    result = runner.invoke(main, ["scan", "--recursive", str(root)])
    refused = result.stderr.count("错误：")
    assert refused >= 2
    assert f"共 7 个文件：已审查 {7 - refused} 个，无法审查 {refused} 个" in result.stdout


def test_folder_without_recursive_is_an_error(tmp_path, runner):
    (tmp_path / "目录").mkdir()
    result, reports = _scan_json(runner, str(tmp_path / "目录"))
    assert result.exit_code == 2
    assert reports[0]["error"]["code"] == "not_found"
    assert "--recursive" in reports[0]["error"]["message"]


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_seed_annual_report_passes(fmt, runner):
    path = shared_file("seed", "taierzhuang-2017-annual-report.txt")
    result = runner.invoke(main, ["scan", str(path), "--format", fmt], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    if fmt == "json":
        (report,) = json.loads(result.stdout)
        assert report["verdict"] == "pass" and report["findings"] == []
        assert report["format"] == "txt"


def test_text_output_lists_a_few_findings_per_rule_and_counts_the_rest(tmp_path, runner):
    from tests.helpers.xlsx_builder import roster

    path = tmp_path / "花名册.xlsx"
    path.write_bytes(roster(40))
    result = runner.invoke(main, ["scan", str(path)])
    assert result.exit_code == 1
    lines = [ln for ln in result.stdout.splitlines() if "(pii.resident_id)" in ln]
    assert len(lines) == 5
    assert "同类问题（pii.resident_id）另有 35 处未逐条列出" in result.stdout
    assert "370402" in result.stdout and "3704021980" not in result.stdout  # still masked

    full = runner.invoke(main, ["scan", "--all", str(path)])
    assert len([ln for ln in full.stdout.splitlines() if "(pii.resident_id)" in ln]) == 40
    assert "未逐条列出" not in full.stdout
    data = json.loads(runner.invoke(main, ["scan", "--format", "json", str(path)]).stdout)
    assert sum(f["rule"] == "pii.resident_id" for f in data[0]["findings"]) == 40
