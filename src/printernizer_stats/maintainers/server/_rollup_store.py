"""Keeping ``figure_rollups`` in step with the stored rows, inside the transaction that stores or deletes them.

Which installations count: only those whose batches the receiver stored in at least two distinct ISO weeks
(``first_received_week < last_received_week`` in ``installations``), whatever weeks of data they carry. A
fresh installation's weeks are stored but add nothing; when a batch of it arrives in a later received week,
every stored week of it is added (read back from its stored rows, by the weeks its ledger lists) along
with the new ones. So installations made up in one go, however many data weeks they send at once, cannot
fill a small group up to k (issue 13); an attacker has to keep them sending into a second calendar week.
A deletion subtracts every stored week of a counted installation.

Increments are upserts (``installations = installations + :delta``, each sum alike) in sorted key order,
so concurrent transactions (other receiver processes) lock the hot cells in one order and never deadlock;
cells left with no installation are deleted, so the table is what a full recomputation
(``rebuild_rollups``) gives, bit for bit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from printernizer_stats.maintainers.server._bulk import BulkInsert, DriverQuery, InQuery
from printernizer_stats.maintainers.server._rollup_cells import MEASURES, Key, Vector, week_contribution
from printernizer_stats.maintainers.server._rows import BatchRows, Row
from printernizer_stats.maintainers.server._upsert import Columns

PeriodCells = dict[tuple[date, Key], Vector]
_COLUMNS = ("installations", *MEASURES)
_CHUNK = 500
"""Installation ids per IN list: under every dialect's parameter limit (SQL Server: 2,100)."""


def _increment(existing: Columns, incoming: Columns) -> dict[str, Any]:
    return {name: getattr(existing, name) + getattr(incoming, name) for name in _COLUMNS}


def counted(first_received_week: date, last_received_week: date) -> bool:
    """Whether an installation counts in the figures: its batches arrived in at least two distinct weeks."""
    return first_received_week < last_received_week


def add_week(total: PeriodCells, period: date, daily: Mapping[str, Any], events: Iterable[Sequence[Any]],
             sign: float = 1.0) -> None:
    """``total += sign * (what the installation-week adds)``, keyed by period too."""
    for key, vector in week_contribution(daily, events).items():
        cell = (period, key)
        before = total.get(cell)
        if before is None:
            total[cell] = vector if sign == 1.0 else tuple([sign * value for value in vector])
        else:
            total[cell] = tuple([a + sign * b for a, b in zip(before, vector, strict=True)])


