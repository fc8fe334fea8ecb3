"""Checks run over an extracted document. Rules, residue and the classifier plug in here.

A check is any object with ``name`` and ``run(doc, ctx) -> list[Finding]``. ``ScanContext``
normalizes every segment once and builds findings that point at the original text.
"""

from __future__ import annotations

import hashlib
import json
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from secreview.model import Document, Finding, Location, Segment
from secreview.normalize import SEPARATOR, Normalized, OffsetMap, normalize_many

CONTEXT_CHARS = 24
# Between the normalized texts of a block: NUL never occurs in a keyword and is no digit,
# letter or space, so no match crosses from one segment into the next.
SEGMENT_SEPARATOR = SEPARATOR
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
BLOCK = 512  # segments normalized together and kept as one string


class _Block:
    """The normalized texts of BLOCK consecutive segments, normalized in one pass: one string,
    NUL between texts (as the rules' document pass reads them), and one offset map of that
    string into the segments' texts joined the same way (``normalize_many``)."""

    __slots__ = ("text", "starts", "origin_starts", "offset_map")

    def __init__(self, texts: list[str]) -> None:
        self.text, self.starts, self.origin_starts, self.offset_map = normalize_many(texts)

    def segment_text(self, k: int) -> str:
        return self.text[self.starts[k] : self.starts[k + 1] - 1]

    def offsets(self, k: int) -> OffsetMap:
        return self.offset_map.part(self.starts[k], self.starts[k + 1] - 1, self.origin_starts[k])


@dataclass
class ScanContext:
    doc: Document
    # Document-level results a check reports besides findings, e.g. summary["classifier"] =
    # {"label": ..., "score": ...}; the pipeline copies "classifier" into the report.
    summary: dict[str, Any] = field(default_factory=dict)
    # Each segment is normalized once, BLOCK segments at a time; what is kept for the whole
    # scan is compact (a 100 MB text has ~300k segments): per block one string of the
    # normalized texts and one bytes object of their offset runs. ``normalized`` rebuilds a
    # segment's Normalized from them; the last RECENT are kept whole.
    _blocks: dict[int, _Block] = field(default_factory=dict, init=False, repr=False)
    _recent: dict[int, Normalized] = field(default_factory=dict, init=False, repr=False)

    def normalized(self, index: int) -> Normalized:
        got = self._recent.get(index)
        if got is not None:
            return got
        original = self.doc.segments[index].text
        if index < 0:
            index += len(self.doc.segments)
        block = self.block(index // BLOCK)
        k = index % BLOCK
        text = block.segment_text(k)
        got = Normalized(text, block.offsets(k), original)
        if len(self._recent) >= RECENT:
            del self._recent[next(iter(self._recent))]
        self._recent[index] = got
        return got

    def normalized_text(self, index: int) -> str:
        """``normalized(index).text`` without building its offset map."""
        n = len(self.doc.segments)
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError("segment index out of range")
        b, k = divmod(index, BLOCK)
        block = self._blocks.get(b) or self.block(b)
        starts = block.starts
        return block.text[starts[k] : starts[k + 1] - 1]

    def block(self, b: int) -> _Block:
        """Block ``b``: segments ``b * BLOCK`` … (normalized on first use)."""
        got = self._blocks.get(b)
        if got is None:
            segments = self.doc.segments[b * BLOCK : (b + 1) * BLOCK]
            got = _Block([seg.text for seg in segments])
            self._blocks[b] = got
        return got

    def blocks(self) -> Iterator[tuple[int, str, array[int]]]:
        """(index of the first segment, its block's text, start of each segment's text in it)
        for every block in order — the segments' normalized texts joined by NUL."""
        for b in range((len(self.doc.segments) + BLOCK - 1) // BLOCK):
            block = self.block(b)
            yield b * BLOCK, block.text, block.starts

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
