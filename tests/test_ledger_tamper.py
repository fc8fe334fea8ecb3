"""Tampering with the ledger's database behind the program's back (the SQLite file, or the
PostgreSQL database: every test runs on both backends), as its owner WITHOUT anyone's
passphrase (and, where said, as an insider who knows only their own): `ledger verify` must
name what was done, and `check` and `publish` must refuse."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from secreview.ledger import keys
from secreview.ledger.canonical import canonical, event_bytes, event_hash
from secreview.service import Ledger
from tests.helpers.backends import (
    Db,
    Raw,
    backup,
    config_for,
    insert_row,
    plain,
    raw,
    restore,
    tamper_blob,
)
from tests.helpers.ledger import cli, cli_json, head, passphrase, write_doc

COLS = "seq, ts, actor, action, submission_id, version, payload, prev_hash, hash, sig"


@pytest.fixture
def ledger(tmp_path: Path, runner: CliRunner, office_db: Db) -> Db:
    """Three items: 0 signed off (not yet published), 1 and 2 waiting for the leader."""
    db = office_db
    for i in range(3):
        doc = write_doc(tmp_path, f"d{i}.txt", "pass", salt=str(i))
        sub = cli_json(
            runner, db, "张三", "submit", str(doc), "--title", f"通知{i}", "--dept", "办公室"
        )
        assert sub["id"] == f"{sub['id'][:4]}-{i + 1:04d}"
    assert cli(runner, db, "王领导", "sign", sid(db, 0), "--approve").exit_code == 0
    assert cli_json(runner, db, "x", "ledger", "verify")["ok"] is True
    return db


def sid(db: Db, i: int) -> str:
    with plain(db) as conn:
        rows = conn.execute(
            "SELECT submission_id FROM events WHERE action='submit' ORDER BY seq"
        ).fetchall()
    return str(rows[i][0])


def rows(conn: Raw) -> list[tuple]:
    return [tuple(r) for r in conn.execute(f"SELECT {COLS} FROM events ORDER BY seq").fetchall()]


def seqs_of(db: Db, action: str) -> list[int]:
    with plain(db) as conn:
        found = conn.execute("SELECT seq FROM events WHERE action=? ORDER BY seq", (action,))
        return [r[0] for r in found.fetchall()]


def sealed(row: tuple, key: Ed25519PrivateKey, prev: str | None = None) -> tuple:
    """``row`` with a correct prev_hash, a signature by ``key`` and a recomputed hash."""
    seq, ts, actor, action, sub, version, payload, old_prev, _h, _s = row
    prev = old_prev if prev is None else prev
    data = event_bytes(prev, seq, ts, actor, action, sub, version, payload)
    sig = key.sign(data)
    return (seq, ts, actor, action, sub, version, payload, prev, event_hash(data, sig), sig.hex())


def append_forged(
    db: Db, actor: str, action: str, sub: str, payload: dict, key: Ed25519PrivateKey
) -> int:
    with raw(db) as conn:
        last = rows(conn)[-1]
        row = (last[0] + 1, last[1], actor, action, sub, 1, canonical(payload), last[8], "", "")
        insert_row(conn, sealed(row, key))
    return int(row[0])


def rehash_from(conn: Raw, seq: int) -> None:
    """Re-link and re-hash every row after ``seq`` (keeping their now-invalid signatures)."""
    all_rows = rows(conn)
    prev = all_rows[seq - 1][8]
    for r in all_rows[seq:]:
        data = event_bytes(prev, *r[:7])
        digest = event_hash(data, bytes.fromhex(r[9]))
        conn.execute("UPDATE events SET prev_hash=?, hash=? WHERE seq=?", (prev, digest, r[0]))
        prev = digest


def verify_fails_at(runner: CliRunner, db: Db, seq: int | None, *extra: str) -> dict:
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


def refused(runner: CliRunner, db: Db, doc: Path, sub: str) -> None:
    """`check` of these bytes and `publish` of this item both refuse, writing nothing."""
    gate = cli(runner, db, "网站", "check", str(doc))
    assert gate.exit_code == 1, gate.stdout
    assert len(gate.stderr.strip().splitlines()) == 1
    before = head(db)
    pub = cli(runner, db, "张三", "publish", sub)
    assert pub.exit_code == 1, pub.stdout
    lines = pub.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("错误："), pub.stderr
    assert head(db) == before


def test_triggers_refuse_update_and_delete(ledger: Db) -> None:
    with plain(ledger) as conn:
        with pytest.raises(Exception, match="append-only"):
            conn.execute("UPDATE events SET actor = 'x' WHERE seq = 2")
        with pytest.raises(Exception, match="append-only"):
            conn.execute("DELETE FROM events WHERE seq = 2")


def test_dropped_triggers_are_named(ledger: Db, runner: CliRunner, tmp_path: Path) -> None:
    with raw(ledger, restore_triggers=False):
        pass
    data = verify_fails_at(runner, ledger, None)
    assert any("events_no_update" in p["reason"] for p in data["problems"])
    assert any("events_no_delete" in p["reason"] for p in data["problems"])
    refused(runner, ledger, tmp_path / "d0.txt", sid(ledger, 0))


def test_edited_payload_is_named(ledger: Db, runner: CliRunner, tmp_path: Path) -> None:
    seq = seqs_of(ledger, "submit")[1]
    with raw(ledger) as conn:
        conn.execute(
            "UPDATE events SET payload = replace(payload, '通知1', '通知X') WHERE seq = ?", (seq,)
        )
    data = verify_fails_at(runner, ledger, seq)
    assert "改动" in data["problems"][0]["reason"]
    refused(runner, ledger, tmp_path / "d0.txt", sid(ledger, 0))


def test_edited_payload_with_recomputed_hash_is_named_by_its_signature(
    ledger: Db, runner: CliRunner, tmp_path: Path
) -> None:
    """Re-hashing the edited event and everything after it makes a consistent chain; the
    signatures, which the owner of the file cannot make, name the edited event."""
    seq = seqs_of(ledger, "submit")[1]
    with raw(ledger) as conn:
        row = conn.execute(f"SELECT {COLS} FROM events WHERE seq = ?", (seq,)).fetchone()
        payload = json.loads(row[6])
        payload["title"] = "通知X"
        text = canonical(payload)
        data = event_bytes(row[7], seq, row[1], row[2], row[3], row[4], row[5], text)
        digest = event_hash(data, bytes.fromhex(row[9]))
        conn.execute("UPDATE events SET payload = ?, hash = ? WHERE seq = ?", (text, digest, seq))
        rehash_from(conn, seq)
    data = verify_fails_at(runner, ledger, seq)
    assert "签名" in data["problems"][0]["reason"] and "张三" in data["problems"][0]["reason"]
    refused(runner, ledger, tmp_path / "d1.txt", sid(ledger, 1))


@pytest.mark.parametrize(
    ("action", "actor", "payload"),
    [
        ("sign", "王领导", {"decision": "approve", "accept_dismissals": False, "accepted": []}),
        ("review", "审查员甲", {"decision": "approve", "dismissals": [], "confirmed": []}),
        ("publish", "张三", {"channel": "政府网站", "url": None}),
    ],
)
def test_forged_decision_with_recomputed_hash_is_named(
    ledger: Db, runner: CliRunner, tmp_path: Path, action: str, actor: str, payload: dict
) -> None:
    """The owner of the file appends a perfectly chained sign/review/publish in someone's
    name, signed with a key of their own making."""
    target = sid(ledger, 1)
    with plain(ledger) as conn:
        sha = json.loads(
            conn.execute(
                "SELECT payload FROM events WHERE action='submit' AND submission_id=?", (target,)
            ).fetchone()[0]
        )["sha256"]
    seq = append_forged(
        ledger, actor, action, target, {**payload, "sha256": sha}, Ed25519PrivateKey.generate()
    )
    data = verify_fails_at(runner, ledger, seq)
    assert f"与「{actor}」的密钥不符" in data["problems"][0]["reason"]
    refused(runner, ledger, tmp_path / "d1.txt", target)


def test_event_resigned_with_another_users_key_is_named(
    ledger: Db, runner: CliRunner, tmp_path: Path
) -> None:
    """An insider who knows only their own passphrase (the drafter) re-signs the leader's
    decision with their own key — in the leader's name, or under their own name."""
    [seq] = seqs_of(ledger, "sign")
    with Ledger.open(config_for(ledger)) as led:
        drafter_key = led.unlock("张三", passphrase("张三")).key
    with raw(ledger) as conn:
        row = conn.execute(f"SELECT {COLS} FROM events WHERE seq = ?", (seq,)).fetchone()
        forged = sealed(row, drafter_key)
        conn.execute(
            "UPDATE events SET hash = ?, sig = ? WHERE seq = ?", (forged[8], forged[9], seq)
        )
        rehash_from(conn, seq)
    data = verify_fails_at(runner, ledger, seq)
    assert "与「王领导」的密钥不符" in data["problems"][0]["reason"]
    refused(runner, ledger, tmp_path / "d0.txt", sid(ledger, 0))
    # Under the drafter's own name the signature is valid — the replayed policy refuses it.
    with raw(ledger) as conn:
        row = conn.execute(f"SELECT {COLS} FROM events WHERE seq = ?", (seq,)).fetchone()
        forged = sealed((*row[:2], "张三", *row[3:]), drafter_key)
        conn.execute(
            "UPDATE events SET actor = ?, hash = ?, sig = ? WHERE seq = ?",
            ("张三", forged[8], forged[9], seq),
        )
        rehash_from(conn, seq)
    data = verify_fails_at(runner, ledger, seq)
    assert "不符合审批规则" in data["problems"][0]["reason"]
    refused(runner, ledger, tmp_path / "d0.txt", sid(ledger, 0))


