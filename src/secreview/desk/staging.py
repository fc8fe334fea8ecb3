"""Uploads between "see the scan" and "submit": the exact bytes, kept owner-only, briefly.

A drafter uploads a file, sees the scan at once, then submits it with title, department,
channel and their passphrase. Between the two requests the bytes wait here — in a folder of
its own (0700, files 0600, under the system's temp folder), under a random token bound to the
user who uploaded them, for at most ``ttl`` seconds — together with the report the worker
made of them, so the submit records exactly what the drafter saw. Submitting, expiry and
shutdown delete them.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import shutil
import tempfile
import threading
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from secreview.errors import Refused, TooLarge
from secreview.model import Report

CHUNK = 1 << 20
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]")


def safe_filename(raw: str | None) -> str:
    """The last part of an uploaded file's name, without control or path characters."""
    name = unicodedata.normalize("NFC", raw or "")
    name = PurePosixPath(name.replace("\\", "/")).name
    name = _UNSAFE.sub("_", name).strip(" .")
    if len(name) > 150:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 150 - len(ext) - 1] + "." + ext) if dot and len(ext) <= 10 else name[:150]
    return name or "上传文件"


@dataclass
class Staged:
    token: str
    user: str
    path: Path
    filename: str
    sha256: str
    size: int
    created: float
    revises: str | None = None
    report: Report | None = None
    doc_number: str | None = None


class Staging:
    def __init__(
        self,
        ttl: float = 3600.0,
        per_user: int = 5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="secreview-desk-"))  # 0700
        self.ttl = ttl
        self.per_user = per_user
        self.clock = clock
        self._items: dict[str, Staged] = {}
        self._lock = threading.Lock()

    def put(
        self, user: str, filename: str, src: BinaryIO, max_bytes: int, revises: str | None = None
    ) -> Staged:
        """Copy an upload in, counting: more than ``max_bytes`` is refused (too_large)."""
        self.purge()
        token = secrets.token_urlsafe(24)
        folder = self.root / hashlib.sha256(token.encode()).hexdigest()[:32]
        folder.mkdir(mode=0o700)
        path = folder / safe_filename(filename)
        h = hashlib.sha256()
        size = 0
        fd = os.open(
            path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600
        )
        try:
            with os.fdopen(fd, "wb") as out:
                while block := src.read(CHUNK):
                    size += len(block)
                    if size > max_bytes:
                        raise TooLarge(
                            f"文件过大：超过 {max_bytes // (1024 * 1024)} MB 的上限，未作审查"
                        )
                    h.update(block)
                    out.write(block)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        item = Staged(token, user, path, path.name, h.hexdigest(), size, self.clock(), revises)
        with self._lock:
            mine = sorted(
                (s for s in self._items.values() if s.user == user), key=lambda s: s.created
            )
            for old in mine[: max(0, len(mine) - self.per_user + 1)]:
                self._drop_locked(old.token)
            self._items[token] = item
        return item

    def get(self, token: str, user: str) -> Staged:
        self.purge()
        with self._lock:
            item = self._items.get(token)
        if item is None or item.user != user:
            raise Refused("上传的文件已过期或不存在（上传后须在 1 小时内提交），请重新上传")
        return item

    def drop(self, token: str) -> None:
        with self._lock:
            self._drop_locked(token)

    def _drop_locked(self, token: str) -> None:
        item = self._items.pop(token, None)
        if item is not None:
            shutil.rmtree(item.path.parent, ignore_errors=True)

    def purge(self) -> None:
        now = self.clock()
        with self._lock:
            for token in [t for t, s in self._items.items() if now - s.created > self.ttl]:
                self._drop_locked(token)

    def close(self) -> None:
        with self._lock:
            self._items.clear()
        shutil.rmtree(self.root, ignore_errors=True)
