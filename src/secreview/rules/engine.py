"""The rules check: keyword + regex rules over normalized segment text, with conditions.

Per segment: one Aho-Corasick pass (keyword rules and allow phrases), then the compiled
regex rules with their validators. A hit survives when its part, position and context
conditions hold and no allow span covering the rule overlaps it. Then, per document:
hits in a table/sheet row that also holds a personal name escalate
(``with_name_severity``), and rules with ``bulk`` add one document-level finding when
enough distinct values matched ("文档含 5 个完整公民身份号码").
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from secreview.checks import SEGMENT_SEPARATOR, ScanContext
from secreview.model import SEVERITY_RANK, Document, Finding, Location, Segment
from secreview.normalize import normalize
from secreview.rules.allow import AllowSpan, neutralised_by
from secreview.rules.keywords import KeywordHit, KeywordMatcher
from secreview.rules.model import Rule, RuleSet, around_match
from secreview.rules.regex import DIGIT_RUN, RegexMatcher, find
from secreview.rules.validators import compact

HEAD_PARTS = frozenset({"body", "header", "textbox", "table", "slide", "ocr"})
NAME_HEADERS = frozenset(
    "姓名 名字 户主 户主姓名 申请人 申请人姓名 收款人 持卡人 户名 账户名 联系人 救助对象 "
    "补助对象 人员姓名 被保险人 患者 学生姓名 家长姓名 监护人 举报人 信访人 当事人".split()
)
_NAME_CELL = re.compile(r"[\u4e00-\u9fff][\u4e00-\u9fff·]{1,4}")
_NOT_NAME_SUFFIX = tuple(
    "局 委 办 院 所 处 科 室 站 队 部 厅 会 村 镇 乡 区 县 市 省 街道 社区 公司 中心 学校 "
    "银行 支行 合计 小计 总计 备注 男 女 族 号 码 址 话 期 额 数 类 别 况 称 位 型 等级 情况 人".split()
)
_NOT_NAME_PREFIX = tuple("合计 小计 总计 备注 其中 身份 联系 银行 金额 性别 民族 年龄".split())
NAME_REASON_SUFFIX = "（与姓名同在表格一行，构成可识别个人信息）"


def is_name_like(cell: str) -> bool:
    """A 2–4 character CJK cell that does not look like an organisation, header or value."""
    c = cell.strip()
    if not _NAME_CELL.fullmatch(c) or len(c) > 5:
        return False
    if c in NAME_HEADERS:
        return False
    return not c.endswith(_NOT_NAME_SUFFIX) and not c.startswith(_NOT_NAME_PREFIX)


# Lines this short may be pieces of one mark broken over lines ("秘" / "密★" / "5年"); a
# sentence is longer, so prose never joins with the next paragraph.
JOIN_MAX_CHARS = 24


@dataclass
class _DocPass:
    active: tuple[list[Rule], list[Rule]]
    keywords: dict[int, list[KeywordHit]] = field(default_factory=dict)
    # Per segment (a 100 MB text has ~300k): whether it has a digit run, the gate words the
    # keyword pass saw in it (one shared frozenset per distinct set of words).
    digit_segments: bytearray = field(default_factory=bytearray)
    gate_words: list[frozenset[str] | None] = field(default_factory=list)


@dataclass
class _Hit:
    seg: int
    start: int
    end: int
    rule: Rule
    order: int
    severity: str = ""
    reason_suffix: str = ""
    detail: str = ""  # the validator's word on the value ("{detail}" in the reason)
    text: str = ""  # the matched text when it reaches past this segment (joined lines)


@dataclass
class _Head:
    """The document head (page 1 or the whole document): line number and char offset."""

    lines: dict[int, tuple[int, int]] = field(default_factory=dict)


def _head(doc: Document, ctx: ScanContext, max_lines: int, max_chars: int) -> _Head:
    """Head lines up to what the rules' positions can ask for (first_lines / first_chars)."""
    head = _Head()
    offset = 0
    line = 0
    for i, seg in enumerate(doc.segments):
        if line >= max_lines and offset >= max_chars:
            break
        loc = seg.location
        if loc.part not in HEAD_PARTS or loc.page not in (None, 1):
            continue
        text = ctx.normalized_text(i)
        if not text.strip():
            continue
        line += 1
        head.lines[i] = (line, offset)
        offset += len(text) + 1
    return head


