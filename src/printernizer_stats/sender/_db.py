"""The sender's tables, in the same SQLite file as the local statistics (one file to inspect or delete).

Plain ``sqlite3`` with a connection per operation, as the local store does: the sender runs on a worker
thread and a connection never crosses threads. Every ``sqlite3.Error`` surfaces as :class:`OutboxUnavailable`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    batch_id TEXT PRIMARY KEY,
    label TEXT NOT NULL,              -- ISO week label (2026-W47) or 'deletion'
    week INTEGER NOT NULL,            -- ordinal of the Monday the data points describe
    kind TEXT NOT NULL,               -- 'weekly' or 'deletion'
    payload BLOB NOT NULL,            -- the serialized request: exactly what is sent (before gzip)
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL DEFAULT 0,  -- Unix seconds; local scheduling only, never sent
    last_error TEXT                   -- status code or exception class of the last attempt, nothing more
);
CREATE TABLE IF NOT EXISTS sent_log (
    seq INTEGER PRIMARY KEY,
    batch_id TEXT NOT NULL,
    label TEXT NOT NULL,
    kind TEXT NOT NULL,
    payload BLOB NOT NULL,
    sha256 TEXT NOT NULL,             -- of payload
    sent_day TEXT NOT NULL,           -- ISO date of the final answer: a day, never finer
    attempts INTEGER NOT NULL,
    outcome TEXT NOT NULL,            -- accepted | rejected | abandoned
    status INTEGER,
    reason TEXT,
    receipt TEXT,                     -- the receiver's X-Printernizer-Receipt
    server_batch_id TEXT,             -- the receiver's X-Printernizer-Batch-Id
    prev_hash TEXT NOT NULL,
    entry_hash TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS community_summary (
    id INTEGER PRIMARY KEY CHECK (id = 1),  -- one row: the public community summary, as last fetched
    body TEXT,                        -- its JSON (validated), or NULL before the first successful fetch
    etag TEXT,                        -- the receiver's ETag, sent back as If-None-Match
    fetched_day TEXT,                 -- ISO date the body was fetched (or confirmed unchanged)
    checked_day TEXT NOT NULL         -- ISO date of the last attempt: at most one a day
);
CREATE TABLE IF NOT EXISTS sender_state (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
"""
BUSY_TIMEOUT_S = 2.0


class OutboxUnavailable(Exception):
    """The outbox cannot be used (locked, corrupt, unwritable): nothing is sent, nothing is lost."""


class SenderDB:
    """The sender's tables in the SQLite file at ``path`` (created on first use)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._initialised = False

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """A connection in a transaction: committed on success, rolled back on error."""
        try:
            with closing(sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S)) as conn:
                if not self._initialised:
                    conn.execute("PRAGMA journal_mode=WAL")
                    conn.executescript(_SCHEMA)
                    self._initialised = True
                # WAL + NORMAL: a crashed process loses nothing, a crashed machine at worst the last commits,
                # and each is safe to lose: a batch re-built gets the same id (installation id + week), one
                # sent again is stored once by the receiver. FULL fsynced every enqueue and every answer.
                conn.execute("PRAGMA synchronous=NORMAL")
                with conn:
                    yield conn
        except sqlite3.Error as exc:
            raise OutboxUnavailable(f"{type(exc).__name__}: {exc}") from exc
