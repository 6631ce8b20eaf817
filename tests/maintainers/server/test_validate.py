"""``validate_batch``: every wire-format rule, each failure a reason naming the field. Pure, no I/O."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import KeyValue
from opentelemetry.proto.metrics.v1.metrics_pb2 import AggregationTemporality, Metric

from printernizer_stats.contract import BatchKind, week_batch_id
from printernizer_stats.maintainers.server import (
    MAX_BATCHES_PER_REQUEST,
    Rejected,
    TimeWindow,
    ValidatedBatch,
    max_points,
    validate_batch,
    validate_request,
)
from printernizer_stats.registry import Registry, to_unix_nano
from tests.maintainers.server.batches import (
    MONDAY,
    Installation,
    Series,
    deletion_request,
    merged,
    typical_series,
    week_request,
)

WINDOW = TimeWindow(to_unix_nano(MONDAY + timedelta(days=9)))
JOBS = "printernizer.jobs.events"


def _request(registry: Registry, series: list[Series] | None = None, installation: Installation | None = None,
             monday: date = MONDAY, **resource: str) -> ExportMetricsServiceRequest:
    series = series if series is not None else [Series(JOBS, {"event": "completed"}, 3)]
    return week_request(registry, installation or Installation(), monday, series, **resource)


def _metrics(request: ExportMetricsServiceRequest) -> list[Metric]:
    return list(request.resource_metrics[0].scope_metrics[0].metrics)


def _rejected(result: ValidatedBatch | Rejected) -> str:
    assert isinstance(result, Rejected), result
    return result.reason


def _partial(result: ValidatedBatch | Rejected) -> tuple[int, str]:
    assert isinstance(result, ValidatedBatch), result
    return result.rejected_points, result.rejection_message()


def test_a_typical_week_is_accepted_whole(registry: Registry) -> None:
    """A client's batch validates into the week's Monday, its facts and every series."""
    installation = Installation(deployment_mode="pi", country_code="XX", platform="darwin")
    series = typical_series(registry, random.Random(1))
    batch = validate_batch(registry, week_request(registry, installation, MONDAY, series), WINDOW)
    assert isinstance(batch, ValidatedBatch) and batch.kind is BatchKind.WEEKLY
    assert batch.period == MONDAY and batch.rejected_points == 0 and len(batch.series) == len(series)
    assert batch.batch_id == week_batch_id(installation.installation_id, MONDAY)
    assert dict(batch.installation.facts) == {"app_version": "2.42.0", "deployment_mode": "pi",
                                             "country_code": "XX", "python_version": "3.11", "platform": "darwin"}


def test_timestamps_are_truncated_to_the_iso_week(registry: Registry) -> None:
    """Points dated anywhere inside a week (a stock SDK's timestamps) are stored under that week's Monday."""
    request = _request(registry)
    point = _metrics(request)[0].sum.data_points[0]
    point.start_time_unix_nano = to_unix_nano(MONDAY) + 3_600_123_456_789
    point.time_unix_nano = to_unix_nano(MONDAY + timedelta(days=3)) + 45_678_912_345
    batch = validate_batch(registry, request, WINDOW)
    assert isinstance(batch, ValidatedBatch) and batch.period == MONDAY


@pytest.mark.parametrize(("field", "value", "named"), [
    ("installation_id", "not-a-uuid", "printernizer.installation_id"),
    ("installation_id", "5F0C7B8E-2F47-4B2A-9A51-1D8F3E6C2A10", "printernizer.installation_id"),
    ("installation_id", "5f0c7b8e-2f47-1b2a-9a51-1d8f3e6c2a10", "printernizer.installation_id"),
    ("installation_id", "", "printernizer.installation_id"),
    ("app_version", "2.41.7-6-gbe0da09", "printernizer.app_version"),
    ("deployment_mode", "kubernetes", "printernizer.deployment_mode"),
    ("country_code", "Germany", "printernizer.country_code"),
    ("platform", "'; DROP TABLE installations; --", "printernizer.platform"),
])
def test_invalid_resource_field_rejects_the_batch(registry: Registry, field: str, value: str, named: str) -> None:
    """A resource field outside its format or closed set refuses the whole batch, naming the field."""
    installation = Installation(**{field: value})
    assert named in _rejected(validate_batch(registry, _request(registry, installation=installation), WINDOW))


def test_undeclared_resource_attribute_rejects_the_batch(registry: Registry) -> None:
    """No resource attribute outside the registry is accepted, not even service.name."""
    reason = _rejected(validate_batch(registry, _request(registry, **{"service.name": "printernizer"}), WINDOW))
    assert "'service.name': not declared" in reason


def test_missing_or_non_string_resource_field_rejects_the_batch(registry: Registry) -> None:
    """A resource field that is absent, or not a string, refuses the batch."""
    request = _request(registry)
    attributes = request.resource_metrics[0].resource.attributes
    platform = next(kv for kv in attributes if kv.key == "printernizer.platform")
    attributes.remove(platform)
    assert "'printernizer.platform': missing" in _rejected(validate_batch(registry, request, WINDOW))
    attributes.append(KeyValue(key="printernizer.platform"))
    attributes[-1].value.int_value = 3
    assert "must be a string" in _rejected(validate_batch(registry, request, WINDOW))


def test_other_registry_version_or_scope_rejects_the_batch(registry: Registry) -> None:
    """The batch must be built with the receiver's registry version, under our instrumentation scope."""
    reason = _rejected(validate_batch(registry, _request(registry, **{"printernizer.stats.registry_version": "2"}),
                                      WINDOW))
    assert "registry_version" in reason
    request = _request(registry)
    request.resource_metrics[0].scope_metrics[0].scope.name = "some-library"
    assert "scope" in _rejected(validate_batch(registry, request, WINDOW))


def test_envelope_must_hold_one_resource_and_one_scope(registry: Registry) -> None:
    """Two installations in one request, or two scopes, are refused."""
    request = _request(registry)
    request.resource_metrics.append(request.resource_metrics[0])
    assert "resource_metrics" in _rejected(validate_batch(registry, request, WINDOW))
    request = _request(registry)
    scopes = request.resource_metrics[0].scope_metrics
    scopes.append(scopes[0])
    assert "scope_metrics" in _rejected(validate_batch(registry, request, WINDOW))
    assert "resource_metrics" in _rejected(validate_batch(registry, ExportMetricsServiceRequest(), WINDOW))


def test_batch_id_must_be_derived_from_installation_and_week(registry: Registry) -> None:
    """A batch id that is not uuid5(installation, week) refuses the batch (it is the idempotency key)."""
    request = _request(registry, **{"printernizer.stats.batch_id": "9a3e4a43-3d4b-5c36-8e6d-3c1d5c8f9a11"})
    assert "printernizer.stats.batch_id" in _rejected(validate_batch(registry, request, WINDOW))


@pytest.mark.parametrize(("series", "named"), [
    (Series("printernizer.secret.metric", {}, 1), "'printernizer.secret.metric': not in the registry"),
    (Series(JOBS, {"event": "benchy.3mf"}, 1), "attribute 'event'"),
    (Series(JOBS, {"printer_name": "X1C workshop"}, 1), "attribute 'printer_name': not declared"),
    (Series(JOBS, {"event": "' OR 1=1 --"}, 1), "attribute 'event'"),
    (Series(JOBS, {"event": "failed"}, -3), "negative"),
    (Series("printernizer.uptime", {}, 8), "above 7"),
    (Series("printernizer.features.enabled", {"feature": "mqtt"}, 2), "above 1"),
    (Series("printernizer.printers", {"printer_type": "octoprint"}, 2_000_000_000), "above 1e+09"),
    (Series("http.server.request.duration", {"http.route": "/api/v1/files/benchy.3mf?user=anna",
                                             "http.request.method": "GET", "http.response.status_code": "2xx"},
            1.0, (1,) * 12), "attribute 'http.route'"),
])
def test_invalid_point_is_rejected_alone(registry: Registry, series: Series, named: str) -> None:
    """An invalid point is rejected with a reason naming the field; the valid point beside it is kept."""
    request = _request(registry, [Series(JOBS, {"event": "completed"}, 3), series]) if series.metric in \
        registry.metrics else _with_unknown_metric(registry, series.metric)
    rejected, message = _partial(validate_batch(registry, request, WINDOW))
    assert rejected == 1 and named in message


def _with_unknown_metric(registry: Registry, name: str) -> ExportMetricsServiceRequest:
    request = _request(registry)
    metric = request.resource_metrics[0].scope_metrics[0].metrics.add()
    metric.CopyFrom(_metrics(request)[0])
    metric.name = name
    return request


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, 2.5])
def test_non_finite_or_fractional_counts_are_rejected(registry: Registry, value: float) -> None:
    """NaN, infinities and fractions are not counts."""
    request = _request(registry, [Series(JOBS, {"event": "completed"}, 3), Series(JOBS, {"event": "failed"}, 1)])
    _metrics(request)[0].sum.data_points[1].as_double = value
    rejected, message = _partial(validate_batch(registry, request, WINDOW))
    assert rejected == 1 and JOBS in message


