"""Plain data for the 台账 and the column definitions every renderer shares."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from secreview.clock import BEIJING_LABEL
from secreview.mask import mask_numbers
from secreview.model import CATEGORY_NAMES_ZH
from secreview.rules.names import label as rule_label

if TYPE_CHECKING:
    from secreview.report.annual import AnnualReport

CATEGORY_ZH = CATEGORY_NAMES_ZH


@dataclass
class AuditRow:
    seq: int
    submission_id: str
    title: str
    version: int = 1  # the current version (the one the row's decisions are about)
    doc_number: str = ""
    dept: str = ""
    drafter: str = ""
    submitted_at: str = ""
    findings: dict[str, int] = field(default_factory=dict)  # category → count
    reviewer: str = ""
    review_opinion: str = ""
    leader: str = ""
    leader_decision: str = ""  # 同意签批 / 退回 ("" while waiting)
    signed_at: str = ""  # when the leader decided (local time, unlabelled)
    published_at: str = ""
    channel: str = ""
    url: str = ""
    remarks: str = ""
    status: str = ""
    # the reviewer's dismissals (rule id, reason) and comment; review_opinion is the decision
    dismissed: list[tuple[str, str]] = field(default_factory=list)
    review_comment: str = ""

    def findings_summary(self) -> str:
        if not self.findings:
            return "未发现问题"
        return "；".join(
            f"{CATEGORY_ZH.get(cat, cat)} {n}" for cat, n in sorted(self.findings.items())
        )

    def opinion(self, names: dict[str, str] | None = None) -> str:
        """The reviewer's opinion: decision, dismissals (rule names with the id as a note),
        comment."""
        bits = [self.review_opinion]
        if self.dismissed:
            reasons = "；".join(
                f"{rule_label(rule, names or {})}：{reason}" for rule, reason in self.dismissed
            )
            bits.append(f"排除 {len(self.dismissed)} 项（{reasons}）")
        if self.review_comment:
            bits.append(f"意见：{self.review_comment}")
        return "，".join(b for b in bits if b)

    @property
    def item(self) -> str:
        """The submission id and version, as the ledger (``show ID --version N``) knows them."""
        return f"{self.submission_id} 第{self.version}版"

    def leader_cell(self) -> str:
        """``王领导：同意签批 2026-03-02 15:30`` or ``王领导：退回 …`` — a return is never
        called a sign-off."""
        opinion = " ".join(x for x in (self.leader_decision, self.signed_at) if x)
        return "：".join(x for x in (self.leader, opinion) if x)

    def cells(self, names: dict[str, str] | None = None) -> list[str]:
        """The printed columns, in COLUMNS order, with personal numbers masked."""
        review = "：".join(x for x in (self.reviewer, self.opinion(names)) if x)
        channel = " ".join(x for x in (self.channel, self.url) if x)
        raw = [
            str(self.seq),
            self.item,
            self.title,
            self.doc_number,
            self.dept,
            self.drafter,
            self.submitted_at,
            self.findings_summary(),
            review,
            self.leader_cell(),
            self.published_at,
            channel,
            self.remarks,
        ]
        return [mask_numbers(c) for c in raw]


# The printed columns; times are local (the headers say 北京时间: the office's clock).
COLUMNS = [
    "序号",
    "稿件编号",
    "信息标题",
    "文号",
    "拟公开单位",
    "拟稿人",
    f"提交时间（{BEIJING_LABEL}）",
    "发现摘要",
    "保密审查员及意见",
    f"审核领导及意见（{BEIJING_LABEL}）",
    f"公开时间（{BEIJING_LABEL}）",
    "公开渠道/网址",
    "备注",
]
# Relative widths for PDF (characters).
COLUMN_WIDTHS = [6, 10, 19, 20, 12, 8, 12, 17, 21, 18, 12, 18, 22]


@dataclass
class SweepSummary:
    runs: int = 0
    files: int = 0
    attention: int = 0  # items that now need attention
    unknown: int = 0  # files not in the ledger
    changed: int = 0  # published bytes no longer match the signed-off bytes
    last_run: str = ""


@dataclass
class AuditStats:
    submitted: int = 0
    approved: int = 0
    rejected: int = 0
    published: int = 0
    findings_by_category: dict[str, int] = field(default_factory=dict)
    findings_by_rule: dict[str, int] = field(default_factory=dict)
    findings_by_month: dict[str, int] = field(default_factory=dict)  # "2026-03" → count
    median_hours_to_signoff: float | None = None
    published_without_signoff: list[str] = field(default_factory=list)
    key_resets: list[str] = field(default_factory=list)  # admin resets of a user's key (loud)
    auth_failures: list[str] = field(default_factory=list)  # wrong passphrases, as reported
    sweep: SweepSummary = field(default_factory=SweepSummary)


@dataclass
class Audit:
    office: str
    period_from: str
    period_to: str
    generated_at: str
    rows: list[AuditRow]
    stats: AuditStats
    event_count: int
    head_hash: str
    verify_ok: bool
    verify_message: str = ""
    dept: str | None = None
    checkpoint: str = ""  # the ledger's last checkpoint, for people ("" when none)
    # a city-wide audit: each office's chain as verified {office, events, head, verify_ok}
    offices: list[dict[str, object]] = field(default_factory=list)
    time_label: str = BEIJING_LABEL  # the zone every printed time is in
    # audit --annual YEAR: the 保密审查 paragraph and table of the annual report
    annual: AnnualReport | None = None
    # the ledger could only be read (read-only file or medium): the request is not recorded
    read_only: bool = False

    def alarms(self) -> list[str]:
        """The lines every rendering shows first, loudly."""
        s = self.stats
        out = []
        if s.published_without_signoff:
            out.append(
                "警告：下列事项未经完整签批即已公开，必须立即整改："
                + "；".join(s.published_without_signoff)
            )
        if s.key_resets:
            out.append(
                "注意：管理员重置过下列用户的密钥（此后以其名义的操作须由本人确认）："
                + "；".join(s.key_resets)
            )
        if s.auth_failures:
            out.append("注意：下列用户的口令曾被多次输错：" + "；".join(s.auth_failures))
        return [mask_numbers(x) for x in out]

    # Chinese names of the rule ids the audit mentions (rules/names.py); ids shown as notes
    rule_names: dict[str, str] = field(default_factory=dict)

    def rule_ids(self) -> set[str]:
        ids = set(self.stats.findings_by_rule)
        for row in self.rows:
            ids.update(rule for rule, _ in row.dismissed)
        return ids

    def cells(self, row: AuditRow) -> list[str]:
        return row.cells(self.rule_names)

    @property
    def title(self) -> str:
        return f"{self.office}政府信息公开保密审查台账"

    def subtitle(self) -> str:
        """统计期间 and 生成时间, with the zone every time in the document is in."""
        note = "；本次生成未记入台账（台账只读）" if self.read_only else ""
        return (
            f"统计期间：{self.period}    生成时间：{self.generated_at}（{self.time_label}）"
            f"    表中时间均为{self.time_label}{note}"
        )

    @property
    def period(self) -> str:
        p = f"{self.period_from or '开始'} 至 {self.period_to or '今'}"
        return p + (f"（{self.dept}）" if self.dept else "")

    def footer_line(self) -> str:
        result = "通过" if self.verify_ok else f"未通过：{self.verify_message}"
        checkpoint = f"最近检查点：{self.checkpoint}；" if self.checkpoint else "尚无检查点；"
        return (
            f"台账事件数 {self.event_count}；链头哈希 {self.head_hash}；校验结果：{result}；"
            f"{checkpoint}"
            f"核对方法：secreview ledger verify --expect-head {self.head_hash[:16]}"
        )

    def to_dict(self) -> dict[str, object]:
        """JSON form: the printed cells (masked) per row, statistics and the ledger footer."""
        s = self.stats
        return {
            "title": self.title,
            "office": self.office,
            "period": {"from": self.period_from, "to": self.period_to, "dept": self.dept},
            "generated_at": self.generated_at,
            "columns": COLUMNS,
            "time_zone": self.time_label,
            "read_only": self.read_only,
            "rows": [
                {
                    "id": r.submission_id,
                    "version": r.version,
                    "doc_number": r.doc_number or None,
                    "status": r.status,
                    "cells": dict(zip(COLUMNS, r.cells(self.rule_names), strict=True)),
                }
                for r in self.rows
            ],
            "stats": {
                "submitted": s.submitted,
                "approved": s.approved,
                "rejected": s.rejected,
                "published": s.published,
                "findings_by_category": s.findings_by_category,
                "findings_by_rule": s.findings_by_rule,
                "findings_by_month": s.findings_by_month,
                "median_hours_to_signoff": s.median_hours_to_signoff,
                "published_without_signoff": [mask_numbers(x) for x in s.published_without_signoff],
                "key_resets": [mask_numbers(x) for x in s.key_resets],
                "auth_failures": [mask_numbers(x) for x in s.auth_failures],
                "sweep": vars(s.sweep),
            },
            "annual": self.annual.to_dict() if self.annual is not None else None,
            "ledger": {
                "events": self.event_count,
                "head": self.head_hash,
                "verify_ok": self.verify_ok,
                "verify_message": self.verify_message,
                "checkpoint": self.checkpoint,
                **({"offices": self.offices} if self.offices else {}),
            },
        }

    def stat_items(self) -> list[tuple[str, int | float | str, str]]:
        """(label, value, unit or note): numbers stay numbers (the XLSX types them)."""
        s = self.stats
        items: list[tuple[str, int | float | str, str]] = [
            ("提交事项", s.submitted, "项"),
            ("签批同意", s.approved, "项"),
            ("已退回拟稿人（未修改重报）", s.rejected, "项"),
            ("已公开", s.published, "项"),
        ]
        if s.median_hours_to_signoff is not None:
            items.append(("提交至签批用时（中位数）", round(s.median_hours_to_signoff, 1), "小时"))
        else:
            items.append(("提交至签批用时（中位数）", "—", ""))
        items.append(
            (
                "未经完整签批即公开",
                len(s.published_without_signoff),
                "；".join(s.published_without_signoff),
            )
        )
        items.append(("管理员重置密钥", len(s.key_resets), "次"))
        items.append(("口令多次输错的报告", len(s.auth_failures), "次"))
        items.append(("最近检查点", self.checkpoint or "—", ""))
        for cat, n in sorted(s.findings_by_category.items(), key=lambda kv: -kv[1]):
            items.append((f"发现：{CATEGORY_ZH.get(cat, cat)}", n, "处"))
        for rule, n in sorted(s.findings_by_rule.items(), key=lambda kv: (-kv[1], kv[0]))[:15]:
            items.append((f"规则：{rule_label(rule, self.rule_names)}", n, "处"))
        sw = s.sweep
        if sw.runs:
            items += [
                ("定期梳理次数", sw.runs, "次"),
                ("梳理文件数", sw.files, "个"),
                ("梳理发现需关注", sw.attention, "个"),
                ("不在台账中的文件", sw.unknown, "个"),
                ("签批后被改动的文件", sw.changed, "个"),
                ("最近一次梳理", sw.last_run, ""),
            ]
        return items

    def stat_lines(self) -> list[tuple[str, str]]:
        lines: list[tuple[str, str]] = []
        for key, value, note in self.stat_items():
            if key == "未经完整签批即公开":
                lines.append((key, f"{value}（{note}）" if note else str(value)))
            elif isinstance(value, float):
                lines.append((key, f"{value:.1f} {note}"))
            else:
                lines.append((key, str(value)))
        return lines


def median_hours(pairs: list[tuple[str, str]]) -> float | None:
    """Median of (submitted, signed) ISO timestamp pairs, in hours."""
    hours = [
        (datetime.fromisoformat(b) - datetime.fromisoformat(a)).total_seconds() / 3600
        for a, b in pairs
        if a and b
    ]
    return statistics.median(hours) if hours else None


def count_by_month(stamps: list[str]) -> dict[str, int]:
    return dict(sorted(Counter(s[:7] for s in stamps if s).items()))
