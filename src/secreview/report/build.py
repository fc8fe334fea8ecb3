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
from datetime import date, datetime, timedelta, timezone
from typing import Any

from secreview import workflow as wf
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

# The office's clock for dates and printed times (UTC is what the ledger stores).
OFFICE_TZ = timezone(timedelta(hours=8), "北京时间")
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
DECISION_ZH = {"approve": "同意", "reject": "退回"}


def local_time(ts: str) -> datetime:
    """A ledger timestamp (UTC, ``…Z``) in the office's time zone."""
    return datetime.fromisoformat(ts.replace("Z", "+00:00")).astimezone(OFFICE_TZ)


def show_time(ts: str | None) -> str:
    return local_time(ts).strftime("%Y-%m-%d %H:%M") if ts else ""


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


def _collect(events: Iterable[Event]) -> _Collected:
    """One pass over all events: group by submission, check every publish as it comes."""
    out = _Collected()
    users: dict[str, wf.User] = {}
    facts: dict[tuple[str, int], _VersionFacts] = {}
    for ev in events:
        out.events += 1
        p = ev.payload
        if ev.action == "init":
            out.office = p.get("office") or out.office
        elif ev.action == "user_add":
            users[p["name"]] = wf.User(p["name"], tuple(p["roles"]), tuple(p.get("depts", ())))
        elif ev.action == "user_disable" and p.get("name") in users:
            u = users[p["name"]]
            users[u.name] = wf.User(u.name, u.roles, u.depts, False)
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
            signer = users.get(ev.actor)
            leader = signer is not None and signer.active and signer.has("leader")
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


def _in_period(ts: str, start: date | None, end: date | None) -> bool:
    day = local_time(ts).date()
    return (start is None or day >= start) and (end is None or day <= end)


def _review_cell(vs: wf.VersionState) -> tuple[str, str, list[tuple[str, str]], str]:
    """(reviewer, decision, dismissals as (rule id, reason), comment)."""
    if vs.review is None:
        if "reviewer" not in vs.route:
            return "", "机审通过，直送领导签批", [], ""
        return "", "待审查", [], ""
    r = vs.review
    decision = DECISION_ZH.get(r.get("decision", ""), r.get("decision", ""))
    dismissed = [
        (str(d.get("rule") or d.get("category") or ""), str(d.get("reason") or ""))
        for d in r.get("dismissals") or []
    ]
    return vs.reviewer or "", decision, dismissed, str(r.get("comment") or "")


def _sign_cell(vs: wf.VersionState) -> tuple[str, str]:
    if vs.sign is None:
        return "", ""
    when = show_time(vs.sign_ts)
    if vs.sign.get("decision") == "approve":
        return vs.signer or "", when
    return vs.signer or "", f"{when} 退回"


def _remarks(state: wf.SubmissionState, sweep_notes: list[str]) -> str:
    notes: list[str] = []
    if state.current > 1:
        notes.append(f"第{state.current}版（共{state.current}版）")
    for v, vs in sorted(state.versions.items()):
        if vs.returned_reason is not None or vs.status == "returned":
            who = vs.returned_by or ""
            notes.append(f"第{v}版被{who}退回：{vs.returned_reason or ''}")
    cur = state.cur
    accepted = set((cur.sign or {}).get("accepted") or [])
    if accepted:
        notes.append(f"领导接受审查员排除的禁止级问题 {len(accepted)} 项")
    if state.status not in ("published",):
        notes.append(f"状态：{wf.STATUS_ZH.get(state.status, state.status)}")
    notes.extend(sweep_notes)
    return "；".join(notes)


