"""Rule files: every malformed file names file, line and rule id; custom folders load."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from secreview.cli import main
from secreview.config import Config
from secreview.errors import UsageError
from secreview.pipeline import scan_file
from secreview.rules import load_ruleset
from secreview.rules.loader import build_ruleset, rule_files

DATA = Path(__file__).parent / "data"
BAD = DATA / "rules_bad"
SHIPPED = Path(__file__).resolve().parent.parent / "rules"

# case → (file name, line, rule id or None, fragment of the problem)
BAD_CASES = {
    "unknown_key": ("rules.toml", 4, "custom.typo", "sevrity"),
    "bad_regex": ("rules.toml", 13, "custom.bad_regex", "正则表达式无效"),
    "unknown_validator": ("rules.toml", 4, "custom.validator", "os.system"),
    "missing_field": ("rules.toml", 4, "custom.no_reason", "reason"),
    "duplicate_id": ("b.toml", 5, "custom.twice", "重复"),
    "bad_severity": ("rules.toml", 4, "custom.severity", "high"),
    "bad_category": ("rules.toml", 4, "custom.category", "secrets"),
    "bad_toml": ("rules.toml", 6, "custom.syntax", "TOML 语法错误"),
    "bad_part": ("rules.toml", 4, "custom.part", "appendix"),
    "missing_id": ("rules.toml", 3, None, "id"),
    "unknown_context_key": ("rules.toml", 4, "custom.context", "requires"),
    "missing_version": ("rules.toml", 1, None, "version"),
}


def test_every_bad_case_has_a_folder() -> None:
    assert sorted(p.name for p in BAD.iterdir()) == sorted(BAD_CASES)


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_malformed_rule_file_names_file_line_and_id(case: str) -> None:
    fname, line, rule_id, fragment = BAD_CASES[case]
    with pytest.raises(UsageError) as info:
        build_ruleset(rule_files([BAD / case]))
    msg = info.value.message
    assert f"{case}/{fname}" in msg
    assert f"第{line}行" in msg
    assert fragment in msg
    if rule_id:
        assert f"规则 id「{rule_id}」" in msg
    else:
        assert "规则 id" in msg or "第1行" in msg
    assert "\n" not in msg


def test_duplicate_id_names_the_first_definition() -> None:
    with pytest.raises(UsageError) as info:
        build_ruleset(rule_files([BAD / "duplicate_id"]))
    assert "a.toml 第4行" in info.value.message


@pytest.mark.parametrize("command", [["rules", "list"], ["rules", "test"], ["scan", "FILE"]])
def test_cli_malformed_rules_is_one_line_and_exit_2(runner, tmp_path, command) -> None:
    doc = tmp_path / "a.txt"
    doc.write_text("正文\n", encoding="utf-8")
    args = ["--rules", str(BAD / "bad_regex"), *[str(doc) if c == "FILE" else c for c in command]]
    result = runner.invoke(main, args)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("错误：规则文件 ")
    assert "bad_regex/rules.toml 第13行" in lines[0]
    assert "custom.bad_regex" in lines[0]
    assert "Traceback" not in result.output


def test_missing_rules_dir_is_a_usage_error(tmp_path) -> None:
    with pytest.raises(UsageError, match="规则目录不存在"):
        load_ruleset([tmp_path / "nope"])


def test_custom_rules_folder_loads_and_fires(tmp_path) -> None:
    config = Config(rules_dirs=(SHIPPED, DATA / "rules_custom"))
    doc = tmp_path / "通知.txt"
    doc.write_text("关于青松工程的通知\n工号：GH-123456\n", encoding="utf-8")
    report = scan_file(doc, config)
    rules = {f.rule: f for f in report.findings}
    assert rules["office.project_code"].severity == "block"
    assert rules["office.project_code"].reason == "本单位项目代号「青松工程」不得公开"
    assert rules["office.staff_number"].text == "GH-123456"
    assert report.verdict == "block"


def test_custom_rules_via_cli(runner, tmp_path) -> None:
    doc = tmp_path / "a.txt"
    doc.write_text("蓝天计划第二阶段\n", encoding="utf-8")
    result = runner.invoke(
        main, ["--rules", str(DATA / "rules_custom"), "scan", "--format", "json", str(doc)]
    )
    assert result.exit_code == 1
    report = json.loads(result.stdout)[0]
    assert [f["rule"] for f in report["findings"]] == ["office.project_code"]
    listed = runner.invoke(
        main, ["--rules", str(DATA / "rules_custom"), "rules", "list", "--format", "json"]
    )
    ids = [r["id"] for r in json.loads(listed.stdout)]
    assert "office.project_code" in ids and "marking.secret_level" in ids


def test_ruleset_is_cached_and_reloaded_after_edit(tmp_path) -> None:
    folder = tmp_path / "r"
    folder.mkdir()
    src = (DATA / "rules_custom" / "office.toml").read_text(encoding="utf-8")
    path = folder / "office.toml"
    path.write_text(src, encoding="utf-8")
    first = load_ruleset([folder])
    assert load_ruleset([folder]) is first
    path.write_text(src.replace("青松工程", "红杉工程"), encoding="utf-8")
    import os

    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    second = load_ruleset([folder])
    assert second is not first
    assert "红杉工程" in second.rule("office.project_code").keywords
    assert second.hashes[str(path)] != first.hashes[str(path)]


def test_hashes_are_sha256_of_each_file() -> None:
    import hashlib

    rs = load_ruleset([SHIPPED])
    assert set(rs.hashes) == {str(p) for p in sorted(SHIPPED.glob("*.toml"))}
    for path, digest in rs.hashes.items():
        assert digest == hashlib.sha256(Path(path).read_bytes()).hexdigest()


# -- rule names (issue 18) ---------------------------------------------------------------------


def test_every_shipped_rule_has_a_chinese_name() -> None:
    ruleset = load_ruleset([SHIPPED])
    for entry in (*ruleset.rules, *ruleset.allow):
        assert entry.name and entry.name != entry.id, entry.id
        assert any("\u4e00" <= ch <= "\u9fff" for ch in entry.name), entry.id


def test_a_shipped_pack_without_names_is_refused(tmp_path) -> None:
    from secreview.rules.loader import load_file

    pack = tmp_path / "pack.toml"
    text = (SHIPPED / "markings.toml").read_text(encoding="utf-8")
    pack.write_text(text.replace('name = "密级标志"\n', "", 1), encoding="utf-8")
    with pytest.raises(UsageError) as info:
        load_file(pack, require_names=True)
    assert "marking.secret_level" in info.value.message and "name" in info.value.message
    assert load_file(pack)[0][0].name == "marking.secret_level"  # not shipped: id stands in


def test_user_pack_name_is_optional_and_checked(tmp_path) -> None:
    ruleset = load_ruleset([DATA / "rules_custom"])
    assert {r.id: r.name for r in ruleset.rules}["office.project_code"] == "office.project_code"
    pack = tmp_path / "x.toml"
    pack.write_text(
        (DATA / "rules_custom" / "office.toml")
        .read_text(encoding="utf-8")
        .replace(
            'id = "office.project_code"', 'id = "office.project_code"\nname = "' + "长" * 41 + '"'
        ),
        encoding="utf-8",
    )
    with pytest.raises(UsageError, match="name"):
        build_ruleset([pack])


def test_rules_list_shows_names(runner) -> None:
    res = runner.invoke(main, ["rules", "list", "--format", "json"], catch_exceptions=False)
    rules = {r["id"]: r for r in json.loads(res.stdout)}
    assert rules["pii.resident_id"]["name"] == "公民身份号码"
    wide = runner.invoke(main, ["rules", "list"], env={"COLUMNS": "200"}, catch_exceptions=False)
    assert "公民身份号码" in wide.stdout and "密级标志" in wide.stdout


def test_rules_test_notes_unnamed_user_rules(runner) -> None:
    res = runner.invoke(main, ["--rules", str(DATA / "rules_custom"), "rules", "test"])
    assert res.exit_code == 0
    assert "没有中文名称" in res.stderr and "office.project_code" in res.stderr


def test_every_residue_kind_an_extractor_notes_has_a_chinese_name() -> None:
    import ast

    import secreview.extract as extract_pkg
    from secreview.rules.names import RESIDUE_NAMES_ZH

    kinds: set[str] = set()
    for path in Path(extract_pkg.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", "")) == "ResidueNote"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                kinds.add(node.args[0].value)
    assert len(kinds) >= 20
    assert sorted(kinds - set(RESIDUE_NAMES_ZH)) == []


def test_context_after_reaches_only_that_far_after_the_match(tmp_path) -> None:
    """context.after: a shorter reach after the match than the window before it."""
    folder = tmp_path / "rules"
    folder.mkdir()
    rule = """version = 1

[[rule]]
id = "office.code"
name = "项目代号"
category = "internal_affairs"
severity = "review"
reason = "项目代号「{text}」"
kind = "keywords"
keywords = ["青松工程"]
context = { exclude = ["已公开"], window = 10, after = %d }
"""
    doc = tmp_path / "通知.txt"
    doc.write_text("青松工程（名称一二三已公开）\n", encoding="utf-8")
    for after, fires in ((3, True), (12, False)):
        (folder / "office.toml").write_text(rule % after, encoding="utf-8")
        report = scan_file(doc, Config(rules_dirs=(folder,), use_classifier=False))
        assert any(f.rule == "office.code" for f in report.findings) is fires
    (folder / "office.toml").write_text(rule % 0, encoding="utf-8")
    with pytest.raises(UsageError, match="after"):
        load_ruleset(Config(rules_dirs=(folder,)).rules_dirs)
