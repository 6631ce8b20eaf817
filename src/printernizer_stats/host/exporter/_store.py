"""Local SQLite: day rollups of filtered readings, and the settings table (consent, installation id).

The file, its PRAGMAs and its schema are :mod:`printernizer_stats.host.localdb`'s: a connection per operation
(the SDK calls the exporter from the reader's background thread, never the host's event loop), nested
operations on one thread sharing one transaction (an export's consent check and write are one commit).
Every ``sqlite3.Error`` surfaces as :class:`StoreUnavailable`, which the exporter turns into "stats off".
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import date
from functools import lru_cache
from pathlib import Path

from printernizer_stats.host.exporter._rollup import merge
from printernizer_stats.host.localdb import LocalDatabase
from printernizer_stats.registry import Attributes, DayReading, Kind, WeekValue

CombineWeeks = Callable[[Iterable[DayReading]], list[WeekValue]]

class StoreUnavailable(Exception):
    """The local database cannot be used (locked, corrupt, unwritable); statistics turn off."""


@lru_cache(maxsize=4096)
def encode_attributes(attributes: Attributes) -> str:
    """Cached: every export writes the same few dozen attribute sets."""
    return json.dumps([list(pair) for pair in attributes], separators=(",", ":"))


@lru_cache(maxsize=4096)
def decode_attributes(text: str) -> Attributes:
    """Cached: a store holds few distinct attribute sets, read thousands of times (a year is ~7k rows)."""
    return tuple((str(k), str(v)) for k, v in json.loads(text))


def _row_to_reading(row: tuple[int, str, str, float, int, str | None]) -> DayReading:
    day, metric, attributes, value, count, buckets = row
    bucket_counts = tuple(json.loads(buckets)) if buckets else ()
    return DayReading(date.fromordinal(day), metric, decode_attributes(attributes), value, count, bucket_counts)


class LocalStore:
    """The local statistics database at ``path`` (created on first use)."""

    def __init__(self, path: str | Path) -> None:
        self._db = LocalDatabase(path, StoreUnavailable)
        self.path = self._db.path

    def connect(self) -> AbstractContextManager[sqlite3.Connection]:
        """A connection in a transaction; nested on one thread, the outer one (see ``LocalDatabase``)."""
        return self._db.connect()

    def add(self, readings: Sequence[DayReading], kinds: Mapping[str, Kind]) -> None:
        """Merge day rollups into the table: counters and histograms add up, gauges keep the last value.

        One read of the days' stored rows and one batched write, not a lookup per reading."""
        if not readings:
            return
        days = sorted({reading.day.toordinal() for reading in readings})
        with self.connect() as conn:
            stored = {
                (row[0], row[1], row[2]): row for row in conn.execute(
                    "SELECT day, metric, attributes, value, count, buckets FROM daily_readings "  # noqa: S608
                    f"WHERE day IN ({','.join('?' * len(days))})", days)  # placeholders only
            }
            written: dict[tuple[int, str, str], tuple[int, str, str, float, int, str | None]] = {}
            for reading in readings:
                key = (reading.day.toordinal(), reading.metric, encode_attributes(reading.attributes))
                row = written.get(key) or stored.get(key)
                merged = merge(kinds[reading.metric], _row_to_reading(row), reading) if row else reading
                buckets = json.dumps(list(merged.bucket_counts)) if merged.bucket_counts else None
                written[key] = (*key, merged.value, merged.count, buckets)
            conn.executemany("INSERT OR REPLACE INTO daily_readings VALUES (?, ?, ?, ?, ?, ?)", written.values())

    def readings(self, first: date | None = None, last: date | None = None) -> list[DayReading]:
        """Day rollups between ``first`` and ``last`` inclusive (all when not given), oldest first."""
        low = first.toordinal() if first else 0
        high = last.toordinal() if last else 10**7
        with self.connect() as conn:
            rows = conn.execute(
                "SELECT day, metric, attributes, value, count, buckets FROM daily_readings "
                "WHERE day BETWEEN ? AND ? ORDER BY day, metric, attributes", (low, high),
            ).fetchall()
        return [_row_to_reading(row) for row in rows]

    def series_on(self, day: date) -> dict[str, set[Attributes]]:
        """The series stored for ``day``, by metric (seeds the cardinality cap after a restart)."""
        seen: dict[str, set[Attributes]] = {}
        with self.connect() as conn:
            for metric, attributes in conn.execute(
                "SELECT metric, attributes FROM daily_readings WHERE day = ?", (day.toordinal(),)
            ):
                seen.setdefault(metric, set()).add(decode_attributes(attributes))
        return seen

    def delete_readings(self, before: date | None = None) -> int:
        """Delete day and week rollups (older than ``before``, or all); returns how many rows went."""
        low = before.toordinal() if before else 10**7
        with self.connect() as conn:
            days = conn.execute("DELETE FROM daily_readings WHERE day < ?", (low,)).rowcount
            weeks = conn.execute("DELETE FROM weekly_readings WHERE week < ?", (low,)).rowcount
            conn.execute("PRAGMA incremental_vacuum")
        return days + weeks

    def compact(self, before: date, combine: CombineWeeks) -> int:
        """Fold day rollups older than ``before`` (a Monday) into week rollups; returns day rows folded.

        Old weeks are only ever shown and sent as weeks, so their days need not be kept; this is what keeps
        a heavy year under a megabyte.
        """
        with self.connect() as conn:
            rows = conn.execute(
                "SELECT day, metric, attributes, value, count, buckets FROM daily_readings WHERE day < ?",
                (before.toordinal(),),
            ).fetchall()
            if not rows:
                return 0
            folded = combine(_row_to_reading(row) for row in rows)
            for week in folded:
                conn.execute(
                    "INSERT OR REPLACE INTO weekly_readings VALUES (?, ?, ?, ?, ?, ?)",
                    (week.week.toordinal(), week.metric, encode_attributes(week.attributes), week.value, week.count,
                     json.dumps(list(week.bucket_counts)) if week.bucket_counts else None),
                )
            conn.execute("DELETE FROM daily_readings WHERE day < ?", (before.toordinal(),))
            conn.execute("PRAGMA incremental_vacuum")
        return len(rows)

    def week_rollups(self, first: date | None = None, last: date | None = None) -> list[WeekValue]:
        """Weeks compacted from older days (Mondays between ``first`` and ``last``, or all), oldest first."""
        low = first.toordinal() if first else 0
        high = last.toordinal() if last else 10**7
        with self.connect() as conn:
            rows = conn.execute(
                "SELECT week, metric, attributes, value, count, buckets FROM weekly_readings "
                "WHERE week BETWEEN ? AND ? ORDER BY week, metric, attributes", (low, high),
            ).fetchall()
        return [
            WeekValue(date.fromordinal(week), metric, decode_attributes(attributes), value, count,
                      tuple(json.loads(buckets)) if buckets else ())
            for week, metric, attributes, value, count, buckets in rows
        ]

    def checkpoint(self) -> None:
        """Fold the write-ahead log into the main file and truncate it (keeps the footprint honest)."""
        with self.connect() as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def settings(self) -> dict[str, str]:
        with self.connect() as conn:
            return dict(conn.execute("SELECT key, value FROM settings").fetchall())

    def update_settings(self, values: Mapping[str, str | None]) -> None:
        """Set (or, with ``None``, remove) settings in one transaction."""
        with self.connect() as conn:
            for key, value in values.items():
                if value is None:
                    conn.execute("DELETE FROM settings WHERE key = ?", (key,))
                else:
                    conn.execute("INSERT OR REPLACE INTO settings VALUES (?, ?)", (key, value))
