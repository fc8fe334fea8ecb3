"""Tampering with the SQLite file behind the program's back: `ledger verify` must catch it."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from secreview.ledger.blobs import blob_dir_for
from secreview.ledger.chain import canonical, canonical_event, event_hash
from tests.helpers.ledger import cli, cli_json, write_doc

COLS = "seq, ts, actor, action, submission_id, version, payload, prev_hash, hash"


@pytest.fixture
def ledger(tmp_path: Path, runner: CliRunner, office: Path) -> Path:
    db = office
    ids = []
    for i in range(3):
        doc = write_doc(tmp_path, f"d{i}.txt", "pass", salt=str(i))
        sub = cli_json(
            runner, db, "张三", "submit", str(doc), "--title", f"通知{i}", "--dept", "办公室"
        )
        ids.append(sub["id"])
    assert cli(runner, db, "王领导", "sign", ids[0], "--approve").exit_code == 0
    assert cli_json(runner, db, "x", "ledger", "verify")["ok"] is True
    return db


def _raw(db: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("DROP TRIGGER IF EXISTS events_no_update")
    conn.execute("DROP TRIGGER IF EXISTS events_no_delete")
    return conn


def _rows(conn: sqlite3.Connection) -> list[tuple]:
    return conn.execute(f"SELECT {COLS} FROM events ORDER BY seq").fetchall()


def _submit_seqs(db: Path) -> list[int]:
    conn = sqlite3.connect(db)
    seqs = [r[0] for r in conn.execute("SELECT seq FROM events WHERE action='submit' ORDER BY seq")]
    conn.close()
    return seqs


def verify_fails_at(runner: CliRunner, db: Path, seq: int | None, *extra: str) -> dict:
    result = cli(runner, db, "任何人", "ledger", "verify", "--format", "json", *extra)
    assert result.exit_code == 1, result.stdout
    data = json.loads(result.stdout)
    assert data["ok"] is False
    assert data["first_bad_seq"] == seq, data
    text = cli(runner, db, "任何人", "ledger", "verify", *extra)
    assert text.exit_code == 1
    assert len(text.stderr.strip().splitlines()) == 1
    if seq is not None:
        assert f"第 {seq} 条" in text.stderr
    return data


def test_triggers_refuse_update_and_delete(ledger: Path) -> None:
    conn = sqlite3.connect(ledger)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("UPDATE events SET actor = 'x' WHERE seq = 2")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("DELETE FROM events WHERE seq = 2")
    conn.close()


def test_edited_payload_is_named(ledger: Path, runner: CliRunner) -> None:
    seq = _submit_seqs(ledger)[1]
    conn = _raw(ledger)
    conn.execute(
        "UPDATE events SET payload = replace(payload, '通知1', '通知X') WHERE seq = ?", (seq,)
    )
    conn.close()
    data = verify_fails_at(runner, ledger, seq)
    assert "改动" in data["problems"][0]["reason"]


def test_edited_payload_with_recomputed_hash_breaks_the_next_link(
    ledger: Path, runner: CliRunner
) -> None:
    seq = _submit_seqs(ledger)[1]
    conn = _raw(ledger)
    row = conn.execute(f"SELECT {COLS} FROM events WHERE seq = ?", (seq,)).fetchone()
    payload = json.loads(row[6])
    payload["title"] = "通知X"
    text = canonical(payload)
    forged = event_hash(row[7], canonical_event(seq, row[1], row[2], row[3], row[4], row[5], text))
    conn.execute("UPDATE events SET payload = ?, hash = ? WHERE seq = ?", (text, forged, seq))
    conn.close()
    verify_fails_at(runner, ledger, seq + 1)


def test_deleted_middle_event_is_named(ledger: Path, runner: CliRunner) -> None:
    conn = _raw(ledger)
    conn.execute("DELETE FROM events WHERE seq = 5")
    conn.close()
    data = verify_fails_at(runner, ledger, 5)
    assert "缺失" in data["problems"][0]["reason"]


def test_inserted_forged_event_is_caught(ledger: Path, runner: CliRunner) -> None:
    """Shift the later events up one and slip a correctly hashed forged event in at seq 6."""
    conn = _raw(ledger)
    rows = _rows(conn)
    conn.execute("UPDATE events SET seq = -seq WHERE seq >= 6")
    conn.execute("UPDATE events SET seq = -seq + 1 WHERE seq < 0")
    prev = rows[4][8]
    payload = canonical({"name": "冒名者", "roles": ["leader"], "depts": [], "bootstrap": False})
    ev = canonical_event(6, rows[5][1], "管理员", "user_add", None, None, payload)
    conn.execute(
        f"INSERT INTO events({COLS}) VALUES (?,?,?,?,?,?,?,?,?)",
        (6, rows[5][1], "管理员", "user_add", None, None, payload, prev, event_hash(prev, ev)),
    )
    conn.close()
    verify_fails_at(runner, ledger, 7)


def test_forged_event_appended_with_bad_hash(ledger: Path, runner: CliRunner) -> None:
    conn = _raw(ledger)
    last = _rows(conn)[-1]
    conn.execute(
        f"INSERT INTO events({COLS}) VALUES (?,?,?,?,?,?,?,?,?)",
        (last[0] + 1, last[1], "管理员", "publish", last[4], 1, "{}", last[8], "0" * 64),
    )
    conn.close()
    verify_fails_at(runner, ledger, last[0] + 1)


def test_swapped_events_are_named(ledger: Path, runner: CliRunner) -> None:
    conn = _raw(ledger)
    a, b = (r for r in _rows(conn) if r[0] in (7, 8))
    conn.execute("UPDATE events SET seq = -1 WHERE seq = 7")
    conn.execute("UPDATE events SET seq = 7 WHERE seq = 8")
    conn.execute("UPDATE events SET seq = 8 WHERE seq = -1")
    conn.close()
    assert a[3] and b[3]
    verify_fails_at(runner, ledger, 7)


def test_swapped_contents_are_named(ledger: Path, runner: CliRunner) -> None:
    conn = _raw(ledger)
    rows = {r[0]: r for r in _rows(conn)}
    for seq, other in ((7, 8), (8, 7)):
        r = rows[other]
        conn.execute(
            "UPDATE events SET ts=?, actor=?, action=?, submission_id=?, version=?, payload=?,"
            " prev_hash=?, hash=? WHERE seq=?",
            (*r[1:], seq),
        )
    conn.close()
    verify_fails_at(runner, ledger, 7)


def test_altered_blob_is_named(ledger: Path, runner: CliRunner) -> None:
    seq = _submit_seqs(ledger)[2]
    conn = sqlite3.connect(ledger)
    sha = json.loads(conn.execute("SELECT payload FROM events WHERE seq=?", (seq,)).fetchone()[0])[
        "sha256"
    ]
    conn.close()
    blob = blob_dir_for(ledger) / sha[:2] / sha[2:]
    os.chmod(blob, 0o644)
    blob.write_bytes(blob.read_bytes().replace("通知".encode(), "公告".encode()))
    data = verify_fails_at(runner, ledger, seq)
    assert "改动" in data["problems"][0]["reason"]


def test_missing_blob_is_named(ledger: Path, runner: CliRunner) -> None:
    seq = _submit_seqs(ledger)[0]
    conn = sqlite3.connect(ledger)
    sha = json.loads(conn.execute("SELECT payload FROM events WHERE seq=?", (seq,)).fetchone()[0])[
        "sha256"
    ]
    conn.close()
    (blob_dir_for(ledger) / sha[:2] / sha[2:]).unlink()
    data = verify_fails_at(runner, ledger, seq)
    assert "缺失" in data["problems"][0]["reason"]


def test_truncated_tail_caught_by_expect_head(ledger: Path, runner: CliRunner) -> None:
    before = cli_json(runner, ledger, "x", "ledger", "verify")
    good = cli_json(runner, ledger, "x", "ledger", "verify", "--expect-head", before["head"])
    assert good["expect_head_seq"] == before["events"]
    conn = _raw(ledger)
    conn.execute("DELETE FROM events WHERE seq = (SELECT MAX(seq) FROM events)")
    conn.close()
    # Without an anchor the shorter chain is self-consistent; the recorded head catches it.
    assert cli(runner, ledger, "x", "ledger", "verify").exit_code == 0
    data = verify_fails_at(runner, ledger, None, "--expect-head", before["head"])
    assert "不在台账中" in data["problems"][0]["reason"]


def test_rewritten_and_rehashed_tail_caught_by_expect_head(ledger: Path, runner: CliRunner) -> None:
    """An attacker who re-hashes everything after the edit makes a self-consistent chain;
    only a head hash recorded earlier (the inspection report's) exposes it."""
    before = cli_json(runner, ledger, "x", "ledger", "verify")
    seq = _submit_seqs(ledger)[0]
    conn = _raw(ledger)
    prev = conn.execute("SELECT hash FROM events WHERE seq = ?", (seq - 1,)).fetchone()[0]
    for row in conn.execute(
        f"SELECT {COLS} FROM events WHERE seq >= ? ORDER BY seq", (seq,)
    ).fetchall():
        payload = row[6].replace("通知0", "通知X") if row[0] == seq else row[6]
        digest = event_hash(
            prev, canonical_event(row[0], row[1], row[2], row[3], row[4], row[5], payload)
        )
        conn.execute(
            "UPDATE events SET payload = ?, prev_hash = ?, hash = ? WHERE seq = ?",
            (payload, prev, digest, row[0]),
        )
        prev = digest
    conn.close()
    assert cli(runner, ledger, "x", "ledger", "verify").exit_code == 0
    data = verify_fails_at(runner, ledger, None, "--expect-head", before["head"])
    assert data["head"] != before["head"]
