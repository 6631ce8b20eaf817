"""The weekly batch: exactly the wire format, only registry content, week timestamps, deterministic bytes."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest

from printernizer_stats.contract import batch_id
from printernizer_stats.host.sender import build_deletion_batch, build_week_batch, wire_resource
from printernizer_stats.registry import DELETION_METRIC, Registry, WeekValue, to_unix_nano
from tests.host.sender.conftest import FACTS, IDENTITY, INSTALLATION, MONDAY, SECRET, week_values


def _decode(payload: bytes) -> ExportMetricsServiceRequest:
    return ExportMetricsServiceRequest.FromString(payload)


def test_batch_id_is_uuid5_of_installation_and_week() -> None:
    """The id follows docs/wire-format.md, so a resend after a lost answer carries the same id."""
    expected = uuid.uuid5(uuid.NAMESPACE_URL, f"printernizer-stats:{INSTALLATION}:2026-W47")
    assert batch_id(INSTALLATION, "2026-W47") == str(expected)


def test_resource_carries_exactly_the_registry_fields(registry: Registry) -> None:
    """Every registry field, in registry order, nothing else (not even service.name or host facts)."""
    facts = {**FACTS, "host.name": "workshop-pc", "service.name": "printernizer"}
    batch = build_week_batch(registry, facts, INSTALLATION, MONDAY, week_values(MONDAY), identity=IDENTITY)
    assert batch is not None
    resource = {kv.key: kv.value.string_value for kv in _decode(batch.payload).resource_metrics[0].resource.attributes}
    assert list(resource) == list(registry.resource)
    assert resource["printernizer.installation_id"] == INSTALLATION
    assert resource["printernizer.stats.batch_id"] == batch.batch_id
    assert resource["printernizer.stats.registry_version"] == str(registry.version)


def test_resource_facts_are_normalised_and_missing_ones_fall_back(registry: Registry) -> None:
    """A raw git version is cut to major.minor.patch; a fact never stored becomes its safe fallback."""
    facts = {"printernizer.app_version": "2.41.7-6-gbe0da09-dirty"}
    resource = wire_resource(registry, facts, INSTALLATION, batch_id(INSTALLATION, "2026-W47"), IDENTITY)
    assert resource["printernizer.app_version"] == "2.41.7"
    assert resource["printernizer.country_code"] == "XX"
    assert resource["printernizer.deployment_mode"] == "other"


def test_an_installation_id_that_is_not_uuid4_is_refused(registry: Registry) -> None:
    """The builder checks its output with the receiver's own rules rather than send something invalid."""
    with pytest.raises(ValueError, match="installation_id"):
        build_week_batch(registry, FACTS, str(uuid.uuid1()), MONDAY, week_values(MONDAY), identity=IDENTITY)


def test_every_point_carries_the_week_and_nothing_finer(registry: Registry) -> None:
    """Start = Monday 00:00 UTC, end = next Monday 00:00 UTC, on sums, gauges and histograms alike."""
    batch = build_week_batch(registry, FACTS, INSTALLATION, MONDAY, week_values(MONDAY), identity=IDENTITY)
    assert batch is not None
    start, end = to_unix_nano(MONDAY), to_unix_nano(MONDAY + timedelta(days=7))
    seen = set()
    for metric in _decode(batch.payload).resource_metrics[0].scope_metrics[0].metrics:
        kind = metric.WhichOneof("data")
        seen.add(kind)
        for point in getattr(metric, kind).data_points:
            assert (point.start_time_unix_nano, point.time_unix_nano) == (start, end)
    assert seen == {"sum", "gauge", "histogram"}


def test_metrics_follow_registry_order_and_points_are_sorted(registry: Registry) -> None:
    """Registry order for metrics, attribute order for points, whatever order the values came in."""
    batch = build_week_batch(registry, FACTS, INSTALLATION, MONDAY, week_values(MONDAY), identity=IDENTITY)
    assert batch is not None
    scope = _decode(batch.payload).resource_metrics[0].scope_metrics[0]
    names = [m.name for m in scope.metrics]
    assert names == [n for n in registry.metrics if n in names]
    events = [p.attributes[0].value.string_value for p in scope.metrics[0].sum.data_points]
    assert events == ["completed", "failed"]
    assert scope.scope.name == "printernizer-stats" and scope.scope.version == str(registry.version)


