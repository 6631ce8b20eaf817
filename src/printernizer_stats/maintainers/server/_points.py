"""Checks of one metric and its data points against the registry: pure, each failure a reason naming the field.

Processing order for every data point (the first failure rejects the point):
  1. attributes - declared keys only, string values in the allowed set (or matching the declared pattern);
  2. time       - present, not in the future, not older than the horizon; truncated to its ISO week;
  3. value      - finite, whole where the registry rounds to integers, >= 0, not above the metric's limit;
                  histograms: the registry's bounds exactly, bucket counts adding up to the count.
What the registry does not know is not carried on: exemplars, min/max, flags, descriptions.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from datetime import date
from typing import TypeAlias

from opentelemetry.proto.common.v1.common_pb2 import KeyValue
from opentelemetry.proto.metrics.v1.metrics_pb2 import (
    AggregationTemporality,
    HistogramDataPoint,
    Metric,
    NumberDataPoint,
)

from printernizer_stats.maintainers.server._batch import SeriesValue
from printernizer_stats.registry import Attributes, Kind, MetricSpec, check_attribute, week_of_unix_nano

SANITY_LIMIT = 1_000_000_000
"""No installation counts a billion of anything in a week; also keeps every value exact in a double."""
_DELTA = AggregationTemporality.AGGREGATION_TEMPORALITY_DELTA
_NANOS_PER_SECOND = 1_000_000_000
_NANOS_PER_WEEK = 7 * 86_400 * _NANOS_PER_SECOND

DataPoint: TypeAlias = NumberDataPoint | HistogramDataPoint


class TimeWindow:
    """Which wire timestamps are acceptable: up to ``now`` plus clock skew, back to ``max_age_weeks``.

    One window per request: it remembers the intervals it has checked (a batch repeats one interval).
    """

    __slots__ = ("_checked", "max_age_weeks", "now_unix_nano", "skew_nanos")

    def __init__(self, now_unix_nano: int, max_age_weeks: int = 26, skew_nanos: int = 86_400 * _NANOS_PER_SECOND):
        self.now_unix_nano = now_unix_nano
        self.max_age_weeks = max_age_weeks
        self.skew_nanos = skew_nanos
        self._checked: dict[tuple[int, int], tuple[date | None, str | None]] = {}

    def check(self, point: DataPoint) -> tuple[date | None, str | None]:
        """The ISO week (Monday) the point belongs to, or why its timestamps are not acceptable."""
        return self.check_interval(point.start_time_unix_nano, point.time_unix_nano)

    def check_interval(self, start: int, end: int) -> tuple[date | None, str | None]:
        """``check`` of a point's (start_time_unix_nano, time_unix_nano)."""
        interval = (start, end)
        checked = self._checked.get(interval)
        if checked is None:
            checked = self._checked[interval] = self._check(*interval)
        return checked

    def _check(self, start: int, end: int) -> tuple[date | None, str | None]:
        if end <= 0:
            return None, "time_unix_nano is missing"
        if start > end:
            return None, "start_time_unix_nano is after time_unix_nano"
        if end > self.now_unix_nano + self.skew_nanos:
            return None, "time_unix_nano is in the future"
        if end < self.now_unix_nano - (self.max_age_weeks + 1) * _NANOS_PER_WEEK:
            return None, f"time_unix_nano is older than {self.max_age_weeks} weeks"
        # A week's batch ends at the next Monday 00:00: the point belongs to the week its interval ends in.
        # Whole seconds before the division, so that float rounding cannot carry it into the next week.
        last_second = (end - 1) // _NANOS_PER_SECOND * _NANOS_PER_SECOND
        return week_of_unix_nano(last_second), None


def metric_points(spec: MetricSpec, metric: Metric) -> tuple[Sequence[DataPoint], str | None]:
    """The metric's data points, or the reason its shape does not match the registry (all points rejected)."""
    data = metric.WhichOneof("data")
    if metric.unit != spec.unit:
        return _points_of(metric, data), f"metric {spec.name!r}: unit {metric.unit[:20]!r} is not {spec.unit!r}"
    if spec.kind is Kind.COUNTER:
        if data != "sum" or not metric.sum.is_monotonic or metric.sum.aggregation_temporality != _DELTA:
            return _points_of(metric, data), f"metric {spec.name!r}: must be a monotonic DELTA Sum"
        return metric.sum.data_points, None
    if spec.kind is Kind.GAUGE:
        if data != "gauge":
            return _points_of(metric, data), f"metric {spec.name!r}: must be a Gauge"
        return metric.gauge.data_points, None
    if data != "histogram" or metric.histogram.aggregation_temporality != _DELTA:
        return _points_of(metric, data), f"metric {spec.name!r}: must be a DELTA Histogram"
    return metric.histogram.data_points, None


def _points_of(metric: Metric, data: str | None) -> Sequence[DataPoint]:
    if data in {"sum", "gauge", "histogram", "exponential_histogram", "summary"}:
        return getattr(metric, data).data_points  # type: ignore[no-any-return]
    return ()


