"""``PrivacyFilteringMetricExporter``: every reading through the registry filter, then into day rollups."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date
from typing import Any

import structlog
from opentelemetry.sdk.metrics import Counter, Histogram, ObservableCounter, ObservableGauge
from opentelemetry.sdk.metrics.export import (
    AggregationTemporality,
    MetricExporter,
    MetricExportResult,
    MetricsData,
)

from printernizer_stats.host.exporter._filters import CapCardinality, Filter, run_filters, stateless_filters
from printernizer_stats.host.exporter._rollup import readings_from, rollup
from printernizer_stats.host.exporter._store import LocalStore, StoreUnavailable
from printernizer_stats.host.exporter._verdicts import RememberedVerdicts
from printernizer_stats.registry import Registry, RuntimeValues, utc_today

_log = structlog.get_logger(__name__)

DELTA_TEMPORALITY: dict[type, AggregationTemporality] = {
    # Delta: each export carries only what happened since the last one, which is what a day rollup adds.
    Counter: AggregationTemporality.DELTA,
    ObservableCounter: AggregationTemporality.DELTA,
    Histogram: AggregationTemporality.DELTA,
    ObservableGauge: AggregationTemporality.DELTA,
}


class PrivacyFilteringMetricExporter(MetricExporter):
    """Filters every reading through the registry and rolls it up per day into the local store.

    Args:
        registry: the metric registry; anything it does not declare is dropped.
        store: where day rollups go.
        runtime_values: value sets the host closes at start-up (e.g. its route templates).
        collection_allowed: asked before every write; when it says no, the export is dropped unwritten
            (consent is checked at the last moment, so a reading racing an opt-out is never stored).
        today: the UTC day readings are filed under (a parameter so the simulator can move time).
        on_unavailable: called once, with the reason, when the store fails and statistics turn off.

    It handles one export at a time and owns no schedule: compacting old days and local retention are the
    host side's daily round (``client/_upkeep.py``), as in the SDK the reader owns time, not the exporter.
    """

    def __init__(
        self,
        registry: Registry,
        store: LocalStore,
        runtime_values: RuntimeValues | None = None,
        collection_allowed: Callable[[], bool] = lambda: True,
        today: Callable[[], date] = utc_today,
        on_unavailable: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__(preferred_temporality=DELTA_TEMPORALITY)
        self._registry = registry
        self._store = store
        runtime = runtime_values or {}
        *attribute_steps, round_value = stateless_filters(registry, runtime)
        # Steps 1-3 depend on the attribute set alone, which repeats every export: decided once per set.
        self._verdicts = RememberedVerdicts(attribute_steps, runtime)
        self._cap = CapCardinality(registry)
        self._filters: list[Filter] = [self._verdicts, round_value, self._cap]
        self._cap_day: date | None = None
        self._allowed = collection_allowed
        self._today = today
        self._on_unavailable = on_unavailable
        self._kinds = {name: spec.kind for name, spec in registry.metrics.items()}
        self._lock = threading.Lock()
        self.unavailable_reason: str | None = None
        self.dropped_readings = 0

    def export(self, metrics_data: MetricsData, timeout_millis: float = 10_000, **kwargs: Any) -> MetricExportResult:
        """Filter and store one export. Never raises: failures are logged and reported as FAILURE."""
        if self.unavailable_reason is not None:
            return MetricExportResult.FAILURE
        try:
            # One transaction: the consent check (when it reads this store), the cap's reseed and the write.
            with self._lock, self._store.connect():
                if not self._allowed():
                    return MetricExportResult.SUCCESS
                self._write(metrics_data)
        except StoreUnavailable as exc:
            self._turn_off(str(exc))
            return MetricExportResult.FAILURE
        except Exception as exc:  # the host must never suffer: a bug here turns statistics off, nothing more
            # The type only: a message or traceback could quote a reading's raw value into the host's log.
            _log.error("usage_stats.export_failed", error=type(exc).__name__)
            self._turn_off("unexpected error while exporting")
            return MetricExportResult.FAILURE
        return MetricExportResult.SUCCESS

    def _write(self, metrics_data: MetricsData) -> None:
        day = self._today()
        if day != self._cap_day:
            self._new_day(day)
        self._verdicts.refresh()
        kept, dropped = run_filters(readings_from(metrics_data), self._filters)
        self.dropped_readings += dropped
        rolled = rollup(kept, day, self._registry)
        if rolled:
            self._store.add(rolled, self._kinds)

    def _new_day(self, day: date) -> None:
        """A new day: the cardinality cap starts from the series already stored for it (after a restart)."""
        self._cap.reset(self._store.series_on(day))
        self._cap_day = day

    def forget_series(self) -> None:
        """The readings were deleted (opt-out, delete all): the cap's seen series go with them, so the next
        write reseeds it from the store instead of counting series that no longer exist."""
        with self._lock:
            self._cap_day = None
            self._cap.reset({})

    def _turn_off(self, reason: str) -> None:
        if self.unavailable_reason is not None:
            return
        self.unavailable_reason = reason
        # One line, no path: the DB path may contain the user's name.
        _log.warning("usage_stats.off", reason=reason)
        if self._on_unavailable is not None:
            try:
                self._on_unavailable(reason)
            except Exception as exc:
                _log.error("usage_stats.on_unavailable_failed", error=type(exc).__name__)

    def force_flush(self, timeout_millis: float = 10_000) -> bool:
        return True

    def shutdown(self, timeout_millis: float = 30_000, **kwargs: Any) -> None:
        return None
