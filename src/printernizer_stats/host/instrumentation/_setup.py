"""One call that builds the SDK pipeline for a host: MeterProvider, registry views, periodic reader."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import structlog
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import (
    Metric,
    MetricExporter,
    MetricsData,
    PeriodicExportingMetricReader,
    ResourceMetrics,
    ScopeMetrics,
)
from opentelemetry.sdk.metrics.view import ExplicitBucketHistogramAggregation, View
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.util.instrumentation import InstrumentationScope

from printernizer_stats.host.instrumentation._instruments import UsageInstruments
from printernizer_stats.registry import SCOPE_NAME, Kind, Registry

_log = structlog.get_logger(__name__)

DEFAULT_EXPORT_INTERVAL_S = 60.0


def registry_views(registry: Registry) -> list[View]:
    """Views that keep only declared attribute keys and the registry's buckets.

    This bounds the SDK's memory before the exporter's filter runs (defence in depth, not the filter).
    There is no catch-all drop view: only :class:`UsageInstruments` creates instruments on this private
    provider, all from the registry, and a wildcard view would give each of them a second stream, doubling
    the cost of every recording. Anything undeclared that did get here is dropped by the exporter's filter.
    """
    return [
        View(
            instrument_name=spec.name,
            attribute_keys=set(spec.attributes),
            aggregation=ExplicitBucketHistogramAggregation(list(spec.rounding.buckets))
            if spec.kind is Kind.HISTOGRAM else None,
        )
        for spec in registry.metrics.values()
    ]


def with_metrics(data: MetricsData, extra: list[Metric], scope: InstrumentationScope) -> MetricsData:
    """``data`` plus ``extra`` metrics under ``scope`` in its first resource (a new empty resource if none)."""
    if not extra:
        return data
    scope_metrics = ScopeMetrics(scope=scope, metrics=extra, schema_url="")
    if not data.resource_metrics:
        return MetricsData([ResourceMetrics(resource=Resource({}), scope_metrics=[scope_metrics], schema_url="")])
    first, *rest = data.resource_metrics
    return MetricsData([replace(first, scope_metrics=[*first.scope_metrics, scope_metrics]), *rest])


class ProducingMetricReader(PeriodicExportingMetricReader):
    """A periodic reader that adds metrics aggregated outside the SDK to every collection it exports.

    OpenTelemetry's MetricProducer, which the Python SDK lacks; ``_receive_metrics`` is the SDK's documented
    hook for reader subclasses. A producer that fails costs its metrics for that collection, nothing more.
    """

    def __init__(self, exporter: MetricExporter, producer: Callable[[], list[Metric]], **kwargs: Any) -> None:
        super().__init__(exporter, **kwargs)
        self._producer = producer
        self._scope = InstrumentationScope(SCOPE_NAME)

    def _receive_metrics(self, metrics_data: MetricsData, timeout_millis: float = 10_000, **kwargs: Any) -> None:
        try:
            metrics_data = with_metrics(metrics_data, self._producer(), self._scope)
        except Exception as exc:  # the type only: no message that could quote a request's values
            _log.error("usage_stats.producer_failed", error=type(exc).__name__)
        super()._receive_metrics(metrics_data, timeout_millis, **kwargs)


@dataclass(frozen=True, slots=True)
class Pipeline:
    """A running SDK pipeline: shut it down to flush and stop its reader thread."""

    provider: MeterProvider
    reader: ProducingMetricReader

    def flush(self, timeout_millis: float = 10_000) -> bool:
        return self.provider.force_flush(timeout_millis)

    def shutdown(self, timeout_millis: float = 10_000) -> None:
        self.provider.shutdown(timeout_millis)


def start_pipeline(
    instruments: UsageInstruments,
    exporter: MetricExporter,
    registry: Registry,
    export_interval_s: float = DEFAULT_EXPORT_INTERVAL_S,
) -> Pipeline:
    """Build a MeterProvider exporting through ``exporter`` and bind ``instruments`` to it.

    The resource is built by hand and carries nothing: ``Resource.create()`` would add host and process
    attributes and a random ``service.instance.id``; the batch's resource is built later, from the registry.
    """
    if export_interval_s <= 0:
        raise ValueError("export_interval_s must be positive")
    reader = ProducingMetricReader(
        exporter, instruments.collect_pre_aggregated, export_interval_millis=export_interval_s * 1000,
    )
    provider = MeterProvider(
        metric_readers=[reader], resource=Resource({}), views=registry_views(registry),
    )
    instruments.bind(provider.get_meter(SCOPE_NAME))
    return Pipeline(provider, reader)