class RollupWriter:
    """Applies rollup changes on a connection of the caller's transaction. Its statements are compiled
    once and run at the driver (``_bulk.py``): they run in every batch's transaction."""

    def __init__(self, engine: Engine, tables: Mapping[str, sa.Table]) -> None:
        self.rollups = rollups = tables["figure_rollups"]
        keys = ["period", "figure", "group_1", "group_2"]
        self._upsert = BulkInsert(engine, rollups, keys, _increment)
        installations, daily, events = tables["installations"], tables["daily_stats"], tables["events_summary"]
        ledger = tables["batches"]
        installation_id: sa.BindParameter[str] = sa.bindparam("installation_id")
        period: sa.BindParameter[date] = sa.bindparam("period")
        self._membership = InQuery(engine, lambda ids: sa.select(
            installations.c.installation_id, installations.c.first_received_week,
            installations.c.last_received_week).where(installations.c.installation_id.in_(ids)))
        self._ledger_weeks = sa.select(ledger.c.period).distinct().where(
            ledger.c.installation_id == installation_id, ledger.c.period.is_not(None))
        self._daily_columns = tuple(column.name for column in daily.columns)
        self._daily = DriverQuery(engine, sa.select(daily).where(daily.c.installation_id == installation_id,
                                                                 daily.c.period == period))
        self._events = DriverQuery(engine, sa.select(events.c.metric, events.c.attributes, events.c.value).where(
            events.c.installation_id == installation_id, events.c.period == period))

    def apply(self, connection: Connection, changes: PeriodCells) -> None:
        """Add ``changes`` (negative for a deletion); drop cells that are left with no installation."""
        if not changes:
            return
        driver_date = self._upsert.driver_date
        self._upsert.execute(connection, [(driver_date(period), *key, round(vector[0]), *vector[1:])
                                          for (period, key), vector in sorted(changes.items())])
        if any(vector[0] < 0 for vector in changes.values()):
            periods = sorted({period for period, _ in changes})
            connection.execute(self.rollups.delete().where(self.rollups.c.period.in_(periods),
                                                           self.rollups.c.installations <= 0))

    def stored_weeks(self, connection: Connection, installation_id: str, periods: Iterable[date]
                     ) -> dict[date, tuple[Row, list[tuple[Any, ...]]]]:
        """An installation's stored daily_stats row and events_summary rows (metric, attributes, value) of
        each of ``periods``."""
        found: dict[date, tuple[Row, list[tuple[Any, ...]]]] = {}
        for period in periods:
            daily = self._daily.rows(connection, installation_id=installation_id, period=period)
            if daily:
                events = self._events.rows(connection, installation_id=installation_id, period=period)
                found[period] = (dict(zip(self._daily_columns, daily[0], strict=True)), events)
        return found

    def membership(self, connection: Connection, installation_ids: Iterable[str]) -> dict[str, tuple[date, date]]:
        """(first_received_week, last_received_week) of each known installation among ``installation_ids``
        (one query a chunk)."""
        ids = list(installation_ids)
        found = {}
        for start in range(0, len(ids), _CHUNK):
            for installation_id, first, last in self._membership.rows(connection, ids[start:start + _CHUNK]):
                found[installation_id] = (_date(first), _date(last))
        return found

    def on_store(self, connection: Connection, new: Sequence[BatchRows]) -> None:
        """Before the new weeks' installation rows are upserted: add what they change."""
        before = self.membership(connection, sorted({rows.daily_stats["installation_id"] for rows in new}))
        by_installation: dict[str, list[BatchRows]] = {}
        for rows in new:
            by_installation.setdefault(rows.daily_stats["installation_id"], []).append(rows)
        changes: PeriodCells = {}
        for installation_id, weeks in by_installation.items():
            received = {rows.installation["last_received_week"] for rows in weeks}
            known = before.get(installation_id)
            if known is not None:
                received |= set(known)
            if known is not None and counted(*known):
                pass
            elif len(received) < 2:
                continue
            elif known is not None:
                # Its second distinct received week: every week it stored before counts from now on. (The
                # new batches' ledger rows are in already, their data rows not yet: stored_weeks skips them.)
                stored = [_date(period) for period in connection.execute(
                    self._ledger_weeks, {"installation_id": installation_id}).scalars()]
                for period, (daily, events) in self.stored_weeks(connection, installation_id, sorted(stored)).items():
                    add_week(changes, period, daily, events)
            for rows in weeks:
                add_week(changes, rows.daily_stats["period"], rows.daily_stats, rows.events)
        self.apply(connection, changes)

    def on_delete(self, connection: Connection, installation_id: str, periods: Sequence[date]) -> None:
        """Before an installation's rows are deleted: subtract what it added."""
        self.on_delete_many(connection, {installation_id: periods})

    def on_delete_many(self, connection: Connection, periods: Mapping[str, Sequence[date]]) -> None:
        """Before several installations' rows are deleted (``periods``: each one's stored weeks): subtract
        what they added, in one upsert."""
        known = self.membership(connection, sorted(periods))
        changes: PeriodCells = {}
        for installation_id, weeks in periods.items():
            seen = known.get(installation_id)
            if seen is None or not counted(*seen):
                continue
            for period, (daily, events) in self.stored_weeks(connection, installation_id, weeks).items():
                add_week(changes, period, daily, events, sign=-1.0)
        self.apply(connection, changes)


def _date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))
