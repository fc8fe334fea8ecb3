"""The review workflow through the CLI on a real SQLite file: happy paths and each refusal."""

from __future__ import annotations

import os
from pathlib import Path

from click.testing import CliRunner

from secreview.ledger.blobs import blob_dir_for
from tests.helpers.ledger import (
    ADMIN,
    cli,
    cli_json,
    head,
    write_doc,
)


def submit(runner: CliRunner, db: Path, doc: Path, who: str = "张三", dept: str = "办公室") -> dict:
    return cli_json(
        runner,
        db,
        who,
        "submit",
        str(doc),
        "--title",
        "测试通知",
        "--dept",
        dept,
        "--channel",
        "政府网站",
    )


def approve_dismissing_first(
    runner: CliRunner, db: Path, reviewer: str, sid: str, reason: str
) -> list[str]:
    """The arguments of `review SID --approve` dismissing the item's first finding."""
    fp = cli_json(runner, db, reviewer, "show", sid)["findings"][0]["fingerprint"]
    return ["review", sid, "--approve", "--dismiss", fp, "--reason", reason]


def assert_refused(
    runner: CliRunner, db: Path, user: str, *args: str, says: str | tuple[str, ...]
) -> None:
    before = head(db)
    result = cli(runner, db, user, *args)
    assert result.exit_code == 1, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("错误：")
    for part in (says,) if isinstance(says, str) else says:
        assert part in lines[0], lines[0]
    assert "Traceback" not in result.output
    assert head(db) == before, "a refusal must leave the ledger unchanged"


def test_happy_path_block_dismissed_and_accepted(
    office: Path, runner: CliRunner, tmp_path: Path
) -> None:
    doc = write_doc(tmp_path, "值班.txt", "block")
    sub = submit(runner, office, doc)
    assert sub["id"].count("-") == 1 and sub["version"] == 1
    assert sub["verdict"] == "block"
    assert sub["route"] == ["reviewer", "leader"]

    queue = cli_json(runner, office, "审查员甲", "queue")
    assert [q["id"] for q in queue] == [sub["id"]]
    assert cli_json(runner, office, "王领导", "queue") == []

    shown = cli_json(runner, office, "审查员甲", "show", sub["id"])
    [finding] = [f for f in shown["findings"] if f["severity"] == "block"]
    fp = finding["fingerprint"]
    assert finding["status"] == "open"

    r = cli(
        runner,
        office,
        "审查员甲",
        "review",
        sub["id"],
        "--approve",
        "--dismiss",
        fp,
        "--reason",
        "系引用已公开文件的标题",
        "--comment",
        "同意公开",
    )
    assert r.exit_code == 0, r.stderr
    assert [q["id"] for q in cli_json(runner, office, "王领导", "queue")] == [sub["id"]]

    r = cli(runner, office, "王领导", "sign", sub["id"], "--approve", "--accept-dismissals")
    assert r.exit_code == 0, r.stderr
    assert "已签批" in r.stdout

    pub = cli_json(
        runner, office, "张三", "publish", sub["id"], "--url", "https://www.example.gov.cn/a/1.html"
    )
    assert pub["channel"] == "政府网站" and pub["url"].endswith("1.html")

    ok = cli(runner, office, "路人", "check", str(doc))
    assert ok.exit_code == 0 and sub["id"] in ok.stdout
    other = write_doc(tmp_path, "别的.txt", "pass")
    assert cli(runner, office, "路人", "check", str(other)).exit_code == 1

    out = tmp_path / "导出.txt"
    exp = cli_json(runner, office, "孙审计", "export", sub["id"], "-o", str(out))
    assert out.read_bytes() == doc.read_bytes()
    assert exp["sha256"] == sub["sha256"]

    ver = cli_json(runner, office, "路人", "ledger", "verify")
    assert ver["ok"] is True and ver["blobs"] == 1
    assert ver["events"] == head(office)[0] and ver["head"] == head(office)[1]

    hist = cli_json(runner, office, "孙审计", "show", sub["id"])["history"]
    assert [h["action"] for h in hist] == ["submit", "review", "sign", "publish", "export"]
    sign = hist[2]["detail"]
    assert sign["accept_dismissals"] is True and sign["accepted"] == [fp]
    assert hist[1]["detail"]["dismissals"][0]["reason"] == "系引用已公开文件的标题"


