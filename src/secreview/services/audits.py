"""Audits: the printed 台账 of one office's ledger, or city-wide (auditor/admin)."""

from __future__ import annotations

from collections.abc import Sequence

from secreview import workflow as wf
from secreview.errors import UsageError
from secreview.ledger.signing import Signer
from secreview.ledger.storage import CITY
from secreview.report.audit import Audit
from secreview.services.audit_build import audit_of
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
        annual: int | None = None,
        *,
        offices: Sequence[str] | None = None,
    ) -> Audit:
        """The 台账 for the period (auditor/admin). The request itself is recorded first, so
        the printed head hash covers it; then the ledger is verified and the audit built.
        ``annual`` (a year): the period is that year, and the annual report's 保密审查
        paragraph and table are added (report/annual.py).

        On the city chain (``--office '*'``) the audit covers every office (or ``offices``):
        see services/city.py. ``office`` is the title printed (default: the ledger's)."""
        from secreview.services.city import City, require_city

        ctx = self.ctx
        if annual is not None:
            if period_from or period_to:
                raise UsageError("--annual 与 --from/--to 不能同时使用（年度报告的期间即该年）")
            if not 2000 <= annual <= 2100:
                raise UsageError(f"年份 {annual} 不合理（如 --annual 2026）")
            period_from, period_to = f"{annual}-01-01", f"{annual}-12-31"
        if ctx.storage.office == CITY:
            if annual is not None:
                raise UsageError("全市台账暂不生成年度报告（--annual）：请按单位分别生成")
            return City(ctx).audit(signer, period_from, period_to, dept, office, fmt, offices)
        if offices:
            require_city(ctx, "跨单位的台账")
        parse_period(period_from, period_to)
        if ctx.storage.read_only:  # an inspector's read-only copy: the request cannot be noted
            with ctx.storage.reading() as rd:
                who, _ = ctx.accounts.authorize(rd, signer, "生成保密审查台账", report=False)
                wf.check_audit(who)
        else:
            request: dict[str, object] = {
                "from": period_from,
                "to": period_to,
                "dept": dept,
                "format": fmt,
            }
            if annual is not None:
                request["annual"] = annual
            ctx.record_audit(signer, "生成保密审查台账", request)
        result = Verification(ctx).verify()
        audit = audit_of(
            ctx.storage,
            result,
            ctx.config.clock(),
            period_from=period_from,
            period_to=period_to,
            dept=dept,
            office=office,
            annual=annual,
        )
        audit.read_only = ctx.storage.read_only
        return audit
