"""Why the local file cannot be used as it is."""

from __future__ import annotations

import sqlite3


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
