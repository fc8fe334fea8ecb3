"""The audit's own checks: a publish without complete sign-off (forged through the storage
layer, bypassing the workflow, but signed with the insider's own real key) is listed loudly
and fails verify's policy replay; permissions; bad arguments."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pdfplumber
from click.testing import CliRunner

from secreview.config import Config
from secreview.ledger.chain import append
from secreview.service import Ledger
from tests.helpers.audit_ledger import ok, submit
from tests.helpers.ledger import cli, head, passphrase, write_doc

AUDITOR = "孙审计"


def forge(db: Path, actor: str, action: str, sid: str, version: int, payload: dict) -> int:
    """Append an event the workflow would refuse, signed with the actor's own real key (an
    insider who knows their passphrase and can write the file): chain and signature valid,
    policy not. Returns its seq."""
    with Ledger.open(Config(db_path=db)) as ledger:
        signer = ledger.unlock(actor, passphrase(actor))
        with ledger.storage.write() as tx:
            return append(tx, signer, action, sid, version, payload, ledger.now()).seq


def test_publish_without_signoff_is_listed_loudly(
    office: Path, runner: CliRunner, tmp_path: Path
) -> None:
    good = submit(runner, office, write_doc(tmp_path, "a.txt", "pass"), "合规公开的通知")
    ok(cli(runner, office, "王领导", "sign", good, "--approve"))
    ok(cli(runner, office, "张三", "publish", good))
    # awaiting review, then "published" by a forged event
    unsigned = submit(runner, office, write_doc(tmp_path, "b.txt", "block"), "未经签批的公告")
    first = forge(
        office, "张三", "publish", unsigned, 1, {"sha256": "0" * 64, "channel": "政府网站"}
    )
    # "signed" by the drafter themself (not a leader), then published
    self_signed = submit(runner, office, write_doc(tmp_path, "c.txt", "pass", "丙"), "自签的通知")
    forge(office, "张三", "sign", self_signed, 1, {"decision": "approve", "accepted": []})
    forge(office, "张三", "publish", self_signed, 1, {"channel": "政府网站"})

    # Chain and signatures are intact; the replayed policy names the first forged event.
    ver = cli(runner, office, AUDITOR, "ledger", "verify", "--format", "json")
    assert ver.exit_code == 1
    found = json.loads(ver.stdout)
    assert found["first_bad_seq"] == first, found
    assert all("不符合审批规则" in p["reason"] for p in found["problems"]), found["problems"]
    assert len(found["problems"]) == 3  # the publish, the self-sign and its publish
    r = cli(runner, office, AUDITOR, "audit", "--format", "json")
    assert r.exit_code == 1, (r.stdout, r.stderr)
    data = json.loads(r.stdout)
    listed = data["stats"]["published_without_signoff"]
    assert len(listed) == 2, listed
    assert listed[0].startswith(unsigned) and "无领导签批同意记录" in listed[0]
    assert listed[1].startswith(self_signed) and "不是在用的审核领导" in listed[1]
    assert not any(good in x for x in listed)
    assert "未经完整签批即已公开" in r.stderr and unsigned in r.stderr

    text = cli(runner, office, AUDITOR, "audit")
    assert text.exit_code == 1
    assert "警告" in text.stdout and unsigned in text.stdout

    pdf_path = tmp_path / "a.pdf"
    r = cli(runner, office, AUDITOR, "audit", "--format", "pdf", "-o", str(pdf_path))
    assert r.exit_code == 1 and pdf_path.exists()
    with pdfplumber.open(pdf_path) as pdf:
        first = (pdf.pages[0].extract_text() or "").replace("\n", "")
    assert "未经完整签批即已公开" in first and unsigned in first and self_signed in first


def test_reviewer_and_signer_must_differ_even_in_forged_events(
    office: Path, runner: CliRunner, tmp_path: Path
) -> None:
    sid = submit(runner, office, write_doc(tmp_path, "d.txt", "review"), "同一人审签")
    forge(office, "钱兼任", "review", sid, 1, {"decision": "approve", "dismissals": []})
    signed = forge(office, "钱兼任", "sign", sid, 1, {"decision": "approve", "accepted": []})
    forge(office, "张三", "publish", sid, 1, {})
    r = cli(runner, office, AUDITOR, "audit", "--format", "json")
    assert r.exit_code == 1
    assert "审查与签批为同一人" in r.stdout
    ver = cli_json_failing(runner, office)
    reasons = {p["seq"]: p["reason"] for p in ver["problems"]}
    assert "审查与签批须由不同人员" in reasons[signed], reasons
    # …and the CMS gate refuses to vouch for the bytes.
    gate = cli(runner, office, "路人", "check", str(tmp_path / "d.txt"))
    assert gate.exit_code == 1 and "台账校验未通过" in gate.stderr


def cli_json_failing(runner: CliRunner, db: Path) -> dict:
    r = cli(runner, db, AUDITOR, "ledger", "verify", "--format", "json")
    assert r.exit_code == 1, r.stdout
    return json.loads(r.stdout)


def test_a_broken_chain_shows_in_the_footer(
    office: Path, runner: CliRunner, tmp_path: Path
) -> None:
    submit(runner, office, write_doc(tmp_path, "e.txt", "pass"), "被篡改的记录")
    conn = sqlite3.connect(office)
    conn.execute("DROP TRIGGER events_no_update")
    conn.execute("UPDATE events SET actor = '某人' WHERE action = 'submit'")
    conn.commit()
    conn.close()
    r = cli(runner, office, AUDITOR, "audit", "--format", "json")
    assert r.exit_code == 1
    ledger = json.loads(r.stdout)["ledger"]
    assert ledger["verify_ok"] is False and "哈希不符" in ledger["verify_message"]
    assert "台账校验未通过" in r.stderr


def test_only_auditors_and_admins(office: Path, runner: CliRunner, tmp_path: Path) -> None:
    for user in ("张三", "审查员甲", "王领导"):
        before = head(office)
        r = cli(runner, office, user, "audit")
        assert r.exit_code == 1, r.stdout
        assert r.stderr.strip().count("\n") == 0 and "只有审计员、管理员" in r.stderr
        assert head(office) == before
    before = head(office)
    r = cli(runner, office, "管理员", "audit", "--format", "json")
    assert r.exit_code == 0
    assert head(office)[0] == before[0] + 1  # the audit itself is recorded


def test_bad_dates_are_one_line_usage_errors(office: Path, runner: CliRunner) -> None:
    for args in (["--from", "2026-13-01"], ["--from", "2026-05-01", "--to", "2026-04-01"]):
        before = head(office)
        r = cli(runner, office, AUDITOR, "audit", *args)
        assert r.exit_code == 2, r.stderr
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("错误：") and "Traceback" not in r.output
        assert head(office) == before
