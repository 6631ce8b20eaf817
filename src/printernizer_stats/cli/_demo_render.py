"""The demo's closing summary as plain text: what a maintainer reads first. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from printernizer_stats.cli._demo_report import Counts, Rate, StoredSummary

WIDTH = 30
"""Width of one column of the side-by-side tables."""
BAR = 20


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
    pages: tuple[str, ...] = ()


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:5.1f} %" if whole else "    -  "


def _table(title: str, rows: Counts, total: int, limit: int = 6) -> list[str]:
    shown = rows[:limit]
    rest = sum(count for _, count in rows[limit:])
    if rest:
        shown = [*shown, ("other", rest)]
    return [title, *(f"  {label[:14]:<14}{count:>5} {_share(count, total)}" for label, count in shown)]


def _side_by_side(columns: Sequence[list[str]]) -> list[str]:
    height = max(len(column) for column in columns)
    return ["".join(f"{(column[i] if i < len(column) else ''):<{WIDTH}}" for column in columns).rstrip()
            for i in range(height)]


def _rates(title: str, rates: Sequence[Rate], marks: dict[str, str]) -> list[str]:
    peak = max((rate.per_thousand for rate in rates), default=0.0) or 1.0
    lines = [title]
    for rate in rates:
        bar = "█" * max(1, round(BAR * rate.per_thousand / peak)) if rate.errors else ""
        lines.append(f"  {rate.label:<9}{rate.jobs:>8,} jobs {rate.per_thousand:7.1f}  {bar:<{BAR}} "
                     f"{marks.get(rate.label, '')}".rstrip())
    return lines


def render_summary(summary: StoredSummary, run: RunFacts, release_weeks: dict[str, str] | None = None) -> str:
    """The whole summary. ``release_weeks`` marks weeks in the trend (``{"2026-W42": "2.43.0 released"}``)."""
    stored = summary.weekly_batches
    lost = max(0, run.accepted - stored)
    span = f"{summary.weeks[0]} … {summary.weeks[-1]}" if summary.weeks else "no weeks"
    jobs = summary.jobs_created
    lines = [
        f"printernizer-stats demo: {run.installations} installations × {run.weeks} weeks ({span})",
        f"path      {run.path}",
        f"batches   {run.accepted:,} accepted · {stored:,} stored, each once · {run.rejected} rejected · "
        f"{run.retrying} waiting in outboxes · {lost} lost",
        f"          {summary.rejected_points} data points rejected by the receiver",
        f"time      {run.elapsed_s:.1f} s in all; simulating and sending {run.simulate_s:.1f} s "
        f"on {run.workers} worker{'s' if run.workers != 1 else ''}",
        "",
        f"Installations: {summary.installations} (facts of each one's latest week)",
        *_side_by_side([
            _table("deployment mode", summary.by_mode, summary.installations),
            _table("version", summary.by_version, summary.installations),
            _table("country", summary.by_country, summary.installations),
        ]),
        "",
        *_side_by_side([
            _table("printers by type", summary.printers_by_type, sum(n for _, n in summary.printers_by_type)),
            _table("printers per install", summary.fleet_sizes, summary.installations),
        ]),
        "",
        f"Jobs: {jobs:,} created · {summary.jobs_completed:,} completed · {summary.jobs_failed:,} failed "
        f"({_share(summary.jobs_failed, jobs).strip()} of created)",
        f"Errors: {summary.errors:,} · {1000 * summary.errors / jobs if jobs else 0:.1f} per 1,000 jobs",
        "top error types",
        *[f"  {label:<20}{count:>7,} {_share(count, summary.errors)}" for label, count in summary.error_types[:5]],
        "",
        *_rates("Errors per 1,000 jobs, by the version that week", summary.errors_by_version, {}),
        "",
        *_rates("Errors per 1,000 jobs, by week", summary.errors_by_week, release_weeks or {}),
    ]
    if run.pages:
        lines += ["", *run.pages]
    return "\n".join(lines) + "\n"
