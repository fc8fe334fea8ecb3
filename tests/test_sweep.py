"""定期梳理: matching published files to the ledger, recording results, resuming after a kill."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.helpers.audit_ledger import ok, submit
from tests.helpers.ledger import PYTHON, cli, cli_json, head, subprocess_env, write_doc

AUDITOR = "孙审计"
REPO = Path(__file__).resolve().parent.parent
CUSTOM_RULES = REPO / "tests" / "data" / "rules_custom"


def sweep_events(db: Path, action: str = "sweep_result") -> list[tuple[str | None, dict]]:
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute(
            "SELECT submission_id, payload FROM events WHERE action = ? ORDER BY seq", (action,)
        ).fetchall()
    finally:
        conn.close()
    return [(sid, json.loads(p)) for sid, p in rows]


def publish_item(runner: CliRunner, db: Path, doc: Path, title: str, url: str | None = None) -> str:
    sid = submit(runner, db, doc, title)
    ok(cli(runner, db, "王领导", "sign", sid, "--approve"))
    ok(cli(runner, db, "张三", "publish", sid, *(["--url", url] if url else [])))
    return sid


@pytest.fixture
def site(office: Path, runner: CliRunner, tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """Five published/known items and a folder as the website holds them."""
    drafts = tmp_path / "drafts"
    drafts.mkdir()
    ids = {
        "same": publish_item(runner, office, write_doc(drafts, "植树.txt", "pass"), "植树通知"),
        "replaced": publish_item(
            runner,
            office,
            write_doc(drafts, "指南草稿.txt", "pass", "（指南）"),
            "办事指南",
            url="https://www.example.gov.cn/zwgk/%E5%8A%9E%E4%BA%8B%E6%8C%87%E5%8D%97.txt",
        ),
    }
    code = drafts / "绿化.txt"
    code.write_text("关于青松工程绿化验收的通知\n请各单位做好准备。\n", encoding="utf-8")
    ids["newrule"] = publish_item(runner, office, code, "绿化验收通知")
    ids["unsigned"] = submit(runner, office, write_doc(drafts, "电话.html", "review"), "电话公告")

    web = tmp_path / "网站"
    (web / "sub").mkdir(parents=True)
    (web / "植树.txt").write_bytes((drafts / "植树.txt").read_bytes())
    # the published file under the name in its URL, edited after sign-off
    (web / "办事指南.txt").write_text(
        "关于办事指南的通知（改）\n新增一段未经审查的内容。\n", encoding="utf-8"
    )
    (web / "sub" / "绿化.txt").write_bytes(code.read_bytes())
    (web / "sub" / "电话.html").write_bytes((drafts / "电话.html").read_bytes())
    (web / "无名.txt").write_text("一份从未送审的材料。\n", encoding="utf-8")
    # under the file name recorded at submit, also edited after sign-off
    (web / "sub" / "指南草稿.txt").write_text("办事指南（另一处改动）\n", encoding="utf-8")
    return web, ids


def test_sweep_reports_each_case_and_records_it(
    office: Path, runner: CliRunner, site: tuple[Path, dict[str, str]]
) -> None:
    web, ids = site
    r = cli(
        runner,
        office,
        AUDITOR,
        "--rules",
        str(CUSTOM_RULES),
        "sweep",
        str(web),
        "--jobs",
        "2",
        "--format",
        "json",
    )
    assert r.exit_code == 1, r.stderr  # something needs attention
    info = json.loads(r.stdout)
    by_name = {Path(x["path"]).name: x for x in info["results"]}
    assert info["files"] == 6 and info["scanned"] == 6 and info["skipped"] == 0
    assert by_name["植树.txt"]["verdict"] == "ok"
    assert by_name["植树.txt"]["submission_id"] == ids["same"]
    changed = by_name["办事指南.txt"]
    assert changed["verdict"] == "changed" and changed["submission_id"] == ids["replaced"]
    assert "签批后被改动" in changed["detail"]
    assert by_name["指南草稿.txt"]["verdict"] == "changed"
    assert by_name["指南草稿.txt"]["submission_id"] == ids["replaced"]
    newrule = by_name["绿化.txt"]
    assert newrule["verdict"] == "attention" and newrule["new_rules"] == ["office.project_code"]
    assert by_name["电话.html"]["verdict"] == "unsigned"
    assert by_name["电话.html"]["submission_id"] == ids["unsigned"]
    assert by_name["无名.txt"]["verdict"] == "unknown"
    assert "不在台账中" in by_name["无名.txt"]["detail"]
    assert {Path(a["path"]).name for a in info["attention"]} == {
        "办事指南.txt",
        "指南草稿.txt",
        "绿化.txt",
        "电话.html",
        "无名.txt",
    }

    recorded = sweep_events(office)
    assert len(recorded) == 6
    assert {p["path"] for _, p in recorded} == {x["path"] for x in info["results"]}
    assert (
        dict((Path(p["path"]).name, sid) for sid, p in recorded)["办事指南.txt"] == ids["replaced"]
    )
    assert all(p["run"] == info["run"] for _, p in recorded)
    assert all("text" not in json.dumps(p) for _, p in recorded)
    [(_, start)] = sweep_events(office, "sweep_start")
    [(_, end)] = sweep_events(office, "sweep_end")
    assert start["run"] == end["run"] == info["run"] and end["scanned"] == 6
    assert cli_json(runner, office, AUDITOR, "ledger", "verify")["ok"] is True

    audit = cli_json(runner, office, AUDITOR, "audit")
    sweep = audit["stats"]["sweep"]
    assert (sweep["runs"], sweep["files"], sweep["unknown"], sweep["changed"]) == (1, 6, 1, 2)
    assert sweep["attention"] == 5
    remarks = {row["id"]: row["cells"]["备注"] for row in audit["rows"]}
    assert "签批后文件被改动" in remarks[ids["replaced"]]
    assert "复查无新问题" in remarks[ids["same"]]

    # the same sweep after it finished is a new run, not a continuation
    again = cli(runner, office, AUDITOR, "sweep", str(web / "植树.txt"), "--format", "json")
    assert again.exit_code == 0, again.stderr
    assert json.loads(again.stdout)["skipped"] == 0


def test_sweep_text_output_is_loud(
    office: Path, runner: CliRunner, site: tuple[Path, dict[str, str]]
) -> None:
    web, _ = site
    r = cli(runner, office, AUDITOR, "sweep", str(web), "--jobs", "1")
    assert r.exit_code == 1
    out = r.stdout.replace("\n", "")
    assert "签批后被改动" in out and "不在台账中" in out and "需要关注的文件" in out


def test_sweep_reports_files_it_cannot_read(office: Path, runner: CliRunner, tmp_path: Path):
    """issue 10: an unreadable or unknown file under the folder is a result, never dropped."""
    web = tmp_path / "网站"
    (web / "附件").mkdir(parents=True)
    (web / "通知.txt").write_text("一份从未送审的材料。\n", encoding="utf-8")
    (web / "附件" / "数据.bin").write_bytes(b"\x00\x01binary\xff" * 50)
    (web / ".隐藏.txt").write_text("秘密★1年\n隐藏的旧稿\n", encoding="utf-8")
    os.mkfifo(web / "附件" / "管道")
    r = cli(runner, office, AUDITOR, "sweep", str(web), "--jobs", "1", "--format", "json")
    info = json.loads(r.stdout)
    assert info["files"] == 4 and info["scanned"] == 4
    by_name = {Path(x["path"]).name: x for x in info["results"]}
    assert by_name["管道"]["verdict"] == "error" and "not_regular_file" in by_name["管道"]["detail"]
    assert by_name[".隐藏.txt"]["verdict"] == "unknown"
    assert by_name["数据.bin"]["verdict"] in ("error", "unknown")
    text = cli(runner, office, AUDITOR, "sweep", str(web), "--jobs", "1")
    assert "共 4 个文件" in text.stdout and "无法读取" in text.stdout


def test_only_auditors_and_admins_sweep(
    office: Path, runner: CliRunner, site: tuple[Path, dict[str, str]]
) -> None:
    web, _ = site
    for user in ("张三", "审查员甲", "王领导"):
        before = head(office)
        r = cli(runner, office, user, "sweep", str(web))
        assert r.exit_code == 1
        assert r.stderr.strip().startswith("错误：") and "只有审计员、管理员" in r.stderr
        assert head(office) == before
    assert cli(runner, office, "管理员", "sweep", str(web / "无名.txt")).exit_code == 1  # unknown
    r = cli(runner, office, AUDITOR, "sweep", str(web / "nope"))
    assert r.exit_code == 2 and r.stderr.startswith("错误：找不到")


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")
def test_rerun_after_kill_continues(office: Path, runner: CliRunner, tmp_path: Path) -> None:
    folder = tmp_path / "公开"
    folder.mkdir()
    for i in range(40):
        lines = (
            f"第{j}条：各科室按计划做好第{i}批政务公开栏目维护，及时更新办事指南。\n"
            for j in range(150)
        )
        (folder / f"文件{i:02d}.txt").write_text("".join(lines), encoding="utf-8")
    cmd = [PYTHON, "-m", "secreview", "sweep", str(folder), "--jobs", "1", "--format", "json"]
    proc = subprocess.Popen(
        cmd, env=subprocess_env(office, AUDITOR), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 120
    try:
        while len(sweep_events(office)) < 5:
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            assert time.monotonic() < deadline, "sweep made no progress"
            time.sleep(0.02)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    done_before = len(sweep_events(office))
    assert sweep_events(office, "sweep_end") == [], "killed too late: the run had finished"
    assert 5 <= done_before < 40

    r = cli(runner, office, AUDITOR, "sweep", str(folder), "--jobs", "1", "--format", "json")
    assert r.exit_code == 1  # 40 unknown files
    info = json.loads(r.stdout)
    assert info["resumed"] is True
    assert info["skipped"] == done_before and info["scanned"] == 40 - done_before
    results = sweep_events(office)
    runs = {p["run"] for _, p in results}
    assert runs == {info["run"]}
    paths = [p["path"] for _, p in results]
    assert len(paths) == 40 and len(set(paths)) == 40  # every file recorded exactly once
    assert all(p["verdict"] == "unknown" for _, p in results)
    [(_, end)] = sweep_events(office, "sweep_end")
    assert end["skipped"] == done_before
    assert cli_json(runner, office, AUDITOR, "ledger", "verify")["ok"] is True


def test_issue_18_sweep_text_lists_each_problem_without_the_numbers(
    office: Path, runner: CliRunner, tmp_path: Path
) -> None:
    from tests.helpers.xlsx_builder import id_check_digit

    full_id = "11010519491231002" + id_check_digit("11010519491231002")
    web = tmp_path / "网站"
    web.mkdir()
    (web / "名单.html").write_text(
        f"<html><body><p>补贴名单</p><p>张三 身份证号 {full_id}</p><p>秘密★1年</p></body></html>",
        encoding="utf-8",
    )
    r = cli(runner, office, AUDITOR, "sweep", str(web), "--jobs", "1")
    assert r.exit_code == 1
    out = r.stdout
    assert "不在台账中" in out and "发现的问题" in out
    assert "公民身份号码（pii.resident_id）" in out and "密级标志（marking.secret_level）" in out
    assert "第2段" in out or "第3段" in out  # the location of each finding
    assert full_id not in out.replace("\n", "").replace(" ", "")
    data = json.loads(
        cli(runner, office, AUDITOR, "sweep", str(web), "--jobs", "1", "--format", "json").stdout
    )
    (result,) = data["results"]
    assert {i["rule"] for i in result["items"]} >= {"pii.resident_id", "marking.secret_level"}
    recorded = [p for _, p in sweep_events(office)]
    assert recorded and all("items" not in p for p in recorded)  # the ledger keeps counts
