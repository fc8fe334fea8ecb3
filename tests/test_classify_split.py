"""One large document's classifier shared with a forked helper (classify/split.py, issue 17).

The helper and this process score ranges of segments apart; the report must be exactly what
one process gives — findings (classifier ones with their scores and terms), the classifier
summary — however the ranges fall between them, and also when the helper fails or is killed.
The threshold is lowered here so that a corpus-sized document is split (the real one is 1 M
characters; the machinery is the same).
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from secreview.checks import ScanContext
from secreview.classify import split
from secreview.classify.check import ClassifierCheck
from secreview.config import Config
from secreview.extract import extract_bytes
from secreview.model import Document
from secreview.pipeline import default_checks, run_checks, scan_bytes

REPO = Path(__file__).resolve().parent.parent
CONFIG = Config()


def corpus_document() -> bytes:
    """The labelled corpus as one text (it holds paragraphs of every class: findings)."""
    lines = []
    for path in sorted((REPO / "corpus" / "written").glob("*.jsonl")):
        for line in path.read_text("utf-8").splitlines():
            if line.strip():
                lines.append(json.loads(line)["text"].replace("\n", " "))
    return "\n".join(lines).encode("utf-8")


DATA = corpus_document()


def classifier() -> ClassifierCheck:
    checks = default_checks(CONFIG)
    found = [c for c in checks if isinstance(c, ClassifierCheck)]
    assert found, "the shipped model is needed"
    return found[0]


def document() -> Document:
    return extract_bytes(DATA, "corpus.txt", CONFIG.limits)


def one_process() -> tuple[list[dict[str, Any]], dict[str, Any]]:
    doc = document()
    ctx = ScanContext(doc)
    found = classifier().run(doc, ctx)
    return [f.to_dict() for f in found], ctx.summary["classifier"]


EXPECTED = one_process()


def split_run(prepare: Any = None, wait: bool = False) -> tuple[split.Split, Any]:
    doc = document()
    ctx = ScanContext(doc)
    job = split.Split(classifier(), doc, ctx, cpu_seconds=120)
    if prepare is not None:
        prepare(job)
    job.start()
    if wait:  # let the helper claim every range before this process takes any
        deadline = time.monotonic() + 120
        while job._claims[0] < job._claims[1] and time.monotonic() < deadline:
            time.sleep(0.01)
    found = job.finish()
    return job, ([f.to_dict() for f in found], ctx.summary["classifier"])


def test_the_corpus_has_classifier_findings_to_compare() -> None:
    findings, summary = EXPECTED
    assert len(findings) > 20
    assert summary["paragraphs"] > 1000


def test_ranges_cover_the_document_once() -> None:
    doc = document()
    ranges = split.pieces(doc)
    assert ranges[0][0] == 0 and ranges[-1][1] == len(doc.segments)
    assert all(a[1] == b[0] for a, b in zip(ranges, ranges[1:], strict=False))
    assert all(lo < hi for lo, hi in ranges)
    assert 2 <= len(ranges) <= split.PIECES
    assert len(split.pieces(doc, 7)) == 7


def test_helper_scoring_everything_gives_the_one_process_result() -> None:
    job, got = split_run(wait=True)
    assert job.from_helper == len(job.ranges)  # all of it came through the pipe
    assert got == EXPECTED


def test_sharing_the_ranges_gives_the_one_process_result() -> None:
    job, got = split_run()
    assert got == EXPECTED
    assert job._pid == 0  # the helper is gone


def test_a_failing_helper_is_made_up_for() -> None:
    def broken(job: split.Split) -> None:
        def helper(write: int) -> None:
            raise RuntimeError("helper broke")

        job._helper = helper  # type: ignore[method-assign]

    job, got = split_run(broken)
    assert job.from_helper == 0
    assert got == EXPECTED


def test_a_killed_helper_is_made_up_for() -> None:
    def killed(job: split.Split) -> None:
        def helper(write: int) -> None:
            os.kill(os.getpid(), signal.SIGKILL)

        job._helper = helper  # type: ignore[method-assign]

    job, got = split_run(killed)
    assert job.from_helper == 0
    assert got == EXPECTED


def test_the_pipeline_splits_a_large_document_with_the_same_report(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(split, "MIN_CHARS", len(DATA) // 4)
    started: list[int] = []
    real_start = split.Split.start

    def start(self: split.Split) -> None:
        started.append(len(self.ranges))
        real_start(self)

    monkeypatch.setattr(split.Split, "start", start)
    one = scan_bytes(DATA, "corpus.txt", replace(CONFIG, jobs=1)).to_dict()
    assert not started  # --jobs 1: never forked
    two = scan_bytes(DATA, "corpus.txt", replace(CONFIG, jobs=2)).to_dict()
    assert started == [len(split.pieces(document()))]
    assert two == one
    assert any(f["source"] == "classifier" for f in two["findings"])
    assert any(f["source"] == "rule" for f in two["findings"])


def test_never_forked_small_huge_or_beside_other_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    doc = document()
    assert not split.worthwhile(doc, 2)  # the corpus is below the real threshold
    monkeypatch.setattr(split, "MIN_CHARS", 1000)
    assert split.worthwhile(doc, 2)
    assert not split.worthwhile(doc, 1)
    monkeypatch.setattr(split, "MAX_CHARS", 2000)
    assert not split.worthwhile(doc, 2)  # too large: memory before speed
    monkeypatch.setattr(split, "MAX_CHARS", 10**9)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert not split.worthwhile(doc, 2)  # e.g. the review desk's threads: no fork
    finally:
        stop.set()
        other.join()


def test_run_checks_kills_the_helper_when_a_check_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(split, "MIN_CHARS", 1000)
    pids: list[int] = []
    real_start = split.Split.start

    def start(self: split.Split) -> None:
        real_start(self)
        pids.append(self._pid)

    class Failing:
        name = "failing"

        def run(self, doc: Document, ctx: ScanContext) -> list[Any]:
            raise RuntimeError("a check failed")

    monkeypatch.setattr(split.Split, "start", start)
    with pytest.raises(RuntimeError):
        run_checks(document(), [Failing(), classifier()], cores=2)
    assert len(pids) == 1
    with pytest.raises(ChildProcessError):
        os.waitpid(pids[0], os.WNOHANG)  # reaped: no helper left behind
