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


def test_swallowed_timeout_still_reports_timeout() -> None:
    config = Config(limits=Limits(seconds_per_file=0.5), use_classifier=False)
    report = scan_bytes("正文。".encode(), "a.txt", config, checks=[SwallowingCheck()])
    assert report.verdict == "error"
    assert report.error is not None and report.error.code == "timeout"


def test_fast_file_is_not_affected_by_the_budget() -> None:
    config = Config(limits=Limits(seconds_per_file=5), use_classifier=False)
    report = scan_bytes("正文。".encode(), "a.txt", config, checks=[])
    assert report.verdict == "pass" and report.error is None
