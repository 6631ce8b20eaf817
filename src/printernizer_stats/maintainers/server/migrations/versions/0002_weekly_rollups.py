"""weekly_rollups: the k-anonymous weekly figures retention keeps once per-installation rows are deleted.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "weekly_rollups",
        sa.Column("period", sa.DATE(), nullable=False),
        sa.Column("figure", sa.String(64), nullable=False),
        sa.Column("group_1", sa.String(256), nullable=False),
        sa.Column("group_2", sa.String(256), nullable=False),
        sa.Column("installations", sa.BigInteger(), nullable=False),
        sa.Column("measures", sa.String(1024), nullable=False),
        sa.PrimaryKeyConstraint("period", "figure", "group_1", "group_2", name="pk_weekly_rollups"),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("weekly_rollups")