def test_happy_path_pass_goes_to_leader_only(
    office: Path, runner: CliRunner, tmp_path: Path
) -> None:
    doc = write_doc(tmp_path, "植树.txt", "pass")
    sub = submit(runner, office, doc)
    assert sub["verdict"] == "pass" and sub["route"] == ["leader"]
    assert cli_json(runner, office, "审查员甲", "queue") == []
    assert [q["id"] for q in cli_json(runner, office, "王领导", "queue")] == [sub["id"]]
    r = cli(runner, office, "王领导", "sign", sub["id"], "--approve", "--comment", "同意")
    assert r.exit_code == 0, r.stderr
    assert [q["status"] for q in cli_json(runner, office, "张三", "queue")] == ["signed_off"]
    r = cli(runner, office, ADMIN, "publish", sub["id"], "--channel", "公开栏")
    assert r.exit_code == 0, r.stderr
    shown = cli_json(runner, office, "张三", "show", sub["id"])
    assert shown["status"] == "published"
    assert shown["version"]["publications"][0]["channel"] == "公开栏"


def test_revision_clears_block_and_old_bytes_no_longer_pass_check(
    office: Path, runner: CliRunner, tmp_path: Path
) -> None:
    bad = write_doc(tmp_path, "值班.txt", "block")
    sub = submit(runner, office, bad)
    r = cli(
        runner,
        office,
        "审查员甲",
        "review",
        sub["id"],
        "--reject",
        "--comment",
        "含密级标志，请删除",
    )
    assert r.exit_code == 0, r.stderr
    [item] = cli_json(runner, office, "张三", "queue")
    assert item["status"] == "returned" and item["returned_reason"] == "含密级标志，请删除"

    good = write_doc(tmp_path, "值班-改.txt", "pass")
    rev = cli_json(runner, office, "张三", "submit", str(good), "--revises", sub["id"])
    assert (rev["id"], rev["version"], rev["verdict"], rev["route"]) == (
        sub["id"],
        2,
        "pass",
        ["leader"],
    )
    assert cli(runner, office, "王领导", "sign", sub["id"], "--approve").exit_code == 0
    assert cli(runner, office, "路人", "check", str(good)).exit_code == 0
    assert cli(runner, office, "路人", "check", str(bad)).exit_code == 1
    shown = cli_json(runner, office, "张三", "show", sub["id"], "--version", "1")
    assert [v["status"] for v in shown["versions"]] == ["superseded", "signed_off"]
    assert shown["title"] == "测试通知"


def test_show_masks_numbers_unless_reviewer_reveals(
    office: Path, runner: CliRunner, tmp_path: Path
) -> None:
    sub = submit(runner, office, write_doc(tmp_path, "电话.html", "phone"))
    assert sub["verdict"] == "review"
    masked = cli(runner, office, "张三", "show", sub["id"])
    assert masked.exit_code == 0
    assert "13912345678" not in masked.stdout and "139****5678" in masked.stdout
    assert_refused(runner, office, "张三", "show", sub["id"], "--reveal", says="张三")
    revealed = cli_json(runner, office, "审查员甲", "show", sub["id"], "--reveal")
    assert "13912345678" in revealed["findings"][0]["context"]
    hist = cli_json(runner, office, "孙审计", "show", sub["id"])["history"]
    assert hist[-1]["action"] == "reveal" and hist[-1]["actor"] == "审查员甲"


def test_refused_publish_before_signoff(office: Path, runner: CliRunner, tmp_path: Path) -> None:
    sub = submit(runner, office, write_doc(tmp_path, "a.txt", "pass"))
    assert_refused(runner, office, "张三", "publish", sub["id"], says="尚未经领导签批")


def test_refused_drafter_reviewing_own_item(
    office: Path, runner: CliRunner, tmp_path: Path
) -> None:
    sub = submit(runner, office, write_doc(tmp_path, "a.txt", "review"), who="周兼任")
    assert_refused(
        runner,
        office,
        "周兼任",
        *approve_dismissing_first(runner, office, "周兼任", sub["id"], "无妨"),
        says="不能审查自己起草的稿件",
    )
    # …and the item is not in their review queue either.
    assert cli_json(runner, office, "周兼任", "queue") == []


