"""Storage of validated batches: once per batch id, deletions at once, through SQLAlchemy 2 Core.

Every write is one transaction. Idempotency: the ledger row (``batches``) is inserted first, so a batch
resent after a lost answer, even concurrently, is stored once and answered with the first receipt.
Deletion removes every row of the installation, its ledger rows included, and leaves one tombstone: the
deletion batch's own id, a uuid5 of the installation id that cannot be turned back into it. The tombstone
keeps a late resend of an old weekly batch from bringing the installation back, and answers a resent
deletion request with the same receipt; it holds no data about the installation.
"""

from __future__ import annotations

import contextlib
import enum
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
import structlog
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from printernizer_stats.registry import Registry
from printernizer_stats.server._batch import BatchKind, ValidatedBatch, deletion_batch_id
from printernizer_stats.server._rows import (
    batch_rows,
    deletion_receipt,
    nothing_stored_receipt,
    received_week,
)
from printernizer_stats.server._tables import tables
from printernizer_stats.server._upsert import Columns, upsert

_log = structlog.get_logger(__name__)


class StorageUnavailable(Exception):
    """The database could not be reached or refused the write; the client should retry later (503)."""


class Outcome(enum.Enum):
    STORED = "stored"
    DUPLICATE = "duplicate"
    """Already stored under this batch id: nothing written, the first receipt returned."""
    DELETED = "deleted"
    REFUSED_DELETED = "refused_deleted"
    """The installation asked for deletion: nothing stored."""


@dataclass(frozen=True, slots=True)
class StoreResult:
    batch_id: str
    receipt: str
    outcome: Outcome


def _installation_update(existing: Columns, incoming: Columns) -> dict[str, Any]:
    """First week is the earliest, last week the latest; facts follow the latest week (batches arrive in any order)."""
    newer = incoming.last_week >= existing.last_week
    update: dict[str, Any] = {
        "first_week": sa.case((incoming.first_week < existing.first_week, incoming.first_week),
                              else_=existing.first_week),
        "last_week": sa.case((newer, incoming.last_week), else_=existing.last_week),
    }
    for name in (column.name for column in existing):
        if name not in {"installation_id", "first_week", "last_week"}:
            update[name] = sa.case((newer, getattr(incoming, name)), else_=getattr(existing, name))
    return update


