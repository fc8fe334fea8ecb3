"""Content-addressed store of the exact bytes of every submitted version.

:class:`Blobs` is what the services and verify need of any store; :class:`BlobStore` is the
folder beside a SQLite ledger (PostgreSQL keeps blobs in the database: ledger/postgres.py).

A blob lives at ``<db>.blobs/ab/cdef…`` (its sha256 split after two hex digits). It is written
atomically — temp file in the same folder, fsync, ``os.replace``, fsync of the folder — BEFORE
the event naming it commits, so a crash leaves at worst an unreferenced blob, never an event
pointing at nothing. Reading re-checks the hash.

Archived documents hold personal data: folders are created 0700 and files 0400 (owner only).
No symlink is followed into or inside the store: a symlinked folder or blob is refused
(``lstat`` on each level, ``O_NOFOLLOW`` on the file), so nobody can redirect a write or
substitute another file's bytes by planting a link.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import logging
import os
import re
import stat
from pathlib import Path
from typing import Protocol

from secreview.errors import Refused
from secreview.ledger import space

log = logging.getLogger(__name__)

_SHA_RE = re.compile(r"^[0-9a-f]{64}$")
_CHUNK = 1 << 20


def blob_dir_for(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".blobs")


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Blobs(Protocol):
    """A content-addressed store of archived bytes (sha256 → bytes)."""

    def create_root(self) -> None: ...

    def put(self, data: bytes) -> str:
        """Store ``data`` durably before returning its sha256 (idempotent)."""
        ...

    def check(self, sha256: str) -> str | None:
        """None if the blob exists and hashes right, else a short Chinese reason."""
        ...

    def get(self, sha256: str) -> bytes:
        """The stored bytes, re-checked against ``sha256`` (a Refused otherwise)."""
        ...


class BlobStore:
    """The folder store ``<db>.blobs/`` beside a SQLite ledger."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def create_root(self) -> None:
        self._dir(self.root, create=True)

    def _dir(self, path: Path, create: bool) -> bool:
        """True when ``path`` is a real folder (never a symlink); create it 0700 if asked."""
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            if not create:
                return False
            path.mkdir(mode=0o700, parents=False, exist_ok=True)
            os.chmod(path, 0o700)
            _fsync_dir(path.parent)
            st = os.lstat(path)
        if stat.S_ISLNK(st.st_mode) or not stat.S_ISDIR(st.st_mode):
            raise Refused(f"存档目录 {path} 是符号链接或不是目录，拒绝使用（不跟随符号链接）")
        return True

    def path_of(self, sha256: str) -> Path:
        if not _SHA_RE.match(sha256):
            raise Refused(f"不是有效的 SHA-256 哈希：{sha256!r}")
        return self.root / sha256[:2] / sha256[2:]

    def _open(self, sha256: str) -> int:
        """A file descriptor on the blob, never through a symlink (FileNotFoundError if absent)."""
        path = self.path_of(sha256)
        if not (self._dir(self.root, False) and self._dir(path.parent, False)):
            raise FileNotFoundError(path)
        try:
            return os.open(path, os.O_RDONLY | _NOFOLLOW)
        except OSError as e:
            if e.errno == errno.ELOOP:
                raise Refused(f"存档文件 {path} 是符号链接，拒绝读取") from e
            raise

    def _hash_fd(self, fd: int) -> str:
        h = hashlib.sha256()
        with os.fdopen(fd, "rb") as f:
            while chunk := f.read(_CHUNK):
                h.update(chunk)
        return h.hexdigest()

    def put(self, data: bytes) -> str:
        """Store ``data`` durably; return its sha256. Idempotent for identical bytes.

        No room (a full disk, a quota, the file-size limit) or a read-only medium is the
        core's DiskFull/ReadOnlyLedger (ledger/space.py); the temp file is removed, so
        nothing of the attempt remains."""
        try:
            return self._put(data)
        except OSError as e:
            mapped = space.from_os_error(e, "文件未存档，")
            if mapped is not None:
                raise mapped from e
            raise

    def _put(self, data: bytes) -> str:
        sha = hashlib.sha256(data).hexdigest()
        target = self.path_of(sha)
        if os.path.lexists(target) and self.check(sha) is None:
            return sha
        self.root.parent.mkdir(parents=True, exist_ok=True)
        for d in (self.root, target.parent):
            self._dir(d, create=True)
        import tempfile  # (with shutil, random, bz2, lzma: not on a read's path, issue 17)

        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, 0o400)
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        _fsync_dir(target.parent)
        return sha

    def check(self, sha256: str) -> str | None:
        """None if the blob exists and hashes right, else a short Chinese reason."""
        try:
            actual = self._hash_fd(self._open(sha256))
        except FileNotFoundError:
            return "缺失"
        except Refused as e:
            return e.message
        except OSError as e:
            return f"无法读取（{e.strerror}）"
        if actual != sha256:
            return f"已被改动（现哈希 {actual[:12]}…）"
        return None

    def get(self, sha256: str) -> bytes:
        """The stored bytes, after re-checking they still hash to ``sha256``."""
        path = self.path_of(sha256)
        try:
            with os.fdopen(self._open(sha256), "rb") as fh:
                data = fh.read()
        except FileNotFoundError as e:
            raise Refused(f"存档文件缺失：{sha256[:12]}…（{path}）") from e
        except OSError as e:
            raise Refused(f"无法读取存档文件 {path}：{e.strerror}") from e
        actual = hashlib.sha256(data).hexdigest()
        if actual != sha256:
            raise Refused(f"存档文件已被改动：应为 {sha256[:12]}…，实为 {actual[:12]}…（{path}）")
        return data