def test_a_broken_prev_hash_link_is_named_on_its_own(ledger: Db, runner: CliRunner) -> None:
    """Only the stored link is wrong (hash and signature are over the true previous hash):
    the link check alone must name it."""
    seq = seqs_of(ledger, "submit")[1]
    with raw(ledger) as conn:
        conn.execute("UPDATE events SET prev_hash = ? WHERE seq = ?", ("ab" * 32, seq))
    data = verify_fails_at(runner, ledger, seq)
    assert "链接断开" in data["problems"][0]["reason"]


def test_deleted_middle_event_is_named(ledger: Db, runner: CliRunner, tmp_path: Path) -> None:
    n = head(ledger)[0]
    with raw(ledger) as conn:
        conn.execute("DELETE FROM events WHERE seq = ?", (n - 2,))
    data = verify_fails_at(runner, ledger, n - 2)
    assert any("缺失" in p["reason"] for p in data["problems"])
    refused(runner, ledger, tmp_path / "d0.txt", sid(ledger, 0))


def test_swapped_events_are_named(ledger: Db, runner: CliRunner) -> None:
    n = head(ledger)[0]
    a, b = n - 2, n - 1
    with raw(ledger) as conn:
        conn.execute("UPDATE events SET seq = -1 WHERE seq = ?", (a,))
        conn.execute("UPDATE events SET seq = ? WHERE seq = ?", (a, b))
        conn.execute("UPDATE events SET seq = ? WHERE seq = -1", (b,))
    verify_fails_at(runner, ledger, a)


