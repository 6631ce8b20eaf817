"""This installation's own set-up, computed on this machine, to set beside the community summary.

Nothing here is sent anywhere: the figures come from the local store and the installation facts, in the
summary's terms (fleet size groups, errors per 1,000 jobs created), so the page can mark "you" in each
group. Jobs and errors are the registry's ``daily_stats`` columns, the same sums the receiver stores.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

from printernizer_stats.host.client._weeks import LocalWeeks
from printernizer_stats.registry import Registry, WeekValue, fleet_size_label, week_label, week_start
from printernizer_stats.registry.names import DailyStat, Metric, ResourceField

PRINTERS = Metric.PRINTERS
FEATURES = Metric.FEATURES_ENABLED
UPTIME = Metric.UPTIME
JOBS_COLUMN = DailyStat.JOBS_CREATED
ERRORS_COLUMN = DailyStat.ERROR_COUNT
FACTS = {"deployment_mode": ResourceField.DEPLOYMENT_MODE, "app_version": ResourceField.APP_VERSION,
         "platform": ResourceField.PLATFORM}
LOOKBACK_WEEKS = 4
"""How far back the printers and features are looked for when the latest weeks have none."""


def column_total(values: Iterable[WeekValue], registry: Registry, column: str) -> float:
    """The sum of a ``daily_stats`` column over ``values`` (its metric, filtered as the registry declares)."""
    total = 0.0
    for value in values:
        spec = registry.metrics.get(value.metric)
        wanted = spec.daily_stats.get(column) if spec is not None else None
        if wanted is None:
            continue
        attributes = dict(value.attributes)
        if all(attributes.get(name) in allowed for name, allowed in wanted.items()):
            total += value.value
    return total


def _latest(values: list[WeekValue], metric: str) -> dict[str, float]:
    """One attribute's values of ``metric`` in the latest week that has it (``{}`` when none has)."""
    weeks = [v.week for v in values if v.metric == metric]
    if not weeks:
        return {}
    latest = max(weeks)
    return {(v.attributes[0][1] if v.attributes else "total"): v.value
            for v in values if v.metric == metric and v.week == latest}


def _error_rate(values: list[WeekValue], registry: Registry, monday: date) -> dict[str, Any]:
    week = [v for v in values if v.week == monday]
    jobs, errors = column_total(week, registry, JOBS_COLUMN), column_total(week, registry, ERRORS_COLUMN)
    return {
        "week": week_label(monday), "jobs": round(jobs), "errors": round(errors),
        "errors_per_1000_jobs": round(errors / jobs * 1000, 2) if jobs > 0 else None,
    }


def your_position(weeks: LocalWeeks, facts: Mapping[str, str], today: date, registry: Registry,
                  week: date | None = None) -> dict[str, Any]:
    """Deployment mode, version, platform, printers by type, fleet size group, features, and the days running
    and errors per 1,000 jobs of ``week`` (the summary's, so both sides describe the same week; default the
    last complete one): this installation in the summary's terms."""
    last_complete = week or week_start(today) - timedelta(weeks=1)
    values = weeks.values(last_complete - timedelta(weeks=LOOKBACK_WEEKS - 1), week_start(today))
    printers = {kind: round(n) for kind, n in _latest(values, PRINTERS).items()}
    features = {name: on > 0 for name, on in _latest(values, FEATURES).items()}
    uptime = [v.value for v in values if v.metric == UPTIME and v.week == last_complete]
    fleet = sum(printers.values()) if printers else None
    return {
        **{key: facts.get(fact) or None for key, fact in FACTS.items()},
        "printer_types": {kind: n for kind, n in sorted(printers.items()) if n > 0},
        "printers": fleet,
        "fleet_size": fleet_size_label(fleet),
        "features": dict(sorted(features.items())),
        "uptime_days": round(uptime[0]) if uptime else None,
        **_error_rate(values, registry, last_complete),
    }
