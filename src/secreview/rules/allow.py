"""Allow-list spans: phrases (from the shared keyword pass) and validated patterns.

A rule hit is neutralised when an allow span that covers the rule (by id, id prefix or
category) overlaps it: "涉密信息不公开" is about the review process, not a secret.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from secreview.rules.model import AllowEntry, Rule


@dataclass(frozen=True)
class AllowSpan:
    start: int
    end: int
    entry: AllowEntry


def neutralised_by(
    rule: Rule, start: int, end: int, spans: Iterable[AllowSpan]
) -> AllowEntry | None:
    """The first allow entry whose span overlaps [start, end) and whose scope covers ``rule``."""
    for span in spans:
        if span.start < end and start < span.end and span.entry.covers(rule):
            return span.entry
    return None