def test_altered_blob_is_named(ledger: Db, runner: CliRunner, tmp_path: Path) -> None:
    seq = seqs_of(ledger, "submit")[0]
    with plain(ledger) as conn:
        text = conn.execute("SELECT payload FROM events WHERE seq=?", (seq,)).fetchone()[0]
    tamper_blob(ledger, json.loads(text)["sha256"], "通知".encode(), "公告".encode())
    data = verify_fails_at(runner, ledger, seq)
    assert "改动" in data["problems"][0]["reason"]
    refused(runner, ledger, tmp_path / "d0.txt", sid(ledger, 0))


def test_edited_derived_tables_are_named_and_never_trusted(
    ledger: Db, runner: CliRunner, tmp_path: Path
) -> None:
    """The issue's attack: point the versions table at any file's hash; mark a waiting item
    signed off; make the drafter a leader. Decisions read the events, never these tables."""
    other = write_doc(tmp_path, "别的.txt", "block", salt="无关")
    import hashlib

    other_sha = hashlib.sha256(other.read_bytes()).hexdigest()
    waiting = sid(ledger, 1)
    with plain(ledger) as conn:
        conn.execute(
            "UPDATE versions SET sha256 = ?, status = 'signed_off' WHERE submission_id = ?",
            (other_sha, waiting),
        )
        conn.execute("UPDATE submissions SET status = 'signed_off' WHERE id = ?", (waiting,))
        conn.execute(
            'UPDATE users SET roles = \'["drafter","leader","admin"]\' WHERE name = \'张三\''
        )
    data = verify_fails_at(runner, ledger, None)
    reasons = " ".join(p["reason"] for p in data["problems"])
    assert "派生表" in reasons and "versions" in reasons and "users" in reasons
    assert cli(runner, ledger, "网站", "check", str(other)).exit_code == 1
    assert cli(runner, ledger, "网站", "check", str(tmp_path / "d1.txt")).exit_code == 1
    before = head(ledger)
    pub = cli(runner, ledger, "张三", "publish", waiting)
    assert pub.exit_code == 1 and "尚未经领导签批" in pub.stderr
    assert cli(runner, ledger, "张三", "user", "add", "新人", "--role", "drafter").exit_code == 1
    assert head(ledger) == before
    # The rebuild puts the tables back from the events.
    assert cli(runner, ledger, "任何人", "ledger", "rebuild").exit_code == 0
    assert cli_json(runner, ledger, "任何人", "ledger", "verify")["ok"] is True


