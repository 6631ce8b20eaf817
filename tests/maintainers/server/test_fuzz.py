"""Property-based fuzzing of the whole app: ten thousand generated bodies, not one answer >= 500.

Three kinds of bodies: random bytes under every content type and encoding; structurally plausible OTLP
requests (protobuf or JSON) with values drawn from the registry's names and from anything at all; and byte
mutations of a valid gzipped batch. A refused request (>= 400) never changes the database.
"""

from __future__ import annotations

import gzip
import math
import os
import random
import time
from datetime import timedelta

import sqlalchemy as sa
from google.protobuf import json_format
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.metrics.v1.metrics_pb2 import AggregationTemporality, Metric

from printernizer_stats.maintainers.server import ReceiverConfig, Storage, create_app
from printernizer_stats.registry import SCOPE_NAME, Registry, default_registry, to_unix_nano
from tests.maintainers.server.asgi import AsgiDriver
from tests.maintainers.server.batches import (
    MONDAY,
    Installation,
    Series,
    batch_id,
    gzipped,
    typical_series,
    week_request,
)
from tests.maintainers.server.conftest import NOW

REGISTRY = default_registry()
BODIES = int(os.environ.get("FUZZ_BODIES", "10000"))
"""On SQLite; PostgreSQL gets a smaller run of the same strategies (the big count is about the app, not the DB)."""
POSTGRES_BODIES = 1_500
WEEK_START = to_unix_nano(MONDAY)
MEDIA = st.sampled_from(["application/x-protobuf", "application/json", "application/json; charset=utf-8",
                         "text/plain", ""])
text = st.text(max_size=60)
names = st.one_of(st.sampled_from(sorted(REGISTRY.metrics)), text)
attribute_keys = st.one_of(st.sampled_from(sorted({a for m in REGISTRY.metrics.values() for a in m.attributes})),
                           text)
attribute_values = st.one_of(
    st.sampled_from(sorted({v for m in REGISTRY.metrics.values() for a in m.attributes.values()
                            for v in a.ordered_values} | {"other", "/api/v1/jobs", "unmatched"})), text)
numbers = st.one_of(st.integers(-(2**63), 2**63 - 1), st.floats(allow_nan=True, allow_infinity=True),
                    st.integers(0, 50))
timestamps = st.one_of(st.just(WEEK_START), st.just(WEEK_START + 7 * 86_400 * 10**9),
                       st.integers(0, 2**64 - 1), st.integers(WEEK_START - 10**15, WEEK_START + 10**15))


any_values = st.one_of(
    st.builds(lambda v: AnyValue(string_value=v), st.one_of(attribute_values, text)),
    st.builds(lambda v: AnyValue(int_value=v), st.integers(-(2**63), 2**63 - 1)),
    st.builds(lambda v: AnyValue(double_value=v), st.floats()),
    st.builds(lambda v: AnyValue(bool_value=v), st.booleans()),
    st.builds(lambda v: AnyValue(bytes_value=v), st.binary(max_size=20)),
    st.just(AnyValue()),
)


pair_values = st.one_of(attribute_values.map(lambda v: AnyValue(string_value=v)), any_values)
point_attributes = st.lists(st.tuples(attribute_keys, pair_values), max_size=3)
resource_attributes = st.lists(st.tuples(st.one_of(st.sampled_from(sorted(REGISTRY.resource)), text), pair_values),
                               max_size=10)
start_and_end = st.one_of(st.just((WEEK_START, WEEK_START + 7 * 86_400 * 10**9)), st.tuples(timestamps, timestamps))
metric_kinds = st.sampled_from(["sum", "gauge", "histogram", "exponential_histogram", "summary", "none"])
units = st.sampled_from(["{job}", "d", "s", "1", "ms", ""])
scopes = st.sampled_from([(SCOPE_NAME, "1")] * 8 + [("x", "1"), (SCOPE_NAME, "")])
temporalities = st.sampled_from(list(AggregationTemporality.values()))
bucket_lists = st.lists(st.integers(0, 2**64 - 1), max_size=13)
bound_lists = st.one_of(st.just(list(REGISTRY.metrics["http.server.request.duration"].rounding.buckets)),
                        st.lists(st.floats(), max_size=12))
