"""Rule objects the loader builds and the engine runs (frozen, validated)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Position:
    """Where a match must sit. Every key given must hold.

    ``first_chars``: the match starts within the first N characters of the document head
    (page 1, or the whole document when it has no pages). ``first_lines``: the match is in one
    of the first N lines (segments) of the head. ``line_max_chars``: the line holding the match
    is at most N characters long (a standalone mark such as "（此件不予公开）").
    """

    first_chars: int | None = None
    first_lines: int | None = None
    line_max_chars: int | None = None


@dataclass(frozen=True)
class Bulk:
    """One extra document-level finding when ≥ threshold distinct values matched."""

    threshold: int
    severity: str
    reason: str  # may contain {count}


@dataclass(frozen=True)
class Rule:
    id: str
    category: str
    severity: str
    reason: str  # may contain {text}: the normalized matched text
    basis: str | None
    kind: str  # keywords | regex
    file: str
    line: int
    keywords: tuple[str, ...] = ()  # normalized
    pattern: re.Pattern[str] | None = None
    validator: str | None = None
    require: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    window: int = 20
    after: int | None = None  # characters looked at after the match (default: window)
    position: Position | None = None
    parts: frozenset[str] | None = None
    # "digit_run": run only around runs of >= 11 digit-like characters; or literals, one of
    # which must occur in the segment for the regex to run at all (speed only, never results)
    prefilter: str | tuple[str, ...] | None = None
    with_name_severity: str | None = None
    bulk: Bulk | None = None
    # regex rules: also match across consecutive short lines (a mark broken over lines)
    join_lines: bool = False
    # "cell": the pattern runs on each table/sheet cell alone (never outside rows), and the
    # column's header is the context (a roster's 病情 or 年龄 column)
    scope: str = "text"
    examples_match: tuple[str, ...] = ()
    examples_no_match: tuple[str, ...] = ()
    # Short Chinese name for people (audit, SARIF, `rules list`); the id when a pack has none.
    name: str = ""


@dataclass(frozen=True)
class AllowEntry:
    """Phrases (or a validated pattern) that neutralise overlapping hits of scoped rules."""

    id: str
    reason: str
    file: str
    line: int
    phrases: tuple[str, ...] = ()  # normalized
    pattern: re.Pattern[str] | None = None
    validator: str | None = None
    rules: frozenset[str] | None = None  # rule ids or id prefixes ending in "."
    categories: frozenset[str] | None = None
    # context: the allow span counts only when none of ``exclude`` (and, if given, one of
    # ``require``) occurs within ``window`` characters before or ``after`` (default: window)
    # characters after it — "联系邮箱：…" is an office's mailbox, "举报人邮箱：…" or "姓名：张三
    # 邮箱：…" is not.
    require: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    window: int = 20
    after: int | None = None
    examples_match: tuple[str, ...] = ()
    examples_no_match: tuple[str, ...] = ()
    name: str = ""

    def context_ok(self, text: str, start: int, end: int) -> bool:
        if not self.require and not self.exclude:
            return True
        around = around_match(text, start, end, self.window, self.after)
        if self.require and not any(w in around for w in self.require):
            return False
        return not any(w in around for w in self.exclude)

    def covers(self, rule: Rule) -> bool:
        if self.rules is None and self.categories is None:
            return True
        if self.categories is not None and rule.category in self.categories:
            return True
        if self.rules is not None:
            for r in self.rules:
                if rule.id == r or (r.endswith(".") and rule.id.startswith(r)):
                    return True
        return False


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...]
    allow: tuple[AllowEntry, ...]
    # sha256 of each rule file, keyed by its path: a scan records which packs produced it.
    hashes: dict[str, str] = field(default_factory=dict)

    def rule(self, rule_id: str) -> Rule:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)


def around_match(text: str, start: int, end: int, window: int, after: int | None) -> str:
    """The context of a match: ``window`` characters before it, and ``after`` (default
    ``window``) after it, joined by a line break so that no word spans the match."""
    tail = window if after is None else after
    return text[max(0, start - window) : start] + "\n" + text[end : end + tail]