def test_replaced_public_key_is_named(ledger: Db, runner: CliRunner, tmp_path: Path) -> None:
    """Swap the leader's enrolled public key (and stored key) for one of the owner's making,
    re-sign that event with it, re-hash the rest, then sign a forged approval with it."""
    enrolls = seqs_of(ledger, "user_enroll")
    with plain(ledger) as conn:
        seq = next(
            s
            for s in enrolls
            if conn.execute("SELECT actor FROM events WHERE seq=?", (s,)).fetchone()[0] == "王领导"
        )
    mine = Ed25519PrivateKey.generate()
    blob = keys.encrypt_private(mine, "王领导", "攻击者的口令-1", keys.kdf_params(15))
    with raw(ledger) as conn:
        row = conn.execute(f"SELECT {COLS} FROM events WHERE seq = ?", (seq,)).fetchone()
        payload = json.loads(row[6])
        payload.update(public_key=keys.public_hex(mine.public_key()), key=blob)
        conn.execute(
            f"UPDATE events SET {', '.join(c + ' = ?' for c in COLS.split(', ')[1:])} WHERE seq = ?",
            (*sealed((*row[:6], canonical(payload), *row[7:]), mine)[1:], seq),
        )
        rehash_from(conn, seq)
    target = sid(ledger, 1)
    forged = append_forged(
        ledger, "王领导", "sign", target, {"decision": "approve", "accepted": []}, mine
    )
    data = verify_fails_at(runner, ledger, seq)
    assert "登记码签名无效" in data["problems"][0]["reason"]
    assert forged in {p["seq"] for p in data["problems"]} or data["more_problems"]
    refused(runner, ledger, tmp_path / "d1.txt", target)
    # The core refuses to let the substituted key act, too.
    r = cli(runner, ledger, "王领导", "sign", target, "--approve", secret="攻击者的口令-1")
    assert r.exit_code == 1 and "用户/密钥记录校验失败" in r.stderr


def test_truncated_tail_is_caught_by_the_checkpoint(
    ledger: Db, runner: CliRunner, tmp_path: Path, own_home: Path
) -> None:
    cp = cli_json(runner, ledger, "孙审计", "ledger", "checkpoint")
    assert Path(cp["file"]).parent == own_home
    assert oct(Path(cp["file"]).stat().st_mode & 0o777) == "0o600"
    with raw(ledger) as conn:
        conn.execute("DELETE FROM events WHERE seq >= ?", (cp["seq"] - 1,))
    # The shorter chain is self-consistent; only the checkpoint outside it tells.
    data = verify_fails_at(runner, ledger, None)
    assert (
        "截断" in data["problems"][0]["reason"] and str(cp["seq"]) in data["problems"][0]["reason"]
    )
    assert data["checkpoints_known"] == 1
    refused(runner, ledger, tmp_path / "d0.txt", sid(ledger, 0))
    # The same file, named explicitly (a copy the inspector brought), says the same.
    moved = tmp_path / "inspector.json"
    shutil.copy(cp["file"], moved)
    Path(cp["file"]).unlink()
    assert cli(runner, ledger, "任何人", "ledger", "verify").exit_code == 0  # no anchor known
    r = runner.invoke(
        __import__("secreview.cli", fromlist=["main"]).main,
        ["--db", str(ledger), "--checkpoints", str(moved), "ledger", "verify"],
    )
    assert r.exit_code == 1 and "截断" in r.stderr


