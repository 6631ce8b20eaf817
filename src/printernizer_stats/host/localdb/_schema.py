"""The local file's tables, as numbered migrations: ``PRAGMA user_version`` says how many have run.

Version 0 is a file that has none (new, or written before versions were recorded: its tables were made
with ``CREATE TABLE IF NOT EXISTS`` and match migration 1, so it upgrades in place). A file of a newer
version than this code knows is never touched: :class:`SchemaTooNew`, and statistics stay off.

To change the schema, append a migration (never edit one that shipped); each runs once, in order, in the
same transaction that raises the version.
"""

from __future__ import annotations

import sqlite3

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (  # 1: the local store's rollups and settings, the sender's outbox, sent log and community summary
        """CREATE TABLE IF NOT EXISTS daily_readings (
            day INTEGER NOT NULL,      -- proleptic Gregorian ordinal of the UTC day: day granularity, never finer
            metric TEXT NOT NULL,
            attributes TEXT NOT NULL,  -- canonical JSON [[key, value], ...] of registry-allowed values only
            value REAL NOT NULL,
            count INTEGER NOT NULL DEFAULT 0,
            buckets TEXT,              -- JSON bucket counts, histograms only
            PRIMARY KEY (day, metric, attributes)
        ) WITHOUT ROWID""",
        """CREATE TABLE IF NOT EXISTS weekly_readings (
            week INTEGER NOT NULL,     -- ordinal of the ISO week's Monday: older days are compacted into weeks
            metric TEXT NOT NULL,
            attributes TEXT NOT NULL,
            value REAL NOT NULL,
            count INTEGER NOT NULL DEFAULT 0,
            buckets TEXT,
            PRIMARY KEY (week, metric, attributes)
        ) WITHOUT ROWID""",
        """CREATE TABLE IF NOT EXISTS settings (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        ) WITHOUT ROWID""",
        """CREATE TABLE IF NOT EXISTS outbox (
            batch_id TEXT PRIMARY KEY,
            label TEXT NOT NULL,              -- ISO week label (2026-W47) or 'deletion'
            week INTEGER NOT NULL,            -- ordinal of the Monday the data points describe
            kind TEXT NOT NULL,               -- 'weekly' or 'deletion'
            payload BLOB NOT NULL,            -- the serialized request: exactly what is sent (before gzip)
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at REAL NOT NULL DEFAULT 0,  -- Unix seconds, local scheduling only, never sent
            last_error TEXT                   -- status code or exception class of the last attempt, nothing more
        )""",
        """CREATE TABLE IF NOT EXISTS sent_log (
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
        )""",
        """CREATE TABLE IF NOT EXISTS community_summary (
            id INTEGER PRIMARY KEY CHECK (id = 1),  -- one row: the public community summary, as last fetched
            body TEXT,                        -- its JSON (validated), or NULL before the first successful fetch
            etag TEXT,                        -- the receiver's ETag, sent back as If-None-Match
            fetched_day TEXT,                 -- ISO date the body was fetched (or confirmed unchanged)
            checked_day TEXT NOT NULL         -- ISO date of the last attempt: at most one a day
        )""",
        """CREATE TABLE IF NOT EXISTS sender_state (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        ) WITHOUT ROWID""",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)


class SchemaTooNew(sqlite3.DatabaseError):
    """The file was written by a newer printernizer-stats: it is left untouched and statistics stay off.

    An ``sqlite3.DatabaseError``, so every caller that turns a broken file into "statistics off" (with
    one log line) treats it the same way, and nothing new can reach the host.
    """

    def __init__(self, found: int, supported: int) -> None:
        super().__init__(f"the statistics DB has schema version {found}, newer than this version's {supported}: "
                         "statistics stay off until printernizer-stats is updated")
        self.found = found
        self.supported = supported


def user_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the file to :data:`SCHEMA_VERSION`; returns the version it had.

    Runs in one ``BEGIN IMMEDIATE`` transaction, so two processes opening an old file together migrate
    it once (the second waits, then finds it current). Call outside any transaction.

    Raises:
        SchemaTooNew: the file's version is above this code's (it is left as it is).
    """
    found = user_version(conn)
    if found == SCHEMA_VERSION:
        return found
    if found > SCHEMA_VERSION:
        raise SchemaTooNew(found, SCHEMA_VERSION)
    conn.execute("BEGIN IMMEDIATE")
    try:
        found = user_version(conn)  # another process may have migrated it while this one waited
        if found > SCHEMA_VERSION:
            raise SchemaTooNew(found, SCHEMA_VERSION)
        for statements in MIGRATIONS[found:]:
            for statement in statements:
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION:d}")
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    return found
