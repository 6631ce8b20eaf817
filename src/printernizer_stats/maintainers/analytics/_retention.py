"""Retention: per-installation rows older than the retention period become k-anonymous weekly rollups.

For each week older than the cutoff, oldest first, in one transaction per week:

1. compute every analytics figure's raw cells for the week from the live rows;
2. keep what ``anonymous_figures`` lets through (the same gate every output uses) as ``weekly_rollups`` rows;
3. delete the week's ``events_summary``, ``daily_stats``, ledger (``batches``) and ingest rollup
   (``figure_rollups``) rows, so every row left still has its ledger row (the receiver's invariant, which
   deletion relies on) and the week is read from its k-anonymous rollup only. On PostgreSQL the first
   two are partitioned by week (server/_partitions.py): the week's partitions are dropped, no row is
   deleted one by one (unless a long query holds the table: then the rows are deleted as elsewhere).
   The ingest rollups of the week go with the rows, so they stay what recomputation gives.

Then empty partitions of older weeks are dropped, installations with no week left lose their
``installations`` row, and the others' ``first_week`` is clamped to the cutoff, or the week before it
when the cutoff is their last week (when they started is per-installation data about a week retention
has closed; whether they count must not change), and so is their ``first_received_week`` where
they were received after the cutoff too.
Deletion tombstones stay: they hold no installation data and keep deleted installations deleted.

Receivers sharing a PostgreSQL database run it one at a time (a session advisory lock; the others skip).
The period must exceed the oldest week the receiver still accepts (``ReceiverConfig.max_age_weeks``, 26),
or a late batch could bring rows back into a week that has been rolled up already.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
import structlog
from sqlalchemy.engine import Connection, Engine

from printernizer_stats.maintainers.analytics._figures import FIGURES
from printernizer_stats.maintainers.analytics._kanon import DEFAULT_K, check_k
from printernizer_stats.maintainers.analytics._linked import anonymous_figures
from printernizer_stats.maintainers.analytics._queries import Window, fetch_cells, tune_for_analytics
from printernizer_stats.maintainers.analytics._sql import GROUP_COLUMNS, Tables, analytics_tables
from printernizer_stats.maintainers.server import (
    PARTITIONED_TABLES,
    ReceiverConfig,
    drop_empty_partitions_before,
    drop_week_partition,
    partitioned_weeks_before,
)
from printernizer_stats.registry import Registry, week_start

_log = structlog.get_logger(__name__)
_MAX_AGE_WEEKS = ReceiverConfig().max_age_weeks
MIN_RETENTION_DAYS = 7 * (_MAX_AGE_WEEKS + 2)
"""Shortest retention: the oldest week the receiver accepts, plus the week it is in and one of margin."""
DEFAULT_RETENTION_DAYS = 400
_LOCK_KEY = 0x7072_6574_656E  # "preten": the advisory lock of retention runs


@dataclass(frozen=True, slots=True)
class RetentionResult:
    cutoff: date
    """The oldest week whose per-installation rows are kept."""
    weeks: tuple[date, ...] = ()
    """Weeks rolled up by this run."""
    rollup_rows: int = 0
    deleted: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        return {"cutoff": self.cutoff.isoformat(), "weeks": [w.isoformat() for w in self.weeks],
                "rollup_rows": self.rollup_rows, "deleted": self.deleted}


def retention_cutoff(today: date, days: int) -> date:
    """The Monday of the oldest week kept: the week that holds the day ``days`` days ago."""
    return week_start(today - timedelta(days=days))


def check_days(days: int) -> int:
    if days < MIN_RETENTION_DAYS:
        raise ValueError(f"retention must be at least {MIN_RETENTION_DAYS} days (the receiver accepts batches "
                         f"up to {_MAX_AGE_WEEKS} weeks old), not {days}")
    return days


def weeks_to_roll_up(connection: Connection, receiver: Tables, cutoff: date) -> list[date]:
    found: set[date] = set()
    for name in ("batches", "daily_stats", "events_summary"):
        partitioned = partitioned_weeks_before(connection, name, cutoff)
        if partitioned is not None:  # PostgreSQL: from the partitions, without reading their rows
            found |= partitioned
            continue
        table = receiver[name]
        found |= {p if isinstance(p, date) else date.fromisoformat(str(p)) for p in connection.execute(
            sa.select(table.c.period).where(table.c.period < cutoff).distinct()).scalars() if p is not None}
    return sorted(found)


def roll_up_week(connection: Connection, receiver: Tables, week: date, k: int) -> tuple[int, dict[str, int]]:
    """Steps 1-3 for one week on ``connection`` (inside the caller's transaction)."""
    rollups = receiver["weekly_rollups"]
    rows = []
    cells = {spec.name: fetch_cells(connection, receiver, spec, Window(week, week), None) for spec in FIGURES}
    safe = anonymous_figures(cells, k)
    for spec in FIGURES:
        for cell in safe[spec.name]:
            groups = (*cell.group, "", "")[: len(GROUP_COLUMNS)]
            rows.append({"period": week, "figure": spec.name, **dict(zip(GROUP_COLUMNS, groups, strict=True)),
                         "installations": cell.installations,
                         "measures": json.dumps(dict(sorted(cell.measures.items())), separators=(",", ":"))})
    rolled_up = connection.execute(sa.select(sa.func.count()).where(rollups.c.period == week)).scalar_one()
    if rolled_up:
        # Rows that arrived after their week was rolled up (a receiver accepting older batches than the
        # retention allows for): anonymous cells cannot be merged with new raw ones, so the week's rollup
        # stays as it was and the late rows are only deleted.
        _log.warning("analytics.retention_late_rows_discarded")
        rows = []
    elif rows:
        connection.execute(rollups.insert(), rows)
    deleted = {}
    for name in ("events_summary", "daily_stats", "batches", "figure_rollups"):
        table = receiver[name]
        # PostgreSQL drops the week's partition; the DELETE then finds at most stragglers (default partition).
        dropped = drop_week_partition(connection, name, week) if name in PARTITIONED_TABLES else None
        deleted[name] = (dropped or 0) + connection.execute(table.delete().where(table.c.period == week)).rowcount
    return len(rows), deleted


@contextlib.contextmanager
def _one_process_at_a_time(engine: Engine) -> Iterator[bool]:
    """PostgreSQL: whether this process holds the retention lock (several receivers share a database)."""
    if engine.dialect.name != "postgresql":
        yield True
        return
    with engine.connect() as connection:
        held = bool(connection.execute(sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": _LOCK_KEY}).scalar())
        try:
            yield held
        finally:
            if held:
                connection.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": _LOCK_KEY})
            connection.commit()


def apply_retention(engine: Engine, today: date, days: int = DEFAULT_RETENTION_DAYS, k: int = DEFAULT_K,
                    registry: Registry | None = None) -> RetentionResult:
    """Roll up and delete every week older than ``days`` days (see the module docstring); nothing when
    another process is doing it right now."""
    check_days(days)
    check_k(k)
    cutoff = retention_cutoff(today, days)
    with _one_process_at_a_time(engine) as held:
        if not held:
            _log.info("analytics.retention_elsewhere")
            return RetentionResult(cutoff)
        return _apply_retention(engine, cutoff, k, registry)


def _apply_retention(engine: Engine, cutoff: date, k: int, registry: Registry | None) -> RetentionResult:
    receiver = analytics_tables(registry)
    with engine.connect() as connection:
        weeks = weeks_to_roll_up(connection, receiver, cutoff)
    total_rollups, deleted = 0, dict.fromkeys(
        ("events_summary", "daily_stats", "batches", "figure_rollups", "installations"), 0)
    for week in weeks:
        with engine.begin() as connection:
            tune_for_analytics(connection)
            rollup_rows, removed = roll_up_week(connection, receiver, week, k)
        total_rollups += rollup_rows
        for name, count in removed.items():
            deleted[name] += count
    installations = receiver["installations"]
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            drop_empty_partitions_before(connection, cutoff)
        deleted["installations"] = connection.execute(
            installations.delete().where(installations.c.last_week < cutoff)).rowcount
        # The clamp keeps "one week sent" apart from "several" (the week before the cutoff for those whose
        # only kept week is the cutoff); the first received week is clamped where whether the installation
        # counts (server/_rollup_store.py) cannot change, i.e. where it was received again after the cutoff.
        connection.execute(installations.update().where(installations.c.first_week < cutoff)
                           .values(first_week=sa.case((installations.c.last_week > cutoff, cutoff),
                                                      else_=cutoff - timedelta(weeks=1))))
        connection.execute(installations.update().where(installations.c.first_received_week < cutoff,
                                                        installations.c.last_received_week > cutoff)
                           .values(first_received_week=cutoff))
    _log.info("analytics.retention", weeks=len(weeks), rollup_rows=total_rollups)
    return RetentionResult(cutoff, tuple(weeks), total_rollups, deleted)

