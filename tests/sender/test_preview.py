"""Preview: OTLP JSON decoded from the very bytes, with their hash and sizes."""

from __future__ import annotations

import base64
import gzip
import hashlib

from google.protobuf import json_format
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest

from printernizer_stats.registry import Registry
from printernizer_stats.sender import build_week_batch, describe_payload, gzip_payload, otlp_json
from tests.sender.conftest import FACTS, INSTALLATION, MONDAY, week_values


def test_otlp_json_uses_the_otlp_json_conventions(registry: Registry) -> None:
    """camelCase keys, 64-bit integers as strings, enums as integers (OTLP/JSON), and it parses back."""
    batch = build_week_batch(registry, FACTS, INSTALLATION, MONDAY, week_values(MONDAY))
    assert batch is not None
    data = otlp_json(batch.payload)
    metric = data["resourceMetrics"][0]["scopeMetrics"][0]["metrics"][0]
    point = metric["sum"]["dataPoints"][0]
    assert metric["sum"]["aggregationTemporality"] == 1
    assert isinstance(point["startTimeUnixNano"], str) and point["asInt"] == "12"
    again = json_format.ParseDict(data, ExportMetricsServiceRequest())
    assert again.SerializeToString(deterministic=True) == batch.payload


def test_describe_payload_is_byte_exact(registry: Registry) -> None:
    """The base64 bytes are the payload; the hash and sizes are of those bytes and of their gzip."""
    batch = build_week_batch(registry, FACTS, INSTALLATION, MONDAY, week_values(MONDAY))
    assert batch is not None
    described = describe_payload(batch.payload)
    assert base64.b64decode(described["protobuf_base64"]) == batch.payload
    assert described["sha256"] == hashlib.sha256(batch.payload).hexdigest()
    assert described["size_bytes"] == len(batch.payload)
    assert described["gzip_size_bytes"] == len(gzip_payload(batch.payload))


def test_gzip_is_deterministic_and_round_trips() -> None:
    """mtime 0: the same payload always gives the same body on the wire."""
    payload = b"\x0a\x03abc" * 50
    assert gzip_payload(payload) == gzip_payload(payload)
    assert gzip_payload(payload)[4:8] == b"\x00\x00\x00\x00"
    assert gzip.decompress(gzip_payload(payload)) == payload
