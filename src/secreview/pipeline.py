"""The one place that composes the parts: extract → normalize → checks → verdict → report."""

from __future__ import annotations

import hashlib
import logging
import os
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, cast

from secreview.checks import Check, ScanContext
from secreview.config import Config
from secreview.errors import InputError, SecreviewError, Timeout
from secreview.extract import extract_bytes, read_input
from secreview.extract.detect import detect_format
from secreview.model import Document, ErrorInfo, Finding, Report, verdict_of

if TYPE_CHECKING:
    from secreview.classify.check import ClassifierCheck
    from secreview.classify.split import Split

log = logging.getLogger(__name__)


def default_checks(config: Config) -> list[Check]:
    """The rule packs of ``config.rules_dirs`` (loaded once per process), then residue.

    A malformed rule file raises UsageError (file, line, rule id) — not a per-file error.
    """
    from secreview.checks.residue import ResidueCheck
    from secreview.rules import load_ruleset, rules_check

    checks: list[Check] = [rules_check(load_ruleset(config.rules_dirs)), ResidueCheck()]
    checks += _classifier_checks(config)
    return checks


def _classifier_checks(config: Config) -> list[Check]:
    """The trained classifier when enabled and a model directory is present (else none)."""
    from secreview.classify.check import ClassifierCheck, model_available

    if not model_available(config):
        log.info("classifier off: no model at %s", config.model_dir)
        return []
    assert config.model_dir is not None
    return [ClassifierCheck(config.model_dir)]


class Deadline:
    """Whether the per-file budget ran out (even if a library swallowed the Timeout).

    ``seconds`` is CPU time (this process, all threads); ``wall_seconds`` a wall-clock ceiling.
    """

    def __init__(self, seconds: float, wall_seconds: float = 0.0) -> None:
        self.seconds = seconds
        self.wall_seconds = wall_seconds
        self.expired: str | None = None  # "cpu" or "wall" once the budget ran out

    def error(self) -> ErrorInfo:
        if self.expired == "wall":
            return ErrorInfo(
                "timeout",
                f"处理超时（等待超过 {self.wall_seconds:.0f} 秒），文件可能结构异常",
            )
        return ErrorInfo(
            "timeout",
            f"处理超时（计算时间超过 {self.seconds:.0f} 秒），文件可能过大或结构异常",
        )


@contextmanager
def deadline(seconds: float, wall_seconds: float = 0.0) -> Iterator[Deadline]:
    """Raise Timeout once the block has used ``seconds`` of CPU, or ``wall_seconds`` of wall
    time (main thread only; 0 turns a limit off).

    CPU time is measured by ITIMER_PROF (SIGPROF), wall time by ITIMER_REAL (SIGALRM). Each
    timer repeats every 0.2 s after it first fires, so a library that catches and ignores the
    exception (pdfminer has broad ``except Exception`` blocks) gets it again;
    ``Deadline.expired`` tells the caller that whatever came out is not to be trusted.
    """
    state = Deadline(seconds, wall_seconds)
    if threading.current_thread() is not threading.main_thread():
        yield state
        return
    timers = [
        (signal.SIGPROF, signal.ITIMER_PROF, seconds, "cpu"),
        (signal.SIGALRM, signal.ITIMER_REAL, wall_seconds, "wall"),
    ]
    timers = [t for t in timers if t[2] > 0]

    def handler(kind: str) -> Callable[[int, object], None]:
        def _fire(signum: int, frame: object) -> None:
            state.expired = state.expired or kind
            raise Timeout(state.error().message)

        return _fire

    old = [(sig, signal.signal(sig, handler(kind))) for sig, _, _, kind in timers]
    for _, which, limit, _ in timers:
        signal.setitimer(which, limit, 0.2)
    try:
        yield state
    finally:
        for _, which, _, _ in timers:
            signal.setitimer(which, 0)
        for sig, previous in old:
            signal.signal(sig, previous)


def run_checks(
    doc: Document, checks: Sequence[Check], cores: int = 1, cpu_seconds: float = 120.0
) -> tuple[list[Finding], ScanContext]:
    """Every check over ``doc``, findings in check order. With ``cores`` ≥ 2 a large
    document's classifier is scored partly by a helper process while the other checks run
    (classify/split.py): the same findings and summary as one process gives."""
    ctx = ScanContext(doc)
    findings: list[Finding] = []
    split = _split_classifier(doc, ctx, checks, cores, cpu_seconds)
    try:
        for check in checks:
            if split is not None and check is split.check:
                findings.extend(split.finish())
            else:
                findings.extend(check.run(doc, ctx))
    finally:
        if split is not None:
            split.stop()
    return findings, ctx


def _split_classifier(
    doc: Document, ctx: ScanContext, checks: Sequence[Check], cores: int, cpu_seconds: float
) -> Split | None:
    check = next((c for c in checks if hasattr(c, "score_range")), None)  # the classifier
    if cores < 2 or check is None:
        return None
    from secreview.classify.split import Split, worthwhile

    if not worthwhile(doc, cores):
        return None
    split = Split(cast("ClassifierCheck", check), doc, ctx, cpu_seconds)
    split.start()
    return split


def cores_for(config: Config) -> int:
    """Processes one scan may use: ``config.jobs`` (default every core), 1 in a pool worker."""
    from secreview.workers import default_jobs, in_pool

    if in_pool():
        return 1
    return max(1, config.jobs or default_jobs())


def scan_bytes(
    data: bytes, path: str, config: Config, checks: Sequence[Check] | None = None
) -> Report:
    return _scan([data], path, config, checks)


