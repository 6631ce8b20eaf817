"""The outbox: batches are stored here before any send, so a crash, restart or offline week loses nothing.

A batch leaves the outbox only with a final answer (then it moves to the sent log in the same
transaction), when the bound drops it (the oldest week beyond ``max_weeks``, with a log line), or when the
user opts out. The retry schedule lives here too, so a restart neither forgets nor shortens a backoff.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import structlog

from printernizer_stats.contract import BatchKind
from printernizer_stats.host.sender import _sentlog
from printernizer_stats.host.sender._batch import Batch
from printernizer_stats.host.sender._db import sender_db
from printernizer_stats.host.sender._sentlog import ABANDONED, SentEntry

_log = structlog.get_logger(__name__)

_QUEUED = "batch_id, label, week, kind, payload, attempts, next_attempt_at, last_error"
_SEND_ORDER = f"ORDER BY kind = '{BatchKind.DELETION}' DESC, next_attempt_at, week, batch_id"
"""The deletion request first; then whatever has waited longest; then the oldest week."""


@dataclass(frozen=True, slots=True)
class QueuedBatch:
    """A batch waiting in the outbox, with its retry state."""

    batch_id: str
    label: str
    week: date
    kind: str
    payload: bytes
    attempts: int = 0
    next_attempt_at: float = 0.0
    last_error: str | None = None

    @property
    def state(self) -> str:
        return "queued" if self.attempts == 0 else "in_progress"


def _queued(row: tuple[str, str, int, str, bytes, int, float, str | None]) -> QueuedBatch:
    batch_id, label, week, kind, payload, attempts, next_at, error = row
    return QueuedBatch(batch_id, label, date.fromordinal(week), kind, bytes(payload), attempts, next_at, error)


class Outbox:
    """Queued batches, their retry schedule and the sent log, in the SQLite file at ``path``."""

    def __init__(self, path: str | Path, max_weeks: int = 8) -> None:
        self.db = sender_db(path)
        self.max_weeks = max_weeks

    # -- queue ----------------------------------------------------------------------------------------
    def enqueue(self, batches: Iterable[Batch], today: date, batched_through: date | None = None) -> list[str]:
        """Store batches (a batch id already queued is kept as it is) and remember the last batched week.

        Returns the labels of weekly batches dropped because more than ``max_weeks`` are queued.
        """
        with self.db.connect() as conn:
            for batch in batches:
                conn.execute(
                    "INSERT OR IGNORE INTO outbox (batch_id, label, week, kind, payload) VALUES (?, ?, ?, ?, ?)",
                    (batch.batch_id, batch.label, batch.week.toordinal(), batch.kind, batch.payload),
                )
            if batched_through is not None:
                self._set(conn, "last_batched_week", batched_through.isoformat())
            rows = conn.execute(
                f"SELECT {_QUEUED} FROM outbox WHERE kind = ? ORDER BY week DESC LIMIT -1 OFFSET ?",  # noqa: S608
                (BatchKind.WEEKLY, self.max_weeks),
            ).fetchall()
            dropped = [_queued(row) for row in rows]
            self._drop(conn, dropped, today)
        if dropped:
            _log.warning("usage_stats.outbox_full", dropped_weeks=[b.label for b in dropped],
                         max_weeks=self.max_weeks)
        return [b.label for b in dropped]

    def last_batched_week(self) -> date | None:
        with self.db.connect() as conn:
            value = self._get(conn, "last_batched_week")
        return date.fromisoformat(value) if value else None

    def queued(self) -> list[QueuedBatch]:
        """Everything waiting, in the order it will be sent."""
        with self.db.connect() as conn:
            return [_queued(row) for row in conn.execute(f"SELECT {_QUEUED} FROM outbox {_SEND_ORDER}")]  # noqa: S608

    def due(self, now: float, force: bool = False) -> list[QueuedBatch]:
        """Batches whose turn has come (all of them with ``force``), in send order."""
        _, not_before = self.backoff()
        if not force and now < not_before:
            return []
        return [b for b in self.queued() if force or b.next_attempt_at <= now]

    def next_due_at(self) -> float | None:
        """When the next attempt is due (Unix seconds), or None when nothing is queued."""
        queued = self.queued()
        if not queued:
            return None
        return max(self.backoff()[1], min(b.next_attempt_at for b in queued))

    # -- retry state ----------------------------------------------------------------------------------
    def backoff(self) -> tuple[int, float]:
        """Consecutive failed attempts, and the time before which nothing is tried (the server asked us to wait)."""
        with self.db.connect() as conn:
            return int(self._get(conn, "failures") or 0), float(self._get(conn, "not_before") or 0.0)

    def retry_later(self, batch: QueuedBatch, next_attempt_at: float, not_before: float, error: str) -> None:
        """Record a failed attempt that is worth repeating."""
        with self.db.connect() as conn:
            conn.execute(
                "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE batch_id = ?",
                (next_attempt_at, error[:80], batch.batch_id),
            )
            failures = int(self._get(conn, "failures") or 0)
            self._set(conn, "failures", str(failures + 1))
            self._set(conn, "not_before", repr(not_before))

    def finish(
        self, batch: QueuedBatch, day: date, outcome: str, status: int | None, reason: str | None,
        receipt: str | None = None, server_batch_id: str | None = None,
    ) -> str:
        """A final answer: the batch moves from the outbox to the sent log, in one transaction."""
        with self.db.connect() as conn:
            conn.execute("DELETE FROM outbox WHERE batch_id = ?", (batch.batch_id,))
            # Logged even if an opt-out removed it meanwhile: it did leave the machine.
            digest = _sentlog.append(
                conn, batch_id=batch.batch_id, label=batch.label, kind=batch.kind, payload=batch.payload,
                sent_day=day, attempts=batch.attempts + 1, outcome=outcome, status=status, reason=reason,
                receipt=receipt, server_batch_id=server_batch_id,
            )
            conn.execute("DELETE FROM sender_state WHERE key IN ('failures', 'not_before')")
        return digest

    # -- deletion -------------------------------------------------------------------------------------
    def clear(self, today: date, keep_kinds: Iterable[str] = ()) -> int:
        """Delete every queued batch (except ``keep_kinds``) and the batching state; returns how many went.

        A batch already tried once may have reached the receiver, so it is written to the sent log as
        ``abandoned`` instead of vanishing without a trace.
        """
        keep = set(keep_kinds)
        with self.db.connect() as conn:
            rows = [_queued(row) for row in conn.execute(f"SELECT {_QUEUED} FROM outbox {_SEND_ORDER}")]  # noqa: S608
            dropped = [b for b in rows if b.kind not in keep]
            self._drop(conn, dropped, today)
            conn.execute("DELETE FROM sender_state")
        return len(dropped)

    def sent(self) -> list[SentEntry]:
        with self.db.connect() as conn:
            return _sentlog.read(conn)

    def clear_sent_log(self) -> int:
        with self.db.connect() as conn:
            return conn.execute("DELETE FROM sent_log").rowcount

    # -- helpers --------------------------------------------------------------------------------------
    @staticmethod
    def _drop(conn: sqlite3.Connection, batches: list[QueuedBatch], today: date) -> None:
        for batch in batches:
            conn.execute("DELETE FROM outbox WHERE batch_id = ?", (batch.batch_id,))
            if batch.attempts:
                _sentlog.append(
                    conn, batch_id=batch.batch_id, label=batch.label, kind=batch.kind, payload=batch.payload,
                    sent_day=today, attempts=batch.attempts, outcome=ABANDONED, reason=batch.last_error,
                )

    @staticmethod
    def _get(conn: sqlite3.Connection, key: str) -> str | None:
        row = conn.execute("SELECT value FROM sender_state WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else None

    @staticmethod
    def _set(conn: sqlite3.Connection, key: str, value: str) -> None:
        conn.execute("INSERT OR REPLACE INTO sender_state VALUES (?, ?)", (key, value))
