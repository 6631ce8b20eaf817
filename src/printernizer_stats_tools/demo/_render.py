"""The demo's closing summary as plain text: what a maintainer reads first. Pure.

Every figure comes from ``Insights`` (k-anonymous: each row describes at least k installations) and shows
its sample size; shares carry their 95 % Wilson interval, rates their interval over installations.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from printernizer_stats.registry import week_label

if TYPE_CHECKING:  # the analytics import scipy: the demo imports them while its receiver starts
    from printernizer_stats.maintainers.analytics import Figure, Insights, PublishedRow
    from printernizer_stats_tools.demo._report import Delivery

WIDTH = 46
"""Width of one column of the side-by-side tables."""
BAR = 20
ROWS = 6
# Figure names are the analytics' stable identifiers (API paths, Grafana panel ids).
ACTIVE, MODES, VERSIONS, COUNTRIES = "active_installations", "deployment_modes", "versions", "countries"
PRINTER_TYPES, FLEET_SIZES = "printer_types", "fleet_sizes"
ERROR_TYPES, ERRORS_BY_VERSION = "error_types", "errors_by_version"


@dataclass(frozen=True, slots=True)
class RunFacts:
    """How the demo ran (not from the database): the path, what the clients saw, the time it took."""

    installations: int
    weeks: int
    path: str
    accepted: int
    rejected: int
    retrying: int
    elapsed_s: float
    simulate_s: float
    workers: int
    startup_s: float = 0.0
    """From the demo's start until the receiver and the collector answered (the workers start meanwhile)."""
    pages: tuple[str, ...] = ()


def _share_row(row: PublishedRow) -> str:
    label = " / ".join(row.group)[:18]
    if row.share is None:
        return f"  {label:<18}{'':>18}{row.installations:>6}"
    share = row.share
    interval = f"[{100 * share.low:.0f}–{100 * share.high:.0f}]"
    return f"  {label:<18}{100 * share.value:5.1f} % {interval:<10}{row.installations:>6}"


def _table(title: str, figure: Figure | None, week: date) -> list[str]:
    rows = sorted(figure.week(week) if figure else (),
                  key=lambda r: (-(r.share.value if r.share else 0), -r.installations, r.group))
    lines = [f"{title:<38}{'n':>6}", *(_share_row(row) for row in rows[:ROWS])]
    if len(rows) > ROWS:
        lines.append(f"  … {len(rows) - ROWS} more")
    return lines if rows else [*lines, "  (no group of k or more)"]


def _side_by_side(columns: Sequence[list[str]]) -> list[str]:
    height = max(len(column) for column in columns)
    return ["".join(f"{(column[i] if i < len(column) else ''):<{WIDTH}}" for column in columns).rstrip()
            for i in range(height)]


def _rate_lines(title: str, rows: Sequence[tuple[str, PublishedRow]], marks: dict[str, str]) -> list[str]:
    rated = [(label, row, row.rate) for label, row in rows if row.rate is not None]
    peak = max((rate.value for _, _, rate in rated), default=0.0) or 1.0
    lines = [f"{title:<50}{'n':>5}"]
    for label, row, rate in rated:
        interval = f"[{rate.low:.0f}–{rate.high:.0f}]" if rate.low is not None and rate.high is not None else ""
        bar = "█" * max(1, round(BAR * rate.value / peak)) if rate.value else ""
        lines.append(f"  {label:<9}{rate.denominator:>7,.0f} jobs {rate.value:6.1f} {interval:<10}"
                     f"{row.installations:>5}  {bar:<{BAR}} {marks.get(label, '')}".rstrip())
    return lines if rated else [*lines, "  (no group of k or more)"]


def _by_week(insights: Insights, marks: dict[str, str]) -> list[str]:
    active = insights.figures.get(ACTIVE)
    rows = [(week_label(row.period), row) for row in (active.series(()) if active else ())]
    return _rate_lines("Errors per 1,000 jobs [95 % interval], by week", rows, marks)


def _by_version(insights: Insights) -> list[str]:
    versions = insights.figures.get(ERRORS_BY_VERSION)
    rows = sorted(versions.week(insights.latest) if versions else (), key=lambda r: _version_key(r.group))
    return _rate_lines(f"… by version, week {week_label(insights.latest)}", [(r.group[0], r) for r in rows], {})


def _version_key(group: tuple[str, ...]) -> tuple[bool, tuple[int, ...]]:
    """Versions in release order, the merged small ones ('other') last."""
    parts = group[0].split(".")
    return (not all(part.isdigit() for part in parts), tuple(int(p) if p.isdigit() else -1 for p in parts))


def _headline(insights: Insights) -> list[str]:
    active = insights.figures.get(ACTIVE)
    rows = active.rows if active else ()
    jobs = sum(row.measures.get("jobs", 0) for row in rows)
    errors = sum(row.measures.get("errors", 0) for row in rows)
    latest = active.week(insights.latest) if active else ()
    now = f"{latest[0].installations} active in {week_label(insights.latest)}" if latest else "none shown"
    return [f"Installations: {now} · jobs {jobs:,.0f} · errors {errors:,.0f} "
            f"({1000 * errors / jobs if jobs else 0:.1f} per 1,000 jobs) over the weeks shown"]


def render_summary(delivery: Delivery, insights: Insights, run: RunFacts,
                   release_weeks: dict[str, str] | None = None) -> str:
    """The whole summary. ``release_weeks`` marks weeks in the trend (``{"2026-W42": "← 2.43.0 released"}``)."""
    from printernizer_stats.maintainers.analytics import describe  # noqa: PLC0415 - see the imports

    window, k, latest = insights.window, insights.k, insights.latest
    lost = max(0, run.accepted - delivery.weekly_batches)
    get = insights.figures.get
    lines = [
        f"printernizer-stats demo: {run.installations} installations × {run.weeks} weeks "
        f"({week_label(window.first)} … {week_label(window.last)})",
        f"path      {run.path}",
        f"batches   {run.accepted:,} accepted · {delivery.weekly_batches:,} stored, each once · {run.rejected} "
        f"rejected · {run.retrying} waiting in outboxes · {lost} lost",
        f"          {delivery.rejected_points} data points rejected by the receiver",
        f"time      {run.elapsed_s:.1f} s in all: starting {run.startup_s:.1f} s, simulating and sending "
        f"{run.simulate_s:.1f} s on {run.workers} worker{'s' if run.workers != 1 else ''}, reading back "
        f"{max(0.0, run.elapsed_s - run.startup_s - run.simulate_s):.1f} s",
        "",
        f"What the maintainers see (k = {k}): no group of fewer than {k} installations is shown (smaller ones",
        "are merged into 'other' or left out); shares % [95 % Wilson interval]; n = installations.",
        *_headline(insights),
        "",
        f"Anomalies found ({len(insights.anomalies)})",
        *([f"  ! {describe(anomaly)}" for anomaly in insights.anomalies] or ["  none"]),
        "",
        f"Week {week_label(latest)}",
        *_side_by_side([_table("deployment mode", get(MODES), latest),
                        _table("version", get(VERSIONS), latest)]),
        "",
        *_side_by_side([_table("printer types (installations with one)", get(PRINTER_TYPES), latest),
                        _table("printers per installation", get(FLEET_SIZES), latest)]),
        "",
        *_side_by_side([_table("country (from the time zone)", get(COUNTRIES), latest),
                        _table("error types (installations reporting)", get(ERROR_TYPES), latest)]),
        "",
        *_by_week(insights, release_weeks or {}),
        *_by_version(insights),
    ]
    if run.pages:
        lines += ["", *run.pages]
    return "\n".join(lines) + "\n"
