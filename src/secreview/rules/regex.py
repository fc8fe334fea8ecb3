"""Regex rules (compiled once by the loader) with their named validators.

A pattern may define a group named ``value``: the finding then covers that group only
(e.g. the number after "护照号码：") while the whole match must still be found.

Gates keep the regex pass fast without changing results (``rules test`` checks them):
- rules with ``prefilter = "digit_run"`` (the number rules) run only in small windows
  around runs of ≥ 11 digit-like characters, found by ONE digit-run pass per document;
- rules with ``prefilter = ["★", …]`` run only where one of those literals occurs;
- rules with ``context.require`` run only where one of the required words occurs (the
  engine checks the window later; without the word anywhere no hit could survive).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any

from secreview.rules.model import AllowEntry, Rule
from secreview.rules.validators import REGISTRY

# digits with the separators/marks numbers carry: "+86 138-1234-5678", "370402****123X"
# (tabs too: a number split over adjacent table cells, "110105\t19491231\t002X")
DIGIT_RUN = re.compile(r"[+0-9(][0-9Xx*+ \t\-–—()]{9,}[0-9Xx*]")
_BEFORE = 1  # the boundary look-behind sees one character before a run
_AFTER = 1  # … and the look-ahead one character after it


@dataclass(frozen=True)
class RegexHit:
    start: int
    end: int
    value: str
    detail: str = ""  # what the validator said about the value (shown via "{detail}")


def _span(m: re.Match[str]) -> tuple[int, int]:
    if "value" in m.re.groupindex and m.start("value") >= 0:
        return m.start("value"), m.end("value")
    return m.start(), m.end()


def find(
    pattern: re.Pattern[str],
    validator: str | None,
    text: str,
    windows: Sequence[tuple[int, int]] | None = None,
) -> Iterator[RegexHit]:
    """Validated matches in ``text`` (only inside ``windows`` when given)."""
    check = REGISTRY[validator] if validator else None
    ranges = windows if windows is not None else ((0, len(text)),)
    for lo, hi in ranges:
        pos = lo
        while pos <= hi:
            m = pattern.search(text, pos, hi)
            if m is None:
                break
            s, e = _span(m)
            if e <= s:
                pos = m.end() + 1 if m.end() == m.start() else m.end()
                continue
            value = text[s:e]
            verdict = check(value) if check is not None else True
            if not verdict:
                # A shape that fails validation may have started too early ("1 110105…"
                # read as one spaced number): look again one character later, so a valid
                # number inside it is still found.
                pos = m.start() + 1
                continue
            yield RegexHit(s, e, value, verdict if isinstance(verdict, str) else "")
            pos = m.end() if m.end() > m.start() else m.end() + 1


def digit_run_windows(text: str) -> list[tuple[int, int]]:
    """Windows around each digit run, each reaching one character past the run's ends."""
    n = len(text)
    out: list[tuple[int, int]] = []
    for m in DIGIT_RUN.finditer(text):
        lo, hi = max(0, m.start() - _BEFORE), min(n, m.end() + _AFTER)
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return out


def min_width(pattern: re.Pattern[str]) -> int:
    """The fewest characters any match of ``pattern`` spans (0 when it cannot be worked out):
    a digit-run window shorter than that cannot hold a match."""
    try:  # the stdlib's own pattern parser, the one re.compile uses (private, hence guarded)
        parser: Any = importlib.import_module("re._parser")
        low, _high = parser.parse(pattern.pattern, pattern.flags).getwidth()
    except Exception:  # noqa: BLE001 — a parser change only costs this shortcut
        return 0
    return max(0, int(low))


def _gate_words(rule: Rule) -> tuple[tuple[str, ...], ...]:
    """Word lists of which (each list) one word must occur for the rule to possibly hit."""
    gates: list[tuple[str, ...]] = []
    if isinstance(rule.prefilter, tuple):
        gates.append(rule.prefilter)
    if rule.require:
        gates.append(rule.require)
    return tuple(gates)