def test_refused_same_person_reviews_and_signs(
    office: Path, runner: CliRunner, tmp_path: Path
) -> None:
    sub = submit(runner, office, write_doc(tmp_path, "a.txt", "review"))
    r = cli(
        runner,
        office,
        "钱兼任",
        *approve_dismissing_first(runner, office, "钱兼任", sub["id"], "已核实"),
    )
    assert r.exit_code == 0, r.stderr
    assert cli_json(runner, office, "钱兼任", "queue") == []
    assert_refused(
        runner, office, "钱兼任", "sign", sub["id"], "--approve", says="审查与签批须由不同人员"
    )
    assert cli(runner, office, "王领导", "sign", sub["id"], "--approve").exit_code == 0


def test_refused_leader_of_another_department(
    office: Path, runner: CliRunner, tmp_path: Path
) -> None:
    sub = submit(runner, office, write_doc(tmp_path, "a.txt", "pass"))
    assert cli_json(runner, office, "赵领导", "queue") == []
    assert_refused(
        runner, office, "赵领导", "sign", sub["id"], "--approve", says="不在其分管的部门"
    )


def test_refused_unknown_user(office: Path, runner: CliRunner, tmp_path: Path) -> None:
    doc = write_doc(tmp_path, "a.txt", "pass")
    assert_refused(
        runner, office, "路人", "submit", str(doc), "--title", "t", "--dept", "办公室", says="路人"
    )
    assert_refused(runner, office, "路人", "queue", says="未在台账中登记")


def test_refused_disabled_user(office: Path, runner: CliRunner, tmp_path: Path) -> None:
    assert cli(runner, office, ADMIN, "user", "disable", "张三").exit_code == 0
    doc = write_doc(tmp_path, "a.txt", "pass")
    assert_refused(
        runner,
        office,
        "张三",
        "submit",
        str(doc),
        "--title",
        "t",
        "--dept",
        "办公室",
        says="已停用",
    )


def test_refused_publish_after_blob_altered(
    office: Path, runner: CliRunner, tmp_path: Path
) -> None:
    doc = write_doc(tmp_path, "a.txt", "pass")
    sub = submit(runner, office, doc)
    assert cli(runner, office, "王领导", "sign", sub["id"], "--approve").exit_code == 0
    blob = blob_dir_for(office) / sub["sha256"][:2] / sub["sha256"][2:]
    os.chmod(blob, 0o644)
    blob.write_bytes(doc.read_bytes() + "（已篡改）".encode())
    assert_refused(runner, office, "张三", "publish", sub["id"], says=("存档文件", "已被改动"))
    assert_refused(
        runner, office, ADMIN, "export", sub["id"], "-o", str(tmp_path / "x"), says="已被改动"
    )
    ver = cli(runner, office, "路人", "ledger", "verify")
    assert ver.exit_code == 1


def test_refused_block_finding_not_cleared(office: Path, runner: CliRunner, tmp_path: Path) -> None:
    sub = submit(runner, office, write_doc(tmp_path, "a.txt", "block"))
    assert_refused(runner, office, "审查员甲", "review", sub["id"], "--approve", says="未排除")
    r = cli(
        runner,
        office,
        "审查员甲",
        *approve_dismissing_first(runner, office, "审查员甲", sub["id"], "误报"),
    )
    assert r.exit_code == 0
    assert_refused(
        runner, office, "王领导", "sign", sub["id"], "--approve", says="--accept-dismissals"
    )
    assert_refused(runner, office, "张三", "publish", sub["id"], says="尚未经领导签批")
    assert cli(runner, office, "路人", "check", str(tmp_path / "a.txt")).exit_code == 1


