"""Ledger benchmark, figures printed as ratios against the floor measured in the same run.

1. submits/s with signing (the real service: scan, archive, sign, fsync'd commit), against the
   floor of what any signed append must do: sign the event with Ed25519 and commit one row
   with ``synchronous=FULL`` in plain sqlite3.
2. ``ledger verify`` of N signed events (default 1 M) using every core, against the floor of a
   bare SQLite scan + sha256 + Ed25519 verify of every row, split over the same number of
   processes. Verify does more than the floor — the policy replay, the derived tables, the key
   history, the archive — and the ratio says what that costs.

Usage:
    PYTHONPATH=src python bench/bench_ledger.py [--submits 40] [--events 1000000] [--jobs N]
        [--workdir DIR]   (keeps the built ledger; a second run reuses it)

Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sqlite3
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from secreview.config import Config
from secreview.integrity import verify_ledger
from secreview.ledger.canonical import canonical, event_bytes, event_hash
from secreview.ledger.chain import append
from secreview.ledger.signing import Signer
from secreview.service import Ledger

DOC = (
    "关于开展春季植树活动的通知（第{n}号）\n各科室：定于三月十二日在北山组织植树，请按时参加。\n"
    * 3
)
PASS = "bench-口令-2026"
COST = 15  # the floor a ledger may choose; one unlock per user, not per event


ROSTER = (
    ("张三", ["drafter"], ["办公室"]),
    ("王领导", ["leader"], ["办公室"]),
    ("孙审计", ["auditor"], []),
)


def enrolled(
    config: Config, office: str | None = None, roster: tuple = ROSTER
) -> tuple[Ledger, dict[str, Signer]]:
    """A new ledger whose admin and roster have enrolled, and each person's unlocked signer."""
    ledger, _ = Ledger.init(config, "管理员", PASS, office=office, kdf_cost=COST)
    admin = ledger.unlock("管理员", PASS)
    signers = {"管理员": admin}
    for name, roles, depts in roster:
        code = ledger.accounts.add_user(admin, name, roles, depts)["enrol_code"]
        ledger.accounts.enroll(name, code, PASS)
        signers[name] = ledger.unlock(name, PASS)
    return ledger, signers


def setup(folder: Path) -> tuple[Ledger, dict[str, Signer]]:
    folder.mkdir(parents=True, exist_ok=True)
    return enrolled(replace(Config(), db_path=folder / "bench.db", checkpoints=folder / "cp.json"))


# -- 1. submits ------------------------------------------------------------------------------------


def bench_submits(folder: Path, n: int) -> None:
    docs = []
    for i in range(n + 1):
        p = folder / f"doc{i}.txt"
        p.write_text(DOC.format(n=i), encoding="utf-8")
        docs.append(p)
    ledger, s = setup(folder / "with")
    try:
        with_scan, no_scan = submit_rates(ledger, s, docs)
    finally:
        ledger.close()
    floor = _floor_appends(folder / "floor.db", n)
    print(f"submit incl. scan, signed : {with_scan:8.1f} submits/s")
    print(f"submit excl. scan, signed : {no_scan:8.1f} submits/s")
    print(f"floor (sign + 1 row, FULL): {floor:8.1f} appends/s")
    print(
        f"  → signed submit (excl. scan) runs at {no_scan / floor:.2f}× the floor; "
        f"with the scan {with_scan / floor:.2f}×"
    )


def submit_rates(ledger: Ledger, s: dict[str, Signer], docs: list[Path]) -> tuple[float, float]:
    """Submits/s of docs[1:] with the scan, then again with precomputed reports (docs[0] warms up)."""
    ledger.submit(docs[0], "预热", "办公室", None, None, s["张三"])  # imports, caches
    n = len(docs) - 1
    t0 = time.perf_counter()
    for p in docs[1:]:
        ledger.submit(p, "通知", "办公室", None, None, s["张三"])
    with_scan = n / (time.perf_counter() - t0)
    reports = [ledger.scan(p.read_bytes(), p.name) for p in docs[1:]]
    t0 = time.perf_counter()
    for p, rep in zip(docs[1:], reports, strict=True):
        ledger.submit(
            p, "通知", "办公室", None, None, s["张三"], precomputed=rep, allow_duplicate=True
        )
    return with_scan, n / (time.perf_counter() - t0)


def _floor_appends(db: Path, n: int) -> float:
    key = Ed25519PrivateKey.generate()
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE e (seq INTEGER PRIMARY KEY, body TEXT, hash TEXT, sig TEXT)")
    prev = "0" * 64
    t0 = time.perf_counter()
    for i in range(1, n + 1):
        body = canonical([i, "张三", "submit", {"title": "通知", "n": i}])
        data = (prev + body).encode()
        sig = key.sign(data)
        prev = hashlib.sha256(data + sig).hexdigest()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO e VALUES (?,?,?,?)", (i, body, prev, sig.hex()))
        conn.execute("COMMIT")
    rate = n / (time.perf_counter() - t0)
    conn.close()
    return rate


# -- 2. verify ----------------------------------------------------------------------------------


