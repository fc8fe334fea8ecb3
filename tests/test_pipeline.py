"""The pipeline's guarantees: a per-file time budget that a library cannot swallow."""

from __future__ import annotations

import time

from secreview.checks import ScanContext
from secreview.config import Config, Limits
from secreview.model import Document, Finding
from secreview.pipeline import scan_bytes


class SwallowingCheck:
    """Like a library with a broad ``except Exception``: it eats the Timeout and goes on."""

    name = "swallow"

    def run(self, doc: Document, ctx: ScanContext) -> list[Finding]:
        end = time.monotonic() + 3
        while time.monotonic() < end:
            try:
                time.sleep(0.05)
            except Exception:  # noqa: BLE001, S110 — the point of the test
                pass
        return []


def test_fast_file_is_not_affected_by_the_budget() -> None:
    config = Config(limits=Limits(seconds_per_file=5), use_classifier=False)
    report = scan_bytes("正文。".encode(), "a.txt", config, checks=[])
    assert report.verdict == "pass" and report.error is None


class BusySwallowingCheck:
    """Burns CPU and eats every Timeout, like a library with a broad ``except``."""

    name = "busy"

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def run(self, doc: Document, ctx: ScanContext) -> list[Finding]:
        end = time.process_time() + self.seconds
        while time.process_time() < end:
            try:
                sum(range(1000))
            except Exception:  # noqa: BLE001, S110 — the point of the test
                pass
        return []


class SleepingCheck:
    """Waits without computing: slow in wall time, cheap in CPU time (a loaded machine)."""

    name = "sleep"

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def run(self, doc: Document, ctx: ScanContext) -> list[Finding]:
        time.sleep(self.seconds)
        return []


def test_budget_counts_cpu_time_not_wall_time() -> None:
    """A file that takes 2 s of wall time but almost no CPU is within a 1 s CPU budget."""
    config = Config(limits=Limits(seconds_per_file=1, wall_seconds_per_file=30))
    report = scan_bytes("正文。".encode(), "a.txt", config, checks=[SleepingCheck(2)])
    assert report.verdict == "pass" and report.error is None


def test_cpu_budget_is_enforced_even_when_swallowed() -> None:
    config = Config(limits=Limits(seconds_per_file=0.5, wall_seconds_per_file=30))
    started = time.monotonic()
    report = scan_bytes("正文。".encode(), "a.txt", config, checks=[BusySwallowingCheck(1.5)])
    assert report.error is not None and report.error.code == "timeout"
    assert "计算时间" in report.error.message
    assert time.monotonic() - started < 10


def test_wall_clock_ceiling_still_applies() -> None:
    config = Config(limits=Limits(seconds_per_file=60, wall_seconds_per_file=0.5))
    report = scan_bytes("正文。".encode(), "a.txt", config, checks=[SwallowingCheck()])
    assert report.error is not None and report.error.code == "timeout"
    assert "等待" in report.error.message


def test_cpu_budget_on_a_loaded_machine(tmp_path) -> None:
    """Two busy processes compete for the cores; a scan needing ~1 s of CPU still fits a
    1.5 s CPU budget although it takes longer than that in wall time."""
    import multiprocessing as mp

    hogs = [mp.get_context("spawn").Process(target=_burn, args=(30,)) for _ in range(3)]
    for h in hogs:
        h.start()
    try:
        config = Config(limits=Limits(seconds_per_file=1.5, wall_seconds_per_file=60))
        report = scan_bytes("正文。".encode(), "a.txt", config, checks=[BusySwallowingCheck(1)])
    finally:
        for h in hogs:
            h.kill()
            h.join()
    assert report.verdict == "pass", report.error


def _burn(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass
