"""The dashboard page: from ``Insights`` (published figures and anomalies) to charts and the HTML."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from markupsafe import Markup

from printernizer_stats.maintainers.analytics import _figures as f
from printernizer_stats.maintainers.analytics._anomaly import AnomalyKind
from printernizer_stats.maintainers.analytics._chart_text import Table, bar_summary, bar_table, line_summary, line_table
from printernizer_stats.maintainers.analytics._charts import Bar, Line, Point, bar_chart, line_chart
from printernizer_stats.maintainers.analytics._insights import (
    Insights,
    describe,
    format_rate,
    format_share,
    group_label,
)
from printernizer_stats.maintainers.analytics._model import Figure, PublishedRow
from printernizer_stats.pages import Naming, page_environment
from printernizer_stats.registry import FLEET_SIZE_GROUPS, LARGEST_FLEET_SIZE, default_registry
from printernizer_stats.registry.names import Metric

_DAYS_A_WEEK = int(default_registry().metrics[Metric.UPTIME].max_weekly or 0)
_ORDERED = {f.FLEET_SIZES.name: (*(label for _, _, label in FLEET_SIZE_GROUPS), LARGEST_FLEET_SIZE, f.UNKNOWN),
            f.UPTIME.name: (*(str(day) for day in range(_DAYS_A_WEEK + 1)), f.UNKNOWN)}
"""Distributions drawn in their natural order, not by size: the registry's fleet-size groups and days."""
_TRENDS = (f.VERSIONS, f.DEPLOYMENT_MODES)
_LATEST_BARS = (f.PRINTER_TYPES, f.FLEET_SIZES, f.FEATURES, f.UPTIME, f.COUNTRIES, f.PLATFORMS, f.PYTHON_VERSIONS)


@dataclass(frozen=True, slots=True)
class Chart:
    """One figure's panel: the SVG, and the same data as a summary (in the SVG's name) and a table."""

    name: str
    title: str
    description: str
    sample: str
    svg: Markup
    table: Table
    summary: str
    wide: bool = False

    @property
    def ident(self) -> str:
        """The panel's id; ``-title``, ``-summary`` and ``-data`` name the parts the SVG refers to."""
        return f"figure-{self.name}"


def _lines(name: str, title: str, description: str, sample: str, lines: list[Line], weeks: Sequence[date],
           *, percent: bool = False, unit: str = "", wide: bool = False) -> Chart:
    summary = line_summary(lines, weeks, percent=percent, unit=unit)
    width, height = (1280, 300) if wide else (640, 250)
    svg = line_chart(lines, weeks, Naming(f"figure-{name}", summary), percent=percent, unit=unit, width=width,
                     height=height)
    return Chart(name, title, description, sample, svg, line_table(lines, weeks, percent=percent), summary, wide)


def _bars(name: str, title: str, description: str, sample: str, bars: list[Bar]) -> Chart:
    summary = bar_summary(bars)
    return Chart(name, title, description, sample, bar_chart(bars, Naming(f"figure-{name}", summary)),
                 bar_table(bars), summary)


@dataclass(frozen=True, slots=True)
class Tile:
    label: str
    value: str
    detail: str


_ENV = page_environment("printernizer_stats.maintainers.analytics")


def render_template(name: str, **context: object) -> str:
    return _ENV.get_template(name).render(**context)


def _flagged(insights: Insights, kinds: set[AnomalyKind], group: tuple[str, ...] = ()) -> set[date]:
    weeks: set[date] = set()
    for anomaly in insights.anomalies:
        if anomaly.kind in kinds and anomaly.group == group:
            weeks |= {w for w in insights.window.weeks if anomaly.first_week <= w <= anomaly.last_week}
    return weeks


def _chosen(figure: Figure, insights: Insights, kinds: set[AnomalyKind], limit: int) -> list[tuple[str, ...]]:
    """Groups with an anomaly of ``kinds`` first, then the largest, ``limit`` in all."""
    flagged = [a.group for a in insights.anomalies if a.kind in kinds and a.group in figure.groups]
    chosen = list(dict.fromkeys(flagged))
    chosen += [group for group in figure.groups if group not in chosen]
    return chosen[:limit]


def _sample(rows: tuple[PublishedRow, ...] | list[PublishedRow], week: date) -> str:
    total = sum(row.installations for row in rows)
    return f"week of {week} · n = {total:,} installations" if rows else f"week of {week} · nothing to show at this k"


def charts(insights: Insights) -> list[Chart]:
    """Half-width charts in pairs, the two busiest trends full width."""
    weeks, latest, figures = insights.window.weeks, insights.latest, insights.figures
    active = figures[f.ACTIVE.name]
    drops = _flagged(insights, {AnomalyKind.INSTALLATIONS_DROP, AnomalyKind.INSTALLATIONS_SURGE})
    points = [Point(r.period, r.installations, n=r.installations, flagged=r.period in drops) for r in active.series(())]
    trends = []
    for spec in _TRENDS:
        figure = figures[spec.name]
        lines = [Line(group_label(g), [Point(r.period, r.share.value, r.share.low, r.share.high, r.installations)
                                       for r in figure.series(g) if r.share]) for g in figure.groups[:9]]
        trends.append(_lines(spec.name, f"{spec.title}: share of installations", spec.description,
                             _sample(figure.week(latest), latest), lines, weeks, percent=True))
    return [
        _lines(f.ACTIVE.name, "Active installations per week", f.ACTIVE.description,
               f"{len(points)} weeks published", [Line("installations", points)], weeks),
        trends[0], _error_rates(insights), _error_type_trends(insights), trends[1],
        *(_latest_bars(figures[spec.name], latest) for spec in _LATEST_BARS),
    ]


