"""The audit period as typed by people (YYYY-MM-DD, inclusive)."""

from __future__ import annotations

from secreview.errors import UsageError


def parse_period(period_from: str | None, period_to: str | None) -> None:
    """Refuse a malformed or inverted period before anything is recorded."""
    from secreview.report.build import parse_day

    try:
        start, end = parse_day(period_from), parse_day(period_to)
    except ValueError as e:
        raise UsageError(f"日期格式应为 YYYY-MM-DD（如 2026-01-31）：{e}") from e
    if start and end and start > end:
        raise UsageError(f"起始日期 {period_from} 晚于截止日期 {period_to}")