TableKey = tuple[str, str | None, int | None, int | None]


def _table_key(loc: Location) -> TableKey:
    # XLSX/CSV: one table per sheet; DOCX/PDF: the table's number (paragraph) and page.
    return (loc.part, loc.sheet, loc.page, loc.paragraph if loc.sheet is None else None)


def is_row(seg: Segment) -> bool:
    """A table/sheet row: one segment whose cells are spans with their own column."""
    return any(sp.location.col is not None for sp in seg.spans)


class _Tables:
    """Per table/sheet: the first row's cell texts (column headers) and the name columns."""

    def __init__(self) -> None:
        self.headers: dict[TableKey, dict[int, str]] = {}
        self.name_cols: dict[TableKey, set[int]] = {}

    def observe(self, seg: Segment) -> None:
        key = _table_key(seg.location)
        cells = {
            sp.location.col: seg.text[sp.start : sp.end].strip()
            for sp in seg.spans
            if sp.location.col is not None
        }
        if key not in self.headers:
            self.headers[key] = cells
        names = {col for col, text in cells.items() if text in NAME_HEADERS}
        if names:
            self.name_cols.setdefault(key, set()).update(names)

    def headers_text(self, seg: Segment) -> str:
        if not seg.spans:
            return ""
        return "\n".join(self.headers.get(_table_key(seg.location), {}).values())

    def header_of(self, seg: Segment, col: int | None) -> str:
        if col is None:
            return ""
        return self.headers.get(_table_key(seg.location), {}).get(col, "")

    def is_header_row(self, seg: Segment) -> bool:
        """The row is its table's first row (the column headers)."""
        cells = {
            sp.location.col: seg.text[sp.start : sp.end].strip()
            for sp in seg.spans
            if sp.location.col is not None
        }
        return self.headers.get(_table_key(seg.location)) == cells

    def row_has_named_person(self, seg: Segment) -> bool:
        """A value in a column headed 姓名/户主/申请人 … (stricter than ``row_has_name``)."""
        name_cols = self.name_cols.get(_table_key(seg.location), set())
        return any(
            sp.location.col in name_cols
            and seg.text[sp.start : sp.end].strip() not in ("", *NAME_HEADERS)
            for sp in seg.spans
        )

    def row_has_name(self, seg: Segment, exclude_col: int | None) -> bool:
        name_cols = self.name_cols.get(_table_key(seg.location), set())
        for sp in seg.spans:
            col = sp.location.col
            if col == exclude_col:
                continue
            text = seg.text[sp.start : sp.end].strip()
            if col in name_cols and text and text not in NAME_HEADERS:
                return True
            if is_name_like(text):
                return True
        return False