def _error_rates(insights: Insights) -> Chart:
    figures, weeks = insights.figures, insights.window.weeks
    fleet_flags = _flagged(insights, {AnomalyKind.ERROR_RATE_SPIKE})
    fleet = [Point(r.period, r.rate.value, r.rate.low, r.rate.high, r.installations, r.period in fleet_flags)
             for r in figures[f.ACTIVE.name].series(()) if r.rate]
    lines = [Line("all (95 % band)", fleet, band=True)]
    versions = figures[f.ERRORS_BY_VERSION.name]
    for group in _chosen(versions, insights, {AnomalyKind.VERSION_ERROR_RATE}, 7):
        flags = _flagged(insights, {AnomalyKind.VERSION_ERROR_RATE}, group)
        lines.append(Line(group_label(group), [Point(r.period, r.rate.value, r.rate.low, r.rate.high, r.installations,
                                                     r.period in flags) for r in versions.series(group) if r.rate]))
    return _lines(f.ERRORS_BY_VERSION.name, "Errors per 1,000 jobs, all installations and by version",
                  f.ERRORS_BY_VERSION.description, _sample(versions.week(insights.latest), insights.latest),
                  lines, weeks, unit=" per 1,000 jobs", wide=True)


def _error_type_trends(insights: Insights) -> Chart:
    types = insights.figures[f.ERROR_TYPES.name]
    lines = []
    kinds = {AnomalyKind.ERROR_TYPE_SURGE, AnomalyKind.NEW_ERROR_TYPE}
    for group in sorted(_chosen(types, insights, kinds, 9), key=types.groups.index):
        flags = _flagged(insights, kinds, group)
        lines.append(Line(group_label(group), [Point(r.period, r.share.value, r.share.low, r.share.high,
                                                     r.installations, r.period in flags)
                                               for r in types.series(group) if r.share]))
    return _lines(types.spec.name, "Error types: share of installations reporting them", types.spec.description,
                  _sample([], insights.latest) if not types.rows else f"{len(types.groups)} types published",
                  lines, insights.window.weeks, percent=True, wide=True)


def _latest_bars(figure: Figure, latest: date) -> Chart:
    rows = list(figure.week(latest))
    order = _ORDERED.get(figure.spec.name)
    rows.sort(key=(lambda r: order.index(r.group[0]) if r.group[0] in order else len(order)) if order
              else (lambda r: -(r.share.value if r.share else 0)))
    bars = [Bar(group_label(r.group), r.share.value, r.share.low, r.share.high,
                r.share.trials if figure.spec.successes else r.installations) for r in rows if r.share]
    if rows and rows[0].share and figure.spec.trials:
        total = rows[0].share.trials
    else:
        total = sum(r.installations for r in rows)
    sample = f"week of {latest} · n = {total:,} installations" if rows else f"week of {latest} · nothing at this k"
    return _bars(figure.spec.name, figure.spec.title, figure.spec.description, sample, bars)


def tiles(insights: Insights) -> list[Tile]:
    latest = insights.figures[f.ACTIVE.name].week(insights.latest)
    if not latest:
        return [Tile("Active installations", "–", f"fewer than {insights.k} in the week of {insights.latest}")]
    row = latest[0]
    versions = insights.figures[f.VERSIONS.name].week(insights.latest)
    top = max(versions, key=lambda r: r.installations, default=None)
    fleets = insights.figures[f.FLEET_SIZES.name].week(insights.latest)
    fleet = max(fleets, key=lambda r: r.installations, default=None)
    return [
        Tile("Active installations", f"{row.installations:,}", f"week of {insights.latest}"),
        Tile("Errors per 1,000 jobs", format_rate(row.rate) if row.rate else "–",
             f"{row.measures.get('jobs', 0):,.0f} jobs · 95 % interval over installations"),
        Tile("Most common fleet size", fleet_label(fleet.group[0]) if fleet else "–",
             format_share(fleet.share) if fleet and fleet.share else ""),
        Tile("Most used version", group_label(top.group) if top else "–",
             format_share(top.share) if top and top.share else ""),
    ]


def fleet_label(group: str) -> str:
    """A fleet-size group in words: ``1`` -> "1 printer", ``3-5`` -> "3-5 printers"."""
    if group == "1":
        return "1 printer"
    return f"{group} printers" if group[0].isdigit() else group


def error_table(insights: Insights, top: int = 15) -> list[dict[str, str]]:
    """The latest week's error types by version, most widespread first."""
    rows = sorted(insights.figures[f.ERROR_TYPES_BY_VERSION.name].week(insights.latest),
                  key=lambda r: -(r.share.value if r.share else 0))[:top]
    return [{"version": r.group[0], "type": r.group[1], "share": format_share(r.share) if r.share else "",
             "n": f"{r.installations:,}"} for r in rows]


def render_dashboard(insights: Insights, *, token_required: bool, generated: str) -> str:
    return render_template(
        "dashboard.html", insights=insights, tiles=tiles(insights), charts=charts(insights),
        anomalies=[(a, describe(a)) for a in insights.anomalies], errors=error_table(insights),
        token_required=token_required, generated=generated,
    )
