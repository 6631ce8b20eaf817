"""The maintainers' receiver: OTLP/HTTP in, validated against the registry, into SQL.

SQLite by default, PostgreSQL and SQL Server through SQLAlchemy 2 Core. See docs/receiver.md.
"""

from printernizer_stats.maintainers.server._app import Receiver, create_app
from printernizer_stats.maintainers.server._batch import (
    InstallationFacts,
    PointRejection,
    Rejected,
    SeriesValue,
    ValidatedBatch,
)
from printernizer_stats.maintainers.server._config import (
    DEFAULT_DB_URL,
    ReceiverConfig,
)
from printernizer_stats.maintainers.server._connections import LOOPBACK, ConnectionLimits, guarded_protocol
from printernizer_stats.maintainers.server._engine import create_engine, sqlalchemy_url
from printernizer_stats.maintainers.server._guards import (
    AddressRateLimitMiddleware,
    BearerTokenMiddleware,
    ContentTypeMiddleware,
    RequestBodyMiddleware,
)
from printernizer_stats.maintainers.server._migrations import current_revision, head_revision, migrate, schema_sql
from printernizer_stats.maintainers.server._otlp import DecodeError, decode_request
from printernizer_stats.maintainers.server._partitions import (
    PARTITIONED_TABLES,
    drop_empty_partitions_before,
    drop_week_partition,
    ensure_week_partitions,
    partitioned_weeks_before,
)
from printernizer_stats.maintainers.server._points import SANITY_LIMIT, TimeWindow
from printernizer_stats.maintainers.server._ratelimit import TokenBuckets
from printernizer_stats.maintainers.server._rollup_cells import (
    ERROR_TYPE,
    ERRORS_METRIC,
    FACT_FIGURES,
    FEATURE,
    FEATURES_METRIC,
    MEASURES,
    PRINTER_TYPE,
    PRINTERS_METRIC,
    ROLLUP_FIGURES,
    STORED_MEASURES,
    week_contribution,
)
from printernizer_stats.maintainers.server._rollup_store import RollupWriter, counted
from printernizer_stats.maintainers.server._rows import BatchRows, batch_rows, canonical_json, daily_figures
from printernizer_stats.maintainers.server._storage import Outcome, Storage, StorageUnavailable, StoreResult
from printernizer_stats.maintainers.server._tables import (
    build_metadata,
    figure_columns,
    figure_rollups,
    rollup_table,
    tables,
)
from printernizer_stats.maintainers.server._upsert import upsert
from printernizer_stats.maintainers.server._validate import (
    MAX_BATCHES_PER_REQUEST,
    count_points,
    max_points,
    validate_batch,
    validate_request,
    validate_resource_metrics,
)
from printernizer_stats.maintainers.server._writer import GroupWriter

__all__ = [
    "DEFAULT_DB_URL",
    "ERRORS_METRIC",
    "ERROR_TYPE",
    "FACT_FIGURES",
    "FEATURE",
    "FEATURES_METRIC",
    "LOOPBACK",
    "MAX_BATCHES_PER_REQUEST",
    "MEASURES",
    "PARTITIONED_TABLES",
    "PRINTERS_METRIC",
    "PRINTER_TYPE",
    "ROLLUP_FIGURES",
    "SANITY_LIMIT",
    "STORED_MEASURES",
    "AddressRateLimitMiddleware",
    "BatchRows",
    "BearerTokenMiddleware",
    "ConnectionLimits",
    "ContentTypeMiddleware",
    "DecodeError",
    "GroupWriter",
    "InstallationFacts",
    "Outcome",
    "PointRejection",
    "Receiver",
    "ReceiverConfig",
    "Rejected",
    "RequestBodyMiddleware",
    "RollupWriter",
    "SeriesValue",
    "Storage",
    "StorageUnavailable",
    "StoreResult",
    "TimeWindow",
    "TokenBuckets",
    "ValidatedBatch",
    "batch_rows",
    "build_metadata",
    "canonical_json",
    "count_points",
    "counted",
    "create_app",
    "create_engine",
    "current_revision",
    "daily_figures",
    "decode_request",
    "drop_empty_partitions_before",
    "drop_week_partition",
    "ensure_week_partitions",
    "figure_columns",
    "figure_rollups",
    "guarded_protocol",
    "head_revision",
    "max_points",
    "migrate",
    "partitioned_weeks_before",
    "rollup_table",
    "schema_sql",
    "sqlalchemy_url",
    "tables",
    "upsert",
    "validate_batch",
    "validate_request",
    "validate_resource_metrics",
    "week_contribution",
]