class RulesCheck:
    """A Check (checks/__init__.py) running one RuleSet."""

    name = "rules"

    def __init__(self, ruleset: RuleSet, *, exhaustive: bool = False) -> None:
        """``exhaustive``: visit every segment with every rule and allow pattern, skipping
        none of the shortcuts (gates, digit-run windows, parts, candidate segments) — slow,
        for tests that prove the shortcuts change no finding."""
        self.ruleset = ruleset
        self.exhaustive = exhaustive
        self.regex = RegexMatcher(ruleset.rules, ruleset.allow)
        self.keywords = KeywordMatcher(ruleset.rules, ruleset.allow, self.regex.gate_words)
        self._order = {r.id: n for n, r in enumerate(ruleset.rules)}
        positions = [r.position for r in ruleset.rules if r.position is not None]
        self._max_lines = max((p.first_lines or 0 for p in positions), default=0)
        self._max_chars = max((p.first_chars or 0 for p in positions), default=0)
        self._cell_rules = [r for r in ruleset.rules if r.scope == "cell"]

    # -- document-wide passes ----------------------------------------------------------------
    def _doc_pass(self, doc: Document, ctx: ScanContext) -> _DocPass:
        """ONE keyword pass and ONE digit-run pass over all segments joined by NUL.

        NUL never occurs in a keyword and is no digit, letter or space, so no hit crosses a
        segment boundary; hits are bucketed back per segment with segment-relative offsets.
        The segments come joined a block at a time (ScanContext.blocks: a 100 MB text is never
        copied whole); a rule's gates count if met in any block.
        """
        n = len(doc.segments)
        found = _DocPass(([], []), digit_segments=bytearray(n), gate_words=[None] * n)
        seen: set[str] = set()  # every gate word anywhere in the document
        shared: dict[frozenset[str], frozenset[str]] = {}
        for first, joined, starts in ctx.blocks():
            gates: dict[int, set[str]] = {}
            # A fresh copy (one more NUL at the end, which no keyword contains): the automaton
            # caches a UTF-8 copy inside the string it is given, and the block's own string
            # lives for the whole scan.
            for kh in self.keywords.iter(joined + SEGMENT_SEPARATOR):
                k = bisect_right(starts, kh.start) - 1
                i = first + k
                if kh.gate is not None:
                    gates.setdefault(i, set()).add(kh.gate)
                    continue
                found.keywords.setdefault(i, []).append(
                    replace(kh, start=kh.start - starts[k], end=kh.end - starts[k])
                )
            # Collected whatever the gates say: only used where a digit rule is active.
            for m in DIGIT_RUN.finditer(joined):
                found.digit_segments[first + bisect_right(starts, m.start()) - 1] = 1
            for i, words in gates.items():
                key = frozenset(words)
                found.gate_words[i] = shared.setdefault(key, key)
                seen |= key
        # The automaton reports every occurrence (overlapping) of every gate word, so the
        # words it saw are exactly the gate words in the text.
        found.active = self.regex.active(seen)
        return found

    # -- one segment ----------------------------------------------------------------------
    def _segment_hits(
        self,
        i: int,
        seg: Segment,
        text: str,
        ctx: ScanContext,
        head: _Head,
        tables: _Tables,
        found: _DocPass,
    ) -> list[_Hit]:
        raw: list[tuple[Rule, int, int, str]] = []
        allow: list[AllowSpan] = []
        for kh in found.keywords.get(i, ()):
            if kh.rule is not None:
                raw.append((kh.rule, kh.start, kh.end, ""))
            elif kh.allow is not None and kh.allow.context_ok(text, kh.start, kh.end):
                allow.append(AllowSpan(kh.start, kh.end, kh.allow))
        digit_rules, other_rules = found.active
        parts = _parts_of(seg)
        digit_rules = [r for r in digit_rules if found.digit_segments[i] and _reaches(r, parts)]
        other_rules = [
            r
            for r in other_rules
            if _reaches(r, parts) and self._position_possible(r, i, text, head)
        ]
        if self.exhaustive:
            for rule, rh in self.regex.every_hit(text):
                raw.append((rule, rh.start, rh.end, rh.detail))
        elif digit_rules or other_rules:
            if is_row(seg):  # a column header also counts as context: search the strings
                headers, seen = tables.headers_text(seg), None
            else:
                headers, seen = "", found.gate_words[i] or frozenset()
            for rule, rh in self.regex.rule_hits(
                text, headers, None, (digit_rules, other_rules), seen
            ):
                raw.append((rule, rh.start, rh.end, rh.detail))
        if not raw:
            return []
        # Only the allow patterns that cover a rule which hit here can neutralise anything.
        raw_rules = {id(r): r for r, _s, _e, _d in raw}.values()
        entries = [
            a for a in self.regex.allow if self.exhaustive or any(a.covers(r) for r in raw_rules)
        ]
        for entry, rh in self.regex.allow_hits(text, entries):
            if entry.context_ok(text, rh.start, rh.end):
                allow.append(AllowSpan(rh.start, rh.end, entry))
        norm = ctx.normalized(i)
        hits: list[_Hit] = []
        for rule, start, end, detail in raw:
            orig_start, _ = norm.span(start, end)
            loc = seg.location_at(orig_start)
            if rule.parts is not None and loc.part not in rule.parts:
                continue
            if rule.position is not None and not self._position_ok(rule, i, start, text, head):
                continue
            if (rule.require or rule.exclude) and not self._context_ok(
                rule, text, start, end, tables.header_of(seg, loc.col)
            ):
                continue
            if neutralised_by(rule, start, end, allow) is not None:
                continue
            hits.append(
                _Hit(i, start, end, rule, self._order[rule.id], rule.severity, detail=detail)
            )
        return _dedupe(hits)

    @staticmethod
    def _position_possible(rule: Rule, i: int, text: str, head: _Head) -> bool:
        """Cheap pre-check before running a regex: line length and head line number."""
        pos = rule.position
        if pos is None:
            return True
        if pos.line_max_chars is not None and len(text.strip()) > pos.line_max_chars:
            return False
        if pos.first_lines is not None or pos.first_chars is not None:
            where = head.lines.get(i)
            if where is None or (pos.first_lines is not None and where[0] > pos.first_lines):
                return False
        return True

    @staticmethod
    def _position_ok(rule: Rule, i: int, start: int, text: str, head: _Head) -> bool:
        pos = rule.position
        assert pos is not None
        if pos.line_max_chars is not None and len(text.strip()) > pos.line_max_chars:
            return False
        if pos.first_chars is None and pos.first_lines is None:
            return True
        where = head.lines.get(i)
        if where is None:
            return False
        line, offset = where
        if pos.first_lines is not None and line > pos.first_lines:
            return False
        return pos.first_chars is None or offset + start < pos.first_chars

    @staticmethod
    def _context_ok(rule: Rule, text: str, start: int, end: int, header: str) -> bool:
        window = around_match(text, start, end, rule.window, rule.after) + "\n" + header
        if rule.require and not any(w in window for w in rule.require):
            return False
        return not any(w in window for w in rule.exclude)

    # -- the document ----------------------------------------------------------------------
    def _candidates(self, found: _DocPass, head: _Head, n: int) -> bytearray | None:
        """Segments where some rule can hit, marked 1 (None: all). Rows are always visited."""
        cands = bytearray(n)
        for i in found.keywords:
            cands[i] = 1
        for i, g in enumerate(found.gate_words):
            if g:
                cands[i] = 1
        if found.active[0]:
            cands = bytearray(a | b for a, b in zip(cands, found.digit_segments, strict=True))
        for rule in found.active[1]:
            if self.regex.gated(rule):
                continue
            pos = rule.position
            if pos is not None and pos.first_lines is not None:
                for i, (line, _) in head.lines.items():
                    if line <= pos.first_lines:
                        cands[i] = 1
            elif pos is not None and pos.first_chars is not None:
                for i in head.lines:
                    cands[i] = 1
            else:
                return None
        return cands

    def hits(self, doc: Document, ctx: ScanContext) -> list[_Hit]:
        head = _head(doc, ctx, self._max_lines, self._max_chars)
        tables = _Tables()
        found = self._doc_pass(doc, ctx)
        candidates = None if self.exhaustive else self._candidates(found, head, len(doc.segments))
        out: list[_Hit] = []
        for i, seg in enumerate(doc.segments):
            row = bool(seg.spans) and is_row(seg)
            if row:
                tables.observe(seg)
            elif candidates is not None and not candidates[i]:
                continue
            text = ctx.normalized_text(i)
            if not text:
                continue
            seg_hits = self._segment_hits(i, seg, text, ctx, head, tables, found)
            if row:
                for h in seg_hits:
                    if h.rule.with_name_severity is None:
                        continue
                    col = seg.location_at(ctx.normalized(i).span(h.start, h.end)[0]).col
                    if tables.row_has_name(seg, col):
                        h.severity = h.rule.with_name_severity
                        h.reason_suffix = NAME_REASON_SUFFIX
            if row and self._cell_rules:
                seg_hits = self._cell_hits(i, seg, ctx, tables, seg_hits)
            out.extend(seg_hits)
        return out

    def _cell_hits(
        self, i: int, seg: Segment, ctx: ScanContext, tables: _Tables, have: list[_Hit]
    ) -> list[_Hit]:
        """``scope = "cell"`` rules over each cell of a row: ``context.require`` words must be in
        the column's header, a cell that is exactly one of ``context.exclude`` is skipped; the
        header row is never a hit, and ``with_name_severity`` needs a value in a column
        headed 姓名/户主/申请人 … (not merely a name-like cell: "门诊统筹" is no person)."""
        norm = ctx.normalized(i)
        out = list(have)
        if tables.is_header_row(seg):
            return out
        named = tables.row_has_named_person(seg)
        for sp in seg.spans:
            col = sp.location.col
            header = tables.header_of(seg, col)
            cell = normalize(seg.text[sp.start : sp.end])
            for rule in self._cell_rules:
                if rule.parts is not None and sp.location.part not in rule.parts:
                    continue
                if rule.require and not any(w in header for w in rule.require):
                    continue
                if rule.exclude and cell.text.strip() in rule.exclude:
                    continue  # the cell says "无" / "健康" / "-": nothing disclosed
                assert rule.pattern is not None
                for rh in find(rule.pattern, rule.validator, cell.text):
                    o_start, o_end = cell.span(rh.start, rh.end)
                    start = bisect_right(norm.offsets, sp.start + o_start) - 1
                    end = bisect_right(norm.offsets, sp.start + o_end - 1)
                    if any(
                        h.rule.category == rule.category and h.start < end and start < h.end
                        for h in out
                    ):
                        continue
                    hit = _Hit(
                        i, start, end, rule, self._order[rule.id], rule.severity, detail=rh.detail
                    )
                    if rule.with_name_severity is not None and named:
                        hit.severity = rule.with_name_severity
                        hit.reason_suffix = NAME_REASON_SUFFIX
                    out.append(hit)
        return out

    def joined_hits(self, doc: Document, ctx: ScanContext, have: list[_Hit]) -> list[_Hit]:
        """Hits of ``join_lines`` rules in runs of consecutive short lines joined together
        (same part, page and field; table rows excluded) that reach over a line break.

        A hit is reported at the line where it starts; its text is the whole joined match.
        """
        rules = [r for r in self.ruleset.rules if r.join_lines and r.pattern is not None]
        if not rules:
            return []
        head: _Head | None = None
        out: list[_Hit] = []
        run: list[tuple[int, int, str]] = []  # (segment, offset of the stripped text, text)

        def flush() -> None:
            nonlocal head
            if len(run) < 2:
                run.clear()
                return
            joined = "".join(t for _i, _o, t in run)
            starts: list[int] = []
            pos = 0
            for _i, _o, t in run:
                starts.append(pos)
                pos += len(t)
            for rule in rules:
                if isinstance(rule.prefilter, tuple) and not any(
                    w in joined for w in rule.prefilter
                ):
                    continue
                assert rule.pattern is not None
                for rh in find(rule.pattern, rule.validator, joined):
                    first = bisect_right(starts, rh.start) - 1
                    last = bisect_right(starts, rh.end - 1) - 1
                    if first == last or rh.start != starts[first]:
                        # inside one line (the per-line pass has it), or not standing at the
                        # start of its line ("…商业秘密" + "*注：…" is prose, not a mark)
                        continue
                    seg, offset, text = run[first]
                    start = offset + rh.start - starts[first]
                    end = offset + len(text)
                    if rule.position is not None:
                        if head is None:
                            head = _head(doc, ctx, self._max_lines, self._max_chars)
                        if not self._position_ok(
                            replace(rule, position=replace(rule.position, line_max_chars=None)),
                            seg,
                            start,
                            text,
                            head,
                        ):
                            continue
                    if (rule.require or rule.exclude) and not self._context_ok(
                        rule, joined, rh.start, rh.end, ""
                    ):
                        continue
                    if any(
                        h.seg == seg and h.rule.category == rule.category and h.end > start
                        for h in have
                    ):
                        continue
                    out.append(
                        _Hit(
                            seg,
                            start,
                            end,
                            rule,
                            self._order[rule.id],
                            rule.severity,
                            detail=rh.detail,
                            text=rh.value,
                        )
                    )
            run.clear()

        prev_key: tuple[object, ...] | None = None
        for i, seg in enumerate(doc.segments):
            loc = seg.location
            key = (loc.part, loc.page, loc.field, loc.sheet)
            text = ctx.normalized_text(i)
            stripped = text.strip()
            short = bool(stripped) and len(stripped) <= JOIN_MAX_CHARS and not seg.spans
            if not short or key != prev_key:
                flush()
            if short:
                run.append((i, text.index(stripped[0]), stripped))
            prev_key = key
        flush()
        return out

    def run(self, doc: Document, ctx: ScanContext) -> list[Finding]:
        hits = self.hits(doc, ctx)
        hits.extend(self.joined_hits(doc, ctx, hits))
        findings: list[Finding] = []
        for h in hits:
            matched = h.text or ctx.normalized(h.seg).text[h.start : h.end]
            reason = h.rule.reason.replace("{text}", matched).replace("{detail}", h.detail)
            f = ctx.finding(
                h.seg,
                h.start,
                h.end,
                rule=h.rule.id,
                category=h.rule.category,
                severity=h.severity,
                reason=reason + h.reason_suffix,
                basis=h.rule.basis,
            )
            findings.append(f)
        findings.extend(self._bulk(hits, ctx))
        ctx.summary.setdefault("rule_hashes", dict(self.ruleset.hashes))
        return findings

    @staticmethod
    def _bulk(hits: list[_Hit], ctx: ScanContext) -> list[Finding]:
        by_rule: dict[str, list[_Hit]] = {}
        for h in hits:
            if h.rule.bulk is not None:
                by_rule.setdefault(h.rule.id, []).append(h)
        out: list[Finding] = []
        for group in by_rule.values():
            rule = group[0].rule
            assert rule.bulk is not None
            values = {compact(ctx.normalized(h.seg).text[h.start : h.end]) for h in group}
            if len(values) < rule.bulk.threshold:
                continue
            first = group[0]
            out.append(
                ctx.finding(
                    first.seg,
                    first.start,
                    first.end,
                    rule=f"{rule.id}.bulk",
                    category=rule.category,
                    severity=rule.bulk.severity,
                    reason=rule.bulk.reason.replace("{count}", str(len(values))),
                    basis=rule.basis,
                )
            )
        return out


