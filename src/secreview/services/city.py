"""The city level of a multi-office (PostgreSQL) ledger: every office's chain side by side,
and the city's own chain (office ``*``) for its inspectors.

Permissions (docs/ledger.md "Offices"):

- every user belongs to exactly one office — the chain they were added in — and acts only
  there; an office's auditor audits, checkpoints, sweeps and exports only their own office
  (their handle reads only that office's rows);
- the city's inspectors are users of the city chain ``*`` (``init --office '*'`` creates it
  with its own admin); its auditors (and admin) may run a city-wide ``audit`` over every office
  or some (``--only-office``). The request is signed into the city chain with each office's
  head at that moment — ``{office: {seq, head, ledger_id, genesis}}`` — and every office's
  chain is verified before the audit is built;
- those recorded heads are outside anchors for the offices: verifying an office checks each
  head a validly signed city audit recorded for it, like an auditor's checkpoint, so an office's
  chain cut short or swapped for an older copy below a city audit fails verify;
- nobody at the city level can act in an office (their keys are not in its chain: any event
  they wrote there would fail the office's own verify).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from secreview.errors import Refused, UsageError
from secreview.integrity import verify_ledger
from secreview.ledger.backends import is_url, list_offices, open_backend
from secreview.ledger.chain import VerifyResult
from secreview.ledger.signing import Signer
from secreview.ledger.storage import CITY, office_key
from secreview.report.audit import Audit, AuditStats
from secreview.services.anchors import city_anchors
from secreview.services.audit_build import audit_of
from secreview.services.base import Context

CITY_LABEL = "全市（各单位）"


def offices_of(ctx: Context) -> list[str]:
    """The office chains of this ledger (the city chain itself not included)."""
    if not is_url(ctx.config.db):
        return []
    return [o for o in list_offices(ctx.config.db) if o != CITY]


def verify_offices(
    ctx: Context, offices: Sequence[str] | None = None, jobs: int | None = None
) -> list[tuple[str, VerifyResult]]:
    """Verify each office's chain (each with its own checkpoints and city anchors)."""
    out = []
    for office in offices if offices is not None else offices_of(ctx):
        backend = open_backend(ctx.config.db, office)
        try:
            anchors = city_anchors(ctx.config.db, office)
            result = verify_ledger(
                backend.storage,
                backend.blobs,
                checkpoints=[*ctx.checkpoints(), *anchors],
                where=backend.storage.location,
                jobs=jobs,
            )
        finally:
            backend.storage.close()
        out.append((office, result))
    return out


class City:
    """City-wide work: only on the city chain (``--office '*'``) of a PostgreSQL ledger."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def audit(
        self,
        signer: Signer,
        period_from: str | None,
        period_to: str | None,
        dept: str | None,
        title: str | None,
        fmt: str,
        only: Sequence[str] | None = None,
    ) -> Audit:
        from secreview.services.periods import parse_period

        ctx = self.ctx
        parse_period(period_from, period_to)
        known = offices_of(ctx)
        chosen = [office_key(o) for o in only] if only else known
        missing = [o for o in chosen if o not in known]
        if missing:
            raise UsageError(f"台账中没有单位「{'、'.join(missing)}」（已有：{'、'.join(known)}）")
        heads: dict[str, dict[str, Any]] = {}
        for office in chosen:
            b = open_backend(ctx.config.db, office)
            try:
                seq, head = b.storage.head()
                first = next(iter(b.storage.iter_raw(1, 2)), None)
                ledger_id = _ledger_id(first)
                heads[office] = {
                    "seq": seq,
                    "head": head,
                    "ledger_id": ledger_id,
                    "genesis": first[8] if first else "",
                }
            finally:
                b.storage.close()
        request = {"from": period_from, "to": period_to, "dept": dept, "format": fmt}
        ctx.record_audit(signer, "生成全市保密审查台账", {**request, "offices": heads})
        city_head = ctx.storage.head()
        audits: list[tuple[str, Audit]] = []
        summary: list[dict[str, object]] = []
        for office, result in verify_offices(ctx, chosen):
            b = open_backend(ctx.config.db, office)
            try:
                one = audit_of(
                    b.storage,
                    result,
                    ctx.config.clock(),
                    period_from=period_from,
                    period_to=period_to,
                    dept=dept,
                    office=office,
                )
            finally:
                b.storage.close()
            audits.append((office, one))
            summary.append(
                {
                    "office": office,
                    "events": result.events,
                    "head": result.head,
                    "verify_ok": result.ok,
                    "problems": [p.reason for p in result.problems[:3]],
                }
            )
        return merge(audits, title or CITY_LABEL, city_head, summary, dept)


def _ledger_id(first: Any) -> str:
    import json

    try:
        return str(json.loads(first[6]).get("ledger_id", "")) if first else ""
    except (ValueError, AttributeError):
        return ""


def merge(
    audits: list[tuple[str, Audit]],
    title: str,
    city_head: tuple[int, str],
    summary: list[dict[str, object]],
    dept: str | None,
) -> Audit:
    """One city-wide 台账 from the offices' audits: items named 单位/编号, statistics summed."""
    rows = []
    stats = AuditStats()
    by_cat: Counter[str] = Counter()
    by_rule: Counter[str] = Counter()
    by_month: Counter[str] = Counter()
    medians: list[float] = []
    bad = []
    for office, a in audits:
        for r in a.rows:
            rows.append(replace(r, submission_id=f"{office}/{r.submission_id}"))
        s = a.stats
        stats.submitted += s.submitted
        stats.approved += s.approved
        stats.rejected += s.rejected
        stats.published += s.published
        by_cat.update(s.findings_by_category)
        by_rule.update(s.findings_by_rule)
        by_month.update(s.findings_by_month)
        if s.median_hours_to_signoff is not None:
            medians.extend([s.median_hours_to_signoff] * max(1, s.approved))
        stats.published_without_signoff += [f"【{office}】{x}" for x in s.published_without_signoff]
        stats.key_resets += [f"【{office}】{x}" for x in s.key_resets]
        stats.auth_failures += [f"【{office}】{x}" for x in s.auth_failures]
        for key in ("runs", "files", "attention", "unknown", "changed"):
            setattr(stats.sweep, key, getattr(stats.sweep, key) + getattr(s.sweep, key))
        stats.sweep.last_run = max(stats.sweep.last_run, s.sweep.last_run)
        if not a.verify_ok:
            bad.append(f"【{office}】{a.verify_message}")
    rows = [replace(r, seq=i) for i, r in enumerate(rows, start=1)]
    stats.findings_by_category = dict(by_cat)
    stats.findings_by_rule = dict(by_rule)
    stats.findings_by_month = dict(sorted(by_month.items()))
    # weighted by each office's sign-offs: an approximation of the city's median
    medians.sort()
    stats.median_hours_to_signoff = medians[len(medians) // 2] if medians else None
    first = audits[0][1] if audits else None
    return Audit(
        office=title,
        period_from=first.period_from if first else "",
        period_to=first.period_to if first else "",
        generated_at=first.generated_at if first else "",
        rows=rows,
        stats=stats,
        event_count=city_head[0],
        head_hash=city_head[1],
        verify_ok=not bad,
        verify_message="；".join(bad),
        dept=dept,
        offices=summary,
    )


def require_city(ctx: Context, what: str) -> None:
    if ctx.storage.office != CITY:
        raise Refused(
            f"{what}只能在全市台账（--office '*'）中由市级审计员进行：各单位的审计员只能查看本单位"
        )
