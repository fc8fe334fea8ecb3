"""All keyword rules and allow-list phrases in ONE Aho-Corasick pass (pyahocorasick).

The cost of a pass depends on the text length and the number of hits, not on how many
keywords there are, so adding rules does not slow scanning down.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import ahocorasick

from secreview.rules.model import AllowEntry, Rule


@dataclass(frozen=True)
class KeywordHit:
    start: int
    end: int
    rule: Rule | None  # exactly one of rule / allow is set
    allow: AllowEntry | None


class KeywordMatcher:
    def __init__(self, rules: Sequence[Rule], allow: Sequence[AllowEntry]) -> None:
        targets: dict[str, list[Rule | AllowEntry]] = {}
        for rule in rules:
            for kw in rule.keywords:
                targets.setdefault(kw, []).append(rule)
        for entry in allow:
            for phrase in entry.phrases:
                targets.setdefault(phrase, []).append(entry)
        self.size = len(targets)
        self._automaton: ahocorasick.Automaton | None = None
        if targets:
            automaton = ahocorasick.Automaton()
            for kw, items in targets.items():
                automaton.add_word(kw, (len(kw), tuple(items)))
            automaton.make_automaton()
            self._automaton = automaton

    def iter(self, text: str) -> Iterator[KeywordHit]:
        if self._automaton is None or not text:
            return
        for end, (length, items) in self._automaton.iter(text):
            start = end - length + 1
            for item in items:
                if isinstance(item, Rule):
                    yield KeywordHit(start, end + 1, item, None)
                else:
                    yield KeywordHit(start, end + 1, None, item)
