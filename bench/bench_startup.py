"""Start-up: `secreview --help` and `secreview queue` against `python -c pass` (same run).

Every figure is the best wall time of ``--repeat`` fresh processes, printed next to the
interpreter's own start-up (``python -c pass``) measured in the same run; the issue-17 goal
is < 0.15 s for both commands. The queue runs against a real SQLite ledger with one office
(made here, in a temporary folder): a reviewer's queue of two items (the table people see, and
its JSON for scripts), and a leader's empty queue.

Each command is timed twice:

- ``no .pyc``: PYTHONDONTWRITEBYTECODE=1, nothing of secreview cached — every run compiles
  every secreview module it imports (an upper bound; the sessions that develop secreview run
  this way, and the goal is judged on it);
- ``.pyc``: bytecode cached (in a temporary PYTHONPYCACHEPREFIX, after one warm-up run) —
  what an installed copy does, since pip compiles a package's modules when it installs it.

Run:

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


def make_office(db: Path, folder: Path) -> None:
    """The test office, and two items waiting for the reviewer 审查员甲."""
    from click.testing import CliRunner

    from tests.helpers.ledger import cli_json, setup_office, write_doc

    runner = CliRunner()
    setup_office(runner, db)
    for i, kind in enumerate(("review", "phone")):
        doc = write_doc(folder, f"通知{i}.html", kind, salt=str(i))
        cli_json(runner, db, "张三", "submit", str(doc), "--title", f"通知{i}", "--dept", "办公室")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=15)
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "src"))
    load = os.getloadavg()
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} ({os.cpu_count()} cores)")
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "ledger.db"
        make_office(db, Path(tmp))
        py = sys.executable
        base = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "COLUMNS": "120"}
        base.pop("PYTHONPYCACHEPREFIX", None)
        no_pyc = {**base, "PYTHONDONTWRITEBYTECODE": "1"}
        pyc = {k: v for k, v in base.items() if k != "PYTHONDONTWRITEBYTECODE"}
        pyc["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        queue = [py, "-m", "secreview", "--db", str(db), "--as"]
        commands = (
            ("secreview --help", [py, "-m", "secreview", "--help"]),
            ("secreview queue (2 items)", [*queue, "审查员甲", "queue"]),
            ("secreview queue --format json", [*queue, "审查员甲", "queue", "--format", "json"]),
            ("secreview queue (empty)", [*queue, "王领导", "queue"]),
        )
        for mode, env in (("no .pyc", no_pyc), (".pyc", pyc)):
            for _, cmd in commands:  # warm-up: writes the .pyc files (for ".pyc")
                subprocess.run(cmd, env=env, cwd=tmp, stdout=subprocess.DEVNULL, check=True)
            anchor, anchor_cpu = best([py, "-c", "pass"], args.repeat, env, tmp)
            print(f"[{mode}]")
            print(
                f"  {'python -c pass (anchor)':34s} {anchor:6.3f} s wall  {anchor_cpu:6.3f} s CPU"
            )
            for label, cmd in commands:
                t, cpu = best(cmd, args.repeat, env, tmp)
                verdict = "ok" if t < GOAL else "over"
                print(
                    f"  {label:34s} {t:6.3f} s wall  {cpu:6.3f} s CPU  = {t / anchor:4.1f}× "
                    f"python -c pass (wall), +{t - anchor:5.3f} s  (goal < {GOAL} s wall: {verdict})"
                )
    load = os.getloadavg()
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (after)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