def sqlalchemy_url(url: str) -> str:
    """Accept ``postgresql://`` for PostgreSQL through psycopg 3 (the driver the server extra installs)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def create_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite files get WAL, a busy timeout and NORMAL sync (no fsync per commit)."""
    engine = sa.create_engine(sqlalchemy_url(url), pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        @sa.event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=10000"):
                cursor.execute(f"PRAGMA {pragma}")
            cursor.close()
    return engine


class Storage:
    """Writes validated batches into the receiver's tables.

    Args:
        engine: a SQLAlchemy engine on a database migrated to head (``migrate``).
        registry: the registry the tables were derived from.
    """

    def __init__(self, engine: Engine, registry: Registry) -> None:
        self.engine = engine
        self.registry = registry
        self.tables = tables(registry)
        dialect = engine.dialect.name
        self._upsert_installation = upsert(dialect, self.tables["installations"], ["installation_id"],
                                           _installation_update)
        self._insert_tombstone = upsert(dialect, self.tables["batches"], ["batch_id"])
        # SQLite has one writer at a time; queueing here beats SQLITE_BUSY retries.
        self._write_lock = threading.Lock() if dialect == "sqlite" else contextlib.nullcontext()

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[Connection]:
        with self._write_lock, self.engine.begin() as connection:
            yield connection

    def store(self, batch: ValidatedBatch, today: date) -> StoreResult:
        """Store a weekly batch once, or carry out a deletion request. Raises StorageUnavailable."""
        try:
            if batch.kind is BatchKind.DELETION:
                return self._delete(batch, today)
            return self._store_week(batch, today)
        except IntegrityError:
            # A concurrent copy of the same batch won the ledger insert: answer with its receipt.
            found = self._ledger(batch.batch_id)
            if found is None:
                _log.error("receiver.store_conflict")
                raise StorageUnavailable("conflicting write; retry") from None
            return StoreResult(batch.batch_id, found, Outcome.DUPLICATE)
        except SQLAlchemyError as exc:
            _log.error("receiver.storage_unavailable", error=type(exc).__name__)
            raise StorageUnavailable(type(exc).__name__) from None

    def _ledger(self, batch_id: str) -> str | None:
        try:
            with self.engine.connect() as connection:
                ledger = self.tables["batches"]
                return connection.execute(
                    sa.select(ledger.c.receipt).where(ledger.c.batch_id == batch_id)
                ).scalar_one_or_none()
        except SQLAlchemyError as exc:
            raise StorageUnavailable(type(exc).__name__) from None

    def _store_week(self, batch: ValidatedBatch, today: date) -> StoreResult:
        rows = batch_rows(self.registry, batch)
        installation_id = batch.installation.installation_id
        tombstone = deletion_batch_id(installation_id)
        ledger = self.tables["batches"]
        with self._transaction() as connection:
            lock_installation(connection, installation_id)
            known = {row.batch_id: row.receipt for row in connection.execute(
                sa.select(ledger.c.batch_id, ledger.c.receipt).where(ledger.c.batch_id.in_([batch.batch_id, tombstone]))
            )}
            if tombstone in known:
                return StoreResult(batch.batch_id, nothing_stored_receipt(batch.batch_id), Outcome.REFUSED_DELETED)
            if batch.batch_id in known:
                return StoreResult(batch.batch_id, known[batch.batch_id], Outcome.DUPLICATE)
            connection.execute(ledger.insert(), {
                "batch_id": batch.batch_id, "kind": BatchKind.WEEK.value, "installation_id": installation_id,
                "period": batch.period, "receipt": rows.receipt, "stored_points": len(rows.events),
                "rejected_points": batch.rejected_points, "received_week": received_week(today),
            })
            connection.execute(self._upsert_installation, rows.installation)
            connection.execute(self.tables["daily_stats"].insert(), rows.daily_stats)
            connection.execute(self.tables["events_summary"].insert(), rows.events)
        return StoreResult(batch.batch_id, rows.receipt, Outcome.STORED)

    def _delete(self, batch: ValidatedBatch, today: date) -> StoreResult:
        installation_id = batch.installation.installation_id
        receipt = deletion_receipt(batch.batch_id)
        with self._transaction() as connection:
            lock_installation(connection, installation_id)
            for name in ("events_summary", "daily_stats", "batches", "installations"):
                table = self.tables[name]
                connection.execute(table.delete().where(table.c.installation_id == installation_id))
            connection.execute(self._insert_tombstone, {
                "batch_id": batch.batch_id, "kind": BatchKind.DELETION.value, "installation_id": None,
                "period": None, "receipt": receipt, "stored_points": 0, "rejected_points": 0,
                "received_week": received_week(today),
            })
        _log.info("receiver.installation_deleted")
        return StoreResult(batch.batch_id, receipt, Outcome.DELETED)

    def healthy(self) -> bool:
        """Whether the database answers."""
        try:
            with self.engine.connect() as connection:
                connection.execute(sa.text("SELECT 1"))
        except SQLAlchemyError:
            return False
        return True

    def close(self) -> None:
        self.engine.dispose()


def lock_installation(connection: Connection, installation_id: str) -> None:
    """Serialise writes of one installation, so a deletion and a concurrent weekly batch cannot interleave.

    SQLite serialises every write already; PostgreSQL and SQL Server take a transaction-scoped lock on the id.
    """
    dialect = connection.dialect.name
    if dialect == "postgresql":
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(hashtextextended(:id, 0))"), {"id": installation_id})
    elif dialect == "mssql":
        connection.execute(sa.text(
            "EXEC sp_getapplock @Resource = :id, @LockMode = 'Exclusive', @LockOwner = 'Transaction'"
        ), {"id": installation_id})
