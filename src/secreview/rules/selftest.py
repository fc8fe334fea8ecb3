"""`rules test`: every rule's own examples through the real engine, one-segment documents
(an example with line breaks is a document of that many lines, one segment each).

A rule's ``examples.match`` must produce a finding with that rule id (or its ``.bulk``)
when the whole rule set runs (allow-lists included); ``examples.no_match`` must not. An
allow entry's ``examples.match`` must contain one of its phrases / validated pattern
matches, ``no_match`` must not.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from secreview.checks import ScanContext
from secreview.extract.tabular import row_segment
from secreview.model import Document, Location, Segment
from secreview.normalize import normalize
from secreview.rules.engine import RulesCheck
from secreview.rules.keywords import KeywordMatcher
from secreview.rules.model import AllowEntry, Rule, RuleSet
from secreview.rules.regex import find

MIN_EXAMPLES = 2


@dataclass(frozen=True)
class ExampleFailure:
    rule: str
    file: str
    line: int
    expected: str  # match | no_match | count
    example: str
    message: str  # Chinese, for people

    def to_dict(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "file": self.file,
            "line": self.line,
            "expected": self.expected,
            "example": self.example,
            "message": self.message,
        }


def _cell_location(part: str, row: int, col: int) -> Location:
    return Location(part=part, paragraph=1, row=row, col=col)


def one_segment_doc(text: str, part: str = "body") -> Document:
    """One segment per line; a line with tabs is a table row (cells = columns, the first such
    line the column headers), so an example can show a roster: "姓名\t病情\n张某\t某病"."""
    lines = text.split("\n") if "\n" in text else [text]
    segments: list[Segment] = []
    row_part = "table" if part == "body" else part
    for n, line in enumerate(lines, 1):
        if "\t" in line:
            seg = row_segment(
                enumerate(line.split("\t"), start=1),
                Location(part=row_part, paragraph=1, row=n),
                functools.partial(_cell_location, row_part, n),
            )
            if seg is not None:
                segments.append(seg)
        else:
            segments.append(Segment(line, Location(part=part, paragraph=n)))
    return Document(path="<example>", format="txt", segments=segments)


def rules_fired(check: RulesCheck, text: str, part: str = "body") -> set[str]:
    doc = one_segment_doc(text, part)
    return {f.rule for f in check.run(doc, ScanContext(doc))}


def example_part(rule: Rule) -> str:
    """Where a rule's examples stand: the body, or the first part a ``parts`` rule names."""
    if rule.parts is None or "body" in rule.parts:
        return "body"
    return sorted(rule.parts)[0]


def allow_matches(entry: AllowEntry, text: str) -> bool:
    """Whether ``text`` holds a span of ``entry`` whose context holds."""
    norm = normalize(text).text
    if entry.phrases and any(
        entry.context_ok(norm, kh.start, kh.end) for kh in KeywordMatcher([], [entry]).iter(norm)
    ):
        return True
    if entry.pattern is not None:
        return any(
            entry.context_ok(norm, h.start, h.end)
            for h in find(entry.pattern, entry.validator, norm)
        )
    return False


def run_examples(ruleset: RuleSet) -> tuple[int, list[ExampleFailure]]:
    """Returns (number of examples run, failures)."""
    check = RulesCheck(ruleset)
    failures: list[ExampleFailure] = []
    total = 0
    items: list[tuple[str, str, int, tuple[str, ...], tuple[str, ...]]] = [
        (r.id, r.file, r.line, r.examples_match, r.examples_no_match) for r in ruleset.rules
    ] + [(a.id, a.file, a.line, a.examples_match, a.examples_no_match) for a in ruleset.allow]
    allow_by_id = {a.id: a for a in ruleset.allow}
    rule_by_id = {r.id: r for r in ruleset.rules}
    for item_id, file, line, match, no_match in items:
        if len(match) < MIN_EXAMPLES or len(no_match) < MIN_EXAMPLES:
            failures.append(
                ExampleFailure(
                    item_id,
                    file,
                    line,
                    "count",
                    "",
                    f"规则 {item_id} 至少需要 {MIN_EXAMPLES} 个 match 和 {MIN_EXAMPLES} 个 "
                    f"no_match 示例（现有 {len(match)} / {len(no_match)}）",
                )
            )
        entry = allow_by_id.get(item_id)
        for expected, examples in (("match", match), ("no_match", no_match)):
            for ex in examples:
                total += 1
                if entry is not None:
                    hit = allow_matches(entry, ex)
                else:
                    fired = rules_fired(check, ex, example_part(rule_by_id[item_id]))
                    hit = item_id in fired or f"{item_id}.bulk" in fired
                if hit != (expected == "match"):
                    verb = "应当命中却未命中" if expected == "match" else "不应命中却命中了"
                    failures.append(
                        ExampleFailure(
                            item_id,
                            file,
                            line,
                            expected,
                            ex,
                            f"规则 {item_id}（{file} 第{line}行）示例{verb}：{ex}",
                        )
                    )
    return total, failures
