"""``LocalDatabase``: connections to the local file, with its PRAGMAs chosen once, and the schema migrated.

Plain ``sqlite3``, a connection per operation: the exporter runs on the SDK reader's thread and the sender
on a worker thread, never the host's event loop, and no connection crosses threads. Operations inside an
open :meth:`LocalDatabase.connect` on the same thread share its connection and its transaction (an
export's consent check and write are one transaction, one commit). Every ``sqlite3.Error`` surfaces as the
owner's "unavailable" exception, which turns statistics (or sending) off instead of reaching the host.

The PRAGMAs, for every part of the file alike:
- ``journal_mode=WAL``: readers (the page, the CLI) never block the writer, nor the writer them.
- ``synchronous=NORMAL``: with WAL no corruption on a crash; a power cut may lose the last commits, which
  the statistics tolerate, and which never makes the sender lose or double a batch (an outbox commit lost
  is redone by the next round; a sent-log entry lost resends a batch id the receiver already stored).
- busy timeout ``BUSY_TIMEOUT_S``: another process (the viewer) holding a write briefly is waited for.
- ``auto_vacuum=INCREMENTAL`` (effective on a new file only): deletions give the space back.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from printernizer_stats.host.localdb._schema import migrate

BUSY_TIMEOUT_S = 2.0


class LocalDatabase:
    """The local statistics file at ``path``, created and migrated on first use.

    Args:
        path: the SQLite file.
        unavailable: what :meth:`connect` raises instead of an ``sqlite3.Error`` (the owner's own type).
    """

    def __init__(self, path: str | Path, unavailable: type[Exception]) -> None:
        self.path = Path(path)
        self._unavailable = unavailable
        self._ready = False
        self._open = threading.local()

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """A connection in a transaction: committed on success, rolled back on error.

        Nested on one thread, the outer connection is reused and the outer block commits: opening a
        connection costs more than most of the statements run in it.
        """
        outer: sqlite3.Connection | None = getattr(self._open, "conn", None)
        try:
            if outer is not None:
                yield outer
                return
            with closing(self._new_connection()) as conn:
                self._open.conn = conn
                try:
                    with conn:
                        yield conn
                finally:
                    self._open.conn = None
        except sqlite3.Error as exc:
            raise self._unavailable(f"{type(exc).__name__}: {exc}") from exc

    def _new_connection(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S)
        try:
            if not self._ready:
                conn.execute("PRAGMA auto_vacuum=INCREMENTAL")
                conn.execute("PRAGMA journal_mode=WAL")
                migrate(conn)
                self._ready = True
            conn.execute("PRAGMA synchronous=NORMAL")
        except BaseException:
            conn.close()
            raise
        return conn
