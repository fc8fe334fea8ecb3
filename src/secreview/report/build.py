"""Build the 台账 (:class:`Audit`) from ledger events. Pure: events in, data out, no I/O.

- One row per submitted item whose first submission falls in the period (dates inclusive,
  Beijing time, the office's clock), optionally one department.
- Findings are counted by category from the latest version's report — the matched text itself
  (a personal number, say) never reaches the audit.
- "Published without complete sign-off" is computed from the raw events in seq order, not
  from the workflow's state machine: a publish counts as covered only when an earlier ``sign``
  approved that very version and those bytes, by a user who then held the leader role and who
  is neither the drafter nor the version's reviewer, and — when the route needed a reviewer —
  an earlier ``review`` approved it. Anything else can only come from a tampered ledger or an
  inconsistency, and is listed loudly.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from secreview import workflow as wf
from secreview.clock import DEFAULT, OfficeClock
from secreview.directory import IDENTITY_ACTIONS, Directory
from secreview.mask import mask_numbers
from secreview.model import Event
from secreview.report.audit import (
    Audit,
    AuditRow,
    AuditStats,
    SweepSummary,
    count_by_month,
    median_hours,
)

DEFAULT_OFFICE = "本单位"

SWEEP_ACTIONS = frozenset({"sweep_start", "sweep_result", "sweep_end"})
ATTENTION_VERDICTS = frozenset({"attention", "changed", "unknown", "unsigned", "superseded"})
SWEEP_VERDICT_ZH = {
    "ok": "复查无新问题",
    "attention": "按现行规则发现新问题",
    "changed": "签批后文件被改动",
    "unknown": "不在台账中——是否未经审查即发布？",
    "unsigned": "未经签批的版本出现在公开目录",
    "superseded": "公开的是已被取代的旧版本",
    "error": "无法读取",
}
# What a reviewer's or a leader's decision is called in the 台账: a rejection is a return
# (退回), never a sign-off (签批).
REVIEW_DECISION_ZH = {"approve": "同意公开", "reject": "退回"}
LEADER_DECISION_ZH = {"approve": "同意签批", "reject": "退回"}


# Kept for callers written before clock.py (the review desk, issue 15): the same meaning as
# before — local time, unlabelled. New code uses secreview.clock (OfficeClock).
OFFICE_TZ = DEFAULT.zone


def local_time(ts: str) -> datetime:
    """A ledger timestamp in the office's time zone (use ``clock.DEFAULT.local``)."""
    return DEFAULT.local(ts)


def show_time(ts: str | None) -> str:
    """``2026-03-02 15:30``, unlabelled (use ``clock.DEFAULT.plain``, or ``.show`` for the
    labelled form)."""
    return DEFAULT.plain(ts)


def parse_day(text: str | None) -> date | None:
    if not text:
        return None
    return date.fromisoformat(text.strip())


@dataclass
class _VersionFacts:
    """What the raw events say about one version (independent of the workflow fold)."""

    drafter: str
    sha256: str
    route: list[str]
    review_ok_by: str | None = None
    sign_ok: tuple[str, str | None, bool] | None = None  # (signer, sha256, signer was leader)


@dataclass
class _Collected:
    by_sid: dict[str, list[Event]] = field(default_factory=dict)
    sweeps: list[Event] = field(default_factory=list)
    unsigned: list[tuple[str, Event, str]] = field(default_factory=list)  # sid, publish, why
    depts: dict[str, str] = field(default_factory=dict)  # sid → department at last submit
    office: str | None = None
    events: int = 0
    key_resets: list[Event] = field(default_factory=list)
    auth_failures: list[Event] = field(default_factory=list)
    checkpoint: Event | None = None


def _security(out: _Collected, ev: Event) -> None:
    if ev.action == "key_reset":
        out.key_resets.append(ev)
    elif ev.action == "auth_failures":
        out.auth_failures.append(ev)
    elif ev.action == "checkpoint":
        out.checkpoint = ev


