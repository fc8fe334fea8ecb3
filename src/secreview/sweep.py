"""定期梳理 (periodic sweep): re-scan published documents with today's rules and model.

Each file under the given paths is hashed and matched to the ledger:

- its bytes are a signed-off version → re-scanned; findings whose fingerprint the version's
  own report did not have (new rules, a new model) make it ``attention``, else ``ok``;
  a signed-off version that a newer version has since replaced → ``superseded``;
  a version that was never signed off → ``unsigned``;
- bytes unknown to the ledger but the file name is the name of a signed-off item (the file
  name recorded at submit, or the last part of a recorded publish URL) → ``changed``: the
  published file was changed after sign-off;
- otherwise → ``unknown``: not in the ledger — published without review?

Scanning runs in worker processes (one per core by default); only this parent process writes
to the ledger, one event per file as results arrive, so a killed run loses at most the files
in flight. A run has an id; running the same sweep (same paths) again while the last run has
no ``sweep_end`` continues it: files already recorded for that run with the same path and
bytes are skipped.
"""

from __future__ import annotations

import hashlib
import logging
import os
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from secreview import workflow as wf
from secreview.checks import Check, ensure_fingerprints
from secreview.config import Config
from secreview.errors import UsageError
from secreview.ledger.canonical import canonical
from secreview.ledger.storage import Storage
from secreview.model import Event

log = logging.getLogger(__name__)

ATTENTION = frozenset({"attention", "changed", "unknown", "unsigned", "superseded", "error"})
ACTIONABLE = frozenset({"block", "review"})
Progress = Callable[[int, int], None]


# -- scanning (runs in worker processes) ---------------------------------------------------------

_WORKER: dict[str, Any] = {}


def _init_worker(config: Config) -> None:
    from secreview.pipeline import default_checks

    _WORKER["config"] = config
    _WORKER["checks"] = default_checks(config)


def scan_one(path: str) -> dict[str, Any]:
    """Read and scan one file; only rule ids, categories, severities, locations and
    fingerprints leave the worker — never the matched text."""
    from secreview.errors import InputError
    from secreview.extract import read_input
    from secreview.pipeline import scan_bytes

    config: Config = _WORKER["config"]
    checks: list[Check] = _WORKER["checks"]
    try:
        data = read_input(path, config.limits)
    except InputError as e:
        return {"path": path, "sha256": None, "size": 0, "verdict": "error", "error": e.code}
    report = scan_bytes(data, Path(path).name, config, checks).to_dict()
    ensure_fingerprints(report)
    return {
        "path": path,
        "sha256": hashlib.sha256(data).hexdigest(),
        "size": len(data),
        "verdict": report["verdict"],
        "error": (report.get("error") or {}).get("code"),
        "findings": [
            {
                "fingerprint": f.get("fingerprint"),
                "rule": f.get("rule"),
                "category": f.get("category"),
                "severity": f.get("severity"),
                "location": f.get("location") or {"part": "body"},
            }
            for f in report["findings"]
        ],
    }


# -- matching files to the ledger ------------------------------------------------------------------


def _item(f: dict[str, Any]) -> dict[str, Any]:
    return {
        "rule": f.get("rule"),
        "category": f.get("category"),
        "severity": f.get("severity"),
        "location": f.get("location") or {"part": "body"},
    }


def _signed(vs: wf.VersionState) -> bool:
    return bool(vs.sign and vs.sign.get("decision") == "approve")


def _url_name(url: str | None) -> str | None:
    if not url:
        return None
    name = unquote(urlparse(url).path.rsplit("/", 1)[-1])
    return name or None


