"""The shape of the public community summary (``GET /v1/summary``, schema ``printernizer-stats/summary/1``).

What the receiver publishes is checked field by field before it is cached or shown: a summary of another
shape (a newer schema, a proxy's error page, a hostile server) is refused as a whole, and only the fields
named here are kept, so nothing unexpected reaches the page. The shape is documented in docs/analytics.md.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date
from typing import Any

from printernizer_stats.registry import SUMMARY_SCHEMA

GROUP_LISTS = ("deployment_modes", "versions", "platforms", "printer_types", "fleet_sizes", "features", "uptime_days")
"""The summary's lists of published groups, each ``{value, installations, share, low, high}``."""
MAX_GROUPS = 200
MAX_VALUE_CHARS = 64


class InvalidSummary(ValueError):
    """The document is not a community summary this release understands."""


def _count(value: Any, name: str, optional: bool = False) -> int | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidSummary(f"{name} must be a non-negative integer")
    return value


def _number(value: Any, name: str, low: float = 0.0, high: float = math.inf, optional: bool = False) -> float | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= float(value) <= high:
        raise InvalidSummary(f"{name} must be a number from {low} to {high}")
    return float(value)


def _group(item: Any, name: str) -> dict[str, Any]:
    if not isinstance(item, Mapping):
        raise InvalidSummary(f"{name} must hold objects")
    value = item.get("value")
    if not isinstance(value, str) or not 0 < len(value) <= MAX_VALUE_CHARS or not value.isprintable():
        raise InvalidSummary(f"{name}: value must be a short printable string")
    share, low, high = (_number(item.get(key), f"{name}.{key}", 0.0, 1.0) for key in ("share", "low", "high"))
    assert share is not None and low is not None and high is not None
    if not low <= share <= high:
        raise InvalidSummary(f"{name}: the interval must contain the share")
    return {"value": value, "installations": _count(item.get("installations"), f"{name}.installations"),
            "share": share, "low": low, "high": high}


def _groups(items: Any, name: str) -> list[dict[str, Any]]:
    if not isinstance(items, list) or len(items) > MAX_GROUPS:
        raise InvalidSummary(f"{name} must be a list of at most {MAX_GROUPS} groups")
    return [_group(item, name) for item in items]


def _rate(rate: Any) -> dict[str, Any] | None:
    if rate is None:
        return None
    if not isinstance(rate, Mapping):
        raise InvalidSummary("errors_per_1000_jobs must be an object or null")
    return {
        "value": _number(rate.get("value"), "errors_per_1000_jobs.value"),
        "low": _number(rate.get("low"), "errors_per_1000_jobs.low", optional=True),
        "high": _number(rate.get("high"), "errors_per_1000_jobs.high", optional=True),
        "installations": _count(rate.get("installations"), "errors_per_1000_jobs.installations"),
    }


def validate_summary(document: Any) -> dict[str, Any]:
    """The summary's known fields, checked; raises :class:`InvalidSummary` for anything else."""
    if not isinstance(document, Mapping) or document.get("schema") != SUMMARY_SCHEMA:
        raise InvalidSummary(f"not a {SUMMARY_SCHEMA} document")
    week = document.get("week")
    if not isinstance(week, str) or len(week) != len("2026-06-29"):
        raise InvalidSummary("week must be an ISO date")
    try:
        date.fromisoformat(week)
    except ValueError:
        raise InvalidSummary("week must be an ISO date") from None
    k = _count(document.get("k"), "k")
    if not k:
        raise InvalidSummary("k must be at least 1")
    summary: dict[str, Any] = {
        "schema": SUMMARY_SCHEMA, "week": week, "k": k,
        "installations": _count(document.get("installations"), "installations", optional=True),
    }
    for name in GROUP_LISTS:
        summary[name] = _groups(document.get(name), name)
    summary["errors_per_1000_jobs"] = _rate(document.get("errors_per_1000_jobs"))
    return summary