@pytest.mark.parametrize(("mutate", "named"), [
    (lambda m: setattr(m.sum, "aggregation_temporality",
                       AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE), "monotonic DELTA Sum"),
    (lambda m: setattr(m.sum, "is_monotonic", False), "monotonic DELTA Sum"),
    (lambda m: setattr(m, "unit", "ms"), "unit"),
])
def test_metric_of_the_wrong_shape_is_rejected(registry: Registry, mutate: Callable[[Metric], None],
                                               named: str) -> None:
    """A counter sent as cumulative, non-monotonic or in another unit has all its points rejected."""
    request = _request(registry, [Series(JOBS, {"event": "completed"}, 3), Series("printernizer.uptime", {}, 5)])
    mutate(_metrics(request)[0])
    rejected, message = _partial(validate_batch(registry, request, WINDOW))
    assert rejected == 1 and named in message


def test_histogram_rules(registry: Registry) -> None:
    """Histogram bounds must be the registry's, bucket counts add up to the count, and min/max are not kept."""
    route = {"http.route": "/api/v1/jobs", "http.request.method": "GET", "http.response.status_code": "2xx"}
    buckets = (1,) * (len(registry.metrics["http.server.request.duration"].rounding.buckets) + 1)
    series = [Series("http.server.request.duration", route, 1.5, buckets), Series(JOBS, {"event": "failed"}, 1)]
    request = _request(registry, series)
    point = _metrics(request)[-1].histogram.data_points[0]
    point.min, point.max = 0.001, 0.9
    batch = validate_batch(registry, request, WINDOW)
    assert isinstance(batch, ValidatedBatch) and batch.series[-1].sample_count == len(buckets)
    point.explicit_bounds[0] = 0.004
    assert "explicit_bounds" in _partial(validate_batch(registry, request, WINDOW))[1]
    request = _request(registry, series)
    _metrics(request)[-1].histogram.data_points[0].count = len(buckets) + 1
    assert "sum of bucket_counts" in _partial(validate_batch(registry, request, WINDOW))[1]


