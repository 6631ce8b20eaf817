"""verifiers: each installation's verifier key, registered by its first batch (trust on first use).

Revision ID: 0003_verifiers
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_verifiers"
down_revision = "0002"
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
