"""`scan --format sarif|csv` and `scan --baseline` (issue 18).

SARIF is validated against the official SARIF 2.1.0 JSON schema kept in tests/data
(oasis-tcs/sarif-spec, see tests/data/sarif-schema-2.1.0.PROVENANCE.md).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import jsonschema
import pytest

from secreview.cli import main
from secreview.rules import load_ruleset
from tests.helpers.pdf_builder import text_pdf
from tests.helpers.xlsx_builder import id_check_digit, residue_workbook

SCHEMA = json.loads(
    (Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8")
)
SHIPPED = Path(__file__).resolve().parent.parent / "rules"
ID = "11010519491231002" + id_check_digit("11010519491231002")
CLEAN = "区政府办公室2023年度政务公开工作总结：全年主动公开政府信息一百二十条。\n"


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("scan_out")
    (root / "通知.pdf").write_bytes(
        text_pdf([["关于做好工作的通知"], ["秘密★1年", "第二页的内容。"]])
    )
    (root / "名单.txt").write_text(f"低保名单\n张三 身份证号 {ID} 住址某村\n", encoding="utf-8")
    (root / "总结.txt").write_text(CLEAN, encoding="utf-8")
    (root / "残留.xlsx").write_bytes(residue_workbook())
    (root / "坏.pdf").write_bytes(b"%PDF-1.7\n garbage")
    return root


def _files(root: Path) -> list[str]:
    return [str(root / n) for n in ("通知.pdf", "名单.txt", "总结.txt", "残留.xlsx", "坏.pdf")]


@pytest.fixture(scope="module")
def outputs(folder: Path) -> dict[str, object]:
    from click.testing import CliRunner

    runner = CliRunner()
    got: dict[str, object] = {}
    for fmt in ("json", "sarif", "csv"):
        res = runner.invoke(main, ["scan", *_files(folder), "--format", fmt])
        assert res.exit_code == 2, res.output  # one file is unreadable
        got[fmt] = res.stdout
        got[fmt + "_stderr"] = res.stderr
    return got


def test_sarif_is_valid_sarif_2_1_0(outputs):
    log = json.loads(outputs["sarif"])
    jsonschema.Draft4Validator.check_schema(SCHEMA)
    errors = sorted(jsonschema.Draft4Validator(SCHEMA).iter_errors(log), key=str)
    assert errors == []
    assert log["version"] == "2.1.0" and len(log["runs"]) == 1


def test_the_schema_check_can_fail(outputs):
    log = json.loads(outputs["sarif"])
    log["runs"][0]["results"][0]["level"] = "block"  # not a SARIF level
    assert not jsonschema.Draft4Validator(SCHEMA).is_valid(log)


def test_sarif_rules_carry_the_packs_metadata(outputs):
    run = json.loads(outputs["sarif"])["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    ruleset = load_ruleset([SHIPPED])
    assert {r.id for r in ruleset.rules} <= set(rules)
    mark = rules["marking.secret_level"]
    assert mark["name"] == "MarkingSecretLevel"
    assert mark["shortDescription"]["text"] == "密级标志"
    assert "国家秘密标志" in mark["fullDescription"]["text"]
    assert "{text}" not in mark["fullDescription"]["text"]
    assert mark["defaultConfiguration"]["level"] == "error"
    assert mark["properties"]["category"] == "state_secret"
    assert mark["properties"]["severity"] == "block"
    assert "保守国家秘密法" in mark["properties"]["basis"]
    # ids outside the packs that occur in results get a descriptor too, named in Chinese
    for res in run["results"]:
        assert run["tool"]["driver"]["rules"][res["ruleIndex"]]["id"] == res["ruleId"]
    assert rules["residue.hidden_sheets"]["shortDescription"]["text"] == "隐藏工作表"
    assert rules["secreview.unreadable"]["defaultConfiguration"]["level"] == "error"


def test_sarif_results_levels_locations_and_fingerprints(outputs):
    run = json.loads(outputs["sarif"])["runs"][0]
    reports = json.loads(outputs["json"])
    uris = [a["location"]["uri"] for a in run["artifacts"]]
    assert len(uris) == 5 and uris[0].endswith("%E9%80%9A%E7%9F%A5.pdf")  # 通知.pdf
    by_fp = {f["fingerprint"]: (r, f) for r in reports for f in r["findings"]}
    level = {"block": "error", "review": "warning", "info": "note"}
    seen = 0
    for res in run["results"]:
        if res["ruleId"] == "secreview.unreadable":
            continue
        report, finding = by_fp[res["partialFingerprints"]["secreview/v1"]]
        seen += 1
        assert res["ruleId"] == finding["rule"]
        assert res["level"] == level[finding["severity"]]
        (loc,) = res["locations"]
        index = loc["physicalLocation"]["artifactLocation"]["index"]
        assert reports[index]["path"] == report["path"]
        assert loc["properties"] == finding["location"]
    assert seen == sum(len(r["findings"]) for r in reports)
    mark = next(r for r in run["results"] if r["ruleId"] == "marking.secret_level")
    (loc,) = mark["locations"]
    assert loc["properties"]["page"] == 2 and loc["properties"]["part"] == "body"
    assert loc["logicalLocations"][0]["fullyQualifiedName"].startswith("page[2]/body")
    assert "第2页" in loc["logicalLocations"][0]["name"]
    hidden = next(r for r in run["results"] if r["ruleId"] == "residue.hidden_sheets")
    assert hidden["locations"][0]["properties"]["sheet"] == "名单"


def test_sarif_reports_the_unreadable_file_and_masks_numbers(outputs):
    run = json.loads(outputs["sarif"])["runs"][0]
    bad = [r for r in run["results"] if r["ruleId"] == "secreview.unreadable"]
    assert len(bad) == 1 and bad[0]["properties"]["code"] == "corrupt_file"
    (inv,) = run["invocations"]
    assert inv["executionSuccessful"] is False
    assert inv["toolExecutionNotifications"][0]["level"] == "error"
    assert ID not in outputs["sarif"]
    assert "坏.pdf" in outputs["sarif_stderr"]


def _csv_rows(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_csv_one_row_per_finding_and_per_clean_or_bad_file(outputs):
    rows = _csv_rows(outputs["csv"])
    reports = json.loads(outputs["json"])
    for r in reports:
        mine = [row for row in rows if row["文件"] == r["path"]]
        assert len(mine) == max(1, len(r["findings"]))
        if r["findings"]:
            assert [row["指纹"] for row in mine] == [f["fingerprint"] for f in r["findings"]]
    clean = next(row for row in rows if row["文件"].endswith("总结.txt"))
    assert clean["结论"] == "通过" and clean["说明"] == "未发现问题"
    bad = next(row for row in rows if row["文件"].endswith("坏.pdf"))
    assert bad["结论"] == "无法审查" and "corrupt_file" in bad["说明"]
    mark = next(row for row in rows if row["规则"] == "marking.secret_level")
    assert mark["规则名称"] == "密级标志" and mark["页码"] == "2" and mark["级别"] == "禁止"
    assert ID not in outputs["csv"]


def test_csv_cells_that_look_like_formulas_are_neutralised(tmp_path, runner, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("=HYPERLINK.txt", "+1.txt", "-2.txt", "@SUM.txt"):
        (tmp_path / name).write_text("+秘密★1年\n", encoding="utf-8")
    res = runner.invoke(
        main, ["scan", "--format", "csv", "--", "=HYPERLINK.txt", "+1.txt", "-2.txt", "@SUM.txt"]
    )
    assert res.exit_code == 1
    rows = list(csv.reader(io.StringIO(res.stdout[1:])))[1:]
    cells = [c for row in rows for c in row if c]
    assert cells and not [c for c in cells if c[0] in "=+-@"]
    assert {row[0] for row in rows} == {"'=HYPERLINK.txt", "'+1.txt", "'-2.txt", "'@SUM.txt"}
    assert all(row[10].startswith("'+") for row in rows)  # the context cell


def test_baseline_reports_only_new_findings(tmp_path, runner):
    doc = tmp_path / "名单.txt"
    doc.write_text(f"名单\n张三 身份证号 {ID}\n", encoding="utf-8")
    first = runner.invoke(main, ["scan", str(doc), "--format", "json"])
    assert first.exit_code == 1
    base = tmp_path / "基线.json"
    base.write_text(first.stdout, encoding="utf-8")

    again = runner.invoke(main, ["scan", str(doc), "--baseline", str(base), "--format", "json"])
    assert again.exit_code == 0, again.output
    (report,) = json.loads(again.stdout)
    assert report["findings"] == [] and report["verdict"] == "pass"
    text = runner.invoke(main, ["scan", str(doc), "--baseline", str(base)])
    assert text.exit_code == 0 and "略去" in text.stdout

    # a new problem in the same file is reported; the known one stays out
    doc.write_text(f"秘密★1年\n名单\n张三 身份证号 {ID}\n", encoding="utf-8")
    changed = runner.invoke(main, ["scan", str(doc), "--baseline", str(base), "--format", "json"])
    assert changed.exit_code == 1
    (report,) = json.loads(changed.stdout)
    assert {f["rule"] for f in report["findings"]} >= {"marking.secret_level"}
    # the same number on another line is another finding (location is in the fingerprint)
    assert any(f["rule"] == "pii.resident_id" for f in report["findings"])


def test_baseline_never_hides_a_finding_in_another_file(tmp_path, runner):
    a = tmp_path / "a.txt"
    a.write_text("秘密★1年\n", encoding="utf-8")
    base = tmp_path / "基线.json"
    base.write_text(runner.invoke(main, ["scan", str(a), "--format", "json"]).stdout)
    b = tmp_path / "b.txt"
    b.write_text("秘密★1年\n第二行\n", encoding="utf-8")  # same finding, other bytes and path
    res = runner.invoke(main, ["scan", str(b), "--baseline", str(base), "--format", "json"])
    assert res.exit_code == 1 and json.loads(res.stdout)[0]["verdict"] == "block"
    # the same bytes moved to another folder are the same document
    moved = tmp_path / "移动" / "a.txt"
    moved.parent.mkdir()
    moved.write_bytes(a.read_bytes())
    res = runner.invoke(main, ["scan", str(moved), "--baseline", str(base), "--format", "json"])
    assert res.exit_code == 0


def test_baseline_from_sarif(tmp_path, runner):
    a = tmp_path / "a.txt"
    a.write_text("秘密★1年\n内部资料 注意保存\n", encoding="utf-8")
    base = tmp_path / "基线.sarif"
    base.write_text(runner.invoke(main, ["scan", str(a), "--format", "sarif"]).stdout)
    res = runner.invoke(main, ["scan", str(a), "--baseline", str(base), "--format", "json"])
    assert res.exit_code == 0 and json.loads(res.stdout)[0]["findings"] == []


@pytest.mark.parametrize(
    ("content", "fragment"),
    [(None, "无法读取基线文件"), ("{not json", "不是有效的 JSON"), ('{"a": 1}', "不是 scan")],
)
def test_bad_baseline_is_one_line_exit_2(tmp_path, runner, content, fragment):
    a = tmp_path / "a.txt"
    a.write_text(CLEAN, encoding="utf-8")
    base = tmp_path / "基线.json"
    if content is not None:
        base.write_text(content, encoding="utf-8")
    res = runner.invoke(main, ["scan", str(a), "--baseline", str(base)])
    assert res.exit_code == 2
    assert fragment in res.stderr and len(res.stderr.strip().splitlines()) == 1
