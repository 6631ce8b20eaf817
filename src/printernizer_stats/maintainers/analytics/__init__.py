"""Analytics for maintainers: k-anonymous figures, trends, anomalies, dashboard, Grafana, retention.

Server side only: it reads the receiver's tables (``printernizer_stats.maintainers.server``); nothing on the client
side imports it. Every output's figures go through ``publish_figures`` (``anonymous_figures``: each figure's
own gate, ``anonymous_cells``, then the rules across figures): see docs/analytics.md.
"""

from printernizer_stats.maintainers.analytics._anomaly import Anomaly, AnomalyKind, DetectorConfig, detect
from printernizer_stats.maintainers.analytics._app import create_maintainers_app, install_analytics
from printernizer_stats.maintainers.analytics._cache import FigureCache
from printernizer_stats.maintainers.analytics._config import AnalyticsConfig
from printernizer_stats.maintainers.analytics._export import figure_csv
from printernizer_stats.maintainers.analytics._figures import FIGURES, FIGURES_BY_NAME
from printernizer_stats.maintainers.analytics._insights import Insights, build_insights, describe, render_text
from printernizer_stats.maintainers.analytics._intervals import clustered_rate, wilson
from printernizer_stats.maintainers.analytics._kanon import DEFAULT_K, anonymous_cells, publish
from printernizer_stats.maintainers.analytics._linked import anonymous_figures, publish_figures
from printernizer_stats.maintainers.analytics._model import (
    OTHER_GROUP,
    Cell,
    Figure,
    FigureSpec,
    GroupKind,
    KAnonymityViolation,
    Proportion,
    PublishedRow,
    Rate,
    RateSpec,
)
from printernizer_stats.maintainers.analytics._queries import (
    DEFAULT_WEEKS,
    Window,
    compute_figures,
    latest_complete_week,
)
from printernizer_stats.maintainers.analytics._retention import (
    DEFAULT_RETENTION_DAYS,
    MIN_RETENTION_DAYS,
    RetentionResult,
    apply_retention,
    retention_cutoff,
)
from printernizer_stats.maintainers.analytics._rollup_sql import (
    rebuild_rollups,
    recomputed_rollups,
    rollups_missing,
    stored_rollups,
)
from printernizer_stats.maintainers.analytics._service import AnalyticsService
from printernizer_stats.maintainers.analytics._summary import community_summary
from printernizer_stats.registry import SUMMARY_SCHEMA

__all__ = [
    "DEFAULT_K",
    "DEFAULT_RETENTION_DAYS",
    "DEFAULT_WEEKS",
    "FIGURES",
    "FIGURES_BY_NAME",
    "MIN_RETENTION_DAYS",
    "OTHER_GROUP",
    "SUMMARY_SCHEMA",
    "AnalyticsConfig",
    "AnalyticsService",
    "Anomaly",
    "AnomalyKind",
    "Cell",
    "DetectorConfig",
    "Figure",
    "FigureCache",
    "FigureSpec",
    "GroupKind",
    "Insights",
    "KAnonymityViolation",
    "Proportion",
    "PublishedRow",
    "Rate",
    "RateSpec",
    "RetentionResult",
    "Window",
    "anonymous_cells",
    "anonymous_figures",
    "apply_retention",
    "build_insights",
    "clustered_rate",
    "community_summary",
    "compute_figures",
    "create_maintainers_app",
    "describe",
    "detect",
    "figure_csv",
    "install_analytics",
    "latest_complete_week",
    "publish",
    "publish_figures",
    "rebuild_rollups",
    "recomputed_rollups",
    "render_text",
    "retention_cutoff",
    "rollups_missing",
    "stored_rollups",
    "wilson",
]