def _collect(events: Iterable[Event]) -> _Collected:
    """One pass over all events: group by submission, check every publish as it comes."""
    out = _Collected()
    directory = Directory()
    facts: dict[tuple[str, int], _VersionFacts] = {}
    for ev in events:
        out.events += 1
        p = ev.payload
        if ev.action in IDENTITY_ACTIONS:
            directory.apply_event(ev)
            if ev.action == "init":
                out.office = p.get("office") or out.office
            _security(out, ev)
        elif ev.action in ("auth_failures", "checkpoint"):
            _security(out, ev)
        elif ev.action in SWEEP_ACTIONS:
            out.sweeps.append(ev)
        if ev.submission_id is None or ev.action in SWEEP_ACTIONS:
            continue
        out.by_sid.setdefault(ev.submission_id, []).append(ev)
        key = (ev.submission_id, ev.version or 1)
        f = facts.get(key)
        if ev.action == "submit":
            out.depts[ev.submission_id] = p.get("dept", "")
            facts[key] = _VersionFacts(
                ev.actor, p.get("sha256", ""), list(p.get("route") or wf.route_for(p["verdict"]))
            )
        elif f is None:
            if ev.action == "publish":
                out.unsigned.append((ev.submission_id, ev, "台账中没有该版本的提交记录"))
        elif ev.action == "review" and p.get("decision") == "approve":
            f.review_ok_by = ev.actor
        elif ev.action == "review":
            f.review_ok_by = None
        elif ev.action == "sign" and p.get("decision") == "approve":
            acct = directory.accounts.get(ev.actor)
            leader = acct is not None and acct.active and "leader" in acct.roles
            f.sign_ok = (ev.actor, p.get("sha256", f.sha256), leader)
        elif ev.action == "sign":
            f.sign_ok = None
        elif ev.action == "publish":
            why = _publish_gap(f, p)
            if why:
                out.unsigned.append((ev.submission_id, ev, why))
    return out


def _publish_gap(f: _VersionFacts, payload: dict[str, Any]) -> str | None:
    """Why this publish lacks a complete sign-off, or None when it is covered."""
    if f.sign_ok is None:
        return "无领导签批同意记录"
    signer, signed_sha, was_leader = f.sign_ok
    if not was_leader:
        return f"签批人「{signer}」签批时不是在用的审核领导"
    if signer == f.drafter:
        return f"签批人「{signer}」即拟稿人"
    if "reviewer" in f.route:
        if f.review_ok_by is None:
            return "缺少保密审查员的同意意见"
        if f.review_ok_by == signer:
            return f"审查与签批为同一人「{signer}」"
        if f.review_ok_by == f.drafter:
            return f"审查员「{f.review_ok_by}」即拟稿人"
    published = payload.get("sha256")
    if signed_sha != f.sha256 or (published and published != signed_sha):
        return "公开的文件哈希与签批的文件不一致"
    return None


def _in_period(ts: str, start: date | None, end: date | None, clock: OfficeClock) -> bool:
    day = clock.day(ts)
    return (start is None or day >= start) and (end is None or day <= end)


def _review_cell(vs: wf.VersionState) -> tuple[str, str, list[tuple[str, str]], str]:
    """(reviewer, decision, dismissals as (rule id, reason), comment)."""
    if vs.review is None:
        if "reviewer" not in vs.route:
            return "", "机审通过，直送领导签批", [], ""
        return "", "待审查", [], ""
    r = vs.review
    decision = REVIEW_DECISION_ZH.get(r.get("decision", ""), r.get("decision", ""))
    dismissed = [
        (str(d.get("rule") or d.get("category") or ""), str(d.get("reason") or ""))
        for d in r.get("dismissals") or []
    ]
    return vs.reviewer or "", decision, dismissed, str(r.get("comment") or "")


def _sign_cell(vs: wf.VersionState, clock: OfficeClock) -> tuple[str, str, str]:
    """(leader, decision — 同意签批 or 退回 —, when: the local time, unlabelled)."""
    if vs.sign is None:
        return "", "", ""
    decision = LEADER_DECISION_ZH.get(vs.sign.get("decision", ""), vs.sign.get("decision", ""))
    return vs.signer or "", decision, clock.plain(vs.sign_ts)


def _returns(state: wf.SubmissionState) -> list[str]:
    """Every return of the item, in order, saying who returned which version and why."""
    notes = []
    for ev in state.history:
        if ev.action not in ("review", "sign") or ev.payload.get("decision") != "reject":
            continue
        step = "保密审查" if ev.action == "review" else "领导审核"
        reason = ev.payload.get("comment") or ""
        notes.append(f"第{ev.version}版经{step}退回（{ev.actor}）：{reason}")
    return notes


