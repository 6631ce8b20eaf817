"""One call that builds the SDK pipeline for a host: MeterProvider, registry views, periodic reader."""

from __future__ import annotations

from dataclasses import dataclass

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import MetricExporter, PeriodicExportingMetricReader
from opentelemetry.sdk.metrics.view import DropAggregation, ExplicitBucketHistogramAggregation, View
from opentelemetry.sdk.resources import Resource

from printernizer_stats.instrumentation._instruments import UsageInstruments
from printernizer_stats.registry import SCOPE_NAME, Kind, Registry

DEFAULT_EXPORT_INTERVAL_S = 60.0


def registry_views(registry: Registry) -> list[View]:
    """Views that keep only declared attribute keys and buckets, and drop every undeclared instrument.

    This bounds the SDK's memory before the exporter's filter runs (defence in depth, not the filter).
    """
    views = [
        View(
            instrument_name=spec.name,
            attribute_keys=set(spec.attributes),
            aggregation=ExplicitBucketHistogramAggregation(list(spec.rounding.buckets))
            if spec.kind is Kind.HISTOGRAM else None,
        )
        for spec in registry.metrics.values()
    ]
    # The wildcard also matches declared instruments: it gives them a second stream that yields nothing.
    views.append(View(instrument_name="*", aggregation=DropAggregation()))
    return views


@dataclass(frozen=True, slots=True)
class Pipeline:
    """A running SDK pipeline: shut it down to flush and stop its reader thread."""

    provider: MeterProvider
    reader: PeriodicExportingMetricReader

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
    reader = PeriodicExportingMetricReader(exporter, export_interval_millis=export_interval_s * 1000)
    provider = MeterProvider(
        metric_readers=[reader], resource=Resource({}), views=registry_views(registry),
    )
    instruments.bind(provider.get_meter(SCOPE_NAME))
    return Pipeline(provider, reader)
