"""`scan --baseline FILE`: report only findings that a previous scan did not have
(detect-secrets' baseline, for offices that re-scan the same documents).

The baseline is a report an earlier ``scan --format json`` (or ``--format sarif``) wrote.
A finding is known when its fingerprint (rule id + normalized matched text + location,
STYLE.md) was recorded for the same file: the same path, or — for a file that was moved —
the same bytes (sha256). A different number on the same line, the same number in another
place, or a finding in a new file is never hidden. Files that cannot be read are always
reported.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from secreview.checks import finding_fingerprint
from secreview.errors import UsageError
from secreview.model import Report, verdict_of

SARIF_FINGERPRINT = "secreview/v1"


def _path_key(path: str) -> str:
    return os.path.normpath(path)


@dataclass
class Baseline:
    by_path: dict[str, set[str]] = field(default_factory=dict)
    by_sha: dict[str, set[str]] = field(default_factory=dict)

    def add(self, path: str | None, sha: str | None, fp: str) -> None:
        if path:
            self.by_path.setdefault(_path_key(path), set()).add(fp)
        if sha:
            self.by_sha.setdefault(sha, set()).add(fp)

    def known(self, report: Report) -> set[str]:
        """Fingerprints recorded for this file (by path or by identical bytes)."""
        out = set(self.by_path.get(_path_key(report.path), set()))
        if report.sha256:
            out |= self.by_sha.get(report.sha256, set())
        return out

    @property
    def size(self) -> int:
        return len({fp for fps in self.by_path.values() for fp in fps})


def _from_json_report(data: list[Any], where: str) -> Baseline:
    base = Baseline()
    for entry in data:
        if not isinstance(entry, dict) or "findings" not in entry:
            raise UsageError(f"基线文件 {where} 不是 scan --format json 的输出（缺少 findings）")
        for f in entry.get("findings") or []:
            fp = f.get("fingerprint") if isinstance(f, dict) else None
            if isinstance(fp, str) and fp:
                base.add(entry.get("path"), entry.get("sha256"), fp)
    return base


def _uri_path(uri: str) -> str:
    parsed = urlparse(uri)
    return unquote(parsed.path) if parsed.scheme == "file" else unquote(uri)


def _from_sarif(data: dict[str, Any], where: str) -> Baseline:
    base = Baseline()
    for run in data.get("runs") or []:
        artifacts = run.get("artifacts") or []
        for res in run.get("results") or []:
            fp = (res.get("partialFingerprints") or {}).get(SARIF_FINGERPRINT)
            if not fp:
                continue
            for loc in res.get("locations") or [{}]:
                art = (loc.get("physicalLocation") or {}).get("artifactLocation") or {}
                uri, sha = art.get("uri"), None
                idx = art.get("index")
                if isinstance(idx, int) and 0 <= idx < len(artifacts):
                    uri = uri or artifacts[idx].get("location", {}).get("uri")
                    sha = (artifacts[idx].get("hashes") or {}).get("sha-256")
                base.add(_uri_path(uri) if uri else None, sha, fp)
    return base


def load_baseline(path: str | Path) -> Baseline:
    """Read a baseline file; one clear UsageError when it is missing or not a report."""
    where = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as e:
        raise UsageError(f"无法读取基线文件 {where}：{e.strerror or e}") from e
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise UsageError(f"基线文件 {where} 不是有效的 JSON（{e}）") from e
    if isinstance(data, list):
        return _from_json_report(data, where)
    if isinstance(data, dict) and str(data.get("version", "")).startswith("2.1"):
        return _from_sarif(data, where)
    raise UsageError(f"基线文件 {where} 不是 scan --format json 或 --format sarif 的输出")


def apply_baseline(reports: list[Report], baseline: Baseline) -> tuple[list[Report], int]:
    """Reports with only the findings the baseline does not know (verdicts recomputed), and
    how many known findings were left out. Error reports are kept as they are."""
    out: list[Report] = []
    dropped = 0
    for r in reports:
        if r.error is not None:
            out.append(r)
            continue
        known = baseline.known(r)
        new = [f for f in r.findings if finding_fingerprint(f) not in known]
        dropped += len(r.findings) - len(new)
        out.append(replace(r, findings=new, verdict=verdict_of(new)))
    return out, dropped