def _remarks(state: wf.SubmissionState, sweep_notes: list[str]) -> str:
    notes: list[str] = []
    if state.current > 1:
        notes.append(f"共{state.current}版（修改稿），现为第{state.current}版")
    notes.extend(_returns(state))
    cur = state.cur
    accepted = set((cur.sign or {}).get("accepted") or [])
    if accepted:
        notes.append(f"领导接受审查员排除的禁止级问题 {len(accepted)} 项")
    if state.status not in ("published",):
        notes.append(f"状态：{wf.STATUS_ZH.get(state.status, state.status)}")
    notes.extend(sweep_notes)
    return "；".join(notes)


def doc_number_of(state: wf.SubmissionState) -> str:
    """The 文号 recorded at the latest submit that found one ("" when none did)."""
    for ev in reversed(state.history):
        if ev.action == "submit" and ev.payload.get("doc_number"):
            return str(ev.payload["doc_number"])
    return ""


def _row(n: int, state: wf.SubmissionState, sweep_notes: list[str], clock: OfficeClock) -> AuditRow:
    first = state.versions[min(state.versions)]
    cur = state.cur
    pubs = [p for vs in state.versions.values() for p in vs.publications]
    last_pub = pubs[-1] if pubs else None
    reviewer, opinion, dismissed, comment = _review_cell(cur)
    leader, decision, signed = _sign_cell(cur, clock)
    return AuditRow(
        seq=n,
        submission_id=state.id,
        version=state.current,
        title=state.title,
        doc_number=doc_number_of(state),
        dept=state.dept,
        drafter=state.drafter,
        submitted_at=clock.plain(first.submitted_ts),
        findings=dict(Counter(f.get("category", "?") for f in cur.findings)),
        reviewer=reviewer,
        review_opinion=opinion,
        dismissed=dismissed,
        review_comment=comment,
        leader=leader,
        leader_decision=decision,
        signed_at=signed,
        published_at=clock.plain(last_pub["ts"]) if last_pub else "",
        channel=(last_pub or {}).get("channel") or "",
        url=(last_pub or {}).get("url") or "",
        remarks=_remarks(state, sweep_notes),
        status=state.status,
    )


def _approving_sign_ts(state: wf.SubmissionState) -> str | None:
    for ev in state.history:
        if ev.action == "sign" and ev.payload.get("decision") == "approve":
            return ev.ts
    return None


def _sweep_summary(
    sweeps: list[Event], start: date | None, end: date | None, clock: OfficeClock
) -> SweepSummary:
    s = SweepSummary()
    runs: set[str] = set()
    for ev in sweeps:
        if not _in_period(ev.ts, start, end, clock):
            continue
        p = ev.payload
        if ev.action == "sweep_start":
            runs.add(p.get("run", ""))
            s.last_run = clock.plain(ev.ts)
        elif ev.action == "sweep_result":
            s.files += 1
            verdict = p.get("verdict")
            s.attention += verdict in ATTENTION_VERDICTS
            s.unknown += verdict == "unknown"
            s.changed += verdict == "changed"
    s.runs = len(runs)
    return s


def _sweep_notes(sweeps: list[Event], end: date | None, clock: OfficeClock) -> dict[str, list[str]]:
    """Per item, the latest sweep verdict (up to the end of the period)."""
    latest: dict[str, Event] = {}
    for ev in sweeps:
        if ev.action == "sweep_result" and ev.submission_id and _in_period(ev.ts, None, end, clock):
            latest[ev.submission_id] = ev
    out: dict[str, list[str]] = {}
    for sid, ev in latest.items():
        verdict = ev.payload.get("verdict", "")
        text = SWEEP_VERDICT_ZH.get(verdict, verdict)
        n = ev.payload.get("new_findings") or 0
        if verdict == "attention" and n:
            text += f" {n} 个"
        out[sid] = [f"定期梳理 {clock.day(ev.ts).isoformat()}：{text}"]
    return out


@dataclass
class Folded:
    """The items of a period, folded from the events (shared by the 台账 and the annual
    report paragraph)."""

    states: list[wf.SubmissionState]
    collected: _Collected
    start: date | None
    end: date | None


def fold_period(
    events: Iterable[Event],
    start: date | None,
    end: date | None,
    dept: str | None,
    clock: OfficeClock = DEFAULT,
) -> Folded:
    """The items first submitted in [start, end] (local dates), optionally one department."""
    got = _collect(events)
    states: list[wf.SubmissionState] = []
    for evs in got.by_sid.values():
        st = wf.fold_submission(evs)
        if st is None or not st.versions:
            continue
        first = st.versions[min(st.versions)]
        if not _in_period(first.submitted_ts, start, end, clock):
            continue
        if dept and st.dept != dept:
            continue
        states.append(st)
    states.sort(key=lambda s: (s.versions[min(s.versions)].submitted_seq, s.id))
    return Folded(states, got, start, end)


