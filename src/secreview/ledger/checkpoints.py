"""The auditor's own checkpoint file, kept OUTSIDE the ledger.

A hash chain cannot tell a legitimate tail from a forged one, nor see that its newest events
were cut off or that an older backup was put back. ``ledger checkpoint`` therefore records the
head twice: as a signed ``checkpoint`` event in the ledger, and as a line in a file the auditor
keeps (default ``~/.secreview/checkpoints.json``, or ``$SECREVIEW_HOME``; any copy can be
named with ``--checkpoints``). Verify checks every checkpoint the file holds for this ledger:
the chain must still contain that seq with that hash, and begin with the same first event.

The file is written atomically, owner-only (0600 in a 0700 folder). It holds no secret: a
checkpoint is the seq and hash of the auditor's signed ``checkpoint`` event.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

FORMAT = "secreview-checkpoints-v1"


class CheckpointFileError(Exception):
    """The file exists but cannot be read as a checkpoint file."""


@dataclass(frozen=True)
class Checkpoint:
    ledger_id: str
    genesis: str  # hash of event 1
    seq: int  # the checkpoint event's own seq
    head: str  # …and its hash
    ts: str
    auditor: str
    db: str  # where the ledger was when checkpointed (resolved path or URL)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def default_path() -> Path:
    home = os.environ.get("SECREVIEW_HOME")
    base = Path(home) if home else Path.home() / ".secreview"
    return base / "checkpoints.json"


def load(path: Path) -> list[Checkpoint]:
    """The checkpoints in ``path`` (none when it does not exist)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except OSError as e:
        raise CheckpointFileError(f"无法读取检查点文件 {path}：{e.strerror}") from e
    try:
        data = json.loads(text)
        if data.get("format") != FORMAT:
            raise ValueError("format")
        return [
            Checkpoint(
                str(c["ledger_id"]),
                str(c["genesis"]),
                int(c["seq"]),
                str(c["head"]),
                str(c["ts"]),
                str(c["auditor"]),
                str(c.get("db", "")),
            )
            for c in data["checkpoints"]
        ]
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        raise CheckpointFileError(f"检查点文件 {path} 格式无效") from e


def add(path: Path, cp: Checkpoint) -> None:
    """Append ``cp`` to the file (atomic replace; folder 0700, file 0600)."""
    existing = load(path)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    data = {"format": FORMAT, "checkpoints": [c.to_dict() for c in [*existing, cp]]}
    import tempfile  # only here, where the file is written (start-up, issue 17)

    fd, tmp = tempfile.mkstemp(prefix=".checkpoints-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False, indent=1)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
