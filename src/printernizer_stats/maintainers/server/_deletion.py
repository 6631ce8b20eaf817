"""Deletion requests carried out together: one transaction for every deletion of a group, bulk statements.

Each deletion removes every row of its installation (by the weeks the ledger lists, by primary key), its
ledger rows and its ``installations`` row, and leaves one tombstone (the deletion batch's id). A flood of
deletions therefore costs a handful of statements per group of up to 500 installations, not a transaction
each: issue 13 measured 58 s for 5,000 deletions one by one on PostgreSQL, holding honest batches 8.6 s.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.expression import Executable

from printernizer_stats.contract import BatchKind
from printernizer_stats.maintainers.server._batch import ValidatedBatch
from printernizer_stats.maintainers.server._engine import lock_installations
from printernizer_stats.maintainers.server._rows import deletion_receipt, received_week

CHUNK = 500
"""Ids (or weeks) per IN list: well under every dialect's parameter limit (SQL Server: 2,100)."""


def _chunks(values: Sequence[Any]) -> list[Sequence[Any]]:
    return [values[start:start + CHUNK] for start in range(0, len(values), CHUNK)]


BeforeDelete = Callable[[Connection, dict[str, list[date]]], None]
"""Called with each installation's stored weeks before its rows go (the figure rollups subtract them)."""


def delete_installations(connection: Connection, tables: dict[str, sa.Table], tombstone: Executable,
                         items: Sequence[tuple[ValidatedBatch, date]], before_delete: BeforeDelete) -> list[str]:
    """Carry out every deletion of ``items`` in ``connection``'s transaction; returns each one's receipt."""
    ids = sorted({batch.installation.installation_id for batch, _ in items})
    lock_installations(connection, ids)
    ledger = tables["batches"]
    for chunk in _chunks(ids):
        weeks_of: dict[str, list[date]] = {}
        for installation_id, period in connection.execute(sa.select(ledger.c.installation_id, ledger.c.period).where(
                ledger.c.installation_id.in_(chunk), ledger.c.period.is_not(None))):
            weeks_of.setdefault(installation_id, []).append(period)
        before_delete(connection, weeks_of)
        periods = sorted({period for weeks in weeks_of.values() for period in weeks})
        for name in ("events_summary", "daily_stats"):
            table = tables[name]
            for weeks in _chunks(periods):
                connection.execute(table.delete().where(table.c.period.in_(weeks), table.c.installation_id.in_(chunk)))
        for name in ("batches", "installations", "verifiers"):
            table = tables[name]
            connection.execute(table.delete().where(table.c.installation_id.in_(chunk)))
    tombstones = {batch.batch_id: _tombstone(batch.batch_id, today) for batch, today in items}
    connection.execute(tombstone, list(tombstones.values()))
    return [deletion_receipt(batch.batch_id) for batch, _ in items]


def _tombstone(batch_id: str, today: date) -> dict[str, Any]:
    return {"batch_id": batch_id, "kind": BatchKind.DELETION.value, "installation_id": None, "period": None,
            "receipt": deletion_receipt(batch_id), "stored_points": 0, "rejected_points": 0,
            "received_week": received_week(today)}


def split_by_kind(items: Sequence[tuple[ValidatedBatch, date]],
                  store_deletions: Callable[[list[tuple[ValidatedBatch, date]]], list[Any]],
                  store_weeks: Callable[[list[tuple[ValidatedBatch, date]]], list[Any]]) -> list[Any]:
    """Results in ``items``' order: deletions first (the group's batches were concurrent: a week and a
    deletion of one installation in the same group end deleted either way), then the weeks."""
    deletions = [i for i, (batch, _) in enumerate(items) if batch.kind is BatchKind.DELETION]
    weeks = [i for i, (batch, _) in enumerate(items) if batch.kind is not BatchKind.DELETION]
    results: dict[int, Any] = {}
    if deletions:
        results.update(zip(deletions, store_deletions([items[i] for i in deletions]), strict=True))
    if weeks:
        results.update(zip(weeks, store_weeks([items[i] for i in weeks]), strict=True))
    return [results[i] for i in range(len(items))]
