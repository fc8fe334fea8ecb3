"""One worker pool for every command that scans many files (``scan --jobs``, ``sweep``).

``run_pool(items, work, jobs=…, initializer=…)`` calls ``work(item)`` for each item and yields
``(index, result)``: in input order (``ordered=True``, what ``scan`` prints) or as results
arrive (what ``sweep`` records, so a killed run loses only the files in flight).

- ``jobs == 1`` (or a single item) runs in this process: no pool, no pickling.
- Otherwise ``jobs`` worker processes, at most ``4 × jobs`` items in flight (bounded memory
  for a folder of 100 000 files). Each worker runs ``initializer(*initargs)`` once.
- Workers ignore SIGINT: Ctrl-C reaches this (the parent) process only, which cancels what
  has not started, stops the workers and re-raises ``KeyboardInterrupt`` for the caller to
  turn into one line and exit 130 — no traceback from every worker.
- The per-file budget (pipeline.deadline: SIGPROF/SIGALRM) works unchanged in a worker:
  each item runs in the worker's main thread.
- An exception ``work`` raises (a bad rule file: ``UsageError``) is raised here, with its
  ``code`` (errors.SecreviewError pickles it).
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from concurrent.futures import Future

T = TypeVar("T")
R = TypeVar("R")

IN_FLIGHT_PER_JOB = 4


def default_jobs() -> int:
    """The cores this process may run on (its CPU affinity), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


_IN_POOL = False


def in_pool() -> bool:
    """This process is a pool worker: it has its one core (a document is not split again)."""
    return _IN_POOL


def _worker_start(initializer: Callable[..., None] | None, initargs: tuple[Any, ...]) -> None:
    global _IN_POOL
    _IN_POOL = True
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    if initializer is not None:
        initializer(*initargs)


def run_pool(
    items: Sequence[T],
    work: Callable[[T], R],
    *,
    jobs: int | None = None,
    initializer: Callable[..., None] | None = None,
    initargs: tuple[Any, ...] = (),
    ordered: bool = True,
) -> Iterator[tuple[int, R]]:
    """``(index, work(items[index]))`` for every item (see the module docstring)."""
    jobs = max(1, jobs or default_jobs())
    if jobs == 1 or len(items) <= 1:
        if initializer is not None:
            initializer(*initargs)
        for i, item in enumerate(items):
            yield i, work(item)
        return
    yield from _pooled(items, work, min(jobs, len(items)), initializer, initargs, ordered)


def _pooled(
    items: Sequence[T],
    work: Callable[[T], R],
    jobs: int,
    initializer: Callable[..., None] | None,
    initargs: tuple[Any, ...],
    ordered: bool,
) -> Iterator[tuple[int, R]]:
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    pool = ProcessPoolExecutor(jobs, initializer=_worker_start, initargs=(initializer, initargs))
    clean = False
    try:
        pending: dict[Future[R], int] = {}
        done: dict[int, R] = {}
        following = 0  # ordered: the next index to yield
        submitted = 0

        def top_up() -> None:
            nonlocal submitted
            while submitted < len(items) and len(pending) < jobs * IN_FLIGHT_PER_JOB:
                pending[pool.submit(work, items[submitted])] = submitted
                submitted += 1

        top_up()
        while pending:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in finished:
                index = pending.pop(fut)
                result = fut.result()  # re-raises what the worker raised
                if ordered:
                    done[index] = result
                else:
                    yield index, result
            top_up()
            while ordered and following in done:
                yield following, done.pop(following)
                following += 1
        clean = True
    finally:
        if clean:
            pool.shutdown(wait=True)
        else:  # Ctrl-C, a worker's error, or the caller stopped iterating
            procs = list((getattr(pool, "_processes", None) or {}).values())
            pool.shutdown(wait=False, cancel_futures=True)
            _stop_workers(procs)


def _stop_workers(procs: list[Any]) -> None:
    """Terminate the workers still running an item (their results are not wanted)."""
    for proc in procs:
        if proc.is_alive():
            proc.terminate()
    for proc in procs:
        proc.join(timeout=5)
