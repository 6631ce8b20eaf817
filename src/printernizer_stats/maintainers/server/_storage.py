"""Storage of validated batches: once per batch id, deletions at once, through SQLAlchemy 2 Core.

Every write is one transaction. Idempotency: the ledger row (``batches``) is inserted first, so a batch
resent after a lost answer, even concurrently, is stored once and answered with the first receipt.
Every batch must prove it comes from its installation (``_identity``), a deletion request too.
Deletion removes every row of the installation, its ledger rows and verifier included, and leaves one tombstone: the
deletion batch's own id, a uuid5 of the installation id that cannot be turned back into it. The tombstone
keeps a late resend of an old weekly batch from bringing the installation back, and answers a resent
deletion request with the same receipt; it holds no data about the installation.
"""

from __future__ import annotations

import contextlib
import enum
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
import structlog
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DataError, IntegrityError, SQLAlchemyError

from printernizer_stats.contract import BatchKind, deletion_batch_id
from printernizer_stats.maintainers.server._batch import ValidatedBatch
from printernizer_stats.maintainers.server._bulk import InQuery
from printernizer_stats.maintainers.server._deletion import delete_installations, split_by_kind
from printernizer_stats.maintainers.server._engine import lock_installations
from printernizer_stats.maintainers.server._identity import Verifiers, verifiers_query
from printernizer_stats.maintainers.server._partitions import WeekPartitions
from printernizer_stats.maintainers.server._rollup_store import RollupWriter
from printernizer_stats.maintainers.server._rows import batch_rows, nothing_stored_receipt, received_week
from printernizer_stats.maintainers.server._tables import figure_rollups, tables
from printernizer_stats.maintainers.server._upsert import upsert
from printernizer_stats.maintainers.server._week_writes import PlannedWeek, WeekWrites
from printernizer_stats.registry import Registry

_log = structlog.get_logger(__name__)


class StorageUnavailable(Exception):
    """The database could not be reached or refused the write; the client should retry later (503)."""


class Outcome(enum.Enum):
    STORED = "stored"
    DUPLICATE = "duplicate"
    """Already stored under this batch id: nothing written, the first receipt returned."""
    CONFLICT = "conflict"
    """This batch id is stored with other content: nothing written, the first receipt returned. A client
    resends the same bytes, so this is a batch split (or altered) on the way, e.g. by a collector."""
    DELETED = "deleted"
    REFUSED_DELETED = "refused_deleted"
    """The installation asked for deletion: nothing stored."""
    INVALID = "invalid"
    """This batch cannot be stored as it is (a value does not fit its column, or the database refused this
    batch on its own): nothing stored, the batch is answered 400 with ``reason``; its neighbours are stored."""


@dataclass(frozen=True, slots=True)
class StoreResult:
    batch_id: str
    receipt: str
    outcome: Outcome
    reason: str = ""


_BATCH_ERRORS = (DataError, IntegrityError, OverflowError, ValueError, TypeError)
"""What one batch's values can make the database (or its driver: sqlite3 raises OverflowError for an integer
beyond 64 bits, unwrapped) refuse. Every other error means the database is unavailable (503)."""


