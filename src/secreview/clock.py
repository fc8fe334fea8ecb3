"""The office clock: the one place a ledger time becomes a time people read.

The ledger stores UTC (ISO 8601 with ``Z``); everything shown to people — the CLI, the review
desk, the printed 台账, error messages — is the office's local time, labelled (DESIGN §4):
``2026-03-02 15:30（北京时间）``. Use :class:`OfficeClock` (``config.clock()`` for the
configured zone, :data:`DEFAULT` where no configuration is at hand); never slice an ISO
string (``ts[:19]``) for display.

The zone comes from ``time_zone`` in secreview.toml (settings.py). Only UTC+8 is accepted
today (:func:`office_clock` refuses anything else), so every label reads 北京时间.

- ``clock.show(ts)`` — ``2026-03-02 15:30（北京时间）``: a time on its own in a sentence;
- ``clock.plain(ts)`` — ``2026-03-02 15:30``: in a table whose header carries the label
  (``clock.heading("提交时间")`` → ``提交时间（北京时间）``);
- ``clock.local(ts)`` / ``clock.day(ts)`` — for comparisons, periods and spreadsheet dates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from secreview.errors import UsageError

DEFAULT_TIME_ZONE = "Asia/Shanghai"
BEIJING_LABEL = "北京时间"
BEIJING = timezone(timedelta(hours=8), BEIJING_LABEL)
_UTC8_NAMES = {"Asia/Shanghai", "Asia/Chongqing", "Asia/Harbin", "PRC", "+08:00", "UTC+8"}

MINUTES = "%Y-%m-%d %H:%M"
SECONDS = "%Y-%m-%d %H:%M:%S"

Stamp = str | datetime


def parse_time_zone(name: str) -> tzinfo:
    """An IANA name (``Asia/Shanghai``) or a fixed offset (``+08:00``)."""
    text = name.strip()
    if text[:1] in "+-" and len(text) == 6 and text[3] == ":":
        sign = -1 if text[0] == "-" else 1
        hours, minutes = int(text[1:3]), int(text[4:6])
        return timezone(sign * timedelta(hours=hours, minutes=minutes), time_zone_label(text))
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError) as e:
        raise UsageError(f"未知的时区「{name}」（如 Asia/Shanghai 或 +08:00）") from e


def is_beijing_time(tz: tzinfo) -> bool:
    """Whether ``tz`` is UTC+8 all year (China has had no daylight saving since 1991)."""
    moments = (datetime(2026, 1, 15, 12), datetime(2026, 7, 15, 12))
    return all(tz.utcoffset(m) == timedelta(hours=8) for m in moments)


def time_zone_label(name: str) -> str:
    """How times in this zone are labelled for people: 北京时间 for UTC+8."""
    return BEIJING_LABEL if name.strip() in _UTC8_NAMES else f"{name.strip()} 时间"


def parse_stamp(ts: Stamp) -> datetime:
    """A ledger timestamp (``2026-03-02T07:30:00.000000Z``) or a datetime, timezone-aware
    (a naive value is taken as UTC, which is what the ledger stores)."""
    dt = (
        ts
        if isinstance(ts, datetime)
        else datetime.fromisoformat(ts.strip().replace("Z", "+00:00"))
    )
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)


@dataclass(frozen=True)
class OfficeClock:
    """Ledger times (UTC) as the office reads them."""

    zone: tzinfo = BEIJING
    label: str = BEIJING_LABEL
    name: str = field(default=DEFAULT_TIME_ZONE, compare=False)

    def local(self, ts: Stamp) -> datetime:
        return parse_stamp(ts).astimezone(self.zone)

    def day(self, ts: Stamp) -> date:
        return self.local(ts).date()

    def naive(self, ts: Stamp) -> datetime:
        """Local wall time without a zone (spreadsheets store dates this way)."""
        return self.local(ts).replace(tzinfo=None)

    def plain(self, ts: Stamp | None, *, seconds: bool = False) -> str:
        """``2026-03-02 15:30`` (for a column whose header says the zone); "" for no time."""
        if not ts:
            return ""
        return self.local(ts).strftime(SECONDS if seconds else MINUTES)

    def show(self, ts: Stamp | None, *, seconds: bool = False) -> str:
        """``2026-03-02 15:30（北京时间）``; "" for no time."""
        return f"{self.plain(ts, seconds=seconds)}（{self.label}）" if ts else ""

    def heading(self, name: str) -> str:
        """A column or section name with the zone: ``提交时间（北京时间）``."""
        return f"{name}（{self.label}）"

    def now(self) -> datetime:
        return datetime.now(UTC).astimezone(self.zone)

    def today(self) -> date:
        return self.now().date()


DEFAULT = OfficeClock()


def office_clock(time_zone: str | None = None) -> OfficeClock:
    """The clock for a configured ``time_zone`` (secreview.toml); only UTC+8 is accepted."""
    name = (time_zone or DEFAULT_TIME_ZONE).strip()
    zone = parse_time_zone(name)
    if not is_beijing_time(zone):
        raise UsageError(f"时区「{name}」不可用：目前只支持北京时间（Asia/Shanghai 或 +08:00）")
    return OfficeClock(zone, time_zone_label(name) if name in _UTC8_NAMES else BEIJING_LABEL, name)


def show_time(ts: Stamp | None, *, seconds: bool = False) -> str:
    """:meth:`OfficeClock.show` on the default clock (北京时间, labelled)."""
    return DEFAULT.show(ts, seconds=seconds)


def plain_time(ts: Stamp | None, *, seconds: bool = False) -> str:
    """:meth:`OfficeClock.plain` on the default clock (the label goes in the header)."""
    return DEFAULT.plain(ts, seconds=seconds)
