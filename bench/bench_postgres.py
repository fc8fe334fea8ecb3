"""PostgreSQL against SQLite, same run, same machine, same work (issue 16).

1. submits/s through the real service (scan, archive, sign, durable commit), and excluding
   the scan — on a SQLite file (synchronous=FULL) and on PostgreSQL (fsync on, synchronous
   commit: the server's defaults; blobs in the database).
2. ``ledger verify`` of N signed events (default 1 M) on each, using every core.

PostgreSQL: SECREVIEW_BENCH_PG (a server URL whose user may CREATE DATABASE), else a
throwaway cluster started from Debian's binaries with production durability settings.

Usage:
    PYTHONPATH=src:. python bench/bench_postgres.py [--submits 40] [--events 1000000] [--jobs N]

Prints figures as ratios PostgreSQL : SQLite; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent), str(HERE.parent / "src")]

from bench_ledger import DOC, enrolled, fill, submit_rates  # noqa: E402

from secreview.config import Config  # noqa: E402
from secreview.integrity import verify_ledger  # noqa: E402
from secreview.service import Ledger  # noqa: E402


def setup(config: Config) -> tuple[Ledger, dict]:
    return enrolled(config, office="基准局")


def submits(config: Config, docs: list[Path]) -> tuple[float, float]:
    ledger, s = setup(config)
    try:
        return submit_rates(ledger, s, docs)
    finally:
        ledger.close()


def verify_time(config: Config, events: int, jobs: int) -> tuple[float, int]:
    ledger, s = setup(config)
    try:
        t0 = time.perf_counter()
        fill(ledger, s, events)
        built = time.perf_counter() - t0
        n = ledger.storage.head()[0]
        print(f"  built {n:,} signed events in {built:.0f} s ({n / built:,.0f} appends/s)")
        ledger.rebuild_projections()
        t0 = time.perf_counter()
        result = verify_ledger(ledger.storage, ledger.blobs, jobs=jobs)
        dt = time.perf_counter() - t0
        assert result.ok, result.problems[:3]
    finally:
        ledger.close()
    return dt, n


def _server() -> tuple[str, object | None]:
    url = os.environ.get("SECREVIEW_BENCH_PG")
    if url:
        return url, None
    from tests.helpers import pg

    why = pg.why_unavailable()
    if why:
        raise SystemExit(f"no PostgreSQL: {why} (set SECREVIEW_BENCH_PG)")
    cluster = pg.Cluster(durable=True).start()
    pg.wait_for(cluster.url())
    return cluster.url(), cluster


def _new_db(server: str) -> str:
    from urllib.parse import urlsplit

    import psycopg

    name = f"bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")  # type: ignore[arg-type]
    return urlsplit(server)._replace(path=f"/{name}").geturl()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--submits", type=int, default=40)
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args()
    server, cluster = _server()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-pg-") as tmp:
            folder = Path(tmp)
            os.environ.setdefault("SECREVIEW_HOME", str(folder / "home"))
            docs = []
            for i in range(args.submits + 1):
                p = folder / f"doc{i}.txt"
                p.write_text(DOC.format(n=i), encoding="utf-8")
                docs.append(p)
            base = replace(Config(), checkpoints=folder / "cp.json")
            lite = lambda name: replace(base, db_path=folder / f"{name}.db", db_url=None)  # noqa: E731
            pgc = lambda: replace(base, db_url=_new_db(server))  # noqa: E731
            print(f"-- submits ({args.submits} each)")
            l_scan, l_raw = submits(lite("submits"), docs)
            p_scan, p_raw = submits(pgc(), docs)
            print(f"SQLite     incl. scan {l_scan:7.1f}/s   excl. scan {l_raw:7.1f}/s")
            print(f"PostgreSQL incl. scan {p_scan:7.1f}/s   excl. scan {p_raw:7.1f}/s")
            print(
                f"  → PostgreSQL : SQLite = {p_scan / l_scan:.2f}× with the scan, "
                f"{p_raw / l_raw:.2f}× for the ledger alone"
            )
            print(f"-- verify of {args.events:,} events, {args.jobs} processes")
            l_dt, n = verify_time(lite("verify"), args.events, args.jobs)
            print(f"SQLite     verify {l_dt:7.1f} s ({n / l_dt:,.0f} events/s)")
            p_dt, n = verify_time(pgc(), args.events, args.jobs)
            print(f"PostgreSQL verify {p_dt:7.1f} s ({n / p_dt:,.0f} events/s)")
            print(f"  → PostgreSQL takes {p_dt / l_dt:.2f}× SQLite's time to verify")
    finally:
        if cluster is not None:
            cluster.stop()  # type: ignore[attr-defined]


if __name__ == "__main__":
    main()
