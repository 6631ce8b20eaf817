"""The local file's schema as the code before ``PRAGMA user_version`` created it (user_version 0).

Copied verbatim from ``exporter/_store.py`` and ``sender/_db.py`` as they were (commit d855244), so
tests can build the files that installations in the field have, and check that they upgrade.
"""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

DAY = date(2026, 11, 16)

STORE_SCHEMA_V0 = """
CREATE TABLE IF NOT EXISTS daily_readings (
    day INTEGER NOT NULL,      -- proleptic Gregorian ordinal of the UTC day: day granularity, never finer
    metric TEXT NOT NULL,
    attributes TEXT NOT NULL,  -- canonical JSON [[key, value], ...] of registry-allowed values only
    value REAL NOT NULL,
    count INTEGER NOT NULL DEFAULT 0,
    buckets TEXT,              -- JSON bucket counts, histograms only
    PRIMARY KEY (day, metric, attributes)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS weekly_readings (
    week INTEGER NOT NULL,     -- ordinal of the ISO week's Monday: older days are compacted into weeks
    metric TEXT NOT NULL,
    attributes TEXT NOT NULL,
    value REAL NOT NULL,
    count INTEGER NOT NULL DEFAULT 0,
    buckets TEXT,
    PRIMARY KEY (week, metric, attributes)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
"""

SENDER_SCHEMA_V0 = """
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


def make_v0_file(path: Path, *, sender_tables: bool = True) -> None:
    """A file as the old code left it: WAL, the old tables, a consent and a day, a sent-log row; version 0."""
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA auto_vacuum=INCREMENTAL")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.executescript(STORE_SCHEMA_V0)
        conn.execute("INSERT INTO settings VALUES ('opt_in', '1'), ('installation_id', 'old-id')")
        conn.execute("INSERT INTO daily_readings VALUES (?, 'printernizer.app.starts', '[]', 2.0, 0, NULL)",
                     (DAY.toordinal(),))
        if sender_tables:
            conn.executescript(SENDER_SCHEMA_V0)
            conn.execute("INSERT INTO sender_state VALUES ('last_batched_week', '2026-11-09')")
    conn.close()
