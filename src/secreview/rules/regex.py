"""Regex rules (compiled once by the loader) with their named validators.

A pattern may define a group named ``value``: the finding then covers that group only
(e.g. the number after "护照号码：") while the whole match must still be found.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from secreview.rules.model import AllowEntry, Rule
from secreview.rules.validators import REGISTRY

@dataclass(frozen=True)
class RegexHit:
    start: int
    end: int
    value: str


def _span(m: re.Match[str]) -> tuple[int, int]:
    if "value" in m.re.groupindex and m.start("value") >= 0:
        return m.start("value"), m.end("value")
    return m.start(), m.end()


def find(pattern: re.Pattern[str], validator: str | None, text: str) -> Iterator[RegexHit]:
    check = REGISTRY[validator] if validator else None
    for m in pattern.finditer(text):
        s, e = _span(m)
        if e <= s:
            continue
        value = text[s:e]
        if check is not None and not check(value):
            continue
        yield RegexHit(s, e, value)


class RegexMatcher:
    def __init__(self, rules: Sequence[Rule], allow: Sequence[AllowEntry]) -> None:
        self.rules = [r for r in rules if r.pattern is not None]
        self.allow = [a for a in allow if a.pattern is not None]

    def rule_hits(self, text: str) -> Iterator[tuple[Rule, RegexHit]]:
        for rule in self.rules:
            assert rule.pattern is not None
            for hit in find(rule.pattern, rule.validator, text):
                yield rule, hit

    def allow_hits(self, text: str) -> Iterator[tuple[AllowEntry, RegexHit]]:
        for entry in self.allow:
            assert entry.pattern is not None
            for hit in find(entry.pattern, entry.validator, text):
                yield entry, hit
