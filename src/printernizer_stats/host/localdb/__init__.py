"""The client's local SQLite file: one connection helper, one schema, migrated by ``PRAGMA user_version``.

The local store (day rollups, settings) and the sender (outbox, sent log, community summary) share one
file, so one user can inspect or delete everything at once; this package is the one place that opens it
and the one place its tables are declared. Imports nothing of ours: both sides of the client use it.
"""

from printernizer_stats.host.localdb._connection import BUSY_TIMEOUT_S, LocalDatabase
from printernizer_stats.host.localdb._schema import MIGRATIONS, SCHEMA_VERSION, SchemaTooNew, migrate, user_version

__all__ = [
    "BUSY_TIMEOUT_S",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "LocalDatabase",
    "SchemaTooNew",
    "migrate",
    "user_version",
]
