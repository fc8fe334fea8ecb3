"""What people read (issue 18 part B): one clock (北京时间, labelled) everywhere, decisions
called what they are (a return is never a sign-off), duplicate submissions refused naming
the item, and `check` naming the item a replaced file was signed for."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from secreview.clock import DEFAULT, office_clock, parse_stamp
from secreview.errors import UsageError
from secreview.ledger.sqlite import SQLiteStorage
from tests.helpers.audit_ledger import ok
from tests.helpers.ledger import cli, cli_json, head, write_doc

TS = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}")


def beijing(ts: str, seconds: bool = False) -> str:
    """A ledger time (UTC) in Beijing time, computed here independently of clock.py."""
    from datetime import timedelta

    local = parse_stamp(ts) + timedelta(hours=8)
    return local.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def submit(runner: CliRunner, db: Path, doc: Path, title: str, who: str = "张三") -> dict:
    dept = "财务科" if who == "李四" else "办公室"
    return cli_json(runner, db, who, "submit", str(doc), "--title", title, "--dept", dept)


# -- one clock -----------------------------------------------------------------------------------


def test_clock_formats_and_refuses_other_zones() -> None:
    ts = "2026-03-02T07:30:05.123456Z"
    assert DEFAULT.show(ts) == "2026-03-02 15:30（北京时间）"
    assert DEFAULT.plain(ts, seconds=True) == "2026-03-02 15:30:05"
    assert DEFAULT.heading("提交时间") == "提交时间（北京时间）"
    assert DEFAULT.day("2026-03-02T16:30:00Z").isoformat() == "2026-03-03"  # past midnight
    assert DEFAULT.show(None) == "" and DEFAULT.plain("") == ""
    assert office_clock("+08:00").show(ts) == office_clock("Asia/Shanghai").show(ts)
    with pytest.raises(UsageError, match="只支持北京时间"):
        office_clock("Europe/Berlin")
    # the names callers used before clock.py (the desk) keep their meaning: unlabelled
    from secreview.report.build import local_time, show_time

    assert show_time(ts) == "2026-03-02 15:30" and local_time(ts) == DEFAULT.local(ts)


def test_every_time_on_screen_is_beijing_time_labelled(
    office: Path, runner: CliRunner, tmp_path: Path
) -> None:
    doc = write_doc(tmp_path, "通知.txt", "pass")
    sid = submit(runner, office, doc, "春季植树通知")["id"]
    signed = cli_json(runner, office, "王领导", "sign", sid, "--approve")
    shown = cli_json(runner, office, "张三", "show", sid)

    text = cli(runner, office, "张三", "show", sid).stdout
    assert f"提交时间：{beijing(shown['version']['submitted'])}（北京时间）" in text
    assert f"王领导 签批同意，{beijing(signed['ts'])}（北京时间）" in text
    assert "记录（北京时间）" in text
    for h in shown["history"]:
        assert beijing(h["ts"], seconds=True) in text
    assert "T" not in "".join(TS.findall(text)) and "Z" not in text.replace("SHA", "")

    wide = CliRunner(env={"COLUMNS": "200"})
    queue = cli(wide, office, "张三", "queue").stdout
    assert "提交时间（北京时间）" in queue.replace("\n", "").replace(" ", "").replace("│", "")
    assert beijing(shown["version"]["submitted"]) in queue.replace("\n", " ")

    check = cli(runner, office, "孙审计", "check", str(doc))
    assert check.exit_code == 0 and f"于 {beijing(signed['ts'])}（北京时间）签批" in check.stdout

    users = cli(wide, office, "孙审计", "user", "list")
    flat = users.stdout.replace("\n", "").replace(" ", "").replace("│", "")
    assert "密钥启用时间（北京时间）" in flat
    listed = cli_json(runner, office, "孙审计", "user", "list")
    since = next(u["key_since"] for u in listed if u["name"] == "张三")
    assert beijing(since).replace(" ", "") in flat

    ok(cli(runner, office, "孙审计", "ledger", "checkpoint"))
    verify = cli(runner, office, "孙审计", "ledger", "verify")
    assert verify.exit_code == 0 and "（北京时间）「孙审计」" in verify.stdout

    sweep = cli(runner, office, "孙审计", "sweep", str(doc), "--jobs", "1")
    info = cli_json(runner, office, "孙审计", "sweep", str(doc), "--jobs", "1")
    assert sweep.exit_code == 0
    assert re.search(r"（\d{4}-\d{2}-\d{2} \d{2}:\d{2}（北京时间）开始）", sweep.stdout)
    assert info["started"].endswith("Z")  # JSON keeps the ledger's UTC


# -- wrong words ---------------------------------------------------------------------------------


def test_decisions_are_called_what_they_are(
    office: Path, runner: CliRunner, tmp_path: Path
) -> None:
    sid = submit(runner, office, write_doc(tmp_path, "a.txt", "pass"), "公告甲")["id"]
    back = cli(runner, office, "王领导", "sign", sid, "--reject", "--comment", "标题须改")
    ok(back)
    assert back.stdout.startswith(f"领导退回：{sid} 第 1 版未获签批，已退回拟稿人")
    assert "理由：标题须改" in back.stdout and "已签批" not in back.stdout

    rev = write_doc(tmp_path, "a2.txt", "pass", salt="（改）")
    revised = cli(runner, office, "张三", "submit", str(rev), "--revises", sid)
    assert revised.exit_code == 0 and revised.stdout.startswith(f"已提交修改稿：稿件 {sid} 第 2 版")
    yes = cli(runner, office, "王领导", "sign", sid, "--approve")
    assert yes.stdout.startswith(f"领导签批同意：{sid} 第 2 版") and "退回" not in yes.stdout

    rid = submit(runner, office, write_doc(tmp_path, "b.html", "review"), "公告乙")["id"]
    r = cli(runner, office, "审查员甲", "review", rid, "--reject", "--comment", "清理网页注释")
    assert r.stdout.startswith(
        f"保密审查退回：{rid} 第 1 版已退回拟稿人（确认 1 个问题，排除 0 个）"
    )

    history = cli(runner, office, "张三", "show", sid).stdout
    assert "领导退回：理由：标题须改" in history
    assert "提交修改稿：第 2 版，机审通过" in history and "领导签批同意" in history
    assert "领导签批；退回" not in history
    assert "保密审查退回：理由：清理网页注释" in cli(runner, office, "张三", "show", rid).stdout


# -- silent duplicates ---------------------------------------------------------------------------


def test_a_file_submitted_twice_is_refused_naming_the_item(
    office: Path, runner: CliRunner, tmp_path: Path
) -> None:
    doc = write_doc(tmp_path, "通知.txt", "pass")
    first = submit(runner, office, doc, "植树通知")
    assert first["duplicate_of"] == []
    before = head(office)
    again = cli(
        runner,
        office,
        "张三",
        "submit",
        str(doc),
        "--title",
        "植树通知（重发）",
        "--dept",
        "办公室",
    )
    assert again.exit_code == 1 and len(again.stderr.strip().splitlines()) == 1
    assert f"稿件 {first['id']} 第 1 版「植树通知」" in again.stderr
    assert "--allow-duplicate" in again.stderr and f"--revises {first['id']}" in again.stderr
    assert head(office) == before  # nothing recorded

    # the same bytes under another name, by another drafter; and as an unchanged revision
    copy = tmp_path / "副本.txt"
    copy.write_bytes(doc.read_bytes())
    other = cli(runner, office, "李四", "submit", str(copy), "--title", "X", "--dept", "财务科")
    assert other.exit_code == 1 and first["id"] in other.stderr
    revision = cli(runner, office, "张三", "submit", str(doc), "--revises", first["id"])
    assert revision.exit_code == 1 and "完全相同" in revision.stderr
    assert head(office) == before

    allowed = cli(
        runner, office, "张三", "submit", str(doc), "--title", "植树通知（公开栏）",
        "--dept", "办公室", "--allow-duplicate", "--format", "json",
    )  # fmt: skip
    assert allowed.exit_code == 0, allowed.stderr
    info = json.loads(allowed.stdout)
    assert info["id"] != first["id"] and info["duplicate_of"][0]["id"] == first["id"]
    assert "注意：该文件与稿件" in allowed.stderr and first["id"] in allowed.stderr
    storage = SQLiteStorage(office)
    try:
        [event] = [e for e in storage.events_for(info["id"]) if e.action == "submit"]
    finally:
        storage.close()
    assert event.payload["duplicate_of"] == [{"id": first["id"], "version": 1}]
    assert cli_json(runner, office, "孙审计", "ledger", "verify")["ok"] is True


# -- check on a replaced file --------------------------------------------------------------------


def test_check_names_the_item_a_replaced_file_was_signed_for(
    office: Path, runner: CliRunner, tmp_path: Path
) -> None:
    doc = write_doc(tmp_path, "植树通知.txt", "pass")
    sid = submit(runner, office, doc, "春季植树通知")["id"]
    ok(cli(runner, office, "王领导", "sign", sid, "--approve"))
    assert cli(runner, office, "孙审计", "check", str(doc)).exit_code == 0

    doc.write_text("关于开展春季植树活动的通知\n时间改为三月十五日。\n", encoding="utf-8")
    r = cli(runner, office, "孙审计", "check", str(doc))
    assert r.exit_code == 1 and len(r.stderr.strip().splitlines()) == 1
    assert f"文件名与 {sid} 第1版「春季植树通知」一致" in r.stderr and "签批后被改动" in r.stderr
    data = json.loads(cli(runner, office, "孙审计", "check", str(doc), "--format", "json").stdout)
    assert data["ok"] is False and data["verdict"] == "changed"
    assert (data["submission_id"], data["version"]) == (sid, 1)

    # bytes of a version that was returned: which item, and that it was never signed
    bad = write_doc(tmp_path, "大厅.txt", "block")
    rid = submit(runner, office, bad, "大厅公告")["id"]
    ok(cli(runner, office, "审查员甲", "review", rid, "--reject", "--comment", "含密级标志"))
    r = cli(runner, office, "孙审计", "check", str(bad))
    assert (
        r.exit_code == 1 and f"与 {rid} 第1版一致，但该版本未经领导签批（已退回拟稿人）" in r.stderr
    )

    stranger = write_doc(tmp_path, "其他.txt", "pass", salt="（外来）")
    r = cli(runner, office, "孙审计", "check", str(stranger))
    assert r.exit_code == 1 and "与台账中任何已签批版本都不一致" in r.stderr
