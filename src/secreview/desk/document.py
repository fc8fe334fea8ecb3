"""The document page's view: the extracted text by page and part, every finding in place.

Pure: segments (from the worker) and the version's stored findings in, plain data out; the
template only lays it out. The stored findings are the record — they are not recomputed —
so each is placed back into the text by its location and matched text (the context picks
the right one of several equal matches); a finding that cannot be placed is still listed,
marked 「未能在文中定位」.

Personal numbers are masked here, in the text and in the side list, unless the page was
revealed (``Ledger.show(reveal=True)``, recorded). Masking keeps every character's position
(``mask.mask_numbers`` and ``mask.mask_value`` replace digits one for one), so marks stay
where they were.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from secreview.clock import show_time
from secreview.desk.scanner import Extracted, SegmentTuple
from secreview.mask import mask_finding_text, mask_numbers, mask_value
from secreview.model import CATEGORY_NAMES_ZH, PART_NAMES_ZH, Location
from secreview.numbering import numbered
from secreview.rules.names import rule_name

# What a reader of the published file can recover but the drafter may not see (DESIGN §1).
RESIDUE_PARTS = frozenset(
    {
        "comment",
        "revision_insert",
        "revision_delete",
        "hidden",
        "metadata",
        "annotation",
        "under_redaction",
        "invisible",
        "earlier_revision",
        "custom_xml",
        "form_field",
        "notes",
    }
)
# Text read by a machine from pictures: a person checks it against the picture.
MACHINE_READ_PARTS = frozenset({"ocr", "image_only_page"})
SEVERITY_ZH = {"block": "禁止", "review": "复核", "info": "提示"}
SEVERITY_RANK = {"block": 0, "review": 1, "info": 2}
ACTIONABLE = frozenset({"block", "review"})
FINDING_STATUS_ZH = {
    "open": "待审查",
    "confirmed": "审查员确认",
    "dismissed": "审查员排除",
    "dismissed_accepted": "排除（领导已接受）",
    "note": "提示，无需逐项审查",
}
# Times inside a location (a comment's date, a revision's) are UTC: shown as Beijing time.
_ISO_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?)?Z")


def _where(loc: dict[str, Any]) -> str:
    label = Location.from_dict(loc).label()
    return _ISO_UTC.sub(lambda m: show_time(m.group(0)), label)


@dataclass
class Piece:
    text: str
    findings: tuple[int, ...] = ()  # numbers of the findings covering this text
    severity: str | None = None  # the worst of them
    anchors: tuple[int, ...] = ()  # findings that start here (their id="f-N")


@dataclass
class Block:
    part: str
    part_zh: str
    kind: str  # content | residue | machine
    label: str
    pieces: list[Piece]
    flags: list[int] = field(default_factory=list)  # findings about the whole block


@dataclass
class PageGroup:
    title: str
    blocks: list[Block]


@dataclass
class FindingView:
    n: int
    fingerprint: str
    rule: str
    category: str
    category_zh: str
    severity: str
    severity_zh: str
    source: str
    reason: str
    basis: str
    text: str
    context: str
    where: str
    part: str
    kind: str
    placed: bool
    actionable: bool
    status: str = "open"
    status_zh: str = "待审查"
    dismissal: dict[str, Any] | None = None


@dataclass
class RuleGroup:
    index: int
    rule: str
    name: str
    severity: str
    findings: list[FindingView]

    @property
    def actionable(self) -> list[FindingView]:
        return [f for f in self.findings if f.actionable]


@dataclass
class DocumentView:
    pages: list[PageGroup]
    findings: list[FindingView]
    groups: list[RuleGroup]
    truncated: bool = False
    total_chars: int = 0
    error: str | None = None
    revealed: bool = False

    @property
    def unplaced(self) -> int:
        return sum(not f.placed for f in self.findings)

    @property
    def residue_blocks(self) -> int:
        return sum(b.kind == "residue" for p in self.pages for b in p.blocks)


def _kind(part: str) -> str:
    if part in RESIDUE_PARTS:
        return "residue"
    if part in MACHINE_READ_PARTS:
        return "machine"
    return "content"


def _key(loc: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    return tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in loc.items()))


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _pick(text: str, lo: int, hi: int, needle: str, context: str) -> int | None:
    """Where ``needle`` starts in text[lo:hi]: the occurrence whose surroundings are the
    finding's context (its words before and after, spaces folded), else the first one;
    None when it is not there."""
    core = _collapse(context.strip("…"))
    k = core.find(_collapse(needle)) if needle.strip() else -1
    pre, post = (
        (core[:k].strip(), core[k + len(_collapse(needle)) :].strip()) if k >= 0 else ("", "")
    )
    first: int | None = None
    start = lo
    while True:
        p = text.find(needle, start, hi)
        if p < 0:
            return first
        if first is None:
            first = p
        before = _collapse(text[max(0, p - len(pre) * 2 - 8) : p])
        after = _collapse(text[p + len(needle) : p + len(needle) + len(post) * 2 + 8])
        if k >= 0 and before.endswith(pre) and after.startswith(post):
            return p
        start = p + 1


def _page_title(loc: dict[str, Any]) -> str:
    if loc.get("page") is not None:
        unit = "张幻灯片" if loc.get("part") in ("slide", "notes") else "页"
        return f"第 {loc['page']} {unit}"
    if loc.get("sheet") is not None:
        return f"工作表「{loc['sheet']}」"
    if loc.get("part") == "metadata":
        return "文档属性"
    return "全文"


def _group_key(loc: dict[str, Any]) -> Any:
    if loc.get("page") is not None:
        return ("page", loc["page"])
    if loc.get("sheet") is not None:
        return ("sheet", loc["sheet"])
    return ("doc", loc.get("part") == "metadata")


def _mask_segment(text: str, personal: Iterable[tuple[int, int]]) -> str:
    masked = mask_numbers(text)
    if len(masked) != len(text):  # never expected: masking is one for one
        return "".join("*" if ch.isdigit() else ch for ch in text)
    chars = list(masked)
    for s, e in personal:
        for i, ch in enumerate(mask_value(text[s:e])):
            if ch == "*":
                chars[s + i] = "*"
    return "".join(chars)


def build_view(
    extracted: Extracted,
    findings: list[dict[str, Any]],
    statuses: dict[str, tuple[str, dict[str, Any] | None]] | None = None,
    *,
    reveal: bool = False,
    rule_names: dict[str, str] | None = None,
) -> DocumentView:
    """The page for one version. ``statuses``: fingerprint → (status, dismissal) from show."""
    segments: list[SegmentTuple] = extracted.segments
    statuses = statuses or {}
    names = rule_names or {}
    index: dict[tuple[tuple[str, Any], ...], list[tuple[int, int, int]]] = {}
    for i, (text, loc, spans) in enumerate(segments):
        index.setdefault(_key(loc), []).append((i, 0, len(text)))
        for s, e, sloc in spans:
            index.setdefault(_key(sloc), []).append((i, s, e))

    marks: dict[int, list[tuple[int, int, int, str]]] = {}  # segment → (start, end, n, sev)
    flags: dict[int, list[int]] = {}
    views: list[FindingView] = []
    for n, f in numbered(findings):  # the numbers show and review --dismiss use
        loc = f.get("location") or {"part": "body"}
        text = str(f.get("text") or "")
        context = str(f.get("context") or "")
        severity = str(f.get("severity") or "info")
        placed = False
        cands = index.get(_key(loc), [])
        if text:
            for i, lo, hi in cands:
                p = _pick(segments[i][0], lo, hi, text, context)
                if p is not None:
                    marks.setdefault(i, []).append((p, p + len(text), n, severity))
                    placed = True
                    break
            if not placed:  # the same part and page, another paragraph (a finer location)
                for i, (seg_text, sloc, _spans) in enumerate(segments):
                    if sloc.get("part") != loc.get("part") or sloc.get("page") != loc.get("page"):
                        continue
                    p = _pick(seg_text, 0, len(seg_text), text, context)
                    if p is not None:
                        marks.setdefault(i, []).append((p, p + len(text), n, severity))
                        placed = True
                        break
        if not placed and cands:
            flags.setdefault(cands[0][0], []).append(n)
            placed = True
        if not placed and f.get("source") == "residue":  # about a part as a whole
            part_segments = [
                i
                for i, (_t, sloc, _s) in enumerate(segments)
                if sloc.get("part") == loc.get("part")
            ]
            if part_segments:
                flags.setdefault(part_segments[0], []).append(n)
                placed = True
        fp = str(f.get("fingerprint") or "")
        status, dismissal = statuses.get(fp, ("open", None))
        if status == "open" and severity not in ACTIONABLE:
            status = "note"
        category = str(f.get("category") or "")
        personal = category == "personal_info"
        shown_text, shown_context = (
            (text, context) if reveal else mask_finding_text(text, context, personal)
        )
        rule = str(f.get("rule") or "")
        part = str(loc.get("part") or "body")
        views.append(
            FindingView(
                n=n,
                fingerprint=fp,
                rule=rule,
                category=category,
                category_zh=CATEGORY_NAMES_ZH.get(category, category),
                severity=severity,
                severity_zh=SEVERITY_ZH.get(severity, severity),
                source=str(f.get("source") or ""),
                reason=str(f.get("reason") or "")
                if reveal
                else mask_numbers(str(f.get("reason") or "")),
                basis=str(f.get("basis") or ""),
                text=shown_text,
                context=shown_context,
                where=_where(loc),
                part=part,
                kind=_kind(part),
                placed=placed,
                actionable=severity in ACTIONABLE,
                status=status,
                status_zh=FINDING_STATUS_ZH.get(status, status),
                dismissal=dismissal,
            )
        )
    personal_numbers = {v.n for v in views if v.category == "personal_info"}

    pages: list[PageGroup] = []
    last_key: Any = object()
    for i, (text, loc, _spans) in enumerate(segments):
        seg_marks = sorted(marks.get(i, []))
        shown = (
            text
            if reveal
            else _mask_segment(text, [(s, e) for s, e, n, _ in seg_marks if n in personal_numbers])
        )
        part = str(loc.get("part") or "body")
        block = Block(
            part=part,
            part_zh=PART_NAMES_ZH.get(part, part),
            kind=_kind(part),
            label=_where(loc),
            pieces=_pieces(shown, seg_marks),
            flags=flags.get(i, []),
        )
        key = _group_key(loc)
        if key != last_key:
            pages.append(PageGroup(_page_title(loc), []))
            last_key = key
        pages[-1].blocks.append(block)

    return DocumentView(
        pages=pages,
        findings=views,
        groups=_groups(views, names),
        truncated=extracted.truncated,
        total_chars=extracted.total_chars,
        error=extracted.error,
        revealed=reveal,
    )


def _pieces(text: str, seg_marks: list[tuple[int, int, int, str]]) -> list[Piece]:
    if not seg_marks:
        return [Piece(text)]
    cuts = sorted({0, len(text), *(s for s, *_ in seg_marks), *(e for _, e, *_ in seg_marks)})
    starts: dict[int, list[int]] = {}
    for s, _e, n, _sev in seg_marks:
        starts.setdefault(s, []).append(n)
    out: list[Piece] = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        if a >= b:
            continue
        covering = [(n, sev) for s, e, n, sev in seg_marks if s <= a and e >= b]
        if covering:
            worst = min((sev for _, sev in covering), key=lambda x: SEVERITY_RANK.get(x, 3))
            out.append(
                Piece(text[a:b], tuple(n for n, _ in covering), worst, tuple(starts.get(a, ())))
            )
        else:
            out.append(Piece(text[a:b]))
    return out


def _groups(views: list[FindingView], names: dict[str, str]) -> list[RuleGroup]:
    by_rule: dict[str, list[FindingView]] = {}
    for v in views:
        by_rule.setdefault(v.rule, []).append(v)
    ordered = sorted(
        by_rule.items(),
        key=lambda kv: (min(SEVERITY_RANK.get(v.severity, 3) for v in kv[1]), kv[1][0].n),
    )
    out = []
    for i, (rule, items) in enumerate(ordered):
        worst = min((v.severity for v in items), key=lambda x: SEVERITY_RANK.get(x, 3))
        out.append(RuleGroup(i, rule, names.get(rule) or rule_name(rule), worst, items))
    return out
