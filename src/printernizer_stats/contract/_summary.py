"""The public community summary (``GET /v1/summary``, schema ``printernizer-stats/summary/1``): its one shape.

The receiver's analytics publish it (``analytics._summary`` builds a :class:`SummaryDocument`), the client
fetches it and keeps only what :func:`validate_summary` accepts, and the local viewer shows it (its API
answers with these types). A summary of another shape (a newer schema, a proxy's error page, a hostile
server) is refused as a whole, and only the fields named here are kept, so nothing unexpected reaches the
page. Pure, and free of pydantic (the client's summary code runs without the ``fastapi`` extra); the types
are ``typing_extensions.TypedDict`` so that pydantic, where present, validates and documents them.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from datetime import date
from typing import Any, cast

from typing_extensions import TypedDict

from printernizer_stats.registry import SUMMARY_SCHEMA

MAX_GROUPS = 200
MAX_VALUE_CHARS = 64


class SummaryList(enum.StrEnum):
    """The summary's lists of published groups, each a list of :class:`SummaryGroup`."""

    DEPLOYMENT_MODES = "deployment_modes"
    VERSIONS = "versions"
    PLATFORMS = "platforms"
    PRINTER_TYPES = "printer_types"
    FLEET_SIZES = "fleet_sizes"
    FEATURES = "features"
    UPTIME_DAYS = "uptime_days"


GROUP_LISTS = tuple(SummaryList)


class SummaryGroup(TypedDict):
    """One published group: its value, sample size (at least k), share 0-1 and 95 % Wilson interval."""

    value: str
    installations: int
    share: float
    low: float
    high: float


class SummaryRate(TypedDict):
    """Errors per 1,000 print jobs over the week's active installations; low/high null without an interval."""

    value: float
    low: float | None
    high: float | None
    installations: int


class SummaryDocument(TypedDict):
    """The document: ``week`` is the ISO date of the week's Monday; groups of fewer than ``k`` installations
    are not published; ``installations`` is the week's active installations (null for an empty week)."""

    schema: str
    week: str
    k: int
    installations: int | None
    deployment_modes: list[SummaryGroup]
    versions: list[SummaryGroup]
    platforms: list[SummaryGroup]
    printer_types: list[SummaryGroup]
    fleet_sizes: list[SummaryGroup]
    features: list[SummaryGroup]
    uptime_days: list[SummaryGroup]
    errors_per_1000_jobs: SummaryRate | None


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


def _group(item: Any, name: str) -> SummaryGroup:
    if not isinstance(item, Mapping):
        raise InvalidSummary(f"{name} must hold objects")
    value = item.get("value")
    if not isinstance(value, str) or not 0 < len(value) <= MAX_VALUE_CHARS or not value.isprintable():
        raise InvalidSummary(f"{name}: value must be a short printable string")
    share, low, high = (_number(item.get(key), f"{name}.{key}", 0.0, 1.0) for key in ("share", "low", "high"))
    assert share is not None and low is not None and high is not None
    if not low <= share <= high:
        raise InvalidSummary(f"{name}: the interval must contain the share")
    installations = _count(item.get("installations"), f"{name}.installations")
    assert installations is not None
    return {"value": value, "installations": installations, "share": share, "low": low, "high": high}


def _groups(items: Any, name: str) -> list[SummaryGroup]:
    if not isinstance(items, list) or len(items) > MAX_GROUPS:
        raise InvalidSummary(f"{name} must be a list of at most {MAX_GROUPS} groups")
    return [_group(item, name) for item in items]


def _rate(rate: Any) -> SummaryRate | None:
    if rate is None:
        return None
    if not isinstance(rate, Mapping):
        raise InvalidSummary("errors_per_1000_jobs must be an object or null")
    value = _number(rate.get("value"), "errors_per_1000_jobs.value")
    installations = _count(rate.get("installations"), "errors_per_1000_jobs.installations")
    assert value is not None and installations is not None
    return {"value": value, "low": _number(rate.get("low"), "errors_per_1000_jobs.low", optional=True),
            "high": _number(rate.get("high"), "errors_per_1000_jobs.high", optional=True),
            "installations": installations}


def _week(week: Any) -> str:
    if not isinstance(week, str) or len(week) != len("2026-06-29"):
        raise InvalidSummary("week must be an ISO date")
    try:
        date.fromisoformat(week)
    except ValueError:
        raise InvalidSummary("week must be an ISO date") from None
    return week


def validate_summary(document: Any) -> SummaryDocument:
    """The summary's known fields, checked; raises :class:`InvalidSummary` for anything else."""
    if not isinstance(document, Mapping) or document.get("schema") != SUMMARY_SCHEMA:
        raise InvalidSummary(f"not a {SUMMARY_SCHEMA} document")
    k = _count(document.get("k"), "k")
    if not k:
        raise InvalidSummary("k must be at least 1")
    lists = {name.value: _groups(document.get(name.value), name.value) for name in SummaryList}
    # The lists are keyed by SummaryList, which tests/contract checks against SummaryDocument's keys.
    return cast(SummaryDocument, {
        "schema": SUMMARY_SCHEMA, "week": _week(document.get("week")), "k": k,
        "installations": _count(document.get("installations"), "installations", optional=True),
        **lists, "errors_per_1000_jobs": _rate(document.get("errors_per_1000_jobs")),
    })
