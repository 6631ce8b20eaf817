"""figure_rollups: every figure's raw weekly cells, maintained by the receiver at ingest.

Revision ID: 0003
Revises: 0002

A database upgraded with stored rows gets its rollups from ``printernizer-stats rebuild-rollups`` (``serve``
runs it at start-up when rows are stored and no rollup is).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_MEASURES = ("jobs", "errors", "printers", "enabled", "errors_sq", "jobs_sq", "errors_jobs")


def upgrade() -> None:
    op.create_table(
        "figure_rollups",
        sa.Column("period", sa.DATE(), nullable=False),
        sa.Column("figure", sa.String(64), nullable=False),
        sa.Column("group_1", sa.String(256), nullable=False),
        sa.Column("group_2", sa.String(256), nullable=False),
        sa.Column("installations", sa.BigInteger(), nullable=False),
        *(sa.Column(name, sa.Float(precision=53), nullable=False) for name in _MEASURES),
        sa.PrimaryKeyConstraint("period", "figure", "group_1", "group_2", name="pk_figure_rollups"),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("figure_rollups")