def fill(ledger: Ledger, s: dict[str, Signer], events: int) -> None:
    """Append signed submit/sign/publish/export events until the ledger holds ``events``."""
    storage = ledger.storage
    blob_shas = [ledger.blobs.put(f"存档文件 {i}".encode()) for i in range(100)]
    ts = ledger.now()
    i = storage.head()[0]
    item = 0
    while i < events:
        with storage.write() as tx:
            for _ in range(min(12_500, (events - i) // 4 + 1)):
                item += 1
                sid = f"2026-{item:06d}"
                sha = blob_shas[item % 100]
                submit = {
                    "title": f"关于第{item}项工作的通知",
                    "dept": "办公室",
                    "channel": "政府网站",
                    "filename": f"{item}.txt",
                    "sha256": sha,
                    "size": 20,
                    "format": "txt",
                    "verdict": "pass",
                    "route": ["leader"],
                    "report": {"findings": [], "verdict": "pass"},
                    "findings_summary": {},
                    "doc_number": None,
                    "rules": {},
                    "model": {},
                    "revises": None,
                }
                append(tx, s["张三"], "submit", sid, 1, submit, ts)
                sign = {
                    "decision": "approve",
                    "accept_dismissals": False,
                    "accepted": [],
                    "comment": "同意公开",
                    "sha256": sha,
                }
                append(tx, s["王领导"], "sign", sid, 1, sign, ts)
                pub = {
                    "sha256": sha,
                    "channel": "政府网站",
                    "url": f"https://www.example.gov.cn/{item}.html",
                }
                append(tx, s["张三"], "publish", sid, 1, pub, ts)
                append(tx, s["孙审计"], "export", sid, 1, {"sha256": sha}, ts)
        i = storage.head()[0]


def build(folder: Path, events: int) -> Ledger:
    db = folder / "bench.db"
    if db.exists():
        ledger = Ledger.open(replace(Config(), db_path=db, checkpoints=folder / "cp.json"))
        if ledger.storage.head()[0] >= events:
            print(f"reusing {db} ({ledger.storage.head()[0]:,} events)")
            return ledger
        ledger.close()
        raise SystemExit(f"{db} has fewer than {events:,} events; use another --workdir")
    ledger, s = setup(folder)
    t0 = time.perf_counter()
    fill(ledger, s, events)
    i = ledger.storage.head()[0]
    dt = time.perf_counter() - t0
    print(f"built {i:,} signed events in {dt:.0f} s ({i / dt:,.0f} signed appends/s in batches)")
    t0 = time.perf_counter()
    ledger.rebuild_projections()
    print(f"derived tables rebuilt in {time.perf_counter() - t0:.0f} s")
    size = ledger.config.db_path.stat().st_size / 1e6
    print(f"db {size:.0f} MB")
    return ledger


def _floor_chunk(args: tuple[str, dict[str, str], int, int]) -> int:
    """Bare work per row: read it, rebuild its bytes, sha256, Ed25519 verify."""
    path, publics, start, stop = args
    keys = {n: Ed25519PublicKey.from_public_bytes(bytes.fromhex(p)) for n, p in publics.items()}
    conn = sqlite3.connect(path)
    bad = 0
    for seq, ts, actor, action, sid, version, payload, prev, digest, sig in conn.execute(
        "SELECT seq, ts, actor, action, submission_id, version, payload, prev_hash, hash, sig"
        " FROM events WHERE seq >= ? AND seq < ?",
        (start, stop),
    ):
        data = event_bytes(prev, seq, ts, actor, action, sid, version, payload)
        raw = bytes.fromhex(sig)
        if event_hash(data, raw) != digest:
            bad += 1
        key = keys.get(actor)
        if key is not None:
            key.verify(raw, data)
    conn.close()
    return bad


def floor_verify(ledger: Ledger, jobs: int) -> float:
    d = ledger.accounts.directory()
    publics = {n: a.keys[-1].public for n, a in d.accounts.items() if a.keys}
    n = ledger.storage.head()[0]
    step = n // jobs + 1
    parts = [(str(ledger.config.db_path), publics, lo, lo + step) for lo in range(1, n + 1, step)]
    t0 = time.perf_counter()
    with ProcessPoolExecutor(jobs) as pool:
        assert sum(pool.map(_floor_chunk, parts)) == 0
    return time.perf_counter() - t0


def bench_verify(folder: Path, events: int, jobs: int) -> None:
    ledger = build(folder, events)
    floor = floor_verify(ledger, jobs)
    n = ledger.storage.head()[0]
    t0, c0 = time.perf_counter(), time.process_time()
    result = verify_ledger(ledger.storage, ledger.blobs, jobs=jobs)
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    assert result.ok, result.problems[:3]
    print(
        f"floor: SQLite scan + sha256 + Ed25519 verify, {jobs} processes: {floor:.1f} s "
        f"({n / floor:,.0f} events/s)"
    )
    print(
        f"ledger verify ({result.events:,} events, {result.signatures:,} signatures, "
        f"{result.blobs} blobs, policy replay, derived tables), {jobs} processes: {dt:.1f} s "
        f"({n / dt:,.0f} events/s; main process CPU {cpu:.1f} s)"
    )
    print(f"  → verify takes {dt / floor:.2f}× the floor; 1 M events ≈ {dt / n * 1e6:.0f} s")
    ledger.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--submits", type=int, default=40)
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--workdir", type=Path, default=None, help="keep the built ledger here")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-ledger-") as tmp:
        os.environ.setdefault("SECREVIEW_HOME", str(Path(tmp) / "home"))
        bench_submits(Path(tmp), args.submits)
        folder = args.workdir or Path(tmp) / "verify"
        bench_verify(folder, args.events, args.jobs)


if __name__ == "__main__":
    main()
