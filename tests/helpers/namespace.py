"""Running CLI steps (tests/helpers/cli_batch.py) in a child process — optionally inside a
new user + mount namespace (``unshare -rm``), where a test may mount a small tmpfs or make a
folder read-only without privileges on the machine."""

from __future__ import annotations

import functools
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from typing import Any

from tests.helpers.ledger import SRC

REPO = SRC.parent


@functools.cache
def unshare_problem() -> str | None:
    """Why namespaces cannot be used here (None: they can)."""
    if shutil.which("unshare") is None:
        return "unshare (util-linux) not installed"
    with tempfile.TemporaryDirectory() as d:
        probe = f"mount -t tmpfs -o size=64k tmpfs {shlex.quote(d)} && mount -o remount,ro {shlex.quote(d)}"
        r = subprocess.run(["unshare", "-rm", "sh", "-c", probe], capture_output=True, text=True)
    if r.returncode != 0:
        return f"cannot mount in a user namespace here: {r.stderr.strip()[:200]}"
    return None


def run_steps(
    steps: list[dict[str, Any]], *, setup: str | None = None, timeout: float = 300
) -> list[dict[str, Any]]:
    """Run the steps in one fresh interpreter; with ``setup`` (shell commands) first run
    those inside a new user + mount namespace, then the steps there."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(SRC), str(REPO), env.get("PYTHONPATH", "")])
    cmd = [sys.executable, "-m", "tests.helpers.cli_batch"]
    if setup is not None:
        script = f"set -e; {setup}; exec {' '.join(shlex.quote(c) for c in cmd)}"
        cmd = ["unshare", "-rm", "sh", "-c", script]
    r = subprocess.run(
        cmd,
        input=json.dumps(steps, ensure_ascii=False),
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=timeout,
    )
    assert r.returncode == 0, (r.returncode, r.stdout[-2000:], r.stderr[-2000:])
    return json.loads(r.stdout)  # type: ignore[no-any-return]
