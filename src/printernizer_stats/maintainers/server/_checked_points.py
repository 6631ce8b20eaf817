"""Each data point of a metric checked for its attributes and its value, read from the wire where it can be
(``_wire``), through the protobuf objects where not (``_points``): the same verdict either way. Pure.

What is left for the batch to decide (time window, one week, repeated series, the series cap) needs the
other points too: ``_validate``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from opentelemetry.proto.metrics.v1.metrics_pb2 import HistogramDataPoint, Metric

from printernizer_stats.maintainers.server._batch import SeriesValue
from printernizer_stats.maintainers.server._points import (
    DataPoint,
    check_attributes,
    histogram_checked,
    histogram_value,
    number_checked,
    number_value,
)
from printernizer_stats.maintainers.server._wire import (
    AS_INT,
    attributes_of,
    bounds_bytes,
    histogram_point,
    number_point,
    point_spans,
)
from printernizer_stats.registry import Attributes, MetricSpec

Checked = tuple[Attributes, str | None, int, int, SeriesValue | None, str | None]
"""(attributes, why they are refused, start_time_unix_nano, time_unix_nano, the series, why its value is refused)."""

WIRE = True
"""Whether points are read from the wire at all (tests compare both paths)."""
_KNOWN: dict[tuple[str, bytes], tuple[MetricSpec, Attributes]] = {}
_KNOWN_MAX = 50_000
"""Attribute bytes of valid sets, as they repeat across installations (bounded; cleared when full)."""
_BOUNDS: dict[tuple[float, ...], bytes] = {}


def checked_points(spec: MetricSpec, metric: Metric, points: Sequence[DataPoint]) -> list[Checked]:
    """Every point of ``metric`` (whose shape matched ``spec``; ``points``: its data points), in order."""
    kind = metric.WhichOneof("data")
    spans = None
    if WIRE and points and kind is not None:
        data: Any = getattr(metric, kind)
        raw = data.SerializeToString()
        spans = point_spans(raw, len(points))
    if spans is None:
        return [_objects(spec, point) for point in points]
    histogram = kind == "histogram"
    checked = []
    for index, (offset, length) in enumerate(spans):
        fast = _histogram(spec, raw, offset, length) if histogram else _number(spec, raw, offset, length)
        checked.append(fast if fast is not None else _objects(spec, points[index]))
    return checked


def _objects(spec: MetricSpec, point: DataPoint) -> Checked:
    attributes, reason = check_attributes(spec, point.attributes)
    if isinstance(point, HistogramDataPoint):
        series, value_reason = histogram_value(spec, point, attributes)
    else:
        value, value_reason = number_value(spec, point)
        series = None if value_reason else SeriesValue(spec.name, attributes, value)
    return attributes, reason, point.start_time_unix_nano, point.time_unix_nano, series, value_reason


def _number(spec: MetricSpec, raw: bytes, offset: int, length: int) -> Checked | None:
    point = number_point(raw, offset, length)
    if point is None:
        return None
    tail, start, end, tag, value = point
    attributes = _attributes(spec, tail, histogram=False)
    if attributes is None:
        return None
    checked, reason = number_checked(spec, tag == AS_INT, value)
    return attributes, None, start, end, None if reason else SeriesValue(spec.name, attributes, checked), reason


def _histogram(spec: MetricSpec, raw: bytes, offset: int, length: int) -> Checked | None:
    buckets = spec.rounding.buckets
    bounds = _BOUNDS.get(buckets)
    if bounds is None:
        bounds = _BOUNDS[buckets] = bounds_bytes(buckets)
    point = histogram_point(raw, offset, length, len(buckets) + 1, bounds)
    if point is None:
        return None
    tail, start, end, count, total, counts = point
    attributes = _attributes(spec, tail, histogram=True)
    if attributes is None:
        return None
    series, reason = histogram_checked(spec, attributes, counts, count, total)
    return attributes, None, start, end, series, reason


def _attributes(spec: MetricSpec, tail: bytes, *, histogram: bool) -> Attributes | None:
    """The valid attributes ``tail`` encodes, canonical; None when it encodes anything else or they are
    refused (the protobuf objects then give the reason)."""
    known = _KNOWN.get((spec.name, tail))
    if known is not None and known[0] is spec:
        return known[1]
    pairs = attributes_of(tail, histogram)
    if pairs is None:
        return None
    attributes, reason = check_attributes(spec, pairs)
    if reason is not None:
        return None
    if len(_KNOWN) >= _KNOWN_MAX:
        _KNOWN.clear()
    _KNOWN[(spec.name, tail)] = (spec, attributes)
    return attributes
