"""Many offices on one PostgreSQL ledger: separate chains and ids, office-scoped auditors, the
city inspector's audit and its anchors, verify over every office, and `ledger copy` of an
office's SQLite ledger into PostgreSQL with every signature still valid."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from secreview.cli import main
from tests.helpers.backends import raw
from tests.helpers.ledger import KDF_COST, cli, cli_json, passphrase, write_doc

ADMIN = "管理员"


def run(runner: CliRunner, db: str, office: str, user: str, *args: str):  # type: ignore[no-untyped-def]
    env = {"SECREVIEW_PASSPHRASE": passphrase(user)}
    return runner.invoke(main, ["--db", db, "--office", office, "--as", user, *args], env=env)


def ok_json(runner: CliRunner, db: str, office: str, user: str, *args: str) -> dict:
    r = run(runner, db, office, user, *args, "--format", "json")
    assert r.exit_code == 0, (r.stdout, r.stderr)
    return json.loads(r.stdout)  # type: ignore[no-any-return]


def make_office(runner: CliRunner, db: str, office: str, users: dict[str, str]) -> None:
    r = run(runner, db, office, ADMIN, "init", "--admin", ADMIN, "--kdf-cost", KDF_COST)
    assert r.exit_code == 0, r.stderr
    for name, role in users.items():
        added = ok_json(runner, db, office, ADMIN, "user", "add", name, "--role", role)
        ok_json(runner, db, office, name, "user", "enroll", name, "--code", added["enrol_code"])


@pytest.fixture
def city(pg_db: str, runner: CliRunner, tmp_path: Path) -> str:
    """Two offices with an item each (财政局 two), and the city chain with its inspector."""
    users = {"张三": "drafter", "王领导": "leader", "孙审计": "auditor"}
    make_office(runner, pg_db, "财政局", users)
    make_office(runner, pg_db, "教育局", users)
    make_office(runner, pg_db, "*", {"市检查员": "auditor"})
    for office, n in (("财政局", 2), ("教育局", 1)):
        for i in range(n):
            doc = write_doc(tmp_path, f"{office}{i}.txt", "pass", salt=f"{office}{i}")
            sub = ok_json(
                runner,
                pg_db,
                office,
                "张三",
                "submit",
                str(doc),
                "--title",
                f"{office}通知{i}",
                "--dept",
                "办公室",
            )
            assert sub["id"].endswith(f"-{i + 1:04d}")  # ids per office and year
    return pg_db


def test_an_office_sees_only_its_own(city: str, runner: CliRunner) -> None:
    mine = ok_json(runner, city, "教育局", "孙审计", "audit")
    assert [r["id"] for r in mine["rows"]] == ["2026-0001"] and mine["office"] == "教育局"
    r = run(runner, city, "教育局", "孙审计", "audit", "--only-office", "财政局")
    assert r.exit_code == 1 and "只能查看本单位" in r.stderr
    # 教育局's auditor is nobody in 财政局: their passphrase opens nothing there.
    r = run(runner, city, "财政局", "市检查员", "audit")
    assert r.exit_code == 1 and "未在台账中登记" in r.stderr
    # An office without --office on a ledger of several is a usage error naming them.
    r = runner.invoke(main, ["--db", city, "--as", "孙审计", "queue"])
    assert r.exit_code == 2 and "财政局" in r.stderr and "教育局" in r.stderr


def test_city_audit_covers_every_office_and_anchors_them(city: str, runner: CliRunner) -> None:
    data = ok_json(runner, city, "*", "市检查员", "audit")
    ids = sorted(r["id"] for r in data["rows"])
    assert ids == sorted(["财政局/2026-0001", "财政局/2026-0002", "教育局/2026-0001"])
    assert data["stats"]["submitted"] == 3
    assert {o["office"] for o in data["ledger"]["offices"]} == {"财政局", "教育局"}
    assert all(o["verify_ok"] for o in data["ledger"]["offices"])
    only = ok_json(runner, city, "*", "市检查员", "audit", "--only-office", "教育局")
    assert [r["id"].split("/")[0] for r in only["rows"]] == ["教育局"]
    # The city audit recorded 财政局's head: cutting 财政局's chain below it is caught.
    with raw(city) as conn:
        n = conn.execute("SELECT MAX(seq) FROM events WHERE office = '财政局'").fetchone()[0]
        conn.execute("DELETE FROM events WHERE office = '财政局' AND seq = ?", (n,))
    r = run(runner, city, "财政局", "x", "ledger", "verify", "--format", "json")
    assert r.exit_code == 1
    reasons = " ".join(p["reason"] for p in json.loads(r.stdout)["problems"])
    assert "截断" in reasons and "全市检查" in reasons
    # …and verify over the whole ledger names the office that failed.
    r = runner.invoke(main, ["--db", city, "ledger", "verify", "--format", "json"])
    assert r.exit_code == 1
    found = {o["office"]: o["ok"] for o in json.loads(r.stdout)["offices"]}
    assert found == {"*": True, "财政局": False, "教育局": True}


def test_the_city_inspector_cannot_act_in_an_office(city: str, runner: CliRunner) -> None:
    r = run(runner, city, "*", "市检查员", "sign", "2026-0001", "--approve")
    assert r.exit_code == 1
    everything = runner.invoke(main, ["--db", city, "ledger", "verify", "--format", "json"])
    assert everything.exit_code == 0, everything.stdout
    assert len(json.loads(everything.stdout)["offices"]) == 3


def test_copy_a_sqlite_office_into_postgres(
    office: Path, pg_db: str, runner: CliRunner, tmp_path: Path
) -> None:
    """The office's SQLite ledger moves into the city's PostgreSQL one: the same events, every
    signature valid, its auditor's checkpoint still holds, and work goes on there."""
    for i, kind in enumerate(("pass", "block")):
        doc = write_doc(tmp_path, f"c{i}.txt", kind, salt=str(i))
        cli_json(
            runner, office, "张三", "submit", str(doc), "--title", f"通知{i}", "--dept", "办公室"
        )
    assert cli(runner, office, "王领导", "sign", "2026-0001", "--approve").exit_code == 0
    cp = cli_json(runner, office, "孙审计", "ledger", "checkpoint")
    before = cli_json(runner, office, "x", "ledger", "verify")
    r = runner.invoke(
        main,
        ["ledger", "copy", str(office), pg_db, "--office", "示例局", "--move", "--format", "json"],
    )
    assert r.exit_code == 0, r.stderr
    info = json.loads(r.stdout)
    assert info["events"] == before["events"] and info["head"] == before["head"]
    assert info["signatures"] == before["signatures"] and info["blobs"] == before["blobs"] == 2
    after = ok_json(runner, pg_db, "示例局", "x", "ledger", "verify")
    assert after["ok"] and after["head"] == before["head"]
    assert after["checkpoints_known"] == 1 and after["checkpoint"]["seq"] == cp["seq"]
    # The source is marked moved: writing there is refused, reading still works.
    doc = write_doc(tmp_path, "later.txt", "pass", salt="later")
    moved = cli(runner, office, "张三", "submit", str(doc), "--title", "后来", "--dept", "办公室")
    assert moved.exit_code == 1 and "已迁移到" in moved.stderr
    # Run again: nothing new to copy; work continues in PostgreSQL with the next id.
    again = runner.invoke(
        main, ["ledger", "copy", str(office), pg_db, "--office", "示例局", "--format", "json"]
    )
    assert again.exit_code == 0 and json.loads(again.stdout)["copied"] == 0
    sub = ok_json(
        runner, pg_db, "示例局", "张三", "submit", str(doc), "--title", "后来", "--dept", "办公室"
    )
    assert sub["id"].endswith("-0003")
    assert ok_json(runner, pg_db, "示例局", "x", "ledger", "verify")["ok"] is True


def test_copy_refuses_another_chain_under_the_same_office(
    office: Path, pg_db: str, runner: CliRunner
) -> None:
    make_office(runner, pg_db, "示例局", {})
    r = runner.invoke(main, ["ledger", "copy", str(office), pg_db, "--office", "示例局"])
    assert r.exit_code == 1 and "另一本台账" in r.stderr
