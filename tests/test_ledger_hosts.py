"""Appends from many processes on two "hosts" — two network namespaces the test makes, each
joined to the host by a veth pair, PostgreSQL listening on the host ends with password
authentication — serialise into one gap-free chain; clients killed with SIGKILL mid-append
leave no broken chain and no lock behind."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.helpers import pg
from tests.helpers.backends import PG_OFFICE, plain
from tests.helpers.ledger import cli_json, setup_office

REPO = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow

PROCESSES = 32
SUBMITS = 20


def _ip(*args: str, ns: str | None = None) -> None:
    cmd = ["ip", *args] if ns is None else ["ip", "netns", "exec", ns, "ip", *args]
    subprocess.run(cmd, check=True, capture_output=True, timeout=30)


def _why_no_netns() -> str | None:
    if sys.platform != "linux" or shutil.which("ip") is None:
        return "needs Linux with iproute2 (ip)"
    if os.geteuid() != 0:
        return "making network namespaces needs root"
    probe = f"srprobe{os.getpid()}"
    r = subprocess.run(["ip", "netns", "add", probe], capture_output=True, timeout=30)
    if r.returncode != 0:
        return f"ip netns add is not allowed here: {r.stderr.decode().strip()}"
    subprocess.run(["ip", "netns", "delete", probe], capture_output=True, timeout=30)
    return pg.why_unavailable()


@pytest.fixture(scope="module")
def hosts() -> Iterator[tuple[pg.Cluster, list[tuple[str, str]]]]:
    """Two namespaces (name, the server address seen from it) and a cluster listening there."""
    why = _why_no_netns()
    if why is not None:
        pytest.skip(why)
    tag = os.getpid() % 10_000
    net = 200 + os.getpid() % 50
    made: list[str] = []
    pairs: list[tuple[str, str]] = []
    try:
        for i, side in enumerate("ab", start=1):
            ns, host_end, ns_end = f"sr{tag}{side}", f"s{tag}{side}h", f"s{tag}{side}n"
            _ip("netns", "add", ns)
            made.append(ns)
            _ip("link", "add", host_end, "type", "veth", "peer", "name", ns_end)
            _ip("link", "set", ns_end, "netns", ns)
            _ip("addr", "add", f"10.{net}.{i}.1/24", "dev", host_end)
            _ip("link", "set", host_end, "up")
            _ip("addr", "add", f"10.{net}.{i}.2/24", "dev", ns_end, ns=ns)
            _ip("link", "set", ns_end, "up", ns=ns)
            _ip("link", "set", "lo", "up", ns=ns)
            pairs.append((ns, f"10.{net}.{i}.1"))
        cluster = pg.Cluster(
            listen=",".join(addr for _, addr in pairs),
            password="veth-口令-2026",
            networks=tuple(f"10.{net}.{i}.0/24" for i in (1, 2)),
        ).start()
    except BaseException:
        for ns in made:
            subprocess.run(["ip", "netns", "delete", ns], capture_output=True, timeout=30)
        raise
    try:
        pg.wait_for(cluster.url())
        yield cluster, pairs
    finally:
        cluster.stop()
        for ns in made:
            subprocess.run(["ip", "netns", "delete", ns], capture_output=True, timeout=30)


def _client(
    ns: str, url: str, user: str, count: int, docs: Path, tag: str
) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "src"), str(REPO), env.get("PYTHONPATH", "")])
    cmd = [sys.executable, "-m", "tests.helpers.pg_client", "--db", url, "--office", PG_OFFICE]
    cmd += ["--user", user, "--count", str(count), "--docs", str(docs), "--tag", tag]
    return subprocess.Popen(
        ["ip", "netns", "exec", ns, *cmd],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO,
    )


def _gap_free(url: str) -> list[str]:
    """The submission ids in seq order, after checking seqs 1..n and ids YYYY-0001..n."""
    with plain(url) as conn:
        seqs = [r[0] for r in conn.execute("SELECT seq FROM events ORDER BY seq").fetchall()]
        ids = [
            r[0]
            for r in conn.execute(
                "SELECT submission_id FROM events WHERE action = 'submit' ORDER BY seq"
            ).fetchall()
        ]
    assert seqs == list(range(1, len(seqs) + 1))
    by_year: dict[str, list[int]] = {}
    for sid in ids:
        by_year.setdefault(sid[:4], []).append(int(sid[5:]))
    for numbers in by_year.values():
        assert numbers == list(range(1, len(numbers) + 1))  # gap-free, in append order
    return ids


def test_many_processes_on_two_hosts_and_clients_killed_mid_append(
    hosts: tuple[pg.Cluster, list[tuple[str, str]]], tmp_path: Path
) -> None:
    cluster, pairs = hosts
    import psycopg

    with psycopg.connect(cluster.url(), autocommit=True) as conn:
        conn.execute("CREATE DATABASE hosts_test")
    runner = CliRunner()
    setup_office(runner, cluster.url("hosts_test"), PG_OFFICE)
    users = ("张三", "周兼任")  # two drafters of 办公室, one on each host
    start = time.monotonic()
    procs = []
    for n in range(PROCESSES):
        ns, addr = pairs[n % 2]
        url = cluster.url("hosts_test", host=addr)
        procs.append(_client(ns, url, users[n % 2], SUBMITS, tmp_path / f"p{n}", f"p{n}"))
    ids: list[str] = []
    clients: set[str] = set()
    for p in procs:
        out, err = p.communicate(timeout=900)
        assert p.returncode == 0, err.decode()[-2000:]
        lines = [json.loads(line) for line in out.decode().splitlines()]
        clients.add(lines[0]["client"])
        ids += [x["id"] for x in lines[1:]]
    elapsed = time.monotonic() - start
    assert len(ids) == len(set(ids)) == PROCESSES * SUBMITS == 640
    assert {c.rsplit(".", 1)[0] for c in clients} == {a.rsplit(".", 1)[0] for _, a in pairs}
    assert sorted(_gap_free(cluster.url("hosts_test"))) == sorted(ids)
    url = cluster.url("hosts_test", host=pairs[0][1])
    result = cli_json(runner, url, "x", "ledger", "verify")
    assert result["ok"] is True and result["blobs"] == 640, result["problems"]
    print(f"\n{PROCESSES}×{SUBMITS} submits from 2 namespaces in {elapsed:.1f} s")

    # Clients that submit until killed, SIGKILLed at random moments: mostly inside a submit
    # (scan, archive, signed append, commit). The chain stays whole and gap-free.
    rng = random.Random(16)
    killed = 0
    for rnd in range(3):
        batch = [
            _client(
                *pairs[k % 2][:1],
                cluster.url("hosts_test", host=pairs[k % 2][1]),
                users[k % 2],
                0,
                tmp_path / f"k{rnd}-{k}",
                f"k{rnd}-{k}",
            )
            for k in range(6)
        ]
        for p in batch:  # wait until each has submitted at least once, then kill it
            assert p.stdout is not None
            p.stdout.readline()
            p.stdout.readline()
            time.sleep(rng.uniform(0.0, 0.4))
            p.send_signal(signal.SIGKILL)
        for p in batch:
            p.communicate(timeout=120)
            killed += p.returncode == -signal.SIGKILL
    assert killed == 18
    ids = _gap_free(cluster.url("hosts_test"))
    assert len(ids) > 640
    result = cli_json(runner, url, "x", "ledger", "verify")
    assert result["ok"] is True and result["blobs"] == len(ids), result["problems"]
    # Nothing held: the next client appends at once.
    after = _client(
        *pairs[1][:1],
        cluster.url("hosts_test", host=pairs[1][1]),
        "张三",
        1,
        tmp_path / "after",
        "after",
    )
    out, err = after.communicate(timeout=120)
    assert after.returncode == 0, err.decode()[-2000:]
    assert len(_gap_free(cluster.url("hosts_test"))) == len(ids) + 1
