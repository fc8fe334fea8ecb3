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
from secreview.normalize import Normalized, OffsetMap, normalize

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


RECENT = 256  # Normalized objects kept whole: the segments a check is working on


@dataclass
class ScanContext:
    doc: Document
    # Document-level results a check reports besides findings, e.g. summary["classifier"] =
    # {"label": ..., "score": ...}; the pipeline copies "classifier" into the report.
    summary: dict[str, Any] = field(default_factory=dict)
    # Each segment is normalized once; what is kept for the whole scan is compact (a 100 MB
    # text has ~300k segments): the normalized text (the original string itself when nothing
    # changed) and its offset runs as bytes (None: identity). ``normalized`` rebuilds the
    # Normalized from them; the last RECENT are kept whole.
    _texts: list[str | None] = field(default_factory=list, init=False, repr=False)
    _runs: list[bytes | None] = field(default_factory=list, init=False, repr=False)
    _recent: dict[int, Normalized] = field(default_factory=dict, init=False, repr=False)

    def normalized(self, index: int) -> Normalized:
        got = self._recent.get(index)
        if got is not None:
            return got
        original = self.doc.segments[index].text
        text = self._texts[index] if index < len(self._texts) else None
        if text is None:
            got = normalize(original)
            self._keep(index, got)
        else:
            got = Normalized(text, OffsetMap.unpack(self._runs[index], len(text) + 1), original)
        if len(self._recent) >= RECENT:
            del self._recent[next(iter(self._recent))]
        self._recent[index] = got
        return got

    def normalized_text(self, index: int) -> str:
        """``normalized(index).text`` without building its offset map."""
        text = self._texts[index] if index < len(self._texts) else None
        return text if text is not None else self.normalized(index).text

    def _keep(self, index: int, norm: Normalized) -> None:
        if index >= len(self._texts):
            grow = max(index + 1, len(self.doc.segments)) - len(self._texts)
            self._texts.extend([None] * grow)
            self._runs.extend([None] * grow)
        self._texts[index] = norm.original if norm.text == norm.original else norm.text
        self._runs[index] = norm.offsets.pack()

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
