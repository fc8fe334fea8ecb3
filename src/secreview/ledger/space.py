"""Why a write failed, in the users' terms: 磁盘空间不足 or 只读 — never a driver's
"cannot rollback" or "disk I/O error" that hides the cause.

A full disk reaches us in several shapes: ``OSError`` ENOSPC (or EDQUOT over a quota, or
EFBIG past this process's file-size limit, ``ulimit -f``) from the blob archive or an output
file; ``SQLITE_FULL`` from SQLite on ENOSPC; and ``SQLITE_IOERR_WRITE`` ("disk I/O error")
when SQLite's write failed with another errno (EFBIG, EDQUOT) — SQLite does not pass the errno
on, so for an I/O error the free space and the size limit are looked at: if either is
exhausted, that is the cause; otherwise it is reported as a disk I/O error. The same message
comes out of every path, and it says the ledger was left as it was (the write transaction
rolled back; a blob is written before the event that names it, and its temp file removed).
"""

from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path

from secreview.errors import DiskFull, ReadOnlyLedger, StorageError

SPACE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
# Below this much free space (or room under the file-size limit) a failed write is taken
# to be for want of space: one SQLite transaction writes a few pages, a blob its own size.
MIN_FREE = 1 << 20
UNTOUCHED = "操作未完成，台账未作任何改动"


def _size(n: int) -> str:
    for unit, div in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= div:
            return f"{n / div:.1f} {unit}"
    return f"{n} 字节"


def _existing_dir(path: Path) -> Path:
    p = path if path.is_dir() else path.parent
    while not p.exists() and p != p.parent:
        p = p.parent
    return p


def shortage(path: Path, sizes: tuple[Path, ...] = ()) -> str | None:
    """Why writing near ``path`` runs out of room — the disk or quota nearly full, or this
    process's file-size limit (``ulimit -f``) reached by a file in ``sizes`` — or None."""
    folder = _existing_dir(path)
    try:
        st = os.statvfs(folder)
    except OSError:
        st = None
    if st is not None and st.f_bavail * st.f_frsize < MIN_FREE:
        return f"{folder} 所在磁盘仅剩 {_size(st.f_bavail * st.f_frsize)}"
    try:
        import resource

        soft, _hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    except (ImportError, OSError, ValueError):
        return None
    if soft == resource.RLIM_INFINITY:
        return None
    largest = 0
    for f in sizes:
        try:
            largest = max(largest, f.stat().st_size)
        except OSError:
            continue
    if soft < largest + MIN_FREE:
        return f"本进程可写文件的大小上限为 {_size(soft)}，见 ulimit -f"
    return None


def disk_full(what: str, detail: str | None, untouched: bool = True) -> DiskFull:
    tail = f"（{detail}）" if detail else ""
    result = f"，{what}{UNTOUCHED}" if untouched else ""
    return DiskFull(f"磁盘空间不足{tail}{result}：请清理磁盘空间后重试")


def from_os_error(e: OSError, what: str = "", *, untouched: bool = True) -> StorageError | None:
    """A space or read-only OSError as the core's error (None for any other).
    ``untouched``: the ledger was left as it was (say so); False for a file written after
    the ledger step (an audit's output file)."""
    if e.errno in SPACE_ERRNOS:
        where = f"写入 {e.filename} 失败" if e.filename else None
        if e.errno == errno.EFBIG:
            where = f"{where + '：' if where else ''}超出可写文件的大小上限"
        return disk_full(what, where, untouched)
    if e.errno == errno.EROFS:
        result = f"，{what}{UNTOUCHED}" if untouched else ""
        return ReadOnlyLedger(f"{e.filename or '文件'} 位于只读的磁盘上，不能写入{result}")
    return None


def files_of(db_path: Path) -> tuple[Path, ...]:
    """The files one SQLite ledger writes (the database, its WAL and shared-memory index)."""
    return tuple(db_path.with_name(db_path.name + s) for s in ("", "-wal", "-shm"))


def from_sqlite(e: sqlite3.Error, db_path: Path, what: str = "") -> StorageError | None:
    """SQLITE_FULL, or an I/O error when the disk or the size limit is exhausted, as
    :class:`DiskFull`; a read-only database as :class:`ReadOnlyLedger`; else None."""
    name = str(getattr(e, "sqlite_errorname", "") or "")
    text = str(e)
    if name == "SQLITE_FULL" or "database or disk is full" in text:
        return disk_full(what, shortage(db_path, files_of(db_path)))
    if name.startswith("SQLITE_IOERR") or "disk I/O error" in text:
        why = shortage(db_path, files_of(db_path))
        if why:
            return disk_full(what, why)
        return StorageError(f"台账写入磁盘失败（磁盘读写错误：{text}），{what}{UNTOUCHED}")
    if name.startswith("SQLITE_READONLY") or "readonly database" in text:
        return ReadOnlyLedger(f"台账 {db_path} 为只读，不能写入，{what}{UNTOUCHED}")
    return None
