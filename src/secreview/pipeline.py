"""The one place that composes the parts: extract → normalize → checks → verdict → report."""

from __future__ import annotations

import hashlib
import logging
import signal
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from secreview.checks import Check, ScanContext
from secreview.config import Config
from secreview.errors import InputError, SecreviewError, Timeout
from secreview.extract import extract_bytes, read_input
from secreview.extract.detect import detect_format
from secreview.model import Document, ErrorInfo, Finding, Report, verdict_of

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
    """Whether the per-file time budget ran out (even if a library swallowed the Timeout)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False

    def error(self) -> ErrorInfo:
        return ErrorInfo(
            "timeout", f"处理超时（超过 {self.seconds:.0f} 秒），文件可能过大或结构异常"
        )


@contextmanager
def deadline(seconds: float) -> Iterator[Deadline]:
    """Raise Timeout if the block runs longer than ``seconds`` (main thread only).

    The alarm repeats every 0.2 s after it first fires, so a library that catches and
    ignores the exception (pdfminer has broad ``except Exception`` blocks) gets it again;
    ``Deadline.expired`` tells the caller that whatever came out is not to be trusted.
    """
    state = Deadline(seconds)
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield state
        return

    def _alarm(signum: int, frame: object) -> None:
        state.expired = True
        raise Timeout(state.error().message)

    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds, 0.2)
    try:
        yield state
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def run_checks(doc: Document, checks: Sequence[Check]) -> tuple[list[Finding], ScanContext]:
    ctx = ScanContext(doc)
    findings: list[Finding] = []
    for check in checks:
        findings.extend(check.run(doc, ctx))
    return findings, ctx


def scan_bytes(
    data: bytes, path: str, config: Config, checks: Sequence[Check] | None = None
) -> Report:
    sha = hashlib.sha256(data).hexdigest()
    fmt: str | None = None
    budget = Deadline(config.limits.seconds_per_file)
    try:
        with deadline(config.limits.seconds_per_file) as budget:
            fmt = detect_format(data, path) if data else None
            doc = extract_bytes(data, path, config.limits)
            fmt = doc.format
            findings, ctx = run_checks(
                doc, checks if checks is not None else default_checks(config)
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
    return scan_bytes(data, str(path), config, checks)


SUPPORTED_SUFFIXES = frozenset(
    (
        ".txt .md .csv .tsv .htm .html .shtml .pdf .docx .docm .xlsx .xlsm .doc .wps .xls .et .rtf "
        ".ofd .pptx .pptm .ppt .dps .pps .odt .ods .odp .eml .mht .mhtml .zip "
        ".png .jpg .jpeg .tif .tiff .bmp .gif .webp"
    ).split()
)


def expand_paths(paths: Sequence[str | Path], recursive: bool) -> list[Path]:
    """Files in argument order; folders (with ``recursive``) expand to their documents, sorted."""
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir() and recursive:
            out.extend(
                sorted(
                    f
                    for f in p.rglob("*")
                    if f.is_file()
                    and f.suffix.lower() in SUPPORTED_SUFFIXES
                    and not any(part.startswith(".") for part in f.relative_to(p).parts)
                )
            )
        else:
            out.append(p)
    return out


__all__ = [
    "scan_file",
    "scan_bytes",
    "expand_paths",
    "run_checks",
    "default_checks",
    "SecreviewError",
]
