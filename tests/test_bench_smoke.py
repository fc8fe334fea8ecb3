"""The bench scripts still run against today's core API, at a tiny size.

Two of them had stopped at their first call after the core changed (Ledger.init gained a
passphrase, duplicates are refused) and nobody noticed until figures were needed. This runs
each cheap one for a few seconds in its own process and checks it printed its figures; it
measures nothing (speed is never asserted in tests).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

import pytest

from .conftest import REPO

CASES = {
    "bench_ledger.py": (["--submits", "3", "--events", "200"], "verify takes"),
    "bench_audit.py": (["--items", "40", "--files", "3", "--skip-render"], "sweep --jobs 2"),
    "bench_text.py": (["--mb", "0.05", "--rows", "50", "--repeat", "1"], "MB/s"),
    "bench_docx.py": (["--seconds", "0.2"], "docs/s"),
    "bench_pdf.py": (["--pages", "3", "--repeat", "1"], "pages/s"),
    "bench_rules.py": (["--mb", "0.05"], "MB/s"),
}


@pytest.mark.parametrize("script", sorted(CASES))
def test_bench_script_runs(script: str, tmp_path) -> None:
    if script == "bench_rules.py" and importlib.util.find_spec("ahocorasick") is None:
        pytest.skip("bench_rules compares against pyahocorasick (the bench extra); not installed")
    args, expected = CASES[script]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO / "src"), str(REPO)]))
    proc = subprocess.run(
        [sys.executable, str(REPO / "bench" / script), *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert expected in proc.stdout, proc.stdout[-2000:]
