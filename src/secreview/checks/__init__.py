"""Checks run over an extracted document. Rules, residue and the classifier plug in here.

A check is any object with ``name`` and ``run(doc, ctx) -> list[Finding]``. ``ScanContext``
normalizes every segment once and builds findings that point at the original text.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Protocol

from secreview.model import Document, Finding, Location, Segment
from secreview.normalize import Normalized, normalize

CONTEXT_CHARS = 24
OCR_NOTE = "OCR 识别，请核对原图"


def fingerprint(rule: str, normalized_match: str, location: Location) -> str:
    """rule id + hash of the normalized matched text + location (a dismissal hides only this)."""
    payload = json.dumps(
        [rule, normalized_match, location.to_dict()], ensure_ascii=False, sort_keys=True
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:20]


def ensure_fingerprints(report: dict[str, Any]) -> None:
    """Give every finding of a report dict (``Report.to_dict()``) its fingerprint."""
    for f in report.get("findings", []):
        if not f.get("fingerprint"):
            loc = Location.from_dict(f.get("location") or {"part": "body"})
            f["fingerprint"] = fingerprint(f.get("rule", ""), f.get("text", ""), loc)


def finding_fingerprint(f: Finding) -> str:
    """The finding's fingerprint (computed from rule, text and location when unset)."""
    return f.fingerprint or fingerprint(f.rule, f.text, f.location)


@dataclass
class ScanContext:
    doc: Document
    _norm: dict[int, Normalized] = field(default_factory=dict)
    # Document-level results a check reports besides findings, e.g. summary["classifier"] =
    # {"label": ..., "score": ...}; the pipeline copies "classifier" into the report.
    summary: dict[str, Any] = field(default_factory=dict)

    def normalized(self, index: int) -> Normalized:
        got = self._norm.get(index)
        if got is None:
            got = normalize(self.doc.segments[index].text)
            self._norm[index] = got
        return got

    def finding(
        self,
        index: int,
        start: int,
        end: int,
        *,
        rule: str,
        category: str,
        severity: str,
        reason: str,
        source: str = "rule",
        basis: str | None = None,
    ) -> Finding:
        """A finding for normalized span [start, end) of segment ``index``."""
        seg: Segment = self.doc.segments[index]
        norm = self.normalized(index)
        s, e = norm.span(start, end)
        location = seg.location_at(s)
        matched = seg.text[s:e]
        lo, hi = max(0, s - CONTEXT_CHARS), min(len(seg.text), e + CONTEXT_CHARS)
        context = ("…" if lo > 0 else "") + seg.text[lo:hi] + ("…" if hi < len(seg.text) else "")
        if _from_ocr(location):  # recognised, not read: a person checks the picture
            reason = f"{reason}（{OCR_NOTE}）"
        return Finding(
            rule=rule,
            category=category,
            severity=severity,
            source=source,
            text=matched,
            location=location,
            context=" ".join(context.split()),
            reason=reason,
            basis=basis,
            fingerprint=fingerprint(rule, norm.text[start:end], location),
        )


def _from_ocr(location: Location) -> bool:
    """OCR text, also inside an attachment (field "附件.zip|scan.png|ocr")."""
    return location.part == "ocr" or "|ocr" in (location.field or "")


class Check(Protocol):
    name: str

    def run(self, doc: Document, ctx: ScanContext) -> list[Finding]: ...
