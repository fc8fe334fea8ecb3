"""Audits: the printed 台账 of one office's ledger (auditor/admin)."""

from __future__ import annotations

from secreview import workflow as wf
from secreview.errors import UsageError
from secreview.ledger.signing import Signer
from secreview.report.audit import Audit
from secreview.services.base import Context
from secreview.services.verification import Verification


def parse_period(period_from: str | None, period_to: str | None) -> None:
    """Refuse a malformed or inverted period before anything is recorded."""
    from secreview.report.build import parse_day

    try:
        start, end = parse_day(period_from), parse_day(period_to)
    except ValueError as e:
        raise UsageError(f"日期格式应为 YYYY-MM-DD（如 2026-01-31）：{e}") from e
    if start and end and start > end:
        raise UsageError(f"起始日期 {period_from} 晚于截止日期 {period_to}")


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
    ) -> Audit:
        """The 台账 for the period (auditor/admin). The request itself is recorded first, so
        the printed head hash covers it; then the ledger is verified and the audit built."""
        from secreview.report.build import build_audit

        ctx = self.ctx
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