@dataclass
class LedgerIndex:
    states: dict[str, wf.SubmissionState] = field(default_factory=dict)
    by_sha: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    by_name: dict[str, list[tuple[str, int]]] = field(default_factory=dict)

    @classmethod
    def from_events(cls, events: Iterable[Event]) -> LedgerIndex:
        grouped: dict[str, list[Event]] = {}
        for ev in events:
            if ev.submission_id is not None and not ev.action.startswith("sweep"):
                grouped.setdefault(ev.submission_id, []).append(ev)
        idx = cls()
        for sid, evs in grouped.items():
            st = wf.fold_submission(evs)
            if st is None:
                continue
            idx.states[sid] = st
            for v, vs in st.versions.items():
                idx.by_sha.setdefault(vs.sha256, []).append((sid, v))
                if not _signed(vs):
                    continue
                names = {vs.filename} | {_url_name(p.get("url")) for p in vs.publications}
                for name in names - {None, ""}:
                    assert name is not None
                    idx.by_name.setdefault(name, []).append((sid, v))
        return idx

    def classify(self, name: str, scan: dict[str, Any]) -> dict[str, Any]:
        """The sweep verdict of one scanned file (a JSON-able result, no matched text)."""
        sha = scan.get("sha256")
        findings = scan.get("findings") or []
        counts = dict(Counter(f["category"] for f in findings))
        out: dict[str, Any] = {
            "path": scan["path"],
            "sha256": sha,
            "size": scan.get("size", 0),
            "scan_verdict": scan["verdict"],
            "findings": counts,
            "new_findings": 0,
            "new_rules": [],
            "submission_id": None,
            "version": None,
            "title": None,
            # the problems behind the verdict, for people: rule, severity, location (no text)
            "items": [_item(f) for f in findings if f.get("severity") in ACTIONABLE],
        }
        if scan["verdict"] == "error":
            return {**out, "verdict": "error", "detail": f"无法读取（{scan.get('error')}）"}
        matches = self.by_sha.get(sha or "", [])
        if matches:
            sid, v = max(matches, key=lambda m: (_signed(self.states[m[0]].versions[m[1]]), m))
            st = self.states[sid]
            vs = st.versions[v]
            out.update(submission_id=sid, version=v, title=st.title)
            if not _signed(vs):
                status = wf.STATUS_ZH.get(vs.status, vs.status)
                return {
                    **out,
                    "verdict": "unsigned",
                    "detail": f"与 {sid} 第{v}版一致，但该版本未经领导签批（{status}）",
                }
            if v != st.current:
                return {
                    **out,
                    "verdict": "superseded",
                    "detail": f"是 {sid} 第{v}版，已被第{st.current}版取代，公开的仍是旧版本",
                }
            known = {f.get("fingerprint") for f in vs.findings}
            new = [
                f
                for f in findings
                if f.get("severity") in ACTIONABLE and f.get("fingerprint") not in known
            ]
            out["new_findings"] = len(new)
            out["new_rules"] = sorted({str(f.get("rule")) for f in new})
            out["items"] = [_item(f) for f in new]
            if new:
                return {
                    **out,
                    "verdict": "attention",
                    "detail": f"按现行规则和模型发现 {len(new)} 个新问题（{'、'.join(out['new_rules'])}）",
                }
            return {**out, "verdict": "ok", "detail": f"{sid} 第{v}版，复查无新问题"}
        named = self.by_name.get(name, [])
        if named:
            sid, v = max(named)
            st = self.states[sid]
            signed_sha = (st.versions[v].sign or {}).get("sha256") or st.versions[v].sha256
            out.update(submission_id=sid, version=v, title=st.title, signed_sha256=signed_sha)
            return {
                **out,
                "verdict": "changed",
                "detail": (
                    f"文件名与 {sid} 第{v}版「{st.title}」一致，但内容与签批的文件不同"
                    f"（签批 {signed_sha[:12]}…，现为 {(sha or '')[:12]}…）：签批后被改动"
                ),
            }
        return {**out, "verdict": "unknown", "detail": "不在台账中——是否未经审查即发布？"}


def explain_bytes(events: Iterable[Event], name: str, sha256: str) -> dict[str, Any]:
    """Why these bytes are not a signed-off current version — the sweep's own matching: by
    sha256 (``unsigned``, ``superseded``), else by the file name recorded at submit or the
    publish URL (``changed``: signed for that item, then replaced), else ``unknown``.
    ``check`` uses it to say which item a replaced file was signed for."""
    index = LedgerIndex.from_events(events)
    scan = {"path": name, "sha256": sha256, "verdict": "pass", "findings": []}
    return index.classify(name, scan)


# -- the run -------------------------------------------------------------------------------------


def collect_files(paths: Sequence[str | Path]) -> list[Path]:
    """Files named, and every document under folders named (sorted, hidden entries skipped)."""
    from secreview.pipeline import expand_paths

    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if not p.exists():
            raise UsageError(f"找不到要梳理的路径：{raw}", code="not_found")
        out.extend(expand_paths([p], recursive=True))
    seen: set[Path] = set()
    unique = []
    for f in out:
        r = f.resolve()
        if r not in seen:
            seen.add(r)
            unique.append(r)
    return unique


def run_key(paths: Sequence[str | Path]) -> str:
    """Same paths → same key: how a rerun finds the unfinished run it continues."""
    names = sorted(str(Path(p).resolve()) for p in paths)
    return hashlib.sha256(canonical(names).encode("utf-8")).hexdigest()[:16]


