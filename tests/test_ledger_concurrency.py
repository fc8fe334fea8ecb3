"""Real processes on one ledger: concurrent submits (SQLite file and PostgreSQL), and submits
killed with SIGKILL (SQLite here; PostgreSQL's killed clients: tests/test_ledger_hosts.py)."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from secreview.ledger.blobs import BlobStore, blob_dir_for
from tests.helpers.backends import Db, plain
from tests.helpers.ledger import (
    PYTHON,
    cli_json,
    subprocess_env,
    write_doc,
)

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")


def _submit_cmd(doc: Path, title: str) -> list[str]:
    return [
        PYTHON,
        "-m",
        "secreview",
        "submit",
        str(doc),
        "--title",
        title,
        "--dept",
        "办公室",
        "--format",
        "json",
    ]


def _submit_events(db: Db) -> list[tuple[int, str, dict]]:
    with plain(db) as conn:
        rows = conn.execute(
            "SELECT seq, submission_id, payload FROM events WHERE action = 'submit' ORDER BY seq"
        ).fetchall()
    return [(seq, sid, json.loads(p)) for seq, sid, p in rows]


def test_16_concurrent_submits_all_recorded(
    tmp_path: Path, runner: CliRunner, office_db: Db
) -> None:
    db = office_db
    env = subprocess_env(db, "张三")
    procs = []
    for i in range(16):
        doc = write_doc(tmp_path, f"doc{i}.txt", "pass" if i % 2 else "block", salt=f"-{i}")
        procs.append(
            subprocess.Popen(
                _submit_cmd(doc, f"并发{i}"),
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
        )
    outs = [p.communicate(timeout=120) for p in procs]
    for p, (_out, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err.decode()
    ids = [json.loads(out)["id"] for out, _ in outs]
    assert len(set(ids)) == 16
    events = _submit_events(db)
    assert sorted(sid for _, sid, _ in events) == sorted(ids)
    assert {p["title"] for _, _, p in events} == {f"并发{i}" for i in range(16)}
    result = cli_json(runner, db, "x", "ledger", "verify")
    assert result["ok"] is True and result["blobs"] == 16
    with plain(db) as conn:
        seqs = [r[0] for r in conn.execute("SELECT seq FROM events ORDER BY seq").fetchall()]
    assert seqs == list(range(1, len(seqs) + 1))
    numbers = sorted(int(i[5:]) for i in ids)
    assert numbers == list(range(1, 17))  # gap-free ids


@pytest.mark.slow
def test_submit_killed_at_random_moments(tmp_path: Path, runner: CliRunner, office: Path) -> None:
    """≥ 50 submits SIGKILLed at random points of their life: the ledger stays valid."""
    db = office
    env = subprocess_env(db, "张三")
    rng = random.Random(20260101)
    # An undisturbed batch of 4 tells how long a submit lives under this load; kills land in
    # the later part of that span (earlier is Python start-up, which touches nothing): the
    # scan, the blob write, the commit and just after it.
    start = time.monotonic()
    warm = [
        subprocess.Popen(
            _submit_cmd(write_doc(tmp_path, f"warm{i}.txt", "pass", f"w{i}"), "预热"),
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for i in range(4)
    ]
    assert [p.wait(timeout=120) for p in warm] == [0, 0, 0, 0]
    lifetime = time.monotonic() - start
    killed = completed = 0
    n = 0
    while killed < 50 and n < 400:
        batch = []
        for _ in range(4):
            n += 1
            doc = write_doc(tmp_path, f"k{n}.txt", "block" if n % 3 == 0 else "pass", salt=f"-{n}")
            p = subprocess.Popen(
                _submit_cmd(doc, f"断{n}"),
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            batch.append((p, time.monotonic() + rng.uniform(lifetime * 0.55, lifetime * 1.05)))
        for p, at in sorted(batch, key=lambda b: b[1]):
            time.sleep(max(0.0, at - time.monotonic()))
            p.send_signal(signal.SIGKILL)
        done_here = 0
        for p, _ in batch:
            _, err = p.communicate(timeout=120)
            if p.returncode == -signal.SIGKILL:
                killed += 1
            else:
                assert p.returncode == 0, err.decode()
                completed += 1
                done_here += 1
        # Follow the machine's load: keep roughly one in five finishing before its kill.
        lifetime *= 0.9 if done_here >= 2 else (1.05 if done_here == 0 else 1.0)
    assert killed >= 50
    events = _submit_events(db)
    # Every completed submit is recorded; a killed one is recorded wholly or not at all.
    assert completed + 4 <= len(events) <= completed + 4 + killed
    blobs = BlobStore(blob_dir_for(db))
    for seq, _, payload in events:
        assert blobs.check(payload["sha256"]) is None, f"event {seq} names a missing/bad blob"
    result = cli_json(runner, db, "x", "ledger", "verify")
    assert result["ok"] is True and result["events"] >= len(events)
    # The ledger is still writable (no lock left behind) and leaves no temp files visible.
    after = subprocess.run(
        _submit_cmd(write_doc(tmp_path, "after.txt", "pass"), "之后"),
        env=env,
        capture_output=True,
        timeout=120,
    )
    assert after.returncode == 0, after.stderr.decode()
