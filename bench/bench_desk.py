"""Review desk benchmark: requests/s and latency (p50, p95) of the queue page and the document
page under a bounded loopback load, against floors measured in the same run.

- The desk runs as users run it: ``secreview serve`` in its own process on 127.0.0.1.
- The ledger has ``--items`` submissions waiting for one reviewer (a real scanned notice with
  findings in its text, residue included); the load is ``--clients`` keep-alive connections
  sending ``--requests`` requests in all per page, logged in as that reviewer. Every request
  is answered before the next is sent on that connection; the run is bounded in count and time.
- Floors: a static file from the same server (the HTTP stack alone), and the CLI a reviewer
  would otherwise use (``secreview queue`` / ``secreview show`` per invocation, process start
  included).

Usage:
    PYTHONPATH=src python bench/bench_desk.py [--items 200] [--clients 4] [--requests 400]

Prints figures; asserts nothing. Traffic goes to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import replace
from pathlib import Path

from secreview.config import Config
from secreview.service import Ledger

PASS = "bench-口令-2026"
COST = 15
DOC = (
    "<html><head><meta charset='utf-8'><title>通知</title></head><body>"
    "<h1>关于做好汛期安全防范工作的通知</h1>"
    + "".join(
        f"<p>第{n}条：各科室落实值班制度，值班电话 0631-5212{n:03d}，联系人手机 1391234{n:04d}。</p>"
        for n in range(40)
    )
    + "<!-- 编辑备注：定稿前删除个人手机号 --></body></html>"
)
DEADLINE_S = 300.0


def build(folder: Path, items: int) -> tuple[Path, str]:
    config = replace(Config(), db_path=folder / "bench.db", checkpoints=folder / "cp.json")
    ledger, _ = Ledger.init(config, "管理员", PASS, kdf_cost=COST)
    admin = ledger.unlock("管理员", PASS)
    for name, roles, depts in (
        ("张三", ["drafter"], ["办公室"]),
        ("李审", ["reviewer"], []),
    ):
        code = ledger.accounts.add_user(admin, name, roles, depts)["enrol_code"]
        ledger.accounts.enroll(name, code, PASS)
    drafter = ledger.unlock("张三", PASS)
    doc = folder / "通知.html"
    doc.write_text(DOC, encoding="utf-8")
    scanned = ledger.scan(doc.read_bytes(), doc.name)
    sid = ""
    for i in range(items):
        sid = ledger.submit(
            doc,
            f"通知第{i}号",
            "办公室",
            "政府网站",
            None,
            drafter,
            precomputed=scanned,
            allow_duplicate=True,  # one file for every item: the ledger, not the scan, is timed
        )["id"]
    ledger.close()
    return config.db_path, sid


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Session:
    """A logged-in keep-alive connection (cookie kept by hand, as a browser would)."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookie = ""

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, str]:
        headers = {"Host": "127.0.0.1", "Cookie": self.cookie}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body=body, headers=headers)
        r = self.conn.getresponse()
        data = r.read().decode("utf-8", "replace")
        for k, v in r.getheaders():
            if k.lower() == "set-cookie":
                self.cookie = v.split(";", 1)[0]
        return r.status, data

    def login(self, user: str) -> None:
        _, page = self.request("GET", "/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        body = urllib.parse.urlencode({"csrf_token": token, "name": user, "passphrase": PASS})
        status, _ = self.request("POST", "/login", body)
        assert status == 303, status


def load(port: int, cookie: str, path: str, clients: int, total: int) -> tuple[float, list[float]]:
    """``total`` GETs of ``path`` over ``clients`` connections: (seconds, latencies in ms)."""
    latencies: list[float] = []
    lock = threading.Lock()
    per = [total // clients + (1 if i < total % clients else 0) for i in range(clients)]
    stop = time.monotonic() + DEADLINE_S

    def worker(n: int) -> None:
        s = Session(port)
        s.cookie = cookie
        mine = []
        for _ in range(n):
            if time.monotonic() > stop:
                break
            t = time.perf_counter()
            status, _ = s.request("GET", path)
            mine.append((time.perf_counter() - t) * 1000)
            if status != 200:
                raise RuntimeError(f"{path}: HTTP {status}")
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker, args=(n,)) for n in per]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - t0, latencies


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 20 else max(values)


def cli_seconds(db: Path, args: list[str], runs: int = 5) -> float:
    env = {**os.environ, "SECREVIEW_DB": str(db), "SECREVIEW_USER": "李审"}
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "secreview", *args, "--format", "json"],
            env=env,
            check=True,
            capture_output=True,
            timeout=120,
        )
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=200)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--requests", type=int, default=400)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-desk-") as tmp:
        folder = Path(tmp)
        t = time.perf_counter()
        db, sid = build(folder, args.items)
        print(
            f"ledger: {args.items} items waiting for review ({time.perf_counter() - t:.1f} s to build)"
        )
        port = free_port()
        env = {**os.environ, "SECREVIEW_HOME": str(folder / "home")}
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "secreview",
                "--db",
                str(db),
                "serve",
                "--bind",
                f"127.0.0.1:{port}",
            ],
            env=env,
            stderr=subprocess.PIPE,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise RuntimeError("secreview serve did not start") from None
                    time.sleep(0.1)
            s = Session(port)
            s.login("李审")
            # warm: the first document page extracts the text in the worker, later ones reuse it
            t = time.perf_counter()
            status, _ = s.request("GET", f"/items/{sid}")
            first = (time.perf_counter() - t) * 1000
            assert status == 200, status
            rows = []
            for label, path in (
                ("static file (floor)", "/static/desk.css"),
                ("queue page 我的待办", "/queue"),
                ("document page", f"/items/{sid}"),
            ):
                load(port, s.cookie, path, args.clients, min(40, args.requests))  # warm-up
                secs, lat = load(port, s.cookie, path, args.clients, args.requests)
                rows.append((label, len(lat) / secs, statistics.median(lat), p95(lat)))
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        print(
            f"load: {args.clients} keep-alive clients, {args.requests} requests per page, 127.0.0.1"
        )
        print(f"{'':24} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8}")
        for label, rps, p50, p95_ in rows:
            print(f"{label:24} {rps:8.1f} {p50:8.1f} {p95_:8.1f}")
        print(f"document page, first view (text extracted in the worker): {first:.0f} ms")
        cli_queue = cli_seconds(db, ["queue"])
        cli_show = cli_seconds(db, ["show", sid])
        static_rps = rows[0][1]
        print(
            f"CLI a reviewer would otherwise run: queue {cli_queue * 1000:.0f} ms, show {cli_show * 1000:.0f} ms per call"
        )
        print(
            f"ratios: queue page p95 / CLI queue = {rows[1][3] / (cli_queue * 1000):.2f}; "
            f"document page p95 / CLI show = {rows[2][3] / (cli_show * 1000):.2f}; "
            f"queue req/s / static req/s = {rows[1][1] / static_rps:.2f}; "
            f"document req/s / static req/s = {rows[2][1] / static_rps:.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
