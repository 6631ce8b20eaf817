"""PostgreSQL: daily_stats and events_summary partitioned by week; every dialect: the ledger indexed by week.

Revision ID: 0006
Revises: 0005

PostgreSQL: each table becomes ``PARTITION BY RANGE (period)`` with one partition per stored week
(``<table>_wYYYYMMDD``, [Monday, next Monday)) and a default partition; every row is moved (one
INSERT ... SELECT, the primary key built after the load), so the upgrade keeps every row. The primary
keys already start with ``period``, the partition key, so they stay exactly what they were. The receiver
creates later weeks' partitions (server/_partitions.py); retention drops a week's partitions.

SQL Server keeps its design: events_summary a clustered columnstore (0004, whose rowgroups follow the
arrival order, i.e. the week), daily_stats clustered on (period, installation_id); a week is one
clustered range there, deleted by range. SQLite keeps plain tables keyed by period likewise.
Everywhere: ``ix_batches_period``, so retention finds and deletes a week's ledger rows by index.
"""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_KEYS = {"daily_stats": ("period", "installation_id"),
         "events_summary": ("period", "installation_id", "metric", "attributes")}
_DISTINCT_WEEKS = """
WITH RECURSIVE weeks(period) AS (
    SELECT min(period) FROM {table}
    UNION ALL
    SELECT (SELECT min(period) FROM {table} WHERE period > weeks.period) FROM weeks WHERE weeks.period IS NOT NULL
)
SELECT DISTINCT date_trunc('week', period)::date FROM weeks WHERE period IS NOT NULL
"""


def _partition(table: str) -> None:
    old = f"{table}_unpartitioned"
    key = ", ".join(_KEYS[table])
    op.execute(f"ALTER TABLE {table} RENAME TO {old}")
    op.execute(f"ALTER TABLE {old} RENAME CONSTRAINT pk_{table} TO pk_{old}")
    op.execute(f"CREATE TABLE {table} (LIKE {old} INCLUDING DEFAULTS) PARTITION BY RANGE (period)")
    op.execute(f"CREATE TABLE {table}_default PARTITION OF {table} DEFAULT")
    # A loose index scan over the key: one probe per stored week, not a scan of every row. (Offline, as a
    # script, there are no rows to look at: the receiver creates each week's partition when it comes.)
    weeks: list[date] = [] if op.get_context().as_sql else list(
        op.get_bind().execute(sa.text(_DISTINCT_WEEKS.format(table=old))).scalars())
    for week in weeks:
        end = week + timedelta(weeks=1)
        op.execute(f"CREATE TABLE {table}_w{week:%Y%m%d} PARTITION OF {table} "
                   f"FOR VALUES FROM ('{week:%Y-%m-%d}') TO ('{end:%Y-%m-%d}')")
    op.execute(f"INSERT INTO {table} SELECT * FROM {old}")  # noqa: S608 - our table names
    op.execute(f"DROP TABLE {old}")
    op.execute(f"ALTER TABLE {table} ADD CONSTRAINT pk_{table} PRIMARY KEY ({key})")
    op.execute(f"ANALYZE {table}")


def _unpartition(table: str) -> None:
    old = f"{table}_partitioned"
    op.execute(f"ALTER TABLE {table} RENAME TO {old}")
    op.execute(f"ALTER TABLE {old} RENAME CONSTRAINT pk_{table} TO pk_{old}")
    op.execute(f"CREATE TABLE {table} (LIKE {old} INCLUDING DEFAULTS)")
    op.execute(f"INSERT INTO {table} SELECT * FROM {old}")  # noqa: S608 - our table names
    op.execute(f"DROP TABLE {old}")  # and every partition with it
    op.execute(f"ALTER TABLE {table} ADD CONSTRAINT pk_{table} PRIMARY KEY ({', '.join(_KEYS[table])})")


def upgrade() -> None:
    op.create_index("ix_batches_period", "batches", ["period"])
    if op.get_context().dialect.name == "postgresql":
        for table in _KEYS:
            _partition(table)


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        for table in _KEYS:
            _unpartition(table)
    op.drop_index("ix_batches_period", "batches")