def _file_sha(path: Path) -> str | None:
    """The file's sha256, or None for anything that is not a readable regular file."""
    from secreview.errors import InputError
    from secreview.extract import open_regular

    h = hashlib.sha256()
    try:
        with open_regular(path) as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    except (InputError, OSError):
        return None
    return h.hexdigest()


def _unfinished_run(sweeps: list[Event], key: str) -> tuple[str | None, set[tuple[str, str]]]:
    """The last run with this key if it never ended, and its recorded (path, sha256)."""
    run: str | None = None
    ended: set[str] = set()
    for ev in sweeps:
        if ev.action == "sweep_start" and ev.payload.get("key") == key:
            run = ev.payload.get("run")
        elif ev.action == "sweep_end":
            ended.add(ev.payload.get("run", ""))
    if run is None or run in ended:
        return None, set()
    done = {
        (ev.payload.get("path", ""), ev.payload.get("sha256") or "")
        for ev in sweeps
        if ev.action == "sweep_result" and ev.payload.get("run") == run
    }
    return run, done


# Records one event (signed by the sweeping auditor) and returns it.
Record = Callable[[str, "str | None", "int | None", dict[str, Any]], Event]


def run_sweep(
    storage: Storage,
    config: Config,
    append: Record,
    paths: Sequence[str | Path],
    *,
    jobs: int | None = None,
    progress: Progress | None = None,
    provenance: tuple[dict[str, str], dict[str, str]] = ({}, {}),
) -> dict[str, Any]:
    """Sweep ``paths``; record every result; return the summary (see module docstring)."""
    files = collect_files(paths)
    key = run_key(paths)
    events = list(storage.iter_events())
    index = LedgerIndex.from_events(events)
    sweeps = [e for e in events if e.action.startswith("sweep")]
    run, done = _unfinished_run(sweeps, key)
    resumed = run is not None
    run = run or uuid.uuid4().hex[:12]
    jobs = max(1, jobs or os.cpu_count() or 1)
    todo: list[Path] = []
    skipped = 0
    for f in files:
        sha = _file_sha(f)
        if sha is not None and (str(f), sha) in done:
            skipped += 1
        else:
            todo.append(f)
    rules, model = provenance
    started = append(
        "sweep_start",
        None,
        None,
        {
            "run": run,
            "key": key,
            "paths": sorted(str(Path(p).resolve()) for p in paths),
            "files": len(files),
            "resumed": resumed,
            "skipped": skipped,
            "jobs": jobs,
            "rules": rules,
            "model": model,
        },
    )
    results: list[dict[str, Any]] = []
    total = len(todo)

    def record(scan: dict[str, Any]) -> None:
        res = index.classify(Path(scan["path"]).name, scan)
        # the ledger keeps the verdict and counts; the per-finding items are for the report
        payload = {"run": run, **{k: v for k, v in res.items() if k not in ("title", "items")}}
        append("sweep_result", res["submission_id"], res["version"], payload)
        results.append(res)
        if progress:
            progress(len(results), total)

    if progress:
        progress(0, total)
    if jobs == 1 or total <= 1:
        _init_worker(config)
        for f in todo:
            record(scan_one(str(f)))
    else:
        _pooled(todo, config, jobs, record)
    counts = Counter(r["verdict"] for r in results)
    ended = append(
        "sweep_end",
        None,
        None,
        {
            "run": run,
            "files": len(files),
            "scanned": len(results),
            "skipped": skipped,
            "verdicts": dict(counts),
        },
    )
    attention = sorted((r for r in results if r["verdict"] in ATTENTION), key=lambda r: r["path"])
    return {
        "run": run,
        "started": started.ts,
        "ended": ended.ts,
        "resumed": resumed,
        "files": len(files),
        "scanned": len(results),
        "skipped": skipped,
        "jobs": jobs,
        "verdicts": dict(counts),
        "attention": attention,
        "results": sorted(results, key=lambda r: r["path"]),
    }


def _pooled(
    todo: list[Path], config: Config, jobs: int, record: Callable[[dict[str, Any]], None]
) -> None:
    """Scan in ``jobs`` processes, a bounded number of files in flight; record in order done."""
    with ProcessPoolExecutor(jobs, initializer=_init_worker, initargs=(config,)) as pool:
        pending: set[Future[dict[str, Any]]] = set()
        it = iter(todo)
        for f in it:
            pending.add(pool.submit(scan_one, str(f)))
            if len(pending) >= jobs * 4:
                break
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in finished:
                record(fut.result())
                nxt = next(it, None)
                if nxt is not None:
                    pending.add(pool.submit(scan_one, str(nxt)))