@pytest.mark.parametrize(("offset", "named"), [
    (timedelta(weeks=2), "in the future"),
    (-timedelta(weeks=30), "older than 26 weeks"),
])
def test_points_dated_in_the_future_or_far_past_are_rejected(registry: Registry, offset: timedelta,
                                                             named: str) -> None:
    """A point after now (plus a day of clock skew) or before the horizon is rejected."""
    request = _request(registry, [Series(JOBS, {"event": "completed"}, 3), Series(JOBS, {"event": "failed"}, 1)])
    point = _metrics(request)[0].sum.data_points[1]
    point.start_time_unix_nano += int(offset.total_seconds()) * 1_000_000_000
    point.time_unix_nano += int(offset.total_seconds()) * 1_000_000_000
    rejected, message = _partial(validate_batch(registry, request, WINDOW))
    assert rejected == 1 and named in message


def test_points_from_two_weeks_do_not_share_a_batch(registry: Registry) -> None:
    """A point of another week than the batch's is rejected."""
    request = _request(registry, [Series(JOBS, {"event": "completed"}, 3), Series(JOBS, {"event": "failed"}, 1)])
    point = _metrics(request)[0].sum.data_points[1]
    point.time_unix_nano -= 7 * 86_400 * 1_000_000_000
    point.start_time_unix_nano -= 7 * 86_400 * 1_000_000_000
    assert "week 2026-11-09" in _partial(validate_batch(registry, request, WINDOW))[1]


def test_duplicate_series_is_rejected(registry: Registry) -> None:
    """The same series twice in one batch keeps the first."""
    request = _request(registry, [Series(JOBS, {"event": "completed"}, 3), Series(JOBS, {"event": "completed"}, 5)])
    batch = validate_batch(registry, request, WINDOW)
    assert isinstance(batch, ValidatedBatch) and batch.series[0].value == 3
    assert "appears twice" in batch.rejection_message()


def test_a_batch_without_valid_points_is_refused(registry: Registry) -> None:
    """Nothing valid to store is a 400, with the reasons."""
    assert "no valid data points" in _rejected(validate_batch(registry, _request(registry, []), WINDOW))
    reason = _rejected(validate_batch(registry, _request(registry, [Series(JOBS, {"event": "x y"}, 1)]), WINDOW))
    assert "no valid data points" in reason and "attribute 'event'" in reason


