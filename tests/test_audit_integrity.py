"""The audit's own checks: a publish without complete sign-off (forged through the storage
layer, bypassing the workflow) is listed loudly; permissions; bad arguments."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pdfplumber
from click.testing import CliRunner

from secreview.config import Config
from secreview.service import Ledger
from tests.helpers.audit_ledger import ok, submit
from tests.helpers.ledger import cli, cli_json, head, write_doc

AUDITOR = "孙审计"


def forge(db: Path, actor: str, action: str, sid: str, version: int, payload: dict) -> None:
    """Append an event the workflow would refuse: the chain stays valid, the policy does not."""
    with Ledger.open(Config(db_path=db)) as ledger, ledger.storage.write() as tx:
        tx.append(actor, action, sid, version, payload)


def test_publish_without_signoff_is_listed_loudly(
    office: Path, runner: CliRunner, tmp_path: Path
) -> None:
    good = submit(runner, office, write_doc(tmp_path, "a.txt", "pass"), "合规公开的通知")
    ok(cli(runner, office, "王领导", "sign", good, "--approve"))
    ok(cli(runner, office, "张三", "publish", good))
    # awaiting review, then "published" by a forged event
    unsigned = submit(runner, office, write_doc(tmp_path, "b.txt", "block"), "未经签批的公告")
    forge(office, "张三", "publish", unsigned, 1, {"sha256": "0" * 64, "channel": "政府网站"})
    # "signed" by the drafter themself (not a leader), then published
    self_signed = submit(runner, office, write_doc(tmp_path, "c.txt", "pass", "丙"), "自签的通知")
    forge(office, "张三", "sign", self_signed, 1, {"decision": "approve", "accepted": []})
    forge(office, "张三", "publish", self_signed, 1, {"channel": "政府网站"})

    assert cli_json(runner, office, AUDITOR, "ledger", "verify")["ok"] is True  # chain intact
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
    forge(office, "钱兼任", "sign", sid, 1, {"decision": "approve", "accepted": []})
    forge(office, "张三", "publish", sid, 1, {})
    r = cli(runner, office, AUDITOR, "audit", "--format", "json")
    assert r.exit_code == 1
    assert "审查与签批为同一人" in r.stdout


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