labels = st.sampled_from(["2026-W47", "deletion", "2026-W46"])


def _pairs(drawn: list[tuple[str, AnyValue]]) -> list[KeyValue]:
    return [KeyValue(key=key, value=value) for key, value in drawn]


@st.composite
def otlp_requests(draw: st.DrawFn) -> ExportMetricsServiceRequest:
    """Plausible OTLP requests: the registry's names and values mixed with anything at all."""
    installation = Installation()
    request = week_request(REGISTRY, installation, MONDAY, [])
    resource = request.resource_metrics[0].resource
    if draw(st.booleans()):
        del resource.attributes[:]
        resource.attributes.extend(_pairs(draw(resource_attributes)))
    elif draw(st.booleans()):
        resource.attributes[draw(st.integers(0, 7))].value.CopyFrom(draw(any_values))
    scope = request.resource_metrics[0].scope_metrics[0]
    scope.scope.name, scope.scope.version = draw(scopes)
    for _ in range(draw(st.integers(0, 3))):
        metric = Metric(name=draw(names), unit=draw(units))
        kind = draw(metric_kinds)
        for _ in range(draw(st.integers(0, 3))):
            attributes = _pairs(draw(point_attributes))
            start, end = draw(start_and_end)
            if kind in {"sum", "gauge"}:
                point = getattr(metric, kind).data_points.add(start_time_unix_nano=start, time_unix_nano=end)
                value = draw(numbers)
                if isinstance(value, int) and -(2**63) <= value < 2**63:
                    point.as_int = value
                else:
                    point.as_double = float(value)
                if kind == "sum":
                    metric.sum.is_monotonic = draw(st.booleans())
                    metric.sum.aggregation_temporality = draw(temporalities)
            elif kind == "histogram":
                point = metric.histogram.data_points.add(start_time_unix_nano=start, time_unix_nano=end)
                point.bucket_counts.extend(draw(bucket_lists))
                point.explicit_bounds.extend(draw(bound_lists))
                point.count = draw(st.integers(0, 2**64 - 1))
                point.sum = draw(st.floats())
                metric.histogram.aggregation_temporality = AggregationTemporality.AGGREGATION_TEMPORALITY_DELTA
            elif kind == "exponential_histogram":
                point = metric.exponential_histogram.data_points.add(time_unix_nano=end)
                point.count = draw(st.integers(0, 100))
            elif kind == "summary":
                point = metric.summary.data_points.add(time_unix_nano=end)
                point.sum = draw(st.floats())
            else:
                continue
            point.attributes.extend(attributes)
        scope.metrics.append(metric)
    if draw(st.booleans()):
        label = draw(labels)
        for pair in resource.attributes:
            if pair.key == "printernizer.stats.batch_id":
                pair.value.string_value = batch_id(installation.installation_id, label)
    return request


@st.composite
def structured_bodies(draw: st.DrawFn) -> tuple[bytes, str, bool]:
    request = draw(otlp_requests())
    as_json = draw(st.booleans())
    body = json_format.MessageToJson(request).encode() if as_json else request.SerializeToString()
    compress = draw(st.booleans())
    return (gzip.compress(body, mtime=0) if compress else body,
            "application/json" if as_json else "application/x-protobuf", compress)


VALID = gzipped(week_request(REGISTRY, Installation(), MONDAY - timedelta(weeks=1),
                             typical_series(REGISTRY, random.Random(7))))


