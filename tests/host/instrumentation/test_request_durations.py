"""RequestDurations: the in-process histogram equals the SDK's, follows the switch, and is a delta."""

from __future__ import annotations

import dataclasses

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import Histogram, HistogramDataPoint, InMemoryMetricReader
from opentelemetry.sdk.resources import Resource

from printernizer_stats.host.instrumentation import HTTP_SERVER_DURATION, RequestDurations, registry_views
from printernizer_stats.registry import Registry

VALUES = [0.0, 0.0004, 0.005, 0.0050001, 0.01, 0.3, 0.3, 2.5, 9.99, 10.0, 42.0]


def _durations(registry: Registry) -> RequestDurations:
    durations = RequestDurations(registry.metrics[HTTP_SERVER_DURATION])
    durations.activate(True)
    return durations


def _points(durations: RequestDurations) -> list[HistogramDataPoint]:
    metric = durations.collect()
    assert metric is not None and isinstance(metric.data, Histogram)
    return list(metric.data.data_points)


def test_buckets_count_sum_min_max_equal_the_sdk_histogram(registry: Registry) -> None:
    """The same values give the same data point as the OTel SDK's histogram under the registry's views."""
    reader = InMemoryMetricReader()
    provider = MeterProvider(metric_readers=[reader], resource=Resource({}), views=registry_views(registry))
    sdk = provider.get_meter("test").create_histogram(HTTP_SERVER_DURATION, "s")
    durations = _durations(registry)
    attributes = {"http.route": "/api/v1/health", "http.request.method": "GET", "http.response.status_code": 200}
    for value in VALUES:
        sdk.record(value, attributes)
        durations.record("/api/v1/health", "GET", 200, value)
    data = reader.get_metrics_data()
    assert data is not None
    expected = data.resource_metrics[0].scope_metrics[0].metrics[0].data.data_points[0]
    ours = _points(durations)[0]
    assert isinstance(expected, HistogramDataPoint)
    assert tuple(ours.bucket_counts) == tuple(expected.bucket_counts)
    assert tuple(ours.explicit_bounds) == tuple(expected.explicit_bounds)
    assert (ours.count, ours.min, ours.max) == (expected.count, expected.min, expected.max)
    assert ours.sum == pytest.approx(expected.sum)
    assert dict(ours.attributes or {}) == attributes


def test_collect_is_a_delta_with_registry_name_unit_and_keys(registry: Registry) -> None:
    """A collection takes what was counted since the last one; the next one is empty."""
    durations = _durations(registry)
    durations.record("/a", "GET", 200, 0.01)
    durations.record("/a", "GET", 404, 0.01)
    metric = durations.collect()
    assert metric is not None
    spec = registry.metrics[HTTP_SERVER_DURATION]
    assert (metric.name, metric.unit) == (spec.name, spec.unit)
    assert isinstance(metric.data, Histogram)
    assert len(metric.data.data_points) == 2
    assert all(set(p.attributes or {}) == set(spec.attributes) for p in metric.data.data_points)
    assert durations.collect() is None


def test_methods_outside_the_registry_are_stored_as_other(registry: Registry) -> None:
    """A client-chosen method never becomes a series of its own (it is input, and unbounded)."""
    durations = _durations(registry)
    for method in ("BREW", "PROPFIND", "get"):
        durations.record("unmatched", method, 405, 0.001)
    assert durations.pending() == {("unmatched", "other", 405): 3}


def test_inactive_records_nothing_and_activation_starts_empty(registry: Registry) -> None:
    """Off records nothing; turning off keeps what is pending for the last collection; on starts afresh."""
    durations = RequestDurations(registry.metrics[HTTP_SERVER_DURATION])
    durations.record("/a", "GET", 200, 0.01)
    assert durations.pending() == {}
    durations.activate(True)
    durations.record("/a", "GET", 200, 0.01)
    durations.activate(False)
    durations.record("/a", "GET", 200, 0.01)
    assert durations.pending() == {("/a", "GET", 200): 1}
    durations.activate(True)
    assert durations.pending() == {}


def test_a_spec_without_the_http_attributes_is_refused(registry: Registry) -> None:
    """The registry entry must declare route, method and status; otherwise construction fails early."""
    spec = dataclasses.replace(registry.metrics[HTTP_SERVER_DURATION], attributes={})
    with pytest.raises(ValueError, match=r"http\.route"):
        RequestDurations(spec)
