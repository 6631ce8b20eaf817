"""The figure catalogue against the registry and the receiver's tables."""

from __future__ import annotations

from printernizer_stats.maintainers.analytics import FIGURES, FIGURES_BY_NAME, GroupKind
from printernizer_stats.maintainers.analytics import _figures as f
from printernizer_stats.maintainers.analytics._sql import analytics_tables
from printernizer_stats.registry import Kind, Registry


def test_metrics_read_by_figures_are_in_the_registry(registry: Registry) -> None:
    """Each metric a figure reads exists with the attribute it groups by and the kind it assumes."""
    for metric, attribute, kind in ((f.PRINTERS_METRIC, f.PRINTER_TYPE, Kind.GAUGE),
                                    (f.FEATURES_METRIC, f.FEATURE, Kind.GAUGE),
                                    (f.ERRORS_METRIC, f.ERROR_TYPE, Kind.COUNTER)):
        spec = registry.metrics[metric]
        assert attribute in spec.attributes and spec.kind is kind
    assert registry.metrics[f.FEATURES_METRIC].max_weekly == 1
    # One attribute only: those figures group by the stored attributes text and decode it afterwards.
    assert list(registry.metrics[f.PRINTERS_METRIC].attributes) == [f.PRINTER_TYPE]
    assert list(registry.metrics[f.FEATURES_METRIC].attributes) == [f.FEATURE]


def test_daily_stats_columns_read_by_figures_exist() -> None:
    """The facts and figure columns the SQL reads are daily_stats columns."""
    columns = set(analytics_tables()["daily_stats"].columns.keys())
    assert set(f.FACT_FIGURES.values()) | {"jobs_created", "error_count", "printer_count", "uptime_days"} <= columns


def test_catalogue_is_consistent() -> None:
    """Names are unique; overlap figures say what their share is out of; at most two dimensions."""
    assert len(FIGURES_BY_NAME) == len(FIGURES)
    for spec in FIGURES:
        assert len(spec.dimensions) <= 2
        if spec.kind is GroupKind.OVERLAP:
            assert spec.trials is not None
        else:
            assert spec.successes is None and len(spec.dimensions) <= 1
