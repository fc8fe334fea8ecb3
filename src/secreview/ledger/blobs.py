"""Content-addressed store of the exact bytes of every submitted version.

A blob lives at ``<db>.blobs/ab/cdef…`` (its sha256 split after two hex digits). It is written
atomically — temp file in the same folder, fsync, ``os.replace``, fsync of the folder — BEFORE
the event naming it commits, so a crash leaves at worst an unreferenced blob, never an event
pointing at nothing. Reading re-checks the hash.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import tempfile
from pathlib import Path

from secreview.errors import Refused

log = logging.getLogger(__name__)

_SHA_RE = re.compile(r"^[0-9a-f]{64}$")
_CHUNK = 1 << 20


def blob_dir_for(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".blobs")


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path_of(self, sha256: str) -> Path:
        if not _SHA_RE.match(sha256):
            raise Refused(f"不是有效的 SHA-256 哈希：{sha256!r}")
        return self.root / sha256[:2] / sha256[2:]

    def _hash_file(self, path: Path) -> str:
        h = hashlib.sha256()
        with path.open("rb") as f:
            while chunk := f.read(_CHUNK):
                h.update(chunk)
        return h.hexdigest()

    def put(self, data: bytes) -> str:
        """Store ``data`` durably; return its sha256. Idempotent for identical bytes."""
        sha = hashlib.sha256(data).hexdigest()
        target = self.path_of(sha)
        if target.exists() and self.check(sha) is None:
            return sha
        for d in (self.root, target.parent):
            if not d.is_dir():
                d.mkdir(parents=True, exist_ok=True)
                _fsync_dir(d.parent)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, 0o444)
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        _fsync_dir(target.parent)
        return sha

    def check(self, sha256: str) -> str | None:
        """None if the blob exists and hashes right, else a short Chinese reason."""
        path = self.path_of(sha256)
        try:
            actual = self._hash_file(path)
        except FileNotFoundError:
            return "缺失"
        except OSError as e:
            return f"无法读取（{e.strerror}）"
        if actual != sha256:
            return f"已被改动（现哈希 {actual[:12]}…）"
        return None

    def get(self, sha256: str) -> bytes:
        """The stored bytes, after re-checking they still hash to ``sha256``."""
        path = self.path_of(sha256)
        try:
            data = path.read_bytes()
        except FileNotFoundError as e:
            raise Refused(f"存档文件缺失：{sha256[:12]}…（{path}）") from e
        except OSError as e:
            raise Refused(f"无法读取存档文件 {path}：{e.strerror}") from e
        actual = hashlib.sha256(data).hexdigest()
        if actual != sha256:
            raise Refused(f"存档文件已被改动：应为 {sha256[:12]}…，实为 {actual[:12]}…（{path}）")
        return data