_CHECKED: dict[tuple[str, tuple[tuple[str, str | None, str], ...]], tuple[MetricSpec, Attributes, str | None]] = {}
_CHECKED_MAX = 50_000
"""Attribute sets repeat across installations: a valid set is remembered (bounded; cleared when full)."""


def check_attributes(spec: MetricSpec, pairs: Sequence[KeyValue]) -> tuple[Attributes, str | None]:
    """The point's attributes in canonical form, or the reason they are not acceptable."""
    if len(pairs) > len(spec.attributes):  # cheap bound before touching thousands of junk pairs
        return (), f"metric {spec.name!r}: more attributes than the {len(spec.attributes)} declared"
    raw = tuple([(pair.key, (value := pair.value).WhichOneof("value"), value.string_value) for pair in pairs])
    cached = _CHECKED.get((spec.name, raw))
    if cached is not None and cached[0] is spec:
        return cached[1], cached[2]
    attributes, reason = _check_raw(spec, raw)
    if reason is None:  # only valid sets: they are short; a refused one may carry megabytes of junk
        if len(_CHECKED) >= _CHECKED_MAX:
            _CHECKED.clear()
        _CHECKED[(spec.name, raw)] = (spec, attributes, reason)
    return attributes, reason


def _check_raw(spec: MetricSpec, raw: tuple[tuple[str, str | None, str], ...]) -> tuple[Attributes, str | None]:
    seen: dict[str, str] = {}
    for key, which, value in raw:
        attr = spec.attributes.get(key)
        if attr is None:
            return (), f"{_field(spec, key)}: not declared in the registry"
        if key in seen:
            return (), f"{_field(spec, key)}: appears twice"
        if which != "string_value":
            return (), f"{_field(spec, key)}: must be a string"
        if reason := check_attribute(attr, value):
            return (), f"{_field(spec, key)}: {reason}"
        seen[key] = value
    return tuple(sorted(seen.items())), None


def _field(spec: MetricSpec, key: str) -> str:
    return f"metric {spec.name!r} attribute {key[:40]!r}"


def _check_number(spec: MetricSpec, value: float, what: str) -> str | None:
    limit = spec.max_weekly if spec.max_weekly is not None else SANITY_LIMIT
    if 0 <= value <= limit:  # the common case; NaN and infinities fail it and are named below
        return None
    if not math.isfinite(value):
        return f"metric {spec.name!r}: {what} is not finite"
    if value < 0:
        return f"metric {spec.name!r}: {what} is negative"
    return f"metric {spec.name!r}: {what} is above {limit:g}"


def number_value(spec: MetricSpec, point: NumberDataPoint) -> tuple[int | float, str | None]:
    which = point.WhichOneof("value")
    if which is None:
        return 0, f"metric {spec.name!r}: value is missing"
    return number_checked(spec, which == "as_int", point.as_int if which == "as_int" else point.as_double)


def number_checked(spec: MetricSpec, as_int: bool, value: int | float) -> tuple[int | float, str | None]:
    """A point's value (``as_int``, else ``as_double``) against the registry's limit and rounding."""
    if reason := _check_number(spec, value, "value"):
        return 0, reason
    if spec.rounding.integer:
        if as_int:
            return value, None
        if value != int(value):
            return 0, f"metric {spec.name!r}: value must be a whole number"
        return int(value), None
    return float(value), None


@functools.lru_cache(maxsize=64)
def _bounds(buckets: tuple[float, ...]) -> list[float]:
    """The registry's bounds as a list: a protobuf repeated field compares with a list fastest."""
    return list(buckets)


def histogram_value(
    spec: MetricSpec, point: HistogramDataPoint, attributes: Attributes,
) -> tuple[SeriesValue | None, str | None]:
    name = spec.name
    if point.explicit_bounds != _bounds(spec.rounding.buckets):
        return None, f"metric {name!r}: explicit_bounds differ from the registry's buckets"
    buckets = tuple(point.bucket_counts)
    if len(buckets) != len(spec.rounding.buckets) + 1:
        return None, f"metric {name!r}: bucket_counts must have {len(spec.rounding.buckets) + 1} entries"
    return histogram_checked(spec, attributes, buckets, point.count, point.sum if point.HasField("sum") else None)


def histogram_checked(spec: MetricSpec, attributes: Attributes, buckets: tuple[int, ...], count: int,
                      total: float | None) -> tuple[SeriesValue | None, str | None]:
    """A histogram point with the registry's bounds and as many bucket counts: its counts and sum."""
    name = spec.name
    if sum(buckets) != count:
        return None, f"metric {name!r}: count is not the sum of bucket_counts"
    if reason := _check_number(spec, float(count), "count"):
        return None, reason
    if total is None:
        return None, f"metric {name!r}: sum is missing"
    if reason := _check_number(spec, total, "sum"):
        return None, reason
    return SeriesValue(name, attributes, float(total), int(count), buckets), None
