"""Ledger benchmark: submits per second (scan included / excluded) and verify time.

Usage:
    PYTHONPATH=src python bench/bench_ledger.py [--submits 40] [--events 100000]

Prints figures; asserts nothing. Verify goal: 1 M events under 10 s.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from secreview.config import Config
from secreview.ledger.chain import verify
from secreview.service import Ledger

DOC = (
    "关于开展春季植树活动的通知（第{n}号）\n各科室：定于三月十二日在北山组织植树，请按时参加。\n"
    * 3
)


def setup(folder: Path) -> Ledger:
    config = replace(Config(), db_path=folder / "bench.db")
    ledger, _ = Ledger.init(config, "管理员")
    ledger.add_user("管理员", "管理员", ["admin"])
    ledger.add_user("管理员", "张三", ["drafter"], ["办公室"])
    return ledger


def bench_submits(folder: Path, n: int) -> None:
    docs = []
    for i in range(n):
        p = folder / f"doc{i}.txt"
        p.write_text(DOC.format(n=i), encoding="utf-8")
        docs.append(p)
    ledger = setup(folder / "with")
    ledger.submit(docs[0], "预热", "办公室", None, None, "张三")  # imports, caches
    t0 = time.perf_counter()
    for p in docs[1:]:
        ledger.submit(p, "通知", "办公室", None, None, "张三")
    dt = time.perf_counter() - t0
    print(f"submit incl. scan : {(n - 1) / dt:8.1f} submits/s  ({dt / (n - 1) * 1000:.1f} ms each)")
    ledger.close()

    ledger = setup(folder / "without")
    reports = [ledger.scan(p.read_bytes(), p.name) for p in docs]
    t0 = time.perf_counter()
    for p, rep in zip(docs, reports, strict=True):
        ledger.submit(p, "通知", "办公室", None, None, "张三", precomputed=rep)
    dt = time.perf_counter() - t0
    print(
        f"submit excl. scan : {n / dt:8.1f} submits/s  ({dt / n * 1000:.1f} ms each; fsync-bound)"
    )
    ledger.close()


def bench_verify(folder: Path, events: int) -> None:
    db = folder / "verify" / "bench.db"
    if db.exists():  # --workdir from an earlier run: verify only
        ledger = Ledger.open(replace(Config(), db_path=db), refresh=False)
        if ledger.storage.head()[0] >= events:
            print(f"reusing {db} ({ledger.storage.head()[0]:,} events)")
            _time_verify(ledger)
            return
        ledger.close()
        raise SystemExit(f"{db} has fewer than {events:,} events; use another --workdir")
    ledger = setup(folder / "verify")
    storage = ledger.storage
    blob_shas = [ledger.blobs.put(f"存档文件 {i}".encode()) for i in range(100)]
    t0 = time.perf_counter()
    batch = 50_000
    done = 0
    while done < events:
        with storage.write() as tx:
            for i in range(done, min(events, done + batch)):
                sid = f"2026-{i // 4 + 1:06d}"
                kind = i % 4
                if kind == 0:
                    payload = {
                        "title": f"关于第{i}项工作的通知",
                        "dept": "办公室",
                        "sha256": blob_shas[i % 100],
                        "verdict": "pass",
                        "route": ["leader"],
                        "findings_summary": {},
                        "report": {"findings": [], "verdict": "pass"},
                    }
                    tx.append("张三", "submit", sid, 1, payload)
                elif kind == 1:
                    tx.append(
                        "审查员",
                        "review",
                        sid,
                        1,
                        {
                            "decision": "approve",
                            "dismissals": [],
                            "confirmed": [],
                            "comment": "同意公开",
                        },
                    )
                elif kind == 2:
                    tx.append(
                        "王领导",
                        "sign",
                        sid,
                        1,
                        {
                            "decision": "approve",
                            "accept_dismissals": False,
                            "accepted": [],
                            "comment": None,
                        },
                    )
                else:
                    tx.append(
                        "张三",
                        "publish",
                        sid,
                        1,
                        {"channel": "政府网站", "url": f"https://www.example.gov.cn/{i}.html"},
                    )
        done = min(events, done + batch)
    build = time.perf_counter() - t0
    size = storage.path.stat().st_size / 1e6
    print(
        f"build {events:,} events: {build:.1f} s ({events / build:,.0f} appends/s in batches), db {size:.0f} MB"
    )
    config = ledger.config
    ledger.close()  # verify runs as its own process in real use: fresh connection
    _time_verify(Ledger.open(config, refresh=False))


def _time_verify(ledger: Ledger) -> None:
    for label in ("first run", "second run"):
        t0, c0 = time.perf_counter(), time.process_time()
        result = verify(ledger.storage, ledger.blobs)
        dt, cpu = time.perf_counter() - t0, time.process_time() - c0
        assert result.ok, result.problems
        print(
            f"verify {result.events:,} events + {result.blobs} blobs ({label}): {dt:.2f} s wall, "
            f"{cpu:.2f} s CPU ({result.events / dt:,.0f} events/s) → 1 M events ≈ "
            f"{dt / result.events * 1e6:.1f} s wall, {cpu / result.events * 1e6:.1f} s CPU"
        )
    ledger.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--submits", type=int, default=40)
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--workdir", type=Path, default=None, help="keep files here (reused)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-ledger-") as tmp:
        for sub in ("with", "without"):
            (Path(tmp) / sub).mkdir()
        bench_submits(Path(tmp), args.submits)
        folder = args.workdir or Path(tmp)
        (folder / "verify").mkdir(parents=True, exist_ok=True)
        bench_verify(folder, args.events)


if __name__ == "__main__":
    main()
