"""``audit --annual YEAR``: the 保密审查 paragraph and table a 政府信息公开工作年度报告 needs.

Annual reports (条例 第四十九、五十条) carry a section on 政府信息公开保密审查 — how the review
is organised and what it found — in running text, with the numbers in a table. This module
computes those numbers from the ledger and words them. Pure: events in, data out.

What is counted (documented in docs/outputs.md):

- the items: those first submitted in YEAR (Beijing dates), optionally one department;
- their state at the end of YEAR: events after 12-31 24:00 Beijing time are not used, so the
  report written in January says what the office knew on 31 December;
- 审查 (reviewed): every such item — each passes the machine review and a leader's sign-off,
  flagged ones also a 保密审查员;
- 机审提示 (flagged): an item one of whose versions the scan did not pass (review or block);
- 发现问题 (found): an item one of whose versions was returned — by the reviewer (the findings
  they confirmed) or by the leader (the findings the leader did not accept as cleared). Its
  categories are those findings' categories; a return without findings counts as 其他;
- 经复核排除 (cleared): flagged, never returned, every finding dismissed, signed off;
- of the found items: 经修改后签批 (a later version was signed off), 不予公开 (the returned
  version stands: no revision followed), 尚在办理 (a revision is waiting for review/sign-off).
  These three add up to 发现问题;
- 签批同意 / 已公开 and publications without complete sign-off (the 台账's own check);
- 定期梳理 in YEAR: runs, files re-checked, files needing attention.

An item can be found in several categories: the category rows are items per category, the
合计 row counts each item once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from secreview import workflow as wf
from secreview.clock import OfficeClock
from secreview.model import CATEGORIES, CATEGORY_NAMES_ZH, Event

if TYPE_CHECKING:
    from secreview.report.build import Folded

OTHER = "other"
CATEGORY_ROW_ZH = {
    "state_secret": "涉及国家秘密",
    "work_secret": "涉及工作秘密或内部资料",
    "personal_info": "涉及个人信息",
    "trade_secret": "涉及商业秘密",
    "internal_affairs": "内部事务信息",
    "process_info": "过程性信息",
    "enforcement_case": "行政执法案卷信息",
    "residue": "文档残留（修订、批注、隐藏内容等）",
    OTHER: "其他（审核领导退回）",
}
OUTCOMES = ("revised", "withheld", "pending")
OUTCOME_ZH = {"revised": "经修改后签批", "withheld": "不予公开", "pending": "尚在办理"}
TABLE_COLUMNS = ["类别", "发现问题", *(OUTCOME_ZH[o] for o in OUTCOMES)]
TABLE_TITLE = "发现问题分类统计（单位：件）"
ANNUAL_NOTE = (
    "说明：统计对象为本年度（北京时间）首次提交审查的事项，状态截至当年12月31日；"
    "“发现问题”指经保密审查员确认或审核领导退回的事项，同一事项可涉及多个类别，合计栏每项只计一次；"
    "“经修改后签批”“不予公开”“尚在办理”三项之和等于发现问题数。数据由 secreview 依台账生成。"
)


@dataclass
class CategoryRow:
    category: str
    found: int = 0
    revised: int = 0
    withheld: int = 0
    pending: int = 0

    @property
    def name(self) -> str:
        return CATEGORY_ROW_ZH.get(self.category, self.category)

    def cells(self) -> list[str | int]:
        return [self.name, self.found, self.revised, self.withheld, self.pending]


@dataclass
class AnnualReport:
    year: int
    office: str
    dept: str | None = None
    reviewed: int = 0
    versions: int = 0  # versions submitted for those items (修改稿 included)
    flagged: int = 0
    cleared: int = 0
    found: int = 0
    revised: int = 0
    withheld: int = 0
    pending: int = 0
    approved: int = 0
    published: int = 0
    awaiting: int = 0  # items never returned that still wait for review or sign-off
    unsigned_published: int = 0
    sweep_runs: int = 0
    sweep_files: int = 0
    sweep_attention: int = 0
    categories: list[CategoryRow] = field(default_factory=list)
    total: CategoryRow = field(default_factory=lambda: CategoryRow("total"))
    verify_ok: bool = True

    @property
    def heading(self) -> str:
        unit = f"（{self.dept}）" if self.dept else ""
        return f"{self.year}年度政府信息公开保密审查情况{unit}"

    def _found_text(self) -> str:
        if not self.found:
            return "审查中未发现涉密或其他不宜公开的信息"
        parts = "、".join(
            f"{CATEGORY_NAMES_ZH.get(r.category, '其他')} {r.found} 件" for r in self.categories
        )
        outcome = "，".join(
            f"{OUTCOME_ZH[o]} {getattr(self, o)} 件" for o in OUTCOMES if getattr(self, o)
        )
        return f"审查中发现问题并退回修改 {self.found} 件（{parts}），其中{outcome}"

    def paragraph(self) -> str:
        """The section's running text — every sentence from the ledger's numbers."""
        who = self.office + (self.dept or "")
        revisions = self.versions - self.reviewed
        sentences = [
            f"{self.year}年，{who}按照“先审查、后公开”“谁公开、谁审查、谁负责”的要求，"
            f"对拟公开的政府信息逐项进行保密审查并登记台账，全年共审查拟公开信息 {self.reviewed} 件"
            + (f"（另审查修改稿 {revisions} 份）" if revisions else ""),
            self._found_text(),
        ]
        if self.flagged:
            sentences.append(
                f"机器初审提示需人工核对的 {self.flagged} 件，均转保密审查员逐项复核，"
                f"其中经复核排除误报后签批的 {self.cleared} 件"
            )
        sentences.append(f"经审核领导签批同意公开 {self.approved} 件，已公开 {self.published} 件")
        if self.awaiting:
            sentences.append(f"年末尚在审查或待签批的 {self.awaiting} 件")
        if self.sweep_runs:
            sentences.append(
                f"对已公开信息开展定期梳理 {self.sweep_runs} 次，复查文件 {self.sweep_files} 个，"
                + (
                    f"发现需要整改的 {self.sweep_attention} 个"
                    if self.sweep_attention
                    else "未发现需要整改的问题"
                )
            )
        else:
            sentences.append("本年度未开展已公开信息的定期梳理")
        if self.unsigned_published:
            sentences.append(
                f"发现 {self.unsigned_published} 件信息未经完整审查签批即已公开，已列入整改"
            )
        elif self.published:
            sentences.append("全年公开的信息均经保密审查和领导签批")
        if not self.verify_ok:
            sentences.append("（注意：台账校验未通过，以上数据须经核实后方可使用）")
        return "。".join(sentences) + "。"

    def summary_items(self) -> list[tuple[str, int]]:
        return [
            ("审查拟公开信息（件）", self.reviewed),
            ("审查修改稿（份）", self.versions - self.reviewed),
            ("机器初审提示需人工核对（件）", self.flagged),
            ("经复核排除误报后签批（件）", self.cleared),
            ("发现问题并退回修改（件）", self.found),
            ("其中：经修改后签批（件）", self.revised),
            ("其中：不予公开（件）", self.withheld),
            ("其中：尚在办理（件）", self.pending),
            ("签批同意公开（件）", self.approved),
            ("已公开（件）", self.published),
            ("年末尚在审查或待签批（件）", self.awaiting),
            ("未经完整签批即公开（件）", self.unsigned_published),
            ("定期梳理（次）", self.sweep_runs),
            ("梳理复查文件（个）", self.sweep_files),
            ("梳理发现需整改（个）", self.sweep_attention),
        ]

    def table(self) -> list[list[str | int]]:
        """The category table, 合计 last (each item once)."""
        total = CategoryRow("total", *(getattr(self, k) for k in ("found", *OUTCOMES)))
        return [r.cells() for r in self.categories] + [["合计", *total.cells()[1:]]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "office": self.office,
            "dept": self.dept,
            "heading": self.heading,
            "paragraph": self.paragraph(),
            "summary": dict(self.summary_items()),
            "columns": TABLE_COLUMNS,
            "table": self.table(),
            "categories": {
                r.category: {"found": r.found, **{o: getattr(r, o) for o in OUTCOMES}}
                for r in self.categories
            },
            "totals": {
                "reviewed": self.reviewed,
                "versions": self.versions,
                "flagged": self.flagged,
                "cleared": self.cleared,
                "found": self.found,
                **{o: getattr(self, o) for o in OUTCOMES},
                "approved": self.approved,
                "published": self.published,
                "awaiting": self.awaiting,
                "unsigned_published": self.unsigned_published,
            },
            "sweep": {
                "runs": self.sweep_runs,
                "files": self.sweep_files,
                "attention": self.sweep_attention,
            },
        }


def _returned_categories(state: wf.SubmissionState) -> set[str] | None:
    """The categories of the problems the item was returned for (None: never returned)."""
    cats: set[str] = set()
    returned = False
    for ev in state.history:
        if ev.action not in ("review", "sign") or ev.payload.get("decision") != "reject":
            continue
        returned = True
        vs = state.versions.get(ev.version or 0)
        if vs is None:
            continue
        by_fp = {f.get("fingerprint"): f for f in vs.findings}
        if ev.action == "review":
            problems = [by_fp[fp] for fp in ev.payload.get("confirmed") or [] if fp in by_fp]
        else:  # the leader did not accept the version as it was: its actionable findings
            problems = [f for f in vs.findings if f.get("severity") in wf.ACTIONABLE_SEVERITIES]
        found = {str(f.get("category") or OTHER) for f in problems}
        cats |= found or {OTHER}
    return cats if returned else None


def _outcome(state: wf.SubmissionState) -> str:
    if state.status in wf.APPROVED:
        return "revised"
    if state.status == "returned":
        return "withheld"
    return "pending"


def build_annual(
    year: int,
    events: Iterable[Event],
    folded: Folded,
    office: str,
    dept: str | None,
    clock: OfficeClock,
    verify_ok: bool = True,
) -> AnnualReport:
    """The annual numbers for the items of ``folded`` (first submitted in ``year``), each
    re-folded from its events up to the end of the year."""
    end = date(year, 12, 31)
    out = AnnualReport(year=year, office=office, dept=dept, verify_ok=verify_ok)
    ids = {st.id for st in folded.states}
    by_sid: dict[str, list[Event]] = {}
    for ev in events:
        if ev.submission_id in ids and clock.day(ev.ts) <= end:
            by_sid.setdefault(ev.submission_id, []).append(ev)
    per_cat: dict[str, Counter[str]] = {}
    for sid in sorted(ids):
        evs = [e for e in by_sid.get(sid, []) if e.action in wf.ITEM_ACTIONS]
        state = wf.fold_submission(evs)
        if state is None:
            continue
        out.reviewed += 1
        out.versions += len(state.versions)
        flagged = any(vs.verdict in ("review", "block") for vs in state.versions.values())
        out.flagged += flagged
        approved = state.status in wf.APPROVED
        out.approved += approved
        out.published += any(vs.publications for vs in state.versions.values())
        cats = _returned_categories(state)
        if cats is None:
            out.cleared += flagged and approved
            out.awaiting += state.status in ("awaiting_review", "awaiting_signoff")
            continue
        outcome = _outcome(state)
        out.found += 1
        setattr(out, outcome, getattr(out, outcome) + 1)
        for cat in cats:
            per_cat.setdefault(cat, Counter())["found"] += 1
            per_cat[cat][outcome] += 1
    order = [*CATEGORIES, OTHER]
    for cat in sorted(per_cat, key=lambda c: order.index(c) if c in order else len(order)):
        c = per_cat[cat]
        out.categories.append(CategoryRow(cat, c["found"], *(c[o] for o in OUTCOMES)))
    out.unsigned_published = sum(
        1 for sid, ev, _why in folded.collected.unsigned if sid in ids and clock.day(ev.ts) <= end
    )
    start = date(year, 1, 1)
    runs: set[str] = set()
    for ev in folded.collected.sweeps:
        if not start <= clock.day(ev.ts) <= end:
            continue
        if ev.action == "sweep_start":
            runs.add(str(ev.payload.get("run", "")))
        elif ev.action == "sweep_result":
            out.sweep_files += 1
            out.sweep_attention += ev.payload.get("verdict") in _SWEEP_ATTENTION
    out.sweep_runs = len(runs)
    return out


_SWEEP_ATTENTION = frozenset({"attention", "changed", "unknown", "unsigned", "superseded"})
