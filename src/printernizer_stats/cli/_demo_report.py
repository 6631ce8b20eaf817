"""The demo's closing summary, read from the receiver's database (what the maintainers would have), and
rendered as plain text. Reading is SQLAlchemy Core over the receiver's tables; rendering is pure."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

import sqlalchemy as sa

from printernizer_stats.registry import Registry, week_label
from printernizer_stats.server import tables

ERRORS_METRIC = "printernizer.errors"
PRINTERS_METRIC = "printernizer.printers"
Counts = list[tuple[str, int]]


@dataclass(frozen=True, slots=True)
class Rate:
    """Errors per 1,000 jobs for one group (a version, a week)."""

    label: str
    jobs: int
    errors: int

    @property
    def per_thousand(self) -> float:
        return 1000 * self.errors / self.jobs if self.jobs else 0.0


@dataclass(frozen=True, slots=True)
class StoredSummary:
    """Everything the summary says about the data, as stored by the receiver."""

    installations: int
    weeks: tuple[str, ...]
    weekly_batches: int
    rejected_points: int
    by_mode: Counts
    by_version: Counts
    by_country: Counts
    printers_by_type: Counts
    fleet_sizes: Counts
    jobs_created: int
    jobs_completed: int
    jobs_failed: int
    errors: int
    error_types: Counts
    errors_by_version: list[Rate] = field(default_factory=list)
    errors_by_week: list[Rate] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("errors_by_version", "errors_by_week"):
            data[key] = [{**asdict(rate), "per_thousand": round(rate.per_thousand, 2)}
                         for rate in getattr(self, key)]
        return data


def _ranked(counter: Counter[str]) -> Counts:
    return sorted(counter.items(), key=lambda item: (-item[1], item[0]))


def _fleet_bucket(printers: int) -> str:
    return "1" if printers <= 1 else "2-3" if printers <= 3 else "4-6" if printers <= 6 else "7+"


def read_summary(engine: sa.Engine, registry: Registry) -> StoredSummary:
    """The summary of everything ``engine``'s receiver database holds."""
    t = tables(registry)
    installations, daily, events, batches = (t["installations"], t["daily_stats"], t["events_summary"],
                                             t["batches"])
    with engine.connect() as db:
        facts = db.execute(sa.select(installations.c.installation_id, installations.c.deployment_mode,
                                     installations.c.app_version, installations.c.country_code,
                                     installations.c.last_week)).all()
        weeks = db.execute(sa.select(daily.c.period, daily.c.app_version, daily.c.jobs_created,
                                     daily.c.jobs_completed, daily.c.jobs_failed, daily.c.error_count,
                                     daily.c.printer_count, daily.c.installation_id)).all()
        errors = db.execute(sa.select(events.c.attributes, events.c.value)
                            .where(events.c.metric == ERRORS_METRIC)).all()
        printers = db.execute(sa.select(events.c.installation_id, events.c.period, events.c.attributes,
                                        events.c.value).where(events.c.metric == PRINTERS_METRIC)).all()
        weekly_batches, rejected = db.execute(
            sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(batches.c.rejected_points), 0))
            .where(batches.c.kind == "week")).one()
    latest = {fact.installation_id: fact.last_week for fact in facts}
    fleet = Counter[str]()
    for printer in printers:
        if latest.get(printer.installation_id) == printer.period:
            fleet[json.loads(printer.attributes)["printer_type"]] += int(printer.value)
    sizes = Counter(_fleet_bucket(week.printer_count or 0) for week in weeks
                    if latest.get(week.installation_id) == week.period)
    error_types = Counter[str]()
    for error in errors:
        error_types[json.loads(error.attributes)["error_type"]] += int(error.value)
    by_version: dict[str, list[int]] = {}
    by_week: dict[str, list[int]] = {}
    for week in weeks:
        for key, into in ((week.app_version, by_version), (week_label(week.period), by_week)):
            totals = into.setdefault(key, [0, 0])
            totals[0] += week.jobs_created or 0
            totals[1] += week.error_count or 0
    return StoredSummary(
        installations=len(facts),
        weeks=tuple(sorted(by_week)),
        weekly_batches=int(weekly_batches),
        rejected_points=int(rejected),
        by_mode=_ranked(Counter(fact.deployment_mode for fact in facts)),
        by_version=_ranked(Counter(fact.app_version for fact in facts)),
        by_country=_ranked(Counter(fact.country_code for fact in facts)),
        printers_by_type=_ranked(fleet),
        fleet_sizes=sorted(sizes.items(), key=lambda item: ["1", "2-3", "4-6", "7+"].index(item[0])),
        jobs_created=sum(week.jobs_created or 0 for week in weeks),
        jobs_completed=sum(week.jobs_completed or 0 for week in weeks),
        jobs_failed=sum(week.jobs_failed or 0 for week in weeks),
        errors=sum(week.error_count or 0 for week in weeks),
        error_types=_ranked(error_types),
        errors_by_version=[Rate(v, *by_version[v]) for v in sorted(by_version, key=_version_key)],
        errors_by_week=[Rate(w, *by_week[w]) for w in sorted(by_week)],
    )


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) if part.isdigit() else -1 for part in version.split("."))