def test_older_backup_swapped_in_is_caught_by_the_checkpoint(
    ledger: Db, runner: CliRunner, tmp_path: Path
) -> None:
    older = backup(ledger, tmp_path / "backup.db")
    assert cli(runner, ledger, "王领导", "sign", sid(ledger, 1), "--approve").exit_code == 0
    cli_json(runner, ledger, "孙审计", "ledger", "checkpoint")
    restore(ledger, older)  # the older copy: item 1 back to "waiting"
    data = verify_fails_at(runner, ledger, None)
    assert "旧备份" in data["problems"][0]["reason"]
    refused(runner, ledger, tmp_path / "d0.txt", sid(ledger, 0))


def test_rewritten_whole_chain_is_caught_by_the_checkpoint(
    ledger: Db, runner: CliRunner, tmp_path: Path
) -> None:
    """The owner re-creates the entire ledger — every key, every enrolment, every signature
    of their own making, the same names and decisions. Self-consistent; the auditor's
    checkpoint and the users' own passphrases expose it."""
    cli_json(runner, ledger, "孙审计", "ledger", "checkpoint")
    forge_everything(ledger)
    plain = cli_json(runner, ledger, "任何人", "--checkpoints", "/nonexistent", "ledger", "verify")
    assert plain["ok"] is True  # without an outside anchor a full forgery is self-consistent
    data = verify_fails_at(runner, ledger, 1)
    assert any("检查点" in p["reason"] for p in data["problems"])
    refused(runner, ledger, tmp_path / "d0.txt", sid(ledger, 0))
    r = cli(runner, ledger, "王领导", "sign", sid(ledger, 1), "--approve")
    assert r.exit_code == 1 and "口令错误" in r.stderr  # his passphrase opens nothing here


def forge_everything(db: Db) -> None:
    """Re-sign the whole chain with new keys (and new enrolment keys) for every user."""
    mine: dict[str, Ed25519PrivateKey] = {}
    with raw(db) as conn:
        prev = "0" * 64
        for r in rows(conn):
            seq, ts, actor, action, sub, version, text, _p, _h, _s = r
            p = json.loads(text)
            if "public_key" in p:
                mine[p["name"]] = Ed25519PrivateKey.generate()
                p["public_key"] = keys.public_hex(mine[p["name"]].public_key())
                p["key"] = keys.encrypt_private(
                    mine[p["name"]], p["name"], "伪造者的口令-1", p["key"]["kdf"]
                )
            if action in ("user_add", "key_reset", "user_enroll"):
                p["enrol_key"] = keys.public_hex(keys.enrol_key(f"forged-{p['name']}").public_key())
            if action == "user_enroll":
                ledger_id = json.loads(
                    conn.execute("SELECT payload FROM events WHERE seq=1").fetchone()[0]
                )["ledger_id"]
                msg = keys.enrol_message(ledger_id, p["name"], p["public_key"])
                p["enrol_proof"] = keys.enrol_key(f"forged-{p['name']}").sign(msg).hex()
            signer = mine[actor] if action != "user_enroll" else mine[p["name"]]
            new = sealed(
                (seq, ts, actor, action, sub, version, canonical(p), prev, "", ""), signer, prev
            )
            conn.execute(
                "UPDATE events SET payload=?, prev_hash=?, hash=?, sig=? WHERE seq=?",
                (new[6], new[7], new[8], new[9], seq),
            )
            prev = new[8]


def test_worker_processes_check_signatures_the_same_way(
    ledger: Db, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Big ledgers check signatures in a process pool: the same verdict, the same seq."""
    from secreview import integrity

    monkeypatch.setattr(integrity, "PARALLEL_MIN_EVENTS", 1)
    with Ledger.open(config_for(ledger), refresh=False) as led:
        good = led.verify(jobs=2)
    assert good.ok and good.signatures == good.events
    seq = append_forged(
        ledger,
        "王领导",
        "sign",
        sid(ledger, 1),
        {"decision": "approve"},
        Ed25519PrivateKey.generate(),
    )
    with Ledger.open(config_for(ledger), refresh=False) as led:
        serial = led.verify(jobs=1)
        pooled = led.verify(jobs=2)
    assert pooled.first_bad_seq == serial.first_bad_seq == seq
    assert [p.to_dict() for p in pooled.problems] == [p.to_dict() for p in serial.problems]