def test_kinds_encode_as_the_wire_format_says(registry: Registry) -> None:
    """Counters: monotonic delta int sums; gauges: ints; histograms: registry bounds, count = buckets, no min/max."""
    batch = build_week_batch(registry, FACTS, INSTALLATION, MONDAY, week_values(MONDAY), identity=IDENTITY)
    assert batch is not None
    metrics = {m.name: m for m in _decode(batch.payload).resource_metrics[0].scope_metrics[0].metrics}
    jobs = metrics["printernizer.jobs.events"].sum
    assert jobs.is_monotonic and jobs.aggregation_temporality == 1
    assert [p.WhichOneof("value") for p in jobs.data_points] == ["as_int", "as_int"]
    assert metrics["printernizer.printers"].gauge.data_points[0].as_int == 2
    histogram = metrics["http.server.request.duration"].histogram
    point = histogram.data_points[0]
    assert list(point.explicit_bounds) == list(registry.metrics["http.server.request.duration"].rounding.buckets)
    assert point.count == sum(point.bucket_counts) == 5
    assert not point.HasField("min") and not point.HasField("max")
    assert histogram.aggregation_temporality == 1
    assert metrics["printernizer.jobs.events"].description == ""  # the registry version pins the meaning


def test_nothing_outside_the_registry_appears(registry: Registry) -> None:
    """Unknown metrics, undeclared keys, invalid values and other weeks' values are left out."""
    values = [
        *week_values(MONDAY),
        WeekValue(MONDAY, "printernizer.secret", (), 1.0),
        WeekValue(MONDAY, "printernizer.jobs.events", (("file_name", "a.3mf"),), 3.0),
        WeekValue(MONDAY, "printernizer.jobs.events", (("event", "exploded"),), 3.0),
        WeekValue(MONDAY, "http.server.request.duration", (("http.route", "/files/a.3mf?x=1"),), 0.1, 1,
                  (1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)),
        WeekValue(MONDAY, DELETION_METRIC, (), 1.0),
        WeekValue(MONDAY - timedelta(weeks=1), "printernizer.app.starts", (), 1.0),
    ]
    batch = build_week_batch(registry, FACTS, INSTALLATION, MONDAY, values, identity=IDENTITY)
    assert batch is not None
    reference = build_week_batch(registry, FACTS, INSTALLATION, MONDAY, week_values(MONDAY), identity=IDENTITY)
    assert reference is not None
    assert batch.payload == reference.payload


def test_same_data_gives_the_same_bytes(registry: Registry) -> None:
    """Deterministic: shuffled input, separate builds, identical bytes and hash."""
    first = build_week_batch(registry, FACTS, INSTALLATION, MONDAY, week_values(MONDAY), identity=IDENTITY)
    second = build_week_batch(registry, FACTS, INSTALLATION, MONDAY, list(reversed(week_values(MONDAY))),
                              identity=IDENTITY)
    assert first is not None and second is not None
    assert first.payload == second.payload and first.sha256 == second.sha256


def test_a_week_without_sendable_values_gives_no_batch(registry: Registry) -> None:
    """No empty batches: nothing to say means nothing sent."""
    assert build_week_batch(registry, FACTS, INSTALLATION, MONDAY, [], identity=IDENTITY) is None
    with pytest.raises(ValueError, match="Monday"):
        build_week_batch(registry, FACTS, INSTALLATION, MONDAY + timedelta(days=1), week_values(MONDAY),
                         identity=IDENTITY)


def test_deletion_batch_has_only_the_deletion_metric(registry: Registry) -> None:
    """One Sum with value 1, the old installation's resource, and the ``deletion`` batch id."""
    batch = build_deletion_batch(registry, FACTS, INSTALLATION, MONDAY + timedelta(days=3), secret=SECRET)
    request = _decode(batch.payload)
    metrics = request.resource_metrics[0].scope_metrics[0].metrics
    assert [m.name for m in metrics] == [DELETION_METRIC]
    assert metrics[0].sum.data_points[0].as_int == 1
    assert batch.batch_id == batch_id(INSTALLATION, "deletion") and batch.kind == "deletion"
    assert metrics[0].sum.data_points[0].start_time_unix_nano == to_unix_nano(MONDAY)
