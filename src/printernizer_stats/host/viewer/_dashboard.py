"""What the page's statistics section shows, computed from the local summary (the same JSON as ``/local``).

Pure functions. Metric names come from the registry (a test checks every name used here is declared);
the key figures are the registry's ``daily_stats`` columns, so a new column appears without code here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from printernizer_stats.host.viewer._charts import Chart, bar_chart, column_chart
from printernizer_stats.registry import OTHER, Registry, week_label, week_start
from printernizer_stats.registry.names import Attribute, JobsEvent, Metric

JOBS = Metric.JOBS_EVENTS
ERRORS = Metric.ERRORS
PRINTERS = Metric.PRINTERS
UPTIME = Metric.UPTIME
REQUESTS = Metric.HTTP_SERVER_REQUEST_DURATION
FEATURES = Metric.FEATURES_ENABLED
CHART_METRICS = {JOBS: Attribute.EVENT, ERRORS: Attribute.ERROR_TYPE, PRINTERS: Attribute.PRINTER_TYPE, UPTIME: None,
                 REQUESTS: Attribute.HTTP_ROUTE, FEATURES: Attribute.FEATURE}
"""Metric -> the attribute the page groups it by (checked against the registry by a test)."""
JOB_SERIES = (JobsEvent.COMPLETED, JobsEvent.FAILED, JobsEvent.CANCELLED)
WEEKS_SHOWN = 12
TOP_BARS = 10
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

Metrics = Mapping[str, Mapping[str, Any]]


@dataclass(frozen=True, slots=True)
class Tile:
    name: str
    label: str
    value: float
    previous: float
    """The same figure for the week before."""


@dataclass(frozen=True, slots=True)
class Feature:
    name: str
    label: str
    state: str
    """``on``, ``off`` or ``unknown`` (not reported this week)."""


ACRONYMS = {"mqtt": "MQTT", "api": "API", "id": "ID", "http": "HTTP"}


def humanize(name: str) -> str:
    """``auto_job_creation`` -> ``Auto job creation``; ``mqtt`` -> ``MQTT``."""
    words = [ACRONYMS.get(word, word) for word in name.replace("_", " ").replace(".", " ").split()]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def parse_series(label: str) -> dict[str, str]:
    """The summary's series label back into attributes (``total`` is the series without attributes).

    Attribute values never contain ``,`` or ``=``: they are closed enums or route templates.
    """
    if label == "total":
        return {}
    return dict(part.split("=", 1) for part in label.split(","))


def _amount(value: Any) -> float:
    return float(value["count"]) if isinstance(value, Mapping) else float(value)


def grouped(metrics: Metrics, metric: str, attribute: str | None) -> dict[str, float]:
    """One metric's values summed by one attribute (histograms count requests)."""
    totals: dict[str, float] = {}
    for label, value in metrics.get(metric, {}).items():
        key = parse_series(label).get(attribute, OTHER) if attribute else "total"
        totals[key] = totals.get(key, 0.0) + _amount(value)
    return totals


def matching_total(metrics: Metrics, metric: str, where: Mapping[str, Iterable[str]]) -> float:
    """The sum of a metric's series whose attributes take the given values (an empty filter takes all)."""
    total = 0.0
    for label, value in metrics.get(metric, {}).items():
        attributes = parse_series(label)
        if all(attributes.get(key) in set(values) for key, values in where.items()):
            total += _amount(value)
    return total


def key_figures(registry: Registry, metrics: Metrics, previous: Metrics) -> list[Tile]:
    """This week's key figures, and last week's: the registry's ``daily_stats`` columns."""
    return [
        Tile(column, humanize(column), matching_total(metrics, spec.name, where),
             matching_total(previous, spec.name, where))
        for spec in registry.metrics.values()
        for column, where in spec.daily_stats.items()
    ]


def features_used(registry: Registry, metrics: Metrics) -> list[Feature]:
    """Every feature the registry knows, on/off as last reported this week (or unknown)."""
    reported = grouped(metrics, FEATURES, CHART_METRICS[FEATURES])
    spec = registry.metrics[FEATURES].attributes[str(CHART_METRICS[FEATURES])]
    return [
        Feature(name, humanize(name), "unknown" if name not in reported else "on" if reported[name] else "off")
        for name in spec.ordered_values
    ]