class RegexMatcher:
    def __init__(self, rules: Sequence[Rule], allow: Sequence[AllowEntry]) -> None:
        self.rules = [r for r in rules if r.pattern is not None and r.scope == "text"]
        self.allow = [a for a in allow if a.pattern is not None]
        self.digit_rules = [r for r in self.rules if r.prefilter == "digit_run"]
        self.other_rules = [r for r in self.rules if r.prefilter != "digit_run"]
        self._gates = {r.id: _gate_words(r) for r in self.rules}
        self._min_width = {r.id: min_width(r.pattern) for r in self.digit_rules if r.pattern}
        self.gate_words = sorted({w for g in self._gates.values() for ws in g for w in ws})

    def gated(self, rule: Rule) -> bool:
        return bool(self._gates[rule.id])

    def gate_ok(self, rule: Rule, text: str, seen: AbstractSet[str] | None = None) -> bool:
        """Every gate (literal prefilter, required context words) has a word in ``text``
        (or, when given, in ``seen``: the gate words the keyword pass found there)."""
        if seen is not None:
            return all(any(w in seen for w in words) for words in self._gates[rule.id])
        return all(any(w in text for w in words) for words in self._gates[rule.id])

    def active(self, seen: AbstractSet[str]) -> tuple[list[Rule], list[Rule]]:
        """(digit rules, other rules) whose every gate has a word among ``seen`` (the gate
        words the keyword pass found anywhere in the document)."""
        return (
            [r for r in self.digit_rules if self.gate_ok(r, "", seen)],
            [r for r in self.other_rules if self.gate_ok(r, "", seen)],
        )

    def rule_hits(
        self,
        text: str,
        extra_context: str = "",
        windows: Sequence[tuple[int, int]] | None = None,
        active: tuple[list[Rule], list[Rule]] | None = None,
        seen: AbstractSet[str] | None = None,
    ) -> Iterator[tuple[Rule, RegexHit]]:
        """Validated hits of the regex rules in one segment's normalized text.

        ``extra_context``: text that also counts for gates (a column's header).
        ``windows``: digit-run windows, if the caller found them in a document-wide pass.
        ``active``: the rules left after document-level gating (see ``active``).
        ``seen``: gate words found in this segment by the keyword pass (then ``text`` and
        ``extra_context`` are not searched for them).
        """
        digit_rules, other_rules = (
            active
            if active is not None
            else (
                self.digit_rules,
                self.other_rules,
            )
        )
        context = text + "\n" + extra_context if extra_context else text
        if digit_rules:
            if windows is None:
                windows = digit_run_windows(text)
            if windows:
                widest = max(hi - lo for lo, hi in windows)
                for rule in digit_rules:
                    need = self._min_width[rule.id]
                    if need > widest:
                        continue  # no window is long enough to hold a match
                    if self._gates[rule.id] and not self.gate_ok(rule, context, seen):
                        continue
                    assert rule.pattern is not None
                    fit = windows if need == 0 else [w for w in windows if w[1] - w[0] >= need]
                    for hit in find(rule.pattern, rule.validator, text, fit):
                        yield rule, hit
        for rule in other_rules:
            if self._gates[rule.id] and not self.gate_ok(rule, context, seen):
                continue
            assert rule.pattern is not None
            for hit in find(rule.pattern, rule.validator, text):
                yield rule, hit

    def every_hit(self, text: str) -> Iterator[tuple[Rule, RegexHit]]:
        """Every rule over the whole text, no gate, window or width shortcut (the plain
        reference the shortcuts above must agree with; ``RulesCheck(exhaustive=True)``)."""
        for rule in self.rules:
            assert rule.pattern is not None
            for hit in find(rule.pattern, rule.validator, text):
                yield rule, hit

    def allow_hits(
        self, text: str, entries: Sequence[AllowEntry] | None = None
    ) -> Iterator[tuple[AllowEntry, RegexHit]]:
        """Validated matches of the allow patterns (of ``entries`` when given) in ``text``."""
        for entry in self.allow if entries is None else entries:
            assert entry.pattern is not None
            for hit in find(entry.pattern, entry.validator, text):
                yield entry, hit
