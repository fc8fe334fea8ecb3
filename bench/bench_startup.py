"""Start-up: `secreview --help` and `secreview queue` against `python -c pass` (same run).

Every figure is the best wall time of ``--repeat`` fresh processes, printed next to the
interpreter's own start-up (``python -c pass``) measured in the same run; the issue-17 goal
is < 0.15 s for both commands. The queue runs against a real SQLite ledger with one office
(made here, in a temporary folder) as a reviewer. Run:

    PYTHONPATH=src python bench/bench_startup.py [--repeat 15]

``python -X importtime -m secreview --help`` shows what is still imported.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL = 0.15


def best(cmd: list[str], repeat: int, env: dict[str, str], cwd: str) -> tuple[float, float]:
    """The best wall time and the best CPU time (user + system) of ``repeat`` runs: on a
    shared, loaded machine the CPU time says more about the start-up itself."""
    walls, cpus = [], []
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, check=True)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return min(walls), min(cpus)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=15)
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "src"))
    from click.testing import CliRunner

    from tests.helpers.ledger import setup_office

    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "ledger.db"
        setup_office(CliRunner(), db)
        py = sys.executable
        anchor, anchor_cpu = best([py, "-c", "pass"], args.repeat, env, tmp)
        print(f"python -c pass (anchor)            {anchor:6.3f} s wall  {anchor_cpu:6.3f} s CPU")
        for label, cmd in (
            ("secreview --help", [py, "-m", "secreview", "--help"]),
            (
                "secreview queue",
                [py, "-m", "secreview", "--db", str(db), "--as", "审查员甲", "queue"],
            ),
        ):
            t, cpu = best(cmd, args.repeat, env, tmp)
            verdict = "ok" if t < GOAL else "over"
            print(
                f"{label:34s} {t:6.3f} s wall  {cpu:6.3f} s CPU  = {t / anchor:4.1f}× "
                f"python -c pass (wall), +{t - anchor:5.3f} s  (goal < {GOAL} s wall: {verdict})"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
