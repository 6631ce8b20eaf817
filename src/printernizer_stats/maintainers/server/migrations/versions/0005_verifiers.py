"""verifiers: each installation's verifier key, registered by its first batch (trust on first use).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "verifiers",
        sa.Column("installation_id", sa.String(36), nullable=False),
        sa.Column("verifier", sa.String(64), nullable=False),
        sa.Column("registered_week", sa.DATE(), nullable=False),
        sa.PrimaryKeyConstraint("installation_id", name="pk_verifiers"),
    )


def downgrade() -> None:
    op.drop_table("verifiers")
