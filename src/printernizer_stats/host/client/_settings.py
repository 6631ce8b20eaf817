"""The user's statistics settings: local retention and the installation id's rotation.

Both live in the local store's settings table next to the consent; this module is the pure part (reading,
validating and describing them); ``ConsentActions`` applies them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from printernizer_stats.host.exporter import ID_ROTATION_DAYS, ConsentState

RETENTION_KEY = "retention_weeks"
RETENTION_WEEKS_DEFAULT = 53
"""A year and a week: last year's same week stays comparable."""
RETENTION_WEEKS_MIN = 1
"""One week back: the last complete week must survive until it is batched."""
RETENTION_WEEKS_MAX = 104


def retention_weeks(settings: Mapping[str, str]) -> int:
    """The stored retention; a missing or garbled value reads as the default."""
    try:
        weeks = int(settings.get(RETENTION_KEY, RETENTION_WEEKS_DEFAULT))
    except ValueError:
        return RETENTION_WEEKS_DEFAULT
    return weeks if RETENTION_WEEKS_MIN <= weeks <= RETENTION_WEEKS_MAX else RETENTION_WEEKS_DEFAULT


def check_retention_weeks(weeks: int) -> int:
    """``weeks`` if it is a whole number in range, else ``ValueError`` saying the range."""
    if isinstance(weeks, bool) or not isinstance(weeks, int):
        raise ValueError(f"retention_weeks must be a whole number, got {type(weeks).__name__}")
    if not RETENTION_WEEKS_MIN <= weeks <= RETENTION_WEEKS_MAX:
        raise ValueError(
            f"retention_weeks must be between {RETENTION_WEEKS_MIN} and {RETENTION_WEEKS_MAX}, got {weeks}"
        )
    return weeks


def next_rotation_day(state: ConsentState) -> date | None:
    """When the yearly rotation will give the installation a new id (None when it will not)."""
    if not (state.opted_in and state.rotate_yearly and state.installation_day):
        return None
    return state.installation_day + timedelta(days=ID_ROTATION_DAYS)


def describe_settings(state: ConsentState, settings: Mapping[str, str], keep_daily_weeks: int) -> dict[str, Any]:
    """The settings as the privacy API and the page show them."""
    rotation = next_rotation_day(state)
    return {
        "rotate_yearly": state.rotate_yearly,
        "retention_weeks": retention_weeks(settings),
        "retention_weeks_min": RETENTION_WEEKS_MIN,
        "retention_weeks_max": RETENTION_WEEKS_MAX,
        "keep_daily_weeks": keep_daily_weeks,
        "installation_day": state.installation_day.isoformat() if state.installation_day else None,
        "next_rotation_day": rotation.isoformat() if rotation else None,
    }
