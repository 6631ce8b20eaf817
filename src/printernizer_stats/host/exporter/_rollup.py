"""Pure conversions: SDK metrics data -> readings, and readings -> day rollups."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date

from opentelemetry.sdk.metrics.export import Gauge, Histogram, MetricsData, Sum

from printernizer_stats.host.exporter._filters import Reading
from printernizer_stats.registry import DayReading, Kind, Registry


def readings_from(data: MetricsData) -> Iterator[Reading]:
    """Every data point of an export as a :class:`Reading` (up-down counters and exponential histograms,
    which no registry entry may declare, are skipped here)."""
    for resource_metrics in data.resource_metrics:
        for scope_metrics in resource_metrics.scope_metrics:
            for metric in scope_metrics.metrics:
                yield from _points(metric.name, metric.data)


def _points(name: str, data: object) -> Iterator[Reading]:
    if isinstance(data, Sum):
        if not data.is_monotonic:  # an up-down counter: no registry kind matches it
            return
        for point in data.data_points:
            yield Reading(name, Kind.COUNTER, point.attributes or {}, float(point.value))
    elif isinstance(data, Gauge):
        for point in data.data_points:
            yield Reading(name, Kind.GAUGE, point.attributes or {}, float(point.value))
    elif isinstance(data, Histogram):
        for hpoint in data.data_points:
            yield Reading(
                name, Kind.HISTOGRAM, hpoint.attributes or {}, float(hpoint.sum), int(hpoint.count),
                tuple(int(c) for c in hpoint.bucket_counts), tuple(float(b) for b in hpoint.explicit_bounds),
            )


def merge(kind: Kind, old: DayReading, new: DayReading) -> DayReading:
    """Combine two readings of the same series and day: counters and histograms add, gauges keep the new."""
    if kind is Kind.GAUGE:
        return new
    buckets = tuple(a + b for a, b in zip(old.bucket_counts, new.bucket_counts, strict=True))
    return DayReading(old.day, old.metric, old.attributes, old.value + new.value, old.count + new.count, buckets)


def rollup(readings: Iterable[Reading], day: date, registry: Registry) -> list[DayReading]:
    """Roll the filtered readings of one export up into one :class:`DayReading` per series.

    Within one export, gauge points that folded into the same series (``other``) add up: two unknown
    printer types are two printers.
    """
    rolled: dict[tuple[str, tuple[tuple[str, str], ...]], DayReading] = {}
    for reading in readings:
        series = reading.series
        key = (reading.metric, series)
        item = DayReading(day, reading.metric, series, reading.value, reading.count, reading.bucket_counts)
        previous = rolled.get(key)
        if previous is None:
            rolled[key] = item
        elif registry.metrics[reading.metric].kind is Kind.GAUGE:
            rolled[key] = DayReading(day, item.metric, item.attributes, previous.value + item.value)
        else:
            rolled[key] = merge(reading.kind, previous, item)
    return sorted(rolled.values(), key=lambda r: (r.metric, r.attributes))
