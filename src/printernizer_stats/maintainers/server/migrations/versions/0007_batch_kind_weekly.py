"""batches.kind: one spelling with the client, 'weekly' (was 'week'); deletion tombstones keep 'deletion'.

The batch kinds are the wire contract's (``printernizer_stats.contract.BatchKind``), which the client's
outbox and sent log already spell 'weekly'. The values are written out here, not imported: a migration
means the same thing forever.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_BATCHES = sa.table("batches", sa.column("kind", sa.String(16)))


def _rename(old: str, new: str) -> None:
    op.execute(_BATCHES.update().where(_BATCHES.c.kind == old).values(kind=new))


def upgrade() -> None:
    _rename("week", "weekly")


def downgrade() -> None:
    _rename("weekly", "week")