def shown_weeks(summary: Mapping[str, Any], today: date) -> list[tuple[date, Metrics]]:
    """The last :data:`WEEKS_SHOWN` weeks up to this one, gaps filled with empty weeks."""
    by_start = {date.fromisoformat(week["start"]): week["metrics"] for week in summary.get("weeks", [])}
    current = week_start(today)
    first = max(min(by_start, default=current), current - timedelta(weeks=WEEKS_SHOWN - 1))
    count = (current - first).days // 7 + 1
    mondays = [first + timedelta(weeks=n) for n in range(count)]
    return [(monday, by_start.get(monday, {})) for monday in mondays]


def this_week_days(summary: Mapping[str, Any], today: date) -> list[tuple[date, Metrics]]:
    monday = week_start(today)
    by_day = {date.fromisoformat(day["day"]): day["metrics"] for day in summary.get("days", [])}
    return [(monday + timedelta(days=n), by_day.get(monday + timedelta(days=n), {})) for n in range(7)]


Translate = Callable[[str], str]
"""An English message -> the page's language (the identity for English)."""


def _same(message: str) -> str:
    return message


def _short(monday: date, today: date, t: Translate = _same) -> str:
    return t("now") if monday == week_start(today) else f"W{monday.isocalendar().week:02d}"


def _top(totals: Mapping[str, float]) -> list[tuple[str, float]]:
    ranked = sorted(((k, v) for k, v in totals.items() if v > 0), key=lambda kv: (-kv[1], kv[0]))
    if len(ranked) <= TOP_BARS:
        return ranked
    rest = sum(v for _, v in ranked[TOP_BARS - 1:])
    return [*ranked[: TOP_BARS - 1], (f"{len(ranked) - TOP_BARS + 1} more", rest)]


def _sum_weeks(weeks: Iterable[tuple[date, Metrics]], metric: str) -> dict[str, float]:
    totals: dict[str, float] = {}
    for _, metrics in weeks:
        for key, value in grouped(metrics, metric, CHART_METRICS[metric]).items():
            totals[key] = totals.get(key, 0.0) + value
    return totals


def charts(summary: Mapping[str, Any], today: date, t: Translate = _same) -> list[Chart]:
    """The statistics section's charts, in page order; titles and axis labels through ``t``."""
    weeks = shown_weeks(summary, today)
    span = t("{first} to {last}").format(first=week_label(weeks[0][0]), last=week_label(weeks[-1][0]))
    jobs_by = CHART_METRICS[JOBS]

    def jobs(metrics: Metrics) -> list[float]:
        return [grouped(metrics, JOBS, jobs_by).get(event, 0.0) for event in JOB_SERIES]

    latest_printers = next((m for _, m in reversed(weeks) if m.get(PRINTERS)), {})
    return [
        column_chart("jobs-by-week", "Print jobs per week", "week", JOB_SERIES,
                     [(_short(monday, today, t), jobs(metrics)) for monday, metrics in weeks]),
        column_chart("jobs-this-week", "This week, day by day", "day", JOB_SERIES,
                     [(t(DAY_NAMES[day.weekday()]), jobs(metrics)) for day, metrics in this_week_days(summary, today)]),
        column_chart("uptime-by-week", "Days Printernizer ran, per week", "week", ("days",),
                     [(_short(monday, today, t), [grouped(metrics, UPTIME, None).get("total", 0.0)])
                      for monday, metrics in weeks], fixed_max=7, step=1),
        bar_chart("errors-by-type", t("Errors by type, {span}").format(span=span), "error type", "errors",
                  _top(_sum_weeks(weeks, ERRORS))),
        bar_chart("printers-by-type", "Printers by type", "printer type", "printers",
                  _top(grouped(latest_printers, PRINTERS, CHART_METRICS[PRINTERS]))),
        bar_chart("requests-by-route", t("API requests by route, {span}").format(span=span), "route", "requests",
                  _top(_sum_weeks(weeks, REQUESTS))),
    ]


def week_metrics(summary: Mapping[str, Any], monday: date) -> Metrics:
    """One ISO week's metrics (this week's combined from its days so far)."""
    return next((week["metrics"] for week in summary.get("weeks", []) if week["start"] == monday.isoformat()), {})
