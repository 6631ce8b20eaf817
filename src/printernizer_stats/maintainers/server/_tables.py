"""The receiver's tables (SQLAlchemy Core), derived from the registry where the registry decides.

Layout, for the receiver and what reads its tables next (dashboard, Grafana SQL, retention):
- ``installations``: one row per installation, its latest facts, first/last week sent and first/last week
  received (the ISO weeks the receiver stored its batches in).
- ``daily_stats``: one row per installation per ISO week (``period`` = the week's Monday), with that week's
  facts (a dashboard groups by the version of *that* week) and the figure columns the registry declares
  under ``daily_stats:``. Counters are 0 when absent; gauges NULL when not reported.
- ``events_summary``: one row per installation, week, metric and series (attributes as canonical JSON).
- ``batches``: the idempotency ledger (batch id -> receipt), and deletion tombstones.
- ``verifiers``: each installation's verifier key, which its batches' proofs are checked with.
- ``figure_rollups``: every figure's raw weekly cells, maintained at ingest in the batch's transaction
  (what analytics reads; see _rollup_cells.py, _rollup_store.py).
- ``weekly_rollups``: k-anonymous weekly figures that retention keeps once per-installation rows are gone.
Per-installation rows are keyed (period, installation_id, ...): a week's rows are one range (week scans,
k-anonymity counts, retention deletes by period), and one batch's rows are contiguous, so an insert touches
a page or two; SQL Server clusters on the primary key, SQLite stores these tables WITHOUT ROWID likewise.
PostgreSQL partitions daily_stats and events_summary by week (_partitions.py): retention drops a week.
No index on installation_id there: a deletion finds the installation's periods in ``batches`` (indexed by
installation) and deletes by primary key. Invariant kept by every writer (and retention): each
daily_stats/events_summary row has a ledger row with its installation and period. Every stored string is
ASCII (validated against closed sets and patterns), so VARCHAR, not NVARCHAR, with lengths derived from the
registry; no timestamp finer than a DATE is stored.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from printernizer_stats.contract import IDENTITY_ATTRIBUTES
from printernizer_stats.maintainers.server._batch import fact_column
from printernizer_stats.maintainers.server._partitions import PARTITIONED_TABLES, default_partition
from printernizer_stats.maintainers.server._points import SANITY_LIMIT
from printernizer_stats.maintainers.server._rollup_cells import MEASURES
from printernizer_stats.registry import FORMATS, OTHER, Kind, Registry

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
"""Deterministic constraint names: the same on every dialect, in migrations and in mssql-schema.sql."""
UUID_LENGTH = 36
VALUE_LENGTH = 32
"""The registry's longest closed-set value (``closedValues`` in registry/metrics.schema.json)."""
TEXT_FLOOR = 256
"""Derived lengths are rounded up to at least this, so small registry changes need no migration."""
METRIC_LENGTH = 100
RECEIPT_LENGTH = 64
VERIFIER_LENGTH = 64
DATE = sa.DATE
"""Upper-case DATE: SQLAlchemy renders ``Date`` as DATETIME on SQL Server when it cannot ask the server's
version (offline DDL, mssql-schema.sql); DATE exists since SQL Server 2008."""
ROLLUP_FIGURE_LENGTH = 64
ROLLUP_MEASURES_LENGTH = 1024
_TABLES = ("installations", "daily_stats", "events_summary", "batches", "verifiers")
ROLLUP_TABLE = "weekly_rollups"
WEEKLY = "RANGE (period)"
"""PostgreSQL: the per-installation tables are partitioned by week (migration 0006, _partitions.py)."""


def _fact_columns(registry: Registry) -> list[sa.Column[str]]:
    columns = []
    for name, spec in registry.resource.items():
        if name in IDENTITY_ATTRIBUTES:
            continue
        if spec.allowed_values is not None:
            # Room for any value the registry can ever declare, so a new value needs no migration.
            length = max(VALUE_LENGTH, *(len(v) for v in spec.allowed_values))
        else:
            length = FORMATS[spec.format or ""].max_length
        columns.append(sa.Column(fact_column(name), sa.String(length), nullable=False))
    return columns


