"""Dialect plumbing: engines (SQLite tuned, ``postgresql://`` through psycopg 3) and per-installation locks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine


def sqlalchemy_url(url: str) -> str:
    """Accept ``postgresql://`` for PostgreSQL through psycopg 3 (the driver the server extra installs)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def create_engine(url: str) -> Engine:
    """An engine for ``url``. SQLite files get WAL, NORMAL sync (no fsync per commit), a busy timeout and a
    64 MB page cache (the default 2 MB makes every insert re-read index pages once the file outgrows it)."""
    engine = sa.create_engine(sqlalchemy_url(url), pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        @sa.event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=10000", "cache_size=-65536"):
                cursor.execute(f"PRAGMA {pragma}")
            cursor.close()
    return engine


def lock_installations(connection: Connection, installation_ids: Sequence[str]) -> None:
    """Serialise writes per installation, so a deletion and a concurrent weekly batch cannot interleave.

    SQLite serialises every write already; PostgreSQL and SQL Server take transaction-scoped locks on the
    ids, in sorted order (two transactions locking overlapping sets cannot deadlock), PostgreSQL in one round trip.
    """
    dialect = connection.dialect.name
    ordered = sorted(installation_ids)
    if dialect == "postgresql":
        connection.execute(sa.text(
            "SELECT pg_advisory_xact_lock(hashtextextended(id, 0)) "
            "FROM (SELECT unnest(CAST(:ids AS text[])) AS id ORDER BY 1) AS ids"
        ), {"ids": ordered})
    elif dialect == "mssql":
        for installation_id in ordered:
            connection.execute(sa.text(
                "EXEC sp_getapplock @Resource = :id, @LockMode = 'Exclusive', @LockOwner = 'Transaction'"
            ), {"id": installation_id})