@st.composite
def mutated_bodies(draw: st.DrawFn) -> tuple[bytes, str, bool]:
    body = bytearray(VALID)
    for _ in range(draw(st.integers(1, 6))):
        position = draw(st.integers(0, len(body) - 1))
        operation = draw(st.sampled_from(["flip", "delete", "insert", "truncate"]))
        if operation == "flip":
            body[position] ^= draw(st.integers(1, 255))
        elif operation == "delete":
            del body[position]
        elif operation == "insert":
            body[position:position] = draw(st.binary(min_size=1, max_size=8))
        else:
            del body[position:]
        if not body:
            break
    return bytes(body), "application/x-protobuf", draw(st.booleans())


@st.composite
def near_valid_bodies(draw: st.DrawFn) -> tuple[bytes, str, bool]:
    """A well-formed batch of registry series whose values and attributes are drawn freely."""
    series = []
    for metric in draw(st.lists(st.sampled_from([m for m in REGISTRY.metrics if "deletion" not in m]), max_size=4)):
        spec = REGISTRY.metrics[metric]
        attributes = {name: draw(attribute_values) for name in spec.attributes if draw(st.integers(0, 5))}
        if spec.rounding.buckets:
            buckets = tuple(draw(st.lists(st.integers(0, 1000), min_size=12, max_size=12)))
            series.append(Series(metric, attributes, draw(st.floats(0, 1e6)), buckets))
        else:
            series.append(Series(metric, attributes, draw(numbers)))
    installation = Installation(installation_id=draw(st.sampled_from(INSTALLATIONS)))
    request = week_request(REGISTRY, installation, MONDAY - timedelta(weeks=draw(st.integers(0, 30))), series)
    as_json = draw(st.booleans())
    body = json_format.MessageToJson(request).encode() if as_json else request.SerializeToString()
    return body, "application/json" if as_json else "application/x-protobuf", False


INSTALLATIONS = [Installation().installation_id for _ in range(20)]
random_bodies = st.tuples(st.binary(max_size=3000), MEDIA, st.booleans())
# Weighted towards the cheap strategies: a structured body costs ~5 ms to generate, the others ~1 ms.
bodies = st.one_of(random_bodies, mutated_bodies(), near_valid_bodies(), structured_bodies(),
                   random_bodies, mutated_bodies(), near_valid_bodies())


def test_ten_thousand_generated_bodies_never_get_a_5xx(storage: Storage, registry: Registry) -> None:
    """No generated body gets an answer >= 500, and a refused body never changes the database."""
    count = BODIES if storage.engine.dialect.name == "sqlite" else POSTGRES_BODIES
    config = ReceiverConfig(installation_burst=1_000_000, address_burst=0, max_body_bytes=64 * 1024)
    driver = AsgiDriver(create_app(config, storage=storage, now=lambda: NOW))
    seen: dict[int, int] = {}
    started = time.perf_counter()
    connection = storage.engine.connect()
    count_all = sa.text("SELECT (SELECT COUNT(*) FROM installations), (SELECT COUNT(*) FROM daily_stats), "
                        "(SELECT COUNT(*) FROM events_summary), (SELECT COUNT(*) FROM batches)")

    def fingerprint() -> tuple[int, ...]:
        row = tuple(connection.execute(count_all).one())
        connection.rollback()  # end the read transaction, so the next read sees new writes
        return row

    @settings(max_examples=count, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(bodies)
    def run(case: tuple[bytes, str, bool]) -> None:
        body, content_type, compress = case
        before = fingerprint()
        answer = driver.post(body, content_type=content_type, gzip=compress)
        seen[answer.status] = seen.get(answer.status, 0) + 1
        assert answer.status < 500, (answer.status, answer.body[:200])
        if answer.status >= 400:
            assert fingerprint() == before

    run()
    connection.close()
    elapsed = time.perf_counter() - started
    print(f"\n{sum(seen.values())} bodies in {elapsed:.1f} s; statuses {dict(sorted(seen.items()))}")
    assert sum(seen.values()) >= count
    assert {200, 400, 415} <= set(seen)
    assert not math.isnan(elapsed)