def figure_columns(registry: Registry) -> dict[str, tuple[str, sa.types.TypeEngine[Any]]]:
    """``daily_stats`` figure columns declared by the registry: column -> (metric, SQL type)."""
    figures: dict[str, tuple[str, sa.types.TypeEngine[Any]]] = {}
    for spec in registry.metrics.values():
        integer = spec.rounding.integer or spec.kind is Kind.HISTOGRAM  # a histogram's figure is its count
        for column in spec.daily_stats:
            figures[column] = (spec.name, sa.BigInteger() if integer else sa.Float(precision=53))
    return figures


def attributes_length(registry: Registry) -> int:
    """Longest canonical attributes JSON any registry series can have (values are ASCII, never escaped)."""
    longest = 2
    for spec in registry.metrics.values():
        values = {
            name: "x" * (max(len(v) for v in (*attr.allowed_values, OTHER)) if attr.allowed_values is not None
                         else attr.max_length)
            for name, attr in spec.attributes.items()
        }
        longest = max(longest, len(json.dumps(values, separators=(",", ":"))))
    return max(TEXT_FLOOR, longest)


def bucket_counts_length(registry: Registry) -> int:
    """Longest JSON list of bucket counts: each count is at most the sanity limit."""
    most = max((len(spec.rounding.buckets) + 1 for spec in registry.metrics.values()), default=1)
    return max(TEXT_FLOOR, 2 + most * (len(str(SANITY_LIMIT)) + 1))


def build_metadata(registry: Registry) -> sa.MetaData:
    """The receiver's tables for ``registry``."""
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    _per_installation_tables(metadata, registry)
    _ledger_tables(metadata)
    figure_rollups_table(metadata)
    for name in PARTITIONED_TABLES:  # as migration 0006 leaves them: a default partition from the start
        default = sa.DDL(f"CREATE TABLE {default_partition(name)} PARTITION OF {name} DEFAULT")  # type: ignore[no-untyped-call]
        sa.event.listen(metadata.tables[name], "after_create", default.execute_if(dialect="postgresql"))
    return metadata


def _per_installation_tables(metadata: sa.MetaData, registry: Registry) -> None:
    """``installations``, ``daily_stats``, ``events_summary``: their columns and lengths follow the registry."""
    uuid = sa.String(UUID_LENGTH)
    sa.Table(
        "installations", metadata,
        sa.Column("installation_id", uuid, primary_key=True),
        sa.Column("first_week", DATE, nullable=False),
        sa.Column("last_week", DATE, nullable=False, index=True),
        # The weeks the receiver stored its first and latest batch in: it counts once they differ.
        sa.Column("first_received_week", DATE, nullable=False),
        sa.Column("last_received_week", DATE, nullable=False),
        *_fact_columns(registry),
        sa.Column("registry_version", sa.Integer, nullable=False),
    )
    sa.Table(
        "daily_stats", metadata,
        sa.Column("period", DATE, primary_key=True),
        sa.Column("installation_id", uuid, primary_key=True),
        *_fact_columns(registry),
        *(sa.Column(column, sql_type, nullable=True) for column, (_, sql_type) in figure_columns(registry).items()),
        sqlite_with_rowid=False, postgresql_partition_by=WEEKLY,
    )
    sa.Table(
        "events_summary", metadata,
        sa.Column("period", DATE, primary_key=True),
        sa.Column("installation_id", uuid, primary_key=True),
        sa.Column("metric", sa.String(METRIC_LENGTH), primary_key=True),
        sa.Column("attributes", sa.String(attributes_length(registry)), primary_key=True),
        sa.Column("value", sa.Float(precision=53), nullable=False),
        sa.Column("sample_count", sa.BigInteger, nullable=True),
        sa.Column("bucket_counts", sa.String(bucket_counts_length(registry)), nullable=True),
        sqlite_with_rowid=False, postgresql_partition_by=WEEKLY,
    )