def _row(n: int, state: wf.SubmissionState, sweep_notes: list[str]) -> AuditRow:
    first = state.versions[min(state.versions)]
    cur = state.cur
    doc_number = ""
    for ev in reversed(state.history):
        if ev.action == "submit" and ev.payload.get("doc_number"):
            doc_number = str(ev.payload["doc_number"])
            break
    pubs = [p for vs in state.versions.values() for p in vs.publications]
    last_pub = pubs[-1] if pubs else None
    reviewer, opinion, dismissed, comment = _review_cell(cur)
    leader, signed = _sign_cell(cur)
    return AuditRow(
        seq=n,
        submission_id=state.id,
        title=state.title,
        doc_number=doc_number,
        dept=state.dept,
        drafter=state.drafter,
        submitted_at=show_time(first.submitted_ts),
        findings=dict(Counter(f.get("category", "?") for f in cur.findings)),
        reviewer=reviewer,
        review_opinion=opinion,
        dismissed=dismissed,
        review_comment=comment,
        leader=leader,
        signed_at=signed,
        published_at=show_time(last_pub["ts"]) if last_pub else "",
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


def _sweep_summary(sweeps: list[Event], start: date | None, end: date | None) -> SweepSummary:
    s = SweepSummary()
    runs: set[str] = set()
    for ev in sweeps:
        if not _in_period(ev.ts, start, end):
            continue
        p = ev.payload
        if ev.action == "sweep_start":
            runs.add(p.get("run", ""))
            s.last_run = show_time(ev.ts)
        elif ev.action == "sweep_result":
            s.files += 1
            verdict = p.get("verdict")
            s.attention += verdict in ATTENTION_VERDICTS
            s.unknown += verdict == "unknown"
            s.changed += verdict == "changed"
    s.runs = len(runs)
    return s


def _sweep_notes(sweeps: list[Event], end: date | None) -> dict[str, list[str]]:
    """Per item, the latest sweep verdict (up to the end of the period)."""
    latest: dict[str, Event] = {}
    for ev in sweeps:
        if ev.action == "sweep_result" and ev.submission_id and _in_period(ev.ts, None, end):
            latest[ev.submission_id] = ev
    out: dict[str, list[str]] = {}
    for sid, ev in latest.items():
        verdict = ev.payload.get("verdict", "")
        text = SWEEP_VERDICT_ZH.get(verdict, verdict)
        n = ev.payload.get("new_findings") or 0
        if verdict == "attention" and n:
            text += f" {n} 个"
        out[sid] = [f"定期梳理 {show_time(ev.ts)[:10]}：{text}"]
    return out


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
) -> Audit:
    """The 台账 for the period from all ledger events (in seq order)."""
    start, end = parse_day(period_from), parse_day(period_to)
    got = _collect(events)
    notes = _sweep_notes(got.sweeps, end)
    states: list[wf.SubmissionState] = []
    for evs in got.by_sid.values():
        st = wf.fold_submission(evs)
        if st is None or not st.versions:
            continue
        first = st.versions[min(st.versions)]
        if not _in_period(first.submitted_ts, start, end):
            continue
        if dept and st.dept != dept:
            continue
        states.append(st)
    states.sort(key=lambda s: (s.versions[min(s.versions)].submitted_seq, s.id))
    rows = [_row(i, st, notes.get(st.id, [])) for i, st in enumerate(states, start=1)]

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
        month = local_time(cur.submitted_ts).isoformat()
        stamps.extend(month for _ in cur.findings)
        signed = _approving_sign_ts(st)
        if signed:
            first_ts = st.versions[min(st.versions)].submitted_ts
            pairs.append((_naive(first_ts), _naive(signed)))
    stats.findings_by_category = dict(by_cat)
    stats.findings_by_rule = dict(by_rule)
    stats.findings_by_month = count_by_month(stamps)
    stats.median_hours_to_signoff = median_hours(pairs)
    row_ids = {st.id for st in states}
    titles = {st.id: st.title for st in states}
    for sid, ev, why in got.unsigned:
        if dept and got.depts.get(sid, dept) != dept:
            continue
        if sid in row_ids or _in_period(ev.ts, start, end):
            stats.published_without_signoff.append(
                mask_numbers(
                    f"{sid} 第{ev.version or '?'}版「{titles.get(sid, '')}」"
                    f"{show_time(ev.ts)} 公开（{why}，第 {ev.seq} 条记录）"
                )
            )
    stats.sweep = _sweep_summary(got.sweeps, start, end)
    return Audit(
        office=office or got.office or DEFAULT_OFFICE,
        period_from=period_from or "",
        period_to=period_to or "",
        generated_at=generated_at or datetime.now(OFFICE_TZ).strftime("%Y-%m-%d %H:%M"),
        rows=rows,
        stats=stats,
        event_count=head[0],
        head_hash=head[1],
        verify_ok=verify_ok,
        verify_message=verify_message,
        dept=dept,
    )


def _naive(ts: str) -> str:
    return local_time(ts).replace(tzinfo=None).isoformat()