def _parts_of(seg: Segment) -> frozenset[str]:
    """Every part a segment's text is in (its own and its spans'): a rule limited to other
    parts (``parts = ["table", …]``) cannot hit there."""
    if not seg.spans:
        return frozenset((seg.location.part,))
    return frozenset((seg.location.part, *(sp.location.part for sp in seg.spans)))


def _reaches(rule: Rule, parts: frozenset[str]) -> bool:
    """The rule may hit in one of ``parts`` (``_parts_of``): it is not limited to others."""
    return rule.parts is None or not rule.parts.isdisjoint(parts)


def _dedupe(hits: list[_Hit]) -> list[_Hit]:
    """One finding per place and category: the more severe, longer, earlier-listed rule wins."""
    ranked = sorted(
        hits, key=lambda h: (-SEVERITY_RANK[h.severity], -(h.end - h.start), h.order, h.start)
    )
    kept: list[_Hit] = []
    for h in ranked:
        if any(
            k.rule.category == h.rule.category and k.start < h.end and h.start < k.end for k in kept
        ):
            continue
        kept.append(h)
    return sorted(kept, key=lambda h: (h.start, h.order))


def apply_dismissals(findings: Iterable[Finding], dismissed: Iterable[str]) -> list[Finding]:
    """Drop the findings whose fingerprint a reviewer dismissed (rule + match + location).

    A dismissal hides only that exact finding: a different number on the same line, or the
    same text in another place, has another fingerprint and stays.
    """
    gone = set(dismissed)
    return [f for f in findings if f.fingerprint not in gone]


_CHECKS: dict[int, tuple[RuleSet, RulesCheck]] = {}


def rules_check(ruleset: RuleSet) -> RulesCheck:
    """The RulesCheck for ``ruleset``, built once (the automaton is reused across files)."""
    got = _CHECKS.get(id(ruleset))
    if got is None or got[0] is not ruleset:
        if len(_CHECKS) >= 16:
            _CHECKS.clear()
        got = (ruleset, RulesCheck(ruleset))
        _CHECKS[id(ruleset)] = got
    return got[1]
