"""Run several CLI commands in one process and print what each did as JSON.

For tests whose commands must run where pytest itself is not: inside a mount namespace (a
read-only bind mount, a small tmpfs) or under a lowered ``RLIMIT_FSIZE``. One interpreter for
all the steps keeps them cheap. Reads a JSON list of steps on stdin:

- ``{"args": [...], "env": {...}}`` — one CLI invocation (click's CliRunner);
- ``{"fill": DIR, "keep": N}`` — fill DIR's file system until N bytes are left free;
- ``{"unfill": DIR}`` — remove that filler again;
- ``{"head": DB}`` — (event count, head hash) read straight from the SQLite file;
- ``{"fsize": N}`` — lower this process's file-size limit to N bytes (SIGXFSZ ignored, so a
  write past it fails with EFBIG instead of killing the process); ``null`` lifts it again.

Prints a JSON list with one result per step.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

FILLER = ".filler"


def _fill(folder: str, keep: int) -> dict[str, Any]:
    st = os.statvfs(folder)
    want = st.f_bavail * st.f_frsize - keep
    fd = os.open(Path(folder) / FILLER, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        block = b"\0" * 4096
        while want > 0:
            want -= os.write(fd, block[: min(len(block), want)])
    finally:
        os.close(fd)
    st = os.statvfs(folder)
    return {"free": st.f_bavail * st.f_frsize}


def head(db: Path) -> tuple[int, str]:
    """(event count, head hash) straight from the file, also on a read-only medium."""
    import sqlite3
    from urllib.parse import quote

    mode = "ro" if os.access(db.parent, os.W_OK) else "ro&immutable=1"
    conn = sqlite3.connect(f"file:{quote(str(db))}?mode={mode}", uri=True)
    try:
        row = conn.execute("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1").fetchone()
        count = conn.execute("SELECT COUNT(*) FROM events").fetchone()[0]
    finally:
        conn.close()
    return count, row[1] if row else ""


def run(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    from click.testing import CliRunner

    from secreview.cli import main

    out: list[dict[str, Any]] = []
    for step in steps:
        if "fill" in step:
            out.append(_fill(step["fill"], int(step["keep"])))
        elif "unfill" in step:
            (Path(step["unfill"]) / FILLER).unlink(missing_ok=True)
            out.append({})
        elif "head" in step:
            out.append({"head": list(head(Path(step["head"])))})
        elif "fsize" in step:
            import resource

            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            _soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
            limit = hard if step["fsize"] is None else int(step["fsize"])
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
            out.append({})
        else:
            r = CliRunner().invoke(main, step["args"], env=step.get("env"))
            out.append({"exit": r.exit_code, "stdout": r.stdout, "stderr": r.stderr})
    return out


if __name__ == "__main__":
    sys.stdout.write(json.dumps(run(json.loads(sys.stdin.read())), ensure_ascii=False))
