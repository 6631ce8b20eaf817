"""The sender's tables live in the local statistics file (one file to inspect or delete).

The file, its PRAGMAs and its schema are :mod:`printernizer_stats.host.localdb`'s; the sender's parts open it
through :func:`sender_db`, so every ``sqlite3.Error`` surfaces as :class:`OutboxUnavailable`.
"""

from __future__ import annotations

from pathlib import Path

from printernizer_stats.host.localdb import LocalDatabase


class OutboxUnavailable(Exception):
    """The outbox cannot be used (locked, corrupt, unwritable): nothing is sent, nothing is lost."""


def sender_db(path: str | Path) -> LocalDatabase:
    """The local file at ``path``, for the outbox, the sent log and the community summary."""
    return LocalDatabase(path, OutboxUnavailable)