def _invalid(batch: ValidatedBatch, error: BaseException | str) -> StoreResult:
    reason = error if isinstance(error, str) else f"the database refused this batch ({type(error).__name__})"
    _log.warning("receiver.batch_invalid", reason=reason)
    return StoreResult(batch.batch_id, "", Outcome.INVALID, reason)


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
        self._insert_tombstone = upsert(dialect, self.tables["batches"], ["batch_id"])
        ledger = self.tables["batches"]
        self._ledger_in = InQuery(engine, lambda keys: sa.select(ledger.c.batch_id, ledger.c.receipt).where(
            ledger.c.batch_id.in_(keys)))
        self._verifiers = verifiers_query(engine, self.tables["verifiers"])
        self._rollups = RollupWriter(engine, {**self.tables, "figure_rollups": figure_rollups(registry)})
        self._weeks_writes = WeekWrites(engine, self.tables, registry, self._rollups)
        self._partitions = WeekPartitions(engine)
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
                return self._delete_many([(batch, today)])[0]
            return self._store_week(batch, today)
        except IntegrityError as exc:
            # A concurrent copy of the same batch won the ledger insert: answer with its receipt.
            found = self._ledger(batch.batch_id)
            if found is None:
                return _invalid(batch, exc)  # no copy won: this batch's own rows broke a constraint
            same = batch.kind is BatchKind.DELETION or found == batch_rows(self.registry, batch).receipt
            return StoreResult(batch.batch_id, found, Outcome.DUPLICATE if same else Outcome.CONFLICT)
        except _BATCH_ERRORS as exc:
            return _invalid(batch, exc)
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

    def store_many(self, items: Sequence[tuple[ValidatedBatch, date]]) -> list[StoreResult]:
        """Store several batches (group commit): the deletions in one transaction, the weeks in another; same
        outcomes as ``store`` one by one.

        A group that meets a concurrent writer (another receiver process), or one of whose batches the
        database refuses, goes one by one: one batch's error never fails another batch.
        """
        if len(items) == 1:
            return [self.store(*items[0])]
        return split_by_kind(items, self._deletions, self._weeks)

    def _deletions(self, items: list[tuple[ValidatedBatch, date]]) -> list[StoreResult]:
        try:
            return self._delete_many(items)
        except _BATCH_ERRORS:
            return [self.store(batch, today) for batch, today in items]
        except SQLAlchemyError as exc:
            _log.error("receiver.storage_unavailable", error=type(exc).__name__)
            raise StorageUnavailable(type(exc).__name__) from None

    def _weeks(self, items: list[tuple[ValidatedBatch, date]]) -> list[StoreResult]:
        if len(items) == 1:
            return [self.store(*items[0])]
        try:
            return self._store_weeks(items)
        except _BATCH_ERRORS:
            return [self.store(batch, today) for batch, today in items]
        except SQLAlchemyError as exc:
            _log.error("receiver.storage_unavailable", error=type(exc).__name__)
            raise StorageUnavailable(type(exc).__name__) from None

    def _store_week(self, batch: ValidatedBatch, today: date) -> StoreResult:
        return self._store_weeks([(batch, today)])[0]

    def _store_weeks(self, items: Sequence[tuple[ValidatedBatch, date]]) -> list[StoreResult]:
        """Steps: 1. rows and receipts (pure, outside the lock); 2. lock the installations, read the ledger;
        3. decide each batch's outcome (tombstone, already stored, stored earlier in this group, new);
        4. write the new ones: ledger first (its key catches concurrent copies), then the data."""
        planned = [self._weeks_writes.plan(batch, today) for batch, today in items]
        misfits = self._weeks_writes.misfits(planned)
        installations = sorted({batch.installation.installation_id for batch, _ in items})
        tombstones = {i: deletion_batch_id(i) for i in installations}  # a uuid5 each: computed once
        keys = [batch.batch_id for batch, _ in items] + list(tombstones.values())
        results: list[StoreResult] = []
        new: list[PlannedWeek] = []
        self._partitions.ensure({b.period for b, _ in items if b.period})  # PostgreSQL: before, in its own transaction
        with self._transaction() as connection:
            lock_installations(connection, installations)
            known = dict(self._ledger_in.rows(connection, keys))
            verifiers = Verifiers(connection, self.tables["verifiers"], self._verifiers, installations)
            for week in planned:
                batch, rows = week.batch, week.rows
                if batch.batch_id in misfits:
                    results.append(_invalid(batch, misfits[batch.batch_id]))
                elif tombstones[batch.installation.installation_id] in known:
                    results.append(StoreResult(batch.batch_id, nothing_stored_receipt(batch.batch_id),
                                               Outcome.REFUSED_DELETED))
                elif unproven := verifiers.check(batch):
                    results.append(StoreResult(batch.batch_id, "", Outcome.INVALID, unproven))
                elif batch.batch_id in known:
                    same = known[batch.batch_id] == rows.receipt
                    if not same:
                        _log.warning("receiver.batch_conflict")
                    results.append(StoreResult(batch.batch_id, known[batch.batch_id],
                                               Outcome.DUPLICATE if same else Outcome.CONFLICT))
                else:
                    known[batch.batch_id] = rows.receipt
                    new.append(week)
                    results.append(StoreResult(batch.batch_id, rows.receipt, Outcome.STORED))
            verifiers.flush(received_week(items[0][1]))
            if new:
                self._weeks_writes.write(connection, new)
        return results

    def _delete_many(self, items: Sequence[tuple[ValidatedBatch, date]]) -> list[StoreResult]:
        with self._transaction() as connection:
            ids = sorted({batch.installation.installation_id for batch, _ in items})
            lock_installations(connection, ids)  # before the check: a key registered meanwhile is seen
            verifiers = Verifiers(connection, self.tables["verifiers"], self._verifiers, ids)
            refused = {i: problem for i, (batch, _) in enumerate(items) if (problem := verifiers.check(batch))}
            proved = [item for i, item in enumerate(items) if i not in refused]
            receipts = iter(delete_installations(connection, self.tables, self._insert_tombstone, proved,
                                                 self._rollups.on_delete_many) if proved else [])
        _log.info("receiver.installations_deleted", count=len(proved))
        return [StoreResult(batch.batch_id, "", Outcome.INVALID, refused[i]) if i in refused
                else StoreResult(batch.batch_id, next(receipts), Outcome.DELETED)
                for i, (batch, _) in enumerate(items)]

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
