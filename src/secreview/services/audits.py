"""Audits: the printed 台账 of one office's ledger, or city-wide (auditor/admin)."""

from __future__ import annotations

from collections.abc import Sequence

from secreview import workflow as wf
from secreview.ledger.signing import Signer
from secreview.ledger.storage import CITY
from secreview.report.audit import Audit
from secreview.services.base import Context
from secreview.services.periods import parse_period
from secreview.services.verification import Verification


class Audits:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def audit(
        self,
        signer: Signer,
        period_from: str | None = None,
        period_to: str | None = None,
        dept: str | None = None,
        office: str | None = None,
        fmt: str = "text",
        *,
        offices: Sequence[str] | None = None,
    ) -> Audit:
        """The 台账 for the period (auditor/admin). The request itself is recorded first, so
        the printed head hash covers it; then the ledger is verified and the audit built.

        On the city chain (``--office '*'``) the audit covers every office (or ``offices``):
        see services/city.py. ``office`` is the title printed (default: the ledger's)."""
        from secreview.report.build import build_audit
        from secreview.services.city import City, require_city

        ctx = self.ctx
        if ctx.storage.office == CITY:
            return City(ctx).audit(signer, period_from, period_to, dept, office, fmt, offices)
        if offices:
            require_city(ctx, "跨单位的台账")
        parse_period(period_from, period_to)
        with ctx.storage.write() as tx:
            user = ctx.authorize(tx, signer, "生成保密审查台账")
            wf.check_audit(user)
            ctx.append(
                tx,
                signer,
                "audit",
                None,
                None,
                {"from": period_from, "to": period_to, "dept": dept, "format": fmt},
            )
            tx.set_projection_seq(tx.head()[0])
        result = Verification(ctx).verify()
        message = "；".join(p.reason for p in result.problems[:3])
        with ctx.storage.reading() as rd:
            return build_audit(
                rd.iter_events(),
                period_from=period_from,
                period_to=period_to,
                dept=dept,
                office=office,
                head=(result.events, result.head),
                verify_ok=result.ok,
                verify_message=message,
            )