def _scan(box: list[bytes], path: str, config: Config, checks: Sequence[Check] | None) -> Report:
    """``box`` holds the file's bytes; they are let go once extracted (a 100 MB file's bytes
    need not live on while the checks run) when the caller kept no other reference."""
    data = box.pop()
    sha = hashlib.sha256(data).hexdigest()
    fmt: str | None = None
    limits = config.limits
    budget = Deadline(limits.seconds_per_file, limits.wall_seconds_per_file)
    try:
        with deadline(limits.seconds_per_file, limits.wall_seconds_per_file) as budget:
            fmt = detect_format(data, path) if data else None
            doc = extract_bytes(data, path, config.limits, fmt)
            del data
            fmt = doc.format
            findings, ctx = run_checks(
                doc,
                checks if checks is not None else default_checks(config),
                cores_for(config),
                limits.seconds_per_file,
            )
    except InputError as e:
        error = budget.error() if budget.expired else ErrorInfo(e.code, e.message)
        return Report(path, sha, fmt, "error", error)
    except SecreviewError:
        raise  # configuration problems (bad rule file, bad model) concern the whole run
    except RecursionError:
        return Report(
            path, sha, fmt, "error", ErrorInfo("corrupt_file", "文件结构嵌套过深，无法处理")
        )
    except MemoryError:
        return Report(path, sha, fmt, "error", ErrorInfo("too_large", "文件过大，内存不足以处理"))
    except Exception as e:  # noqa: BLE001 — a library choking on a malformed file
        if budget.expired:
            return Report(path, sha, fmt, "error", budget.error())
        log.debug("extraction or check failed on %s", path, exc_info=True)
        return Report(
            path,
            sha,
            fmt,
            "error",
            ErrorInfo("corrupt_file", f"无法解析此文件，文件可能已损坏（{type(e).__name__}: {e}）"),
        )
    if budget.expired:  # the alarm fired but something swallowed it: do not trust the result
        return Report(path, sha, fmt, "error", budget.error())
    return Report(
        path, sha, fmt, verdict_of(findings), None, findings, ctx.summary.get("classifier")
    )


def scan_file(path: str | Path, config: Config, checks: Sequence[Check] | None = None) -> Report:
    try:
        data = read_input(path, config.limits)
    except InputError as e:
        return Report(str(path), None, None, "error", ErrorInfo(e.code, e.message))
    box = [data]
    del data
    return _scan(box, str(path), config, checks)


_WORKER: dict[str, object] = {}
_WARM_UP = "关于做好年度政务公开工作的通知。各单位要认真落实有关要求。".encode()


def _init_scan_worker(config: Config) -> None:
    _WORKER["config"] = config
    _WORKER["checks"] = default_checks(config)


def _scan_in_worker(path: Path) -> Report:
    config = _WORKER["config"]
    checks = _WORKER["checks"]
    assert isinstance(config, Config) and isinstance(checks, list)
    return scan_file(path, config, checks)


def scan_files(files: Sequence[Path], config: Config, jobs: int | None = None) -> list[Report]:
    """``scan_file`` of every file, in ``jobs`` processes (default: every core), reports in
    the order of ``files`` — the same reports as one process gives (workers.run_pool)."""
    from secreview.workers import run_pool

    if jobs is not None:
        config = replace(config, jobs=jobs)  # also what one large file may use
    if len(files) > 1 and jobs != 1:
        # a bad rule file or model is one error here, before any worker starts; and one
        # small scan loads the tokenizer and the model, which forked workers then inherit
        # instead of each loading them again
        scan_bytes(_WARM_UP, "warm-up.txt", config, default_checks(config))
    results = run_pool(
        list(files), _scan_in_worker, jobs=jobs, initializer=_init_scan_worker, initargs=(config,)
    )
    return [report for _, report in results]


def provenance(config: Config) -> tuple[dict[str, str], dict[str, str]]:
    """sha256 of every rule file and of the model (its manifest covers every model file)
    that a scan with this config uses — recorded with each submitted version and sweep."""
    from secreview.classify.check import model_hash
    from secreview.rules import load_ruleset

    rules = {
        f"{Path(path).parent.name}/{Path(path).name}": digest
        for path, digest in load_ruleset(config.rules_dirs).hashes.items()
    }
    digest = model_hash(config)
    return rules, ({"manifest.json": digest} if digest else {})


def expand_paths(paths: Sequence[str | Path], recursive: bool) -> list[Path]:
    """Paths in argument order; with ``recursive`` a folder expands to every entry under it.

    Nothing under a folder is left out: documents, files of other kinds, hidden files and
    special files are all returned, so each is scanned or reported with its error code
    (``unsupported_format``, ``not_regular_file`` …). Linked folders are listed, not entered.
    """
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if recursive and p.is_dir():
            out.extend(_entries_under(p))
        else:
            out.append(p)
    return out


def _entries_under(root: Path) -> list[Path]:
    found: list[Path] = []

    def unreadable(err: OSError) -> None:  # a folder we may not list is reported, not dropped
        found.append(Path(err.filename) if err.filename else root)

    for dirpath, dirnames, filenames in os.walk(root, onerror=unreadable):
        here = Path(dirpath)
        found.extend(here / d for d in dirnames if (here / d).is_symlink())
        found.extend(here / f for f in filenames)
    return sorted(found)


__all__ = [
    "scan_file",
    "scan_files",
    "scan_bytes",
    "expand_paths",
    "run_checks",
    "default_checks",
    "SecreviewError",
]
