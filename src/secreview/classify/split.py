"""One large document's classifier work on two cores (issue 17).

The classifier is most of a large text's scan. For a document of at least ``MIN_CHARS``,
``Split.start`` normalizes every segment (the rules need them all; the helper inherits them)
and forks one helper process before the other checks run; the segments are cut into ranges of
about equal length, each at least one classifier batch, at most ``PIECES``. The helper scores ranges from the front while
this process runs the rules and the residue check, then scores ranges from the back; each
range is claimed once, under a lock, so whichever process is free takes the next one and both
finish together whatever the machine's load. The helper sends its ranges' results back
through a pipe; ``ClassifierCheck.summarise`` joins all ranges in document order, which gives
exactly what one pass gives (the same batches' arithmetic per paragraph, the same best score,
the same mean).

Never forked: below ``MIN_CHARS`` or above ``MAX_CHARS`` (memory), with one core allowed (``scan --jobs 1``, or inside a pool
worker, which already has its core), or when this process runs other threads (the review
desk). If the helper fails or dies, this process scores whatever it did not deliver.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import pickle
import resource
import signal
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from secreview.checks import ScanContext
    from secreview.classify.check import ClassifierCheck, Scored
    from secreview.classify.genre import Detected
    from secreview.model import Document, Finding

MIN_CHARS = 1_000_000  # below this a fork costs more than the second core gives
# Above this the helper's own memory (its batches, its copy of what it touches: ~1.5 MiB per
# MB of text) would break the bound of 4 MiB per MB of input: one process scores it all.
MAX_CHARS = 16_000_000
PIECES = 32  # at most; each range at least one full classifier batch (check.BATCH_CHARS)


def worthwhile(doc: Document, cores: int) -> bool:
    if cores < 2 or threading.active_count() > 1:
        return False
    total = sum(len(seg.text) for seg in doc.segments)
    return MIN_CHARS <= total <= MAX_CHARS


def pieces(doc: Document, count: int | None = None) -> list[tuple[int, int]]:
    """Consecutive segment ranges of about equal text length covering the document: ``count``
    of them, by default as many as full classifier batches fit (2 to PIECES)."""
    from secreview.classify.check import BATCH_CHARS

    total = sum(len(seg.text) for seg in doc.segments) or 1
    if count is None:
        count = min(PIECES, max(2, total // BATCH_CHARS))
    out: list[tuple[int, int]] = []
    lo = acc = 0
    for i, seg in enumerate(doc.segments):
        acc += len(seg.text)
        if acc * count >= total * (len(out) + 1) and i + 1 < len(doc.segments):
            out.append((lo, i + 1))
            lo = i + 1
    out.append((lo, len(doc.segments)))
    return out


class Split:
    """The classifier of one document scored by this process and a forked helper."""

    def __init__(
        self, check: ClassifierCheck, doc: Document, ctx: ScanContext, cpu_seconds: float
    ) -> None:
        self.check, self.doc, self.ctx = check, doc, ctx
        from secreview.classify.check import document_genre

        self.genre: Detected | None = document_genre(doc, ctx)
        self.ranges = pieces(doc)
        self.results: dict[int, Scored] = {}
        self.cpu_seconds = cpu_seconds
        self._lock = multiprocessing.Lock()
        # [next range from the front, one past the next range from the back]
        self._claims = multiprocessing.RawArray(ctypes.c_int, [0, len(self.ranges)])
        self._pid = 0
        self._read = -1
        self.from_helper = 0  # ranges the helper delivered

    # -- claiming ranges --------------------------------------------------------------------
    def _claim(self, front: bool) -> int | None:
        with self._lock:
            lo, hi = self._claims[0], self._claims[1]
            if lo >= hi:
                return None
            if front:
                self._claims[0] = lo + 1
                return lo
            self._claims[1] = hi - 1
            return hi - 1

    def _score(self, k: int) -> Scored:
        lo, hi = self.ranges[k]
        return self.check.score_range(self.doc, self.ctx, self.genre, lo, hi)

    # -- the helper -------------------------------------------------------------------------
    def start(self) -> None:
        from secreview.classify.check import get_model

        get_model(self.check.model_dir)  # loaded once, here: the helper inherits it
        for _ in self.ctx.blocks():  # every segment normalized once, here: the helper too
            pass
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the helper: never returns into the caller's code
            code = 1
            try:
                os.close(read)
                self._helper(write)
                code = 0
            finally:
                os._exit(code)
        os.close(write)
        self._pid, self._read = pid, read

    def _helper(self, write: int) -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
        for sig in (signal.SIGPROF, signal.SIGALRM):
            signal.signal(sig, signal.SIG_DFL)
        limit = max(1, int(self.cpu_seconds) + 1)
        resource.setrlimit(resource.RLIMIT_CPU, (limit, limit))  # the file's CPU budget
        done: dict[int, Scored] = {}
        while (k := self._claim(front=True)) is not None:
            done[k] = self._score(k)
        data = pickle.dumps(done, protocol=pickle.HIGHEST_PROTOCOL)
        with os.fdopen(write, "wb") as out:
            out.write(data)

    # -- this process -----------------------------------------------------------------------
    def finish(self) -> list[Finding]:
        """Score ranges from the back until none is left, collect the helper's, summarise."""
        try:
            while (k := self._claim(front=False)) is not None:
                self.results[k] = self._score(k)
            got = self._collect()
            self.from_helper = len(got)
            self.results.update(got)
        finally:
            self.stop()
        for k in range(len(self.ranges)):  # whatever a failed helper did not deliver
            if k not in self.results:
                self.results[k] = self._score(k)
        parts = [self.results[k] for k in range(len(self.ranges))]
        return self.check.summarise(self.ctx, self.genre, parts)

    def _collect(self) -> dict[int, Scored]:
        chunks: list[bytes] = []
        while block := os.read(self._read, 1 << 20):
            chunks.append(block)
        _, status = os.waitpid(self._pid, 0)
        self._pid = 0
        if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
            return {}
        try:
            got = pickle.loads(b"".join(chunks))
        except Exception:  # noqa: BLE001 — a helper cut off mid-write: score it here
            return {}
        return got if isinstance(got, dict) else {}

    def stop(self) -> None:
        """Kill the helper if it still runs (idempotent)."""
        if self._pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self._pid, 0)
            self._pid = 0
        if self._read >= 0:
            os.close(self._read)
            self._read = -1
