"""Initial schema: installations, daily_stats (registry version 1 figures), events_summary, batches.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_FACTS = (
    ("app_version", 16), ("deployment_mode", 32), ("country_code", 2), ("python_version", 5), ("platform", 32),
)
_FIGURES = (
    "jobs_created", "jobs_completed", "jobs_failed", "files_downloaded", "files_uploaded", "error_count",
    "printer_count", "uptime_days",
)


def _facts() -> list[sa.Column[str]]:
    return [sa.Column(name, sa.String(length), nullable=False) for name, length in _FACTS]


def upgrade() -> None:
    op.create_table(
        "installations",
        sa.Column("installation_id", sa.String(36), nullable=False),
        sa.Column("first_week", sa.DATE(), nullable=False),
        sa.Column("last_week", sa.DATE(), nullable=False),
        *_facts(),
        sa.Column("registry_version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("installation_id", name="pk_installations"),
    )
    op.create_index("ix_installations_last_week", "installations", ["last_week"])
    op.create_table(
        "daily_stats",
        sa.Column("period", sa.DATE(), nullable=False),
        sa.Column("installation_id", sa.String(36), nullable=False),
        *_facts(),
        *(sa.Column(name, sa.BigInteger(), nullable=True) for name in _FIGURES),
        sa.PrimaryKeyConstraint("period", "installation_id", name="pk_daily_stats"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "events_summary",
        sa.Column("period", sa.DATE(), nullable=False),
        sa.Column("installation_id", sa.String(36), nullable=False),
        sa.Column("metric", sa.String(100), nullable=False),
        sa.Column("attributes", sa.String(256), nullable=False),
        sa.Column("value", sa.Float(precision=53), nullable=False),
        sa.Column("sample_count", sa.BigInteger(), nullable=True),
        sa.Column("bucket_counts", sa.String(256), nullable=True),
        sa.PrimaryKeyConstraint("period", "installation_id", "metric", "attributes", name="pk_events_summary"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "batches",
        sa.Column("batch_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("installation_id", sa.String(36), nullable=True),
        sa.Column("period", sa.DATE(), nullable=True),
        sa.Column("receipt", sa.String(64), nullable=False),
        sa.Column("stored_points", sa.Integer(), nullable=False),
        sa.Column("rejected_points", sa.Integer(), nullable=False),
        sa.Column("received_week", sa.DATE(), nullable=False),
        sa.PrimaryKeyConstraint("batch_id", name="pk_batches"),
    )
    op.create_index("ix_batches_installation_id", "batches", ["installation_id"])
    op.create_index("ix_batches_received_week", "batches", ["received_week"])


def downgrade() -> None:
    for table in ("batches", "events_summary", "daily_stats", "installations"):
        op.drop_table(table)
