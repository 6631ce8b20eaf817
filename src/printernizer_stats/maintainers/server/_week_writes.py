"""The writes of new weekly batches: their rows as the driver takes them, checked against their columns, and
one statement per table for a whole group commit (``_bulk.py``).

Order inside the transaction: the ledger first (its key catches a concurrent copy of a batch), then the
rollups (they read the installations' rows as they were before this group), the installations, the data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from printernizer_stats.contract import BatchKind
from printernizer_stats.maintainers.server._batch import ValidatedBatch
from printernizer_stats.maintainers.server._bulk import BulkInsert
from printernizer_stats.maintainers.server._fit import ColumnLimits
from printernizer_stats.maintainers.server._installations import installation_update, merge_installations
from printernizer_stats.maintainers.server._rollup_store import RollupWriter
from printernizer_stats.maintainers.server._rows import BatchRows, batch_rows, received_week
from printernizer_stats.registry import Registry


@dataclass(frozen=True, slots=True)
class PlannedWeek:
    """A weekly batch with its rows; ``daily`` and ``events`` as the driver takes them."""

    batch: ValidatedBatch
    today: date
    rows: BatchRows
    installation: tuple[Any, ...]
    daily: tuple[Any, ...]
    events: list[tuple[Any, ...]]


class WeekWrites:
    """Plans and writes new weekly batches into ``tables`` (and their rollups, through ``rollups``)."""

    def __init__(self, engine: Engine, tables: Mapping[str, sa.Table], registry: Registry,
                 rollups: RollupWriter) -> None:
        self.registry = registry
        self.rollups = rollups
        self._ledger = BulkInsert(engine, tables["batches"])
        self._installations = BulkInsert(engine, tables["installations"], ["installation_id"], installation_update)
        self._daily = BulkInsert(engine, tables["daily_stats"])
        self._events = BulkInsert(engine, tables["events_summary"])
        self._limits = ColumnLimits(tables[name] for name in ("installations", "daily_stats", "events_summary"))

    def plan(self, batch: ValidatedBatch, today: date) -> PlannedWeek:
        rows = batch_rows(self.registry, batch)
        week = received_week(today)
        rows = BatchRows({**rows.installation, "first_received_week": week, "last_received_week": week},
                         rows.daily_stats, rows.events, rows.receipt)  # dataclasses.replace costs more
        period = self._events.driver_date(rows.daily_stats["period"])
        installation_id = batch.installation.installation_id
        return PlannedWeek(batch, today, rows, self._installations.row(rows.installation),
                           self._daily.row(rows.daily_stats),
                           [(period, installation_id, *event) for event in rows.events])

    def misfits(self, planned: Sequence[PlannedWeek]) -> dict[str, str]:
        """Batch id -> the first value of its rows that does not fit its column (whole group checked at
        once; batch by batch only when something does not fit)."""
        if len(planned) > 1 and self._misfit(planned) is None:
            return {}
        return {week.batch.batch_id: reason for week in planned if (reason := self._misfit([week]))}

    def _misfit(self, planned: Sequence[PlannedWeek]) -> str | None:
        return (self._limits.misfit("installations", [week.installation for week in planned])
                or self._limits.misfit("daily_stats", [week.daily for week in planned])
                or self._limits.misfit("events_summary", [event for week in planned for event in week.events]))

    def write(self, connection: Connection, new: Sequence[PlannedWeek]) -> None:
        """Store ``new`` (batches not stored yet) in ``connection``'s transaction."""
        self._ledger.execute(connection, [self._ledger.row({
            "batch_id": week.batch.batch_id, "kind": BatchKind.WEEKLY.value,
            "installation_id": week.batch.installation.installation_id, "period": week.batch.period,
            "receipt": week.rows.receipt, "stored_points": len(week.rows.events),
            "rejected_points": week.batch.rejected_points,
            "received_week": week.rows.installation["last_received_week"],
        }) for week in new])
        self.rollups.on_store(connection, [week.rows for week in new])
        merged = merge_installations([week.rows.installation for week in new])
        self._installations.execute(connection, [self._installations.row(row) for row in merged])
        self._daily.execute(connection, [week.daily for week in new])
        self._events.execute(connection, [event for week in new for event in week.events])