def build_audit(
    events: Iterable[Event],
    *,
    period_from: str | None = None,
    period_to: str | None = None,
    dept: str | None = None,
    office: str | None = None,
    generated_at: str | None = None,
    head: tuple[int, str] = (0, ""),
    verify_ok: bool = True,
    verify_message: str = "",
    clock: OfficeClock = DEFAULT,
    annual: int | None = None,
) -> Audit:
    """The 台账 for the period from all ledger events (in seq order); with ``annual`` (a
    year) also the 保密审查 paragraph and table of that year's annual report."""
    start, end = parse_day(period_from), parse_day(period_to)
    if annual is not None:
        events = list(events)  # read twice: the 台账 and the year-end state
    folded = fold_period(events, start, end, dept, clock)
    got, states = folded.collected, folded.states
    notes = _sweep_notes(got.sweeps, end, clock)
    rows = [_row(i, st, notes.get(st.id, []), clock) for i, st in enumerate(states, start=1)]

    stats = AuditStats(submitted=len(states))
    by_cat: Counter[str] = Counter()
    by_rule: Counter[str] = Counter()
    stamps: list[str] = []
    pairs: list[tuple[str, str]] = []
    for st in states:
        status = st.status
        stats.approved += status in wf.APPROVED
        stats.rejected += status == "returned"
        stats.published += any(vs.publications for vs in st.versions.values())
        cur = st.cur
        for f in cur.findings:
            by_cat[f.get("category", "?")] += 1
            by_rule[f.get("rule", "?")] += 1
        month = clock.local(cur.submitted_ts).isoformat()
        stamps.extend(month for _ in cur.findings)
        signed = _approving_sign_ts(st)
        if signed:
            first_ts = st.versions[min(st.versions)].submitted_ts
            pairs.append((clock.naive(first_ts).isoformat(), clock.naive(signed).isoformat()))
    stats.findings_by_category = dict(by_cat)
    stats.findings_by_rule = dict(by_rule)
    stats.findings_by_month = count_by_month(stamps)
    stats.median_hours_to_signoff = median_hours(pairs)
    row_ids = {st.id for st in states}
    titles = {st.id: st.title for st in states}
    for sid, ev, why in got.unsigned:
        if dept and got.depts.get(sid, dept) != dept:
            continue
        if sid in row_ids or _in_period(ev.ts, start, end, clock):
            stats.published_without_signoff.append(
                mask_numbers(
                    f"{sid} 第{ev.version or '?'}版「{titles.get(sid, '')}」"
                    f"{clock.plain(ev.ts)} 公开（{why}，第 {ev.seq} 条记录）"
                )
            )
    stats.sweep = _sweep_summary(got.sweeps, start, end, clock)
    for ev in got.key_resets:
        if _in_period(ev.ts, start, end, clock):
            stats.key_resets.append(
                f"{ev.payload.get('name')}（{clock.plain(ev.ts)} 由管理员「{ev.actor}」重置，"
                f"第 {ev.seq} 条记录）"
            )
    for ev in got.auth_failures:
        if _in_period(ev.ts, start, end, clock):
            p = ev.payload
            stats.auth_failures.append(
                f"{p.get('name')}：{p.get('count')} 次（{clock.plain(p.get('first'))} 至 "
                f"{clock.plain(p.get('last'))}，第 {ev.seq} 条记录）"
            )
    cp = got.checkpoint
    checkpoint = (
        f"第 {cp.seq} 条，{clock.plain(cp.ts)} 由「{cp.actor}」记录（哈希 {cp.hash[:16]}…）"
        if cp is not None
        else ""
    )
    result = Audit(
        office=office or got.office or DEFAULT_OFFICE,
        period_from=period_from or "",
        period_to=period_to or "",
        generated_at=generated_at or clock.plain(clock.now()),
        rows=rows,
        stats=stats,
        event_count=head[0],
        head_hash=head[1],
        verify_ok=verify_ok,
        verify_message=verify_message,
        dept=dept,
        checkpoint=checkpoint,
        time_label=clock.label,
    )
    if annual is not None:
        from secreview.report.annual import build_annual

        result.annual = build_annual(annual, events, folded, result.office, dept, clock, verify_ok)
    return result
