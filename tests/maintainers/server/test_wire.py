"""Points read from the wire (``_wire``) get exactly the verdicts the protobuf objects give them."""

from __future__ import annotations

import gzip
import random
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.metrics.v1.metrics_pb2 import Exemplar, Metric

from printernizer_stats.maintainers.server import _checked_points
from printernizer_stats.maintainers.server._points import TimeWindow
from printernizer_stats.maintainers.server._rows import buckets_json, canonical_json
from printernizer_stats.maintainers.server._validate import validate_request
from printernizer_stats.maintainers.server._wire import number_point, point_spans
from printernizer_stats.registry import Registry
from tests.maintainers.server.batches import MONDAY, Installation, gzipped, typical_series, week_request
from tests.maintainers.server.conftest import NOW
from tests.maintainers.server.test_fuzz import REGISTRY, mutated_bodies, near_valid_bodies, otlp_requests


def _window() -> TimeWindow:
    return TimeWindow(int(NOW.timestamp()) * 1_000_000_000)


def _both(request: ExportMetricsServiceRequest) -> tuple[str, str]:
    """repr of the verdicts with the wire path, and without it (repr: 3 and 3.0 differ in a receipt)."""
    _checked_points.WIRE = False
    try:
        objects = repr(validate_request(REGISTRY, request, _window()))
    finally:
        _checked_points.WIRE = True
    return repr(validate_request(REGISTRY, request, _window())), objects


def _typical() -> ExportMetricsServiceRequest:
    series = typical_series(REGISTRY, random.Random(3))
    return week_request(REGISTRY, Installation(), MONDAY - timedelta(weeks=1), series)


def _metrics(request: ExportMetricsServiceRequest) -> list[Metric]:
    return list(request.resource_metrics[0].scope_metrics[0].metrics)


def test_a_typical_batch_is_read_from_the_wire(registry: Registry) -> None:
    """Every point of a client's batch takes the fast path, with the objects' verdict."""
    request = _typical()
    for metric in _metrics(request):
        data = getattr(metric, metric.WhichOneof("data"))
        assert point_spans(data.SerializeToString(), len(data.data_points)) is not None
    wire, objects = _both(request)
    assert wire == objects and "ValidatedBatch" in wire and "rejections=()" in wire


def _edit_first_point(request: ExportMetricsServiceRequest, edit: str) -> None:
    for metric in _metrics(request):
        kind = metric.WhichOneof("data")
        point = getattr(metric, kind).data_points[0]
        if edit == "exemplar":
            point.exemplars.append(Exemplar(as_int=1, time_unix_nano=5))
        elif edit == "flags":
            point.flags = 1
        elif edit == "no start":
            point.start_time_unix_nano = 0
        elif edit == "double":
            if kind != "histogram":
                point.as_double = float(point.as_int or point.as_double) + 0.5
        elif edit == "unknown field":
            point.ParseFromString(point.SerializeToString() + b"\xf8\x07\x01")  # field 127, varint 1
        elif edit == "bounds" and kind == "histogram":
            point.explicit_bounds[0] = -0.0 if point.explicit_bounds[0] == 0 else point.explicit_bounds[0] * 2


@pytest.mark.parametrize("edit", ["exemplar", "flags", "no start", "double", "unknown field", "bounds"])
def test_points_off_the_usual_layout_get_the_same_verdict(edit: str) -> None:
    """Exemplars, flags, a missing start, doubles, unknown fields, other bounds: the objects decide, alike."""
    request = _typical()
    _edit_first_point(request, edit)
    wire, objects = _both(request)
    assert wire == objects


def test_a_tail_with_more_than_attributes_is_not_read(registry: Registry) -> None:
    """number_point hands back the tail; attributes come from it only if it holds nothing else."""
    point = _metrics(_typical())[0].sum.data_points[0]
    point.flags = 1
    raw = point.SerializeToString()
    read = number_point(raw, 0, len(raw))
    assert read is not None
    assert _checked_points._attributes(REGISTRY.metrics[_metrics(_typical())[0].name], read[0],
                                       histogram=False) is None


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(case=st.one_of(otlp_requests(), near_valid_bodies(), mutated_bodies()))
def test_generated_requests_get_the_same_verdicts(case: object) -> None:
    """Plausible, near-valid and byte-mutated requests: the wire path never changes a verdict."""
    if isinstance(case, ExportMetricsServiceRequest):
        request = case
    else:
        body, media, _ = case  # type: ignore[misc]
        if media != "application/x-protobuf":
            return
        request = ExportMetricsServiceRequest()
        try:
            request.ParseFromString(body)
        except Exception:  # a mutation that breaks the protobuf: nothing to validate
            return
    if not request.resource_metrics:
        return
    wire, objects = _both(request)
    assert wire == objects


def test_mutated_gzip_is_not_needed_here() -> None:
    """The mutations above work on protobuf bytes (gzip is the guards' business): the valid body decodes."""
    assert ExportMetricsServiceRequest.FromString(gzip.decompress(gzipped(_typical()))).resource_metrics


def _spans_reference(data: bytes, expected: int) -> list[tuple[int, int]] | None:
    """``point_spans`` with a plain varint loop for every length (it reads one- and two-byte lengths directly)."""
    spans, i = [], 0
    while i < len(data) and data[i] == 0x0A:
        i += 1
        length = shift = 0
        while True:
            if i >= len(data):
                return None
            byte = data[i]
            i += 1
            length |= (byte & 0x7F) << shift
            if byte < 0x80:
                break
            shift += 7
        spans.append((i, length))
        i += length
    return spans if len(spans) == expected and i <= len(data) else None


def _varint(value: int) -> bytes:
    out = bytearray()
    while value >= 0x80:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    return bytes([*out, value])


_POINTS = st.lists(st.binary(max_size=300).map(lambda point: b"\x0a" + _varint(len(point)) + point), max_size=5)


@settings(max_examples=1000, deadline=None)
@given(data=st.one_of(_POINTS.map(b"".join), st.binary(max_size=64)), expected=st.integers(0, 5))
def test_point_spans_read_lengths_like_a_varint_loop(data: bytes, expected: int) -> None:
    assert point_spans(data, expected) == _spans_reference(data, expected)


@given(buckets=st.lists(st.integers(0, 2**64 - 1), max_size=20).map(tuple))
def test_bucket_counts_json_is_the_canonical_encoding(buckets: tuple[int, ...]) -> None:
    assert buckets_json(buckets) == canonical_json(list(buckets))