def test_too_many_points_are_refused_before_looking_at_them(registry: Registry) -> None:
    """A body with more points than any valid batch can carry is refused whole."""
    request = _request(registry)
    points = _metrics(request)[0].sum.data_points
    for _ in range(max_points(registry)):
        points.add().CopyFrom(points[0])
    assert "at most" in _rejected(validate_batch(registry, request, WINDOW))


def test_deletion_request(registry: Registry) -> None:
    """A deletion request validates as such; mixed with other metrics, or with the wrong id, it is refused."""
    installation = Installation()
    batch = validate_batch(registry, deletion_request(registry, installation), WINDOW)
    assert isinstance(batch, ValidatedBatch) and batch.kind is BatchKind.DELETION and batch.series == ()
    mixed = deletion_request(registry, installation)
    extra = mixed.resource_metrics[0].scope_metrics[0].metrics.add()
    extra.CopyFrom(_metrics(_request(registry))[0])
    assert "deletion request carries only" in _rejected(validate_batch(registry, mixed, WINDOW))
    wrong_id = _request(registry, [Series("printernizer.installation.deletion_requested", {}, 1)],
                        installation=installation)
    assert "deletion batch id" in _rejected(validate_batch(registry, wrong_id, WINDOW))
    twice = deletion_request(registry, installation)
    _metrics(twice)[0].sum.data_points[0].as_int = 2
    assert "value 1" in _rejected(validate_batch(registry, twice, WINDOW))


def test_refused_attribute_values_are_not_remembered(registry: Registry) -> None:
    """The attribute-check cache keeps only valid sets, so junk values cannot pile up in memory."""
    from printernizer_stats.maintainers.server import _points

    junk = "j" * 100_000
    request = _request(registry, [Series(JOBS, {"event": "completed"}, 3), Series(JOBS, {"event": junk}, 1)])
    validate_batch(registry, request, WINDOW)
    assert not any(junk in str(key) for key in _points._CHECKED)
    assert any("completed" in str(key) for key in _points._CHECKED)


def test_junk_volume_is_refused_cheaply(registry: Registry) -> None:
    """Thousands of empty metrics refuse the batch; thousands of attribute pairs on a point reject it."""
    request = _request(registry)
    scope = request.resource_metrics[0].scope_metrics[0]
    for index in range(5000):
        scope.metrics.add(name=f"junk.metric{index}")
    assert "at most" in _rejected(validate_batch(registry, request, WINDOW))
    request = _request(registry, [Series(JOBS, {"event": "completed"}, 3), Series(JOBS, {"event": "failed"}, 1)])
    point = _metrics(request)[0].sum.data_points[1]
    for index in range(5000):
        point.attributes.add(key=f"k{index}").value.string_value = "v"
    assert "more attributes than the 1 declared" in _partial(validate_batch(registry, request, WINDOW))[1]


def test_a_collectors_request_gives_one_verdict_per_batch(registry: Registry) -> None:
    """Each ResourceMetrics of a merged request is validated on its own, in order; one bad one spoils no other."""
    first, second = Installation(), Installation()
    request = merged(_request(registry, installation=first), _request(registry, installation=Installation("bad")),
                     deletion_request(registry, second))
    verdicts = validate_request(registry, request, WINDOW)
    assert isinstance(verdicts, tuple) and len(verdicts) == 3
    assert isinstance(verdicts[0], ValidatedBatch) and verdicts[0].installation.installation_id == first.installation_id
    assert "printernizer.installation_id" in _rejected(verdicts[1])
    assert isinstance(verdicts[2], ValidatedBatch) and verdicts[2].kind is BatchKind.DELETION


def test_a_request_without_batches_or_with_too_many_is_refused_whole(registry: Registry) -> None:
    """No ResourceMetrics, or more than a collector's batch can hold, refuses the request."""
    assert "at least one" in _rejected(validate_request(registry, ExportMetricsServiceRequest(), WINDOW))
    flood = ExportMetricsServiceRequest()
    for _ in range(MAX_BATCHES_PER_REQUEST + 1):
        flood.resource_metrics.add()
    assert "at most" in _rejected(validate_request(registry, flood, WINDOW))
    assert "exactly one, not 2" in _rejected(validate_batch(registry, merged(_request(registry), _request(registry)),
                                                            WINDOW))
