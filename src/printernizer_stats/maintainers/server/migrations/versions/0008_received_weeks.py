"""installations: the first and latest week the receiver stored a batch of each in (who counts toward k).

Revision ID: 0008
Revises: 0007

An installation counts in the figures once its batches arrived in two distinct ISO weeks (issue 13), no
longer once it sent two distinct weeks of data: a made-up one could send two data weeks in one request.
The columns are filled from the ledger (``batches.received_week`` of its weekly batches; an installation
without one gets its last week sent for both, i.e. does not count yet). Who counts changes, so the ingest
rollups are emptied: the receiver's next start recomputes them (``rollups_missing``), as
``printernizer-stats rebuild-rollups`` does.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_RECEIVED = ("SELECT {aggregate}(b.received_week) FROM batches b WHERE b.installation_id = "
             "installations.installation_id AND b.period IS NOT NULL")
_COLUMNS = {"first_received_week": "min", "last_received_week": "max"}


def upgrade() -> None:
    placeholder = sa.text("'2000-01-03'")  # replaced below on every row; dropped where the dialect can
    with op.batch_alter_table("installations", recreate="never") as batch:
        for name in _COLUMNS:
            batch.add_column(sa.Column(name, sa.DATE(), nullable=False, server_default=placeholder))
    for name, aggregate in _COLUMNS.items():
        op.execute(f"UPDATE installations SET {name} = COALESCE(({_RECEIVED.format(aggregate=aggregate)}), "  # noqa: S608
                   "last_week)")
    if op.get_context().dialect.name != "sqlite":  # SQLite cannot drop a default without copying the table
        for name in _COLUMNS:
            op.alter_column("installations", name, server_default=None, existing_type=sa.DATE(),
                            existing_nullable=False)
    op.execute("DELETE FROM figure_rollups")


def downgrade() -> None:
    with op.batch_alter_table("installations", recreate="never") as batch:
        for name in _COLUMNS:
            batch.drop_column(name)
