"""Scanning and text extraction for the desk, in a worker process.

Web requests run in threads, where the pipeline's per-file CPU and wall-clock limits
(pipeline.deadline, signal timers) cannot work; a hostile upload must not hang or crash the
desk either. So every scan and every extraction runs in a small pool of worker processes
("spawn": no threads or open ledger inherited), each loading the rules and the model once.
A worker that dies or overruns is replaced, and the user gets one clear line.

- :meth:`Scanner.scan` — an uploaded file: the same report and 文号 as ``Ledger.scan`` (the
  core's checks plus its probe), and the extracted segments for the preview.
- :meth:`Scanner.extract` — an archived version's segments for the document page, kept in a
  small LRU cache by sha256 (the text stays in this process's memory only; pages mask it).
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
from collections import OrderedDict
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from secreview.config import Config
from secreview.errors import InputError, SecreviewError, Timeout
from secreview.model import Report

log = logging.getLogger(__name__)

# What a page shows of a document's text; findings beyond it stay in the side list.
MAX_SHOWN_CHARS = 400_000
CACHE_ENTRIES = 12

# (text, location dict, [(start, end, location dict)])
SegmentTuple = tuple[str, dict[str, Any], list[tuple[int, int, dict[str, Any]]]]


@dataclass
class Extracted:
    segments: list[SegmentTuple] = field(default_factory=list)
    total_chars: int = 0
    truncated: bool = False
    error: str | None = None  # a Chinese line when the text could not be read


@dataclass
class ScanOutcome:
    report: Report
    doc_number: str | None
    text: Extracted


# -- in the worker ------------------------------------------------------------------------------

_WORKER: dict[str, Any] = {}


def _init_worker(config: Config) -> None:
    from secreview.pipeline import default_checks

    _WORKER["config"] = config
    _WORKER["checks"] = default_checks(config)


def _segments(doc: Any) -> Extracted:
    out = Extracted()
    shown = 0
    for seg in doc.segments:
        out.total_chars += len(seg.text)
        if shown >= MAX_SHOWN_CHARS:
            out.truncated = True
            continue
        shown += len(seg.text)
        out.segments.append(
            (
                seg.text,
                seg.location.to_dict(),
                [(sp.start, sp.end, sp.location.to_dict()) for sp in seg.spans],
            )
        )
    return out


class _Capture:
    """A check that keeps the extracted document (reports nothing)."""

    name = "desk.capture"

    def __init__(self) -> None:
        self.doc: Any = None

    def run(self, doc: Any, ctx: Any) -> list[Any]:
        self.doc = doc
        return []


def scan_job(path: str, filename: str) -> ScanOutcome:
    from secreview.checks.docnumber import DocNumberProbe
    from secreview.extract import read_input
    from secreview.pipeline import scan_bytes

    config: Config = _WORKER["config"]
    data = read_input(path, config.limits)
    probe, capture = DocNumberProbe(), _Capture()
    report = scan_bytes(data, filename, config, [*_WORKER["checks"], probe, capture])
    text = _segments(capture.doc) if capture.doc is not None else Extracted()
    return ScanOutcome(report, probe.found, text)


def extract_job(data: bytes, filename: str) -> Extracted:
    from secreview.extract import extract_bytes
    from secreview.pipeline import deadline

    limits = _WORKER["config"].limits
    try:
        with deadline(limits.seconds_per_file, limits.wall_seconds_per_file) as budget:
            doc = extract_bytes(data, filename, limits)
    except SecreviewError as e:
        return Extracted(error=e.message)
    except Exception as e:  # noqa: BLE001 — a library choking on the file: say so, no trace
        return Extracted(error=f"无法读取文档内容（{type(e).__name__}）")
    if budget.expired:
        return Extracted(error=budget.error().message)
    return _segments(doc)


# -- in the desk --------------------------------------------------------------------------------


class Scanner:
    def __init__(self, config: Config, workers: int = 1) -> None:
        self.config = config
        self.workers = max(1, workers)
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, Extracted] = OrderedDict()

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    self.workers,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_init_worker,
                    initargs=(self.config,),
                )
            return self._pool

    def _reset(self, pool: ProcessPoolExecutor) -> None:
        """Drop a broken or stuck pool (its processes are ended); the next call starts anew."""
        with self._lock:
            if self._pool is pool:
                self._pool = None
        procs = list(getattr(pool, "_processes", {}).values())  # no public handle to them
        pool.shutdown(wait=False, cancel_futures=True)
        for p in procs:
            if p.is_alive():
                p.kill()

    def _run(self, fn: Any, *args: Any) -> Any:
        limits = self.config.limits
        pool = self._executor()
        fut: Future[Any] = pool.submit(fn, *args)
        try:
            return fut.result(timeout=limits.wall_seconds_per_file + 60)
        except FutureTimeout:
            self._reset(pool)
            raise Timeout(
                f"处理超时（超过 {limits.wall_seconds_per_file:.0f} 秒），文件可能结构异常"
            ) from None
        except BrokenProcessPool:
            self._reset(pool)
            raise InputError(
                "处理此文件时审查进程异常退出（文件可能过大或已损坏）", code="corrupt_file"
            ) from None

    def warm_up(self) -> None:
        """Start the workers (rules and model loaded) before the first upload needs them."""
        self._executor().submit(_noop)

    def scan(self, path: Path, filename: str) -> ScanOutcome:
        outcome: ScanOutcome = self._run(scan_job, str(path), filename)
        return outcome

    def extract(self, sha256: str, filename: str, load: Any) -> Extracted:
        """The segments of the archived bytes ``load()`` returns (called on a cache miss)."""
        with self._lock:
            hit = self._cache.get(sha256)
            if hit is not None:
                self._cache.move_to_end(sha256)
                return hit
        got: Extracted = self._run(extract_job, load(), filename)
        if got.error is None:
            with self._lock:
                self._cache[sha256] = got
                while len(self._cache) > CACHE_ENTRIES:
                    self._cache.popitem(last=False)
        return got

    def remember(self, sha256: str, text: Extracted) -> None:
        """Keep the text of a file just scanned: its document page opens without re-reading."""
        if text.error is None:
            with self._lock:
                self._cache[sha256] = text
                while len(self._cache) > CACHE_ENTRIES:
                    self._cache.popitem(last=False)

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
            self._cache.clear()
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def _noop() -> None:
    return None
