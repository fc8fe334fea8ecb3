"""The 台账 of one verified chain: what an office's audit and each office of a city audit print."""

from __future__ import annotations

from typing import TYPE_CHECKING

from secreview.ledger.chain import VerifyResult
from secreview.ledger.storage import Storage
from secreview.report.audit import Audit

if TYPE_CHECKING:
    from secreview.clock import OfficeClock


def audit_of(
    storage: Storage,
    result: VerifyResult,
    clock: OfficeClock,
    *,
    period_from: str | None,
    period_to: str | None,
    dept: str | None,
    office: str | None,
    annual: int | None = None,
) -> Audit:
    """The 台账 of one chain whose verify gave ``result`` (its head and outcome printed)."""
    from secreview.report.build import build_audit

    with storage.reading() as rd:
        return build_audit(
            rd.iter_events(),
            period_from=period_from,
            period_to=period_to,
            dept=dept,
            office=office,
            head=(result.events, result.head),
            verify_ok=result.ok,
            verify_message="；".join(p.reason for p in result.problems[:3]),
            clock=clock,
            annual=annual,
        )
