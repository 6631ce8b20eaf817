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
    SANITY_LIMIT,
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
    if kind == "histogram":
        return _histograms(spec, raw, spans, points)
    return _numbers(spec, raw, spans, points)


def _numbers(spec: MetricSpec, raw: bytes, spans: list[tuple[int, int]], points: Sequence[DataPoint]
             ) -> list[Checked]:
    """``_number`` of each point, with the common case inline: attributes seen before, an integer in range
    (what ``number_checked`` accepts as it is); a batch has dozens of points."""
    name, integer = spec.name, spec.rounding.integer
    limit = spec.max_weekly if spec.max_weekly is not None else SANITY_LIMIT
    checked: list[Checked] = []
    for index, (offset, length) in enumerate(spans):
        point = number_point(raw, offset, length)
        known = _KNOWN.get((name, point[0])) if point is not None else None
        if (known is None or known[0] is not spec or point is None
                or not (integer and point[3] == AS_INT and 0 <= point[4] <= limit)):
            fast = _number(spec, raw, offset, length)
            checked.append(fast if fast is not None else _objects(spec, points[index]))
            continue
        _, start, end, _, value = point
        checked.append((known[1], None, start, end, SeriesValue(name, known[1], value), None))
    return checked


def _histograms(spec: MetricSpec, raw: bytes, spans: list[tuple[int, int]], points: Sequence[DataPoint]
                ) -> list[Checked]:
    """``_histogram`` of each point, the common case inline like ``_numbers``: attributes seen before,
    counts adding up, count and sum in range (what ``histogram_checked`` accepts)."""
    name, buckets, bounds = spec.name, len(spec.rounding.buckets) + 1, _bounds(spec)
    limit = spec.max_weekly if spec.max_weekly is not None else SANITY_LIMIT
    checked: list[Checked] = []
    for index, (offset, length) in enumerate(spans):
        point = histogram_point(raw, offset, length, buckets, bounds)
        known = _KNOWN.get((name, point[0])) if point is not None else None
        if (known is None or known[0] is not spec or point is None or sum(point[5]) != point[3]
                or not 0 <= float(point[3]) <= limit or not 0 <= point[4] <= limit):
            fast = _histogram(spec, raw, offset, length)
            checked.append(fast if fast is not None else _objects(spec, points[index]))
            continue
        _, start, end, count, total, counts = point
        series = SeriesValue(name, known[1], float(total), int(count), counts)
        checked.append((known[1], None, start, end, series, None))
    return checked


def _bounds(spec: MetricSpec) -> bytes:
    buckets = spec.rounding.buckets
    bounds = _BOUNDS.get(buckets)
    if bounds is None:
        bounds = _BOUNDS[buckets] = bounds_bytes(buckets)
    return bounds


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
    point = histogram_point(raw, offset, length, len(spec.rounding.buckets) + 1, _bounds(spec))
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
