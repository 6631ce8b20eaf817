"""The privacy-filtering exporter: registry filter, day rollups in local SQLite, consent state."""

from printernizer_stats.host.exporter._consent import (
    ID_ROTATION_DAYS,
    ConsentState,
    collection_allowed,
    do_not_track,
    opted_in,
    opted_out,
    rotated,
    rotation_due,
)
from printernizer_stats.host.exporter._exporter import DELTA_TEMPORALITY, PrivacyFilteringMetricExporter
from printernizer_stats.host.exporter._filters import (
    CapCardinality,
    DropReading,
    DropUnlistedAttributes,
    DropUnregistered,
    FoldUnknownValues,
    Reading,
    RoundValue,
    run_filters,
    stateless_filters,
)
from printernizer_stats.host.exporter._rollup import merge, readings_from, rollup
from printernizer_stats.host.exporter._store import LocalStore, StoreUnavailable

__all__ = [
    "DELTA_TEMPORALITY",
    "ID_ROTATION_DAYS",
    "CapCardinality",
    "ConsentState",
    "DropReading",
    "DropUnlistedAttributes",
    "DropUnregistered",
    "FoldUnknownValues",
    "LocalStore",
    "PrivacyFilteringMetricExporter",
    "Reading",
    "RoundValue",
    "StoreUnavailable",
    "collection_allowed",
    "do_not_track",
    "merge",
    "opted_in",
    "opted_out",
    "readings_from",
    "rollup",
    "rotated",
    "rotation_due",
    "run_filters",
    "stateless_filters",
]
