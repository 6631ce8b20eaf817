"""The time-granularity contract: days on the user's machine, ISO weeks (UTC, Monday) on the wire."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

_NANOS_PER_SECOND = 1_000_000_000


def utc_today() -> date:
    """Today's date in UTC: local rollups use UTC days so that they line up with wire weeks."""
    return datetime.now(UTC).date()


def week_start(day: date) -> date:
    """The Monday of ``day``'s ISO week."""
    return day - timedelta(days=day.weekday())


def week_label(monday: date) -> str:
    """ISO week label, e.g. ``2026-W48``."""
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def week_days(monday: date) -> tuple[date, ...]:
    """The seven days of the ISO week starting on ``monday``."""
    return tuple(monday + timedelta(days=offset) for offset in range(7))


def to_unix_nano(day: date) -> int:
    """Midnight UTC of ``day`` in Unix nanoseconds (the only kind of timestamp a batch carries)."""
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()) * _NANOS_PER_SECOND


def from_unix_nano(nanos: int) -> date:
    """The UTC date of a Unix-nanosecond timestamp."""
    return datetime.fromtimestamp(nanos / _NANOS_PER_SECOND, UTC).date()


def week_of_unix_nano(nanos: int) -> date:
    """Truncate a wire timestamp to its ISO week (the receiver never stores anything finer)."""
    return week_start(from_unix_nano(nanos))