def _ledger_tables(metadata: sa.MetaData) -> None:
    """``batches``, ``verifiers``, ``weekly_rollups``: fixed shapes, whatever the registry declares."""
    uuid = sa.String(UUID_LENGTH)
    sa.Table(
        "batches", metadata,
        sa.Column("batch_id", uuid, primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("installation_id", uuid, nullable=True, index=True),
        sa.Column("period", DATE, nullable=True, index=True),
        sa.Column("receipt", sa.String(RECEIPT_LENGTH), nullable=False),
        sa.Column("stored_points", sa.Integer, nullable=False),
        sa.Column("rejected_points", sa.Integer, nullable=False),
        sa.Column("received_week", DATE, nullable=False, index=True),
    )
    # Each installation's verifier key (registry _identity), registered by its first batch; kept after a
    # deletion beside the tombstone. A key, no data about the installation; coarse time only.
    sa.Table(
        "verifiers", metadata,
        sa.Column("installation_id", uuid, primary_key=True),
        sa.Column("verifier", sa.String(VERIFIER_LENGTH), nullable=False),
        sa.Column("registered_week", DATE, nullable=False),
    )
    # What retention keeps of weeks older than the retention period: each analytics figure's k-anonymous
    # cells (printernizer_stats.maintainers.analytics), no installation id. Groups are '' for a figure's unused
    # dimensions.
    sa.Table(
        "weekly_rollups", metadata,
        *_rollup_cell_columns(),
        sa.Column("measures", sa.String(ROLLUP_MEASURES_LENGTH), nullable=False),
        sqlite_with_rowid=False,
    )


def _rollup_cell_columns() -> tuple[sa.Column[Any], ...]:
    """A figure's weekly cell, keyed (period, figure, group_1, group_2), with its installations: both rollup
    tables, the raw one the receiver keeps and the k-anonymous one retention keeps."""
    return (
        sa.Column("period", DATE, primary_key=True),
        sa.Column("figure", sa.String(ROLLUP_FIGURE_LENGTH), primary_key=True),
        sa.Column("group_1", sa.String(TEXT_FLOOR), primary_key=True),
        sa.Column("group_2", sa.String(TEXT_FLOOR), primary_key=True),
        sa.Column("installations", sa.BigInteger, nullable=False),
    )


def figure_rollups_table(metadata: sa.MetaData) -> sa.Table:
    """``figure_rollups``: every figure's raw weekly cells, kept by the receiver at ingest (_rollup_cells.py)."""
    return sa.Table(
        "figure_rollups", metadata,
        *_rollup_cell_columns(),
        *(sa.Column(name, sa.Float(precision=53), nullable=False) for name in MEASURES),
        sqlite_with_rowid=False,
    )


_BUILT: dict[int, tuple[Registry, sa.MetaData]] = {}


def registry_metadata(registry: Registry) -> sa.MetaData:
    """The MetaData of ``registry``, built once per registry object (the registry is not hashable)."""
    built = _BUILT.get(id(registry))
    if built is None or built[0] is not registry:
        built = _BUILT[id(registry)] = (registry, build_metadata(registry))
    return built[1]


def tables(registry: Registry) -> dict[str, sa.Table]:
    """The receiver's per-installation tables by name (``figure_rollups`` and ``rollup_table`` for the rest)."""
    metadata = registry_metadata(registry)
    return {name: metadata.tables[name] for name in _TABLES}


def figure_rollups(registry: Registry) -> sa.Table:
    """``figure_rollups``: kept by the receiver in each batch's transaction, read by analytics."""
    return registry_metadata(registry).tables["figure_rollups"]


def rollup_table(registry: Registry) -> sa.Table:
    """``weekly_rollups``: written by analytics retention only, part of the receiver's schema and migrations."""
    return registry_metadata(registry).tables[ROLLUP_TABLE]