def test_refused_other_misuses(office: Path, runner: CliRunner, tmp_path: Path) -> None:
    sub = submit(runner, office, write_doc(tmp_path, "a.txt", "review"))
    assert_refused(runner, office, "审查员甲", "review", sub["id"], "--reject", says="须说明理由")
    assert_refused(
        runner,
        office,
        "审查员甲",
        "review",
        sub["id"],
        "--approve",
        "--dismiss",
        "ffff",
        "--reason",
        "x",
        says="没有指纹为 ffff",
    )
    assert_refused(
        runner, office, "张三", "export", sub["id"], "-o", str(tmp_path / "x"), says="导出"
    )
    assert_refused(
        runner,
        office,
        "李四",
        "submit",
        str(tmp_path / "a.txt"),
        "--revises",
        sub["id"],
        says="只有拟稿人可以修改",
    )
    assert_refused(
        runner, office, "张三", "user", "add", "新人", "--role", "drafter", says="管理员"
    )
    assert_refused(runner, office, ADMIN, "user", "add", "张三", "--role", "drafter", says="已登记")
    assert_refused(
        runner,
        office,
        "李四",
        "submit",
        str(tmp_path / "a.txt"),
        "--title",
        "t",
        "--dept",
        "办公室",
        says="只能提交本部门",
    )
    assert_refused(runner, office, "审查员甲", "show", "2000-9999", says="没有稿件")


def test_usage_errors_exit_2_and_leave_ledger(
    office: Path, runner: CliRunner, tmp_path: Path
) -> None:
    sub = submit(runner, office, write_doc(tmp_path, "a.txt", "review"))
    before = head(office)
    r = cli(runner, office, "审查员甲", "review", sub["id"], "--dismiss", "x", "--reason", "y")
    assert r.exit_code == 2 and "--approve" in r.stderr
    r = cli(runner, office, "审查员甲", "review", sub["id"], "--approve", "--dismiss", "x")
    assert r.exit_code == 2 and "--reason" in r.stderr
    empty = tmp_path / "空.txt"
    empty.write_bytes(b"")
    r = cli(runner, office, "张三", "submit", str(empty), "--title", "t", "--dept", "办公室")
    assert r.exit_code == 2 and "空" in r.stderr
    r = cli(
        runner,
        office,
        "张三",
        "submit",
        str(tmp_path / "无此文件.txt"),
        "--title",
        "t",
        "--dept",
        "办公室",
    )
    assert r.exit_code == 2
    assert head(office) == before
    r = cli(runner, tmp_path / "没有的.db", "张三", "queue")
    assert r.exit_code == 2 and "secreview init" in r.stderr
    assert not (tmp_path / "没有的.db").exists()


def test_drafter_who_is_also_a_leader_cannot_sign_own_item(
    office: Path, runner: CliRunner, tmp_path: Path
) -> None:
    """Mutation guard (workflow.plan_sign's drafter check), through the real CLI."""
    from tests.helpers.ledger import add_and_enroll

    add_and_enroll(runner, office, "吴兼任", ("drafter", "leader"), ("办公室",))
    sub = submit(runner, office, write_doc(tmp_path, "a.txt", "pass"), who="吴兼任")
    assert cli_json(runner, office, "吴兼任", "queue") == []
    assert_refused(
        runner, office, "吴兼任", "sign", sub["id"], "--approve", says="不能签批自己起草的稿件"
    )
    assert_refused(
        runner,
        office,
        "吴兼任",
        "sign",
        sub["id"],
        "--reject",
        "--comment",
        "退回",
        says="不能签批自己起草的稿件",
    )
    assert cli(runner, office, "王领导", "sign", sub["id"], "--approve").exit_code == 0


def test_show_lists_a_few_findings_per_rule_unless_all(
    office: Path, runner: CliRunner, tmp_path: Path
) -> None:
    from tests.helpers.xlsx_builder import roster

    path = tmp_path / "花名册.xlsx"
    path.write_bytes(roster(12))
    sub = submit(runner, office, path)
    assert sub["verdict"] == "block"
    shown = cli(runner, office, "审查员甲", "show", sub["id"])
    assert shown.exit_code == 0
    assert sum("(pii.resident_id," in ln for ln in shown.stdout.splitlines()) == 5
    assert "同类问题（pii.resident_id）另有 7 处未逐条列出" in shown.stdout
    every = cli(runner, office, "审查员甲", "show", sub["id"], "--all")
    assert sum("(pii.resident_id," in ln for ln in every.stdout.splitlines()) == 12
    as_json = cli_json(runner, office, "审查员甲", "show", sub["id"])
    assert sum(f["rule"] == "pii.resident_id" for f in as_json["findings"]) == 12
