"""The Storage protocol on both backends (SQLite file, PostgreSQL database): the same suite.

A backend only stores and reads rows; the chain and the signatures are computed above it
(chain.append). Every driver error reaches the core as a StorageError."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from secreview.errors import Refused, StorageError, UsageError
from secreview.ledger.backends import Backend, open_backend
from secreview.ledger.chain import KeyLookup, append, check_rows, walk
from secreview.ledger.signing import Signer
from tests.helpers.backends import Raw

KEY = Ed25519PrivateKey.generate()
TS = "2026-03-01T00:00:00.000000Z"


def signer(name: str) -> Signer:
    return Signer.of(name, KEY)


@pytest.fixture
def db(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Path | str:
    if backend == "sqlite":
        return tmp_path / "s.db"
    return request.getfixturevalue("pg_db")  # type: ignore[no-any-return]


@pytest.fixture
def opened(db: Path | str) -> Iterator[Backend]:
    b = open_backend(db, "甲局", create=True)
    yield b
    b.storage.close()


PAYLOADS = [
    {"n": 1, "t": "秘密★1年"},
    {"zero": "\u200b", "nested": {"b": [1, 2.5, None], "a": True}},
    {"emoji": "😀", "quote": '"\\\n'},
]


def test_round_trip_chain_and_signatures(opened: Backend) -> None:
    store = opened.storage
    with store.write() as tx:
        written = [append(tx, signer("甲"), "note", None, None, p, TS) for p in PAYLOADS]
        assert tx.head() == (3, written[-1].hash)
    assert [(e.seq, e.payload, e.hash) for e in store.iter_events()] == [
        (e.seq, e.payload, e.hash) for e in written
    ]
    w = walk(store.iter_raw())
    assert w.break_at is None and w.events == 3 and w.head == written[-1].hash
    keys = KeyLookup({"甲": [(signer("甲").public, 1, None)]})
    assert check_rows(store.iter_raw(), keys) == (3, [])
    assert [r[0] for r in store.iter_raw(2, 3)] == [2]
    assert store.count() == 3 and store.self_check() == []


def test_failed_transaction_appends_nothing(opened: Backend) -> None:
    store = opened.storage
    with store.write() as tx:
        append(tx, signer("a"), "note", None, None, {"n": 1}, TS)
    with pytest.raises(RuntimeError), store.write() as tx:
        append(tx, signer("a"), "note", None, None, {"n": 2}, TS)
        assert tx.head()[0] == 2
        raise RuntimeError("boom")
    assert [e.payload for e in store.iter_events()] == [{"n": 1}]
    assert store.head()[0] == 1


def test_storage_only_accepts_the_next_row(opened: Backend) -> None:
    store = opened.storage
    with store.write() as tx:
        ev = append(tx, signer("a"), "note", None, None, {"n": 1}, TS)
        row = next(iter(tx.iter_raw()))
        with pytest.raises(RuntimeError, match="does not follow"):
            tx.insert_event(row)
        with pytest.raises(RuntimeError, match="does not follow"):
            tx.insert_event((2, *row[1:7], "f" * 64, row[8], row[9]))
    assert store.head() == (1, ev.hash)
    with pytest.raises(RuntimeError, match="outside a write"):
        store.insert_event(row)


def test_submission_ids_are_gap_free_per_year(opened: Backend) -> None:
    store = opened.storage
    ids = []
    for year in (2026, 2026, 2027, 2026):
        with store.write() as tx:
            sid = tx.next_submission_id(year)
            append(tx, signer("a"), "submit", sid, 1, {"sha256": "0" * 64}, f"{year}-01-01T00Z")
            ids.append(sid)
    with pytest.raises(RuntimeError), store.write() as tx:  # a failed append leaves no hole
        append(tx, signer("a"), "submit", tx.next_submission_id(2026), 1, {}, TS)
        raise RuntimeError("boom")
    with store.write() as tx:
        ids.append(tx.next_submission_id(2026))
    assert ids == ["2026-0001", "2026-0002", "2027-0001", "2026-0003", "2026-0004"]


def test_blobs_are_exact_and_rechecked(opened: Backend) -> None:
    blobs = opened.blobs
    blobs.create_root()
    data = "政府信息公开\r\n\x00".encode() + bytes(range(256)) * 10_000  # > 2 MiB: chunked
    sha = blobs.put(data)
    assert sha == hashlib.sha256(data).hexdigest()
    assert blobs.get(sha) == data and blobs.check(sha) is None
    assert blobs.put(data) == sha  # idempotent
    assert blobs.check("ab" * 32) == "缺失"
    with pytest.raises(Refused, match="缺失"):
        blobs.get("ab" * 32)
    assert blobs.put(b"") == hashlib.sha256(b"").hexdigest()
    assert blobs.get(hashlib.sha256(b"").hexdigest()) == b""


def test_self_check_names_a_dropped_trigger(db: Path | str, opened: Backend) -> None:
    store = opened.storage
    assert store.self_check() == []
    conn = Raw(db)
    on = " ON events" if isinstance(db, str) else ""
    conn.execute(f"DROP TRIGGER events_no_delete{on}")
    conn.close()
    [why] = store.self_check()
    assert "events_no_delete" in why and "只追加" in why


def test_a_moved_ledger_refuses_writes(opened: Backend) -> None:
    store = opened.storage
    store.set_mark("moved_to", "postgresql://db.example/city#甲局")
    assert store.get_mark("moved_to") == "postgresql://db.example/city#甲局"
    with pytest.raises(Refused, match="已迁移到"), store.write():
        pass


def test_a_missing_ledger_is_a_usage_error(db: Path | str) -> None:
    with pytest.raises(UsageError) as err:
        open_backend(db, "甲局")
    assert err.value.code == "no_ledger"


def test_driver_errors_arrive_wrapped(db: Path | str, tmp_path: Path) -> None:
    if isinstance(db, str):
        from tests.helpers.pg import free_port

        with pytest.raises(StorageError) as err:
            open_backend(f"postgresql://nobody@127.0.0.1:{free_port()}/none", "甲局")
        assert err.value.code == "db_unreachable" and "无法连接" in err.value.message
        assert "nobody@127.0.0.1" in err.value.message
    else:
        bad = tmp_path / "bad.db"
        bad.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
        with pytest.raises((UsageError, StorageError)):
            open_backend(bad, None)


# -- PostgreSQL only: many offices in one database ------------------------------------------------


def test_offices_are_separate_chains(pg_db: str) -> None:
    a = open_backend(pg_db, "甲局", create=True)
    b = open_backend(pg_db, "乙局", create=True)
    try:
        with a.storage.write() as tx:
            append(tx, signer("a"), "init", None, None, {"n": "a1"}, TS)
            sid_a = tx.next_submission_id(2026)
            append(tx, signer("a"), "submit", sid_a, 1, {"sha256": "1" * 64}, TS)
        with b.storage.write() as tx:
            append(tx, signer("b"), "init", None, None, {"n": "b1"}, TS)
            sid_b = tx.next_submission_id(2026)
            append(tx, signer("b"), "submit", sid_b, 1, {"sha256": "1" * 64}, TS)
        assert sid_a == sid_b == "2026-0001"  # ids are per office
        assert [e.payload for e in a.storage.iter_events()] == [{"n": "a1"}, {"sha256": "1" * 64}]
        assert b.storage.head()[0] == 2 and walk(b.storage.iter_raw()).break_at is None
        assert a.storage.location.endswith("#甲局") and "乙局" not in a.storage.location
        sha = a.blobs.put(b"only in office A")
        assert b.blobs.check(sha) == "缺失"
    finally:
        a.storage.close()
        b.storage.close()
    from secreview.ledger.backends import list_offices

    assert list_offices(pg_db) == ["乙局", "甲局"]
    with pytest.raises(UsageError, match="2 个单位"):
        open_backend(pg_db, None)
    with pytest.raises(UsageError, match="没有单位「丙局」"):
        open_backend(pg_db, "丙局")


def test_threads_share_one_handle(pg_db: str) -> None:
    """The desk serves requests from threads: each thread's transaction its own connection,
    appends serialised, nothing lost."""
    b = open_backend(pg_db, "甲局", create=True)
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            for j in range(5):
                with b.storage.write() as tx:
                    append(tx, signer("t"), "note", None, None, {"i": i, "j": j}, TS)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert errors == []
        assert b.storage.head()[0] == 30
        assert walk(b.storage.iter_raw()).break_at is None
    finally:
        b.storage.close()
