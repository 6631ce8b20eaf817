"""SQL Server: events_summary as a clustered columnstore (its key kept as a nonclustered primary key).

Revision ID: 0004
Revises: 0003

At a million installations events_summary holds about 1.6 billion rows (52 weeks x ~30 series), read
only by recomputation (``rebuild-rollups``), exports and retention since the figures read
``figure_rollups``. A clustered columnstore stores it column by column, compressed (about a tenth of
rowstore here: few distinct metrics, attributes and periods), and scans a week's segment without the
rest; batches land in its delta store. The primary key stays, nonclustered, for idempotent inserts and
deletion by key. PostgreSQL and SQLite keep the clustered-by-key layout (period first: a week's rows
are one key range, retention deletes ranges).
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_KEY = ["period", "installation_id", "metric", "attributes"]
_COLUMNS = ", ".join(_KEY)


def upgrade() -> None:
    if op.get_context().dialect.name != "mssql":
        return
    op.drop_constraint("pk_events_summary", "events_summary", type_="primary")
    op.execute("CREATE CLUSTERED COLUMNSTORE INDEX cci_events_summary ON events_summary")
    op.execute(f"ALTER TABLE events_summary ADD CONSTRAINT pk_events_summary PRIMARY KEY NONCLUSTERED ({_COLUMNS})")


def downgrade() -> None:
    if op.get_context().dialect.name != "mssql":
        return
    op.drop_constraint("pk_events_summary", "events_summary", type_="primary")
    op.execute("DROP INDEX cci_events_summary ON events_summary")
    op.create_primary_key("pk_events_summary", "events_summary", _KEY)
