"""All keyword rules and allow-list phrases in ONE Aho-Corasick pass (ahocorasick-rs).

The cost of a pass depends on the text length and the number of hits, not on how many
keywords there are, so adding rules does not slow scanning down. ahocorasick-rs (Rust's
aho-corasick crate) is used rather than pyahocorasick: pyahocorasick scans a node's children
linearly, and with thousands of Chinese keywords the root has thousands of children — its
throughput fell from ≈5 MB/s (1,000 keywords) to ≈0.5 MB/s (20,000) in bench/bench_rules.py,
while ahocorasick-rs stays above 100 MB/s for both.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import ahocorasick_rs

from secreview.rules.model import AllowEntry, Rule


@dataclass(frozen=True)
class KeywordHit:
    start: int
    end: int
    rule: Rule | None  # exactly one of rule / allow / gate is set
    allow: AllowEntry | None
    gate: str | None = None  # a gate word of a regex rule (prefilter literal, context word)


class KeywordMatcher:
    def __init__(
        self, rules: Sequence[Rule], allow: Sequence[AllowEntry], gates: Sequence[str] = ()
    ) -> None:
        targets: dict[str, list[Rule | AllowEntry | str]] = {}
        for rule in rules:
            for kw in rule.keywords:
                targets.setdefault(kw, []).append(rule)
        for entry in allow:
            for phrase in entry.phrases:
                targets.setdefault(phrase, []).append(entry)
        for word in gates:
            targets.setdefault(word, []).append(word)
        self.size = len(targets)
        self._targets: list[tuple[Rule | AllowEntry | str, ...]] = [
            tuple(v) for v in targets.values()
        ]
        # Standard match kind + overlapping: every occurrence of every keyword is reported.
        self._automaton = ahocorasick_rs.AhoCorasick(list(targets)) if targets else None

    def iter(self, text: str) -> Iterator[KeywordHit]:
        if self._automaton is None or not text:
            return
        for index, start, end in self._automaton.find_matches_as_indexes(text, overlapping=True):
            for item in self._targets[index]:
                if isinstance(item, Rule):
                    yield KeywordHit(start, end, item, None)
                elif isinstance(item, AllowEntry):
                    yield KeywordHit(start, end, None, item)
                else:
                    yield KeywordHit(start, end, None, None, item)
