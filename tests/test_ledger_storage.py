"""SQLite storage, blob store and hash chain on real files under tmp_path (the storage only
stores rows; the chain and signatures are computed above it, by chain.append)."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import stat
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from secreview.errors import Refused, UsageError
from secreview.ledger.blobs import BlobStore, blob_dir_for
from secreview.ledger.canonical import GENESIS, canonical, canonical_event, event_bytes, event_hash
from secreview.ledger.chain import KeyLookup, append, check_rows, walk
from secreview.ledger.signing import Signer
from secreview.ledger.sqlite import MIGRATIONS, SCHEMA_VERSION, SQLiteStorage

KEY = Ed25519PrivateKey.generate()


def signer(name: str) -> Signer:
    return Signer.of(name, KEY)


def keys_for(*names: str) -> KeyLookup:
    return KeyLookup({n: [(signer(n).public, 1, None)] for n in names})


TS = "2026-01-01T00:00:00.000000Z"

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.text(max_size=20)
    | st.floats(allow_nan=False, allow_infinity=False)
)
json_values = st.recursive(
    json_scalars,
    lambda kids: (
        st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=8), kids, max_size=4)
    ),
    max_leaves=20,
)
payloads = st.dictionaries(st.text(max_size=8), json_values, max_size=5)


@given(
    seq=st.integers(1, 10**9),
    ts=st.text(max_size=30),
    actor=st.text(max_size=10),
    action=st.text(max_size=10),
    sid=st.none() | st.text(max_size=10),
    version=st.none() | st.integers(1, 1000),
    payload=payloads,
)
def test_fast_event_text_equals_canonical_of_the_whole_list(
    seq: int, ts: str, actor: str, action: str, sid: str | None, version: int | None, payload: dict
) -> None:
    text = canonical(payload)
    fast = canonical_event(seq, ts, actor, action, sid, version, text)
    assert fast == canonical([seq, ts, actor, action, sid, version, payload])
    assert json.loads(fast)[-1] == json.loads(text)
    assert canonical(json.loads(text)) == text  # canonical form is a fixed point


@given(payloads, payloads)
def test_signed_bytes_and_hash_change_with_any_payload_change(a: dict, b: dict) -> None:
    ba = event_bytes(GENESIS, 1, "t", "u", "x", None, None, canonical(a))
    bb = event_bytes(GENESIS, 1, "t", "u", "x", None, None, canonical(b))
    assert (ba == bb) == (canonical(a) == canonical(b))
    sig = bytes(64)
    assert (event_hash(ba, sig) == event_hash(bb, sig)) == (ba == bb)


def test_canonical_form_is_fixed() -> None:
    assert canonical({"b": 1, "a": ["秘密", 2.5, None]}) == '{"a":["秘密",2.5,null],"b":1}'
    with pytest.raises(ValueError):
        canonical({"x": float("nan")})


@settings(
    max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None
)
@given(
    events=st.lists(st.tuples(st.text(min_size=1, max_size=6), payloads), min_size=1, max_size=6)
)
def test_round_trip_through_sqlite(
    tmp_path: Path, events: list[tuple[str, dict[str, Any]]]
) -> None:
    db = tmp_path / f"rt-{abs(hash(repr(events)))}.db"
    store = SQLiteStorage(db, create=True)
    try:
        with store.write() as tx:
            written = [append(tx, signer(actor), "note", None, None, p, TS) for actor, p in events]
        read = list(store.iter_events())
        assert [(e.seq, e.actor, e.payload, e.hash) for e in read] == [
            (e.seq, e.actor, json.loads(canonical(e.payload)), e.hash) for e in written
        ]
        w = walk(store.iter_raw())
        assert w.break_at is None and w.events == len(events) and w.head == written[-1].hash
        checked, bad = check_rows(store.iter_raw(), keys_for(*{a for a, _ in events}))
        assert (checked, bad) == (len(events), [])
    finally:
        store.close()
        for f in tmp_path.glob(db.name + "*"):
            f.unlink()


def test_pragmas_schema_and_migrations(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    store = SQLiteStorage(db, create=True)
    conn = store._conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 30_000
    assert store.schema_version() == SCHEMA_VERSION == MIGRATIONS[-1][0]
    store.close()
    # Re-opening applies nothing twice.
    store = SQLiteStorage(db)
    rows = store._conn.execute("SELECT version FROM schema_version").fetchall()
    assert rows == [(v,) for v, _, _ in MIGRATIONS]
    store.close()


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    SQLiteStorage(db, create=True).close()
    conn = sqlite3.connect(db)
    conn.execute("INSERT INTO schema_version VALUES (999, 'x', 'future')")
    conn.commit()
    conn.close()
    with pytest.raises(UsageError, match="高于本程序支持"):
        SQLiteStorage(db)


def test_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    db.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(UsageError, match="不是有效的台账文件"):
        SQLiteStorage(db)


def test_failed_transaction_appends_nothing(tmp_path: Path) -> None:
    store = SQLiteStorage(tmp_path / "s.db", create=True)
    with store.write() as tx:
        append(tx, signer("a"), "note", None, None, {"n": 1}, TS)
    with pytest.raises(RuntimeError), store.write() as tx:
        append(tx, signer("a"), "note", None, None, {"n": 2}, TS)
        raise RuntimeError("boom")
    assert [e.payload for e in store.iter_events()] == [{"n": 1}]
    assert store.head()[0] == 1
    store.close()


def test_blob_store_is_exact_and_rechecks(tmp_path: Path) -> None:
    blobs = BlobStore(blob_dir_for(tmp_path / "l.db"))
    data = "政府信息公开\r\n\x00二进制".encode() + bytes(range(256))
    sha = blobs.put(data)
    assert sha == hashlib.sha256(data).hexdigest()
    path = blobs.path_of(sha)
    assert path == tmp_path / "l.db.blobs" / sha[:2] / sha[2:]
    assert blobs.get(sha) == data and blobs.check(sha) is None
    assert blobs.put(data) == sha  # idempotent
    assert not list(path.parent.glob(".tmp-*"))
    path.chmod(0o644)
    path.write_bytes(data + b"!")
    assert "改动" in (blobs.check(sha) or "")
    with pytest.raises(Refused, match="已被改动"):
        blobs.get(sha)
    assert blobs.put(data) == sha and blobs.get(sha) == data  # re-put repairs
    path.unlink()
    assert blobs.check(sha) == "缺失"
    with pytest.raises(Refused, match="缺失"):
        blobs.get(sha)
    with pytest.raises(Refused):
        blobs.path_of("../../etc/passwd")


def test_storage_only_accepts_the_next_row(tmp_path: Path) -> None:
    store = SQLiteStorage(tmp_path / "s.db", create=True)
    with store.write() as tx:
        ev = append(tx, signer("a"), "note", None, None, {"n": 1}, TS)
        row = next(iter(tx.iter_raw()))
        with pytest.raises(RuntimeError, match="does not follow"):
            tx.insert_event(row)  # seq 1 again
        with pytest.raises(RuntimeError, match="does not follow"):
            tx.insert_event((2, *row[1:7], "f" * 64, row[8], row[9]))  # wrong prev_hash
    assert store.head() == (1, ev.hash)
    with pytest.raises(RuntimeError, match="outside a write"):
        store.insert_event(row)
    store.close()


def test_files_are_owner_only(tmp_path: Path) -> None:
    db = tmp_path / "l.db"
    store = SQLiteStorage(db, create=True)
    with store.write() as tx:
        append(tx, signer("a"), "note", None, None, {"n": 1}, TS)
    blobs = BlobStore(blob_dir_for(db))
    sha = blobs.put("身份证号 110105196503120216".encode())
    for path, want in (
        (db, 0o600),
        (db.with_name("l.db-wal"), 0o600),
        (blobs.root, 0o700),
        (blobs.path_of(sha).parent, 0o700),
        (blobs.path_of(sha), 0o400),
    ):
        mode = stat.S_IMODE(os.stat(path).st_mode)
        assert mode == want, (path, oct(mode))
    store.close()


def test_no_symlink_is_followed_into_the_blob_store(tmp_path: Path) -> None:
    blobs = BlobStore(blob_dir_for(tmp_path / "l.db"))
    data = b"archived bytes"
    sha = blobs.put(data)
    target = blobs.path_of(sha)
    # A blob replaced by a link to another file (even one with the right bytes) is refused.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.write_bytes(data)
    os.chmod(target, 0o600)
    target.unlink()
    target.symlink_to(elsewhere)
    assert "符号链接" in (blobs.check(sha) or "")
    with pytest.raises(Refused, match="符号链接"):
        blobs.get(sha)
    assert blobs.put(data) == sha and not target.is_symlink()  # re-put replaces the link
    # A symlinked sub-folder: no read through it, no write into it.
    sub = target.parent
    other = tmp_path / "outside"
    other.mkdir()
    for f in sub.iterdir():
        os.chmod(f, 0o600)
        f.rename(other / f.name)
    sub.rmdir()
    sub.symlink_to(other, target_is_directory=True)
    assert "符号链接" in (blobs.check(sha) or "")
    with pytest.raises(Refused, match="符号链接"):
        blobs.put(data)
    assert not list(other.glob(".tmp-*"))
    # …nor a symlinked store root.
    root_link = BlobStore(tmp_path / "linked.blobs")
    (tmp_path / "linked.blobs").symlink_to(other, target_is_directory=True)
    with pytest.raises(Refused, match="符号链接"):
        root_link.put(b"x")


def test_self_check_names_dropped_triggers(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    store = SQLiteStorage(db, create=True)
    assert store.self_check() == []
    conn = sqlite3.connect(db)
    conn.execute("DROP TRIGGER events_no_delete")
    conn.commit()
    conn.close()
    [why] = store.self_check()
    assert "events_no_delete" in why and "只追加" in why
    store.close()


def test_walk_checks_the_stored_link_on_its_own(tmp_path: Path) -> None:
    """A row whose hash and signature are over the true previous hash but whose stored
    prev_hash column says otherwise is a broken link — named by the link check itself."""
    store = SQLiteStorage(tmp_path / "s.db", create=True)
    with store.write() as tx:
        for n in range(3):
            append(tx, signer("a"), "note", None, None, {"n": n}, TS)
    good = list(store.iter_raw())
    store.close()
    assert walk(good).break_at is None
    bad = [*good[:2], (*good[2][:7], "ab" * 32, *good[2][8:])]
    w = walk(bad)
    assert w.break_at is not None and w.break_at.seq == 3 and "链接断开" in w.break_at.reason
    assert w.events == 2 and w.head == good[1][8]
