"""Preview: OTLP JSON decoded from the very bytes, with their hash and sizes."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json

from google.protobuf import json_format
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest

from printernizer_stats.host.sender import build_week_batch, describe_payload, gzip_payload, otlp_json
from printernizer_stats.host.sender._preview import HIDDEN
from printernizer_stats.registry import PROOF, VERIFIER, Registry
from tests.host.sender.conftest import FACTS, IDENTITY, INSTALLATION, MONDAY, week_values


def test_otlp_json_uses_the_otlp_json_conventions(registry: Registry) -> None:
    """camelCase keys, 64-bit integers as strings, enums as integers (OTLP/JSON), and it parses back."""
    batch = build_week_batch(registry, FACTS, INSTALLATION, MONDAY, week_values(MONDAY), identity=IDENTITY)
    assert batch is not None
    data = otlp_json(batch.payload)
    metric = data["resourceMetrics"][0]["scopeMetrics"][0]["metrics"][0]
    point = metric["sum"]["dataPoints"][0]
    assert metric["sum"]["aggregationTemporality"] == 1
    assert isinstance(point["startTimeUnixNano"], str) and point["asInt"] == "12"
    again = json_format.ParseDict(data, ExportMetricsServiceRequest())
    assert _with_credentials(again, batch.payload) == batch.payload


def _with_credentials(shown: ExportMetricsServiceRequest, payload: bytes) -> bytes:
    """``shown`` with the real proof and verifier put back: then it is the payload, byte for byte."""
    real = {p.key: p.value.string_value
            for p in ExportMetricsServiceRequest.FromString(payload).resource_metrics[0].resource.attributes}
    for pair in shown.resource_metrics[0].resource.attributes:
        if pair.key in (PROOF, VERIFIER):
            assert pair.value.string_value == HIDDEN  # never the value itself
            pair.value.string_value = real[pair.key]
    return shown.SerializeToString(deterministic=True)


def test_describe_payload_is_byte_exact_but_for_the_credentials(registry: Registry) -> None:
    """The base64 bytes are the payload but for the hidden proof and verifier (which a pasted preview must not
    give away); the hash and sizes are of the real bytes and of their gzip."""
    batch = build_week_batch(registry, FACTS, INSTALLATION, MONDAY, week_values(MONDAY), identity=IDENTITY)
    assert batch is not None
    described = describe_payload(batch.payload)
    shown = ExportMetricsServiceRequest.FromString(base64.b64decode(described["protobuf_base64"]))
    assert _with_credentials(shown, batch.payload) == batch.payload
    assert IDENTITY.credentials(batch.batch_id)[PROOF] not in json.dumps(described)
    assert described["sha256"] == hashlib.sha256(batch.payload).hexdigest()
    assert described["size_bytes"] == len(batch.payload)
    assert described["gzip_size_bytes"] == len(gzip_payload(batch.payload))


def test_gzip_is_deterministic_and_round_trips() -> None:
    """mtime 0: the same payload always gives the same body on the wire."""
    payload = b"\x0a\x03abc" * 50
    assert gzip_payload(payload) == gzip_payload(payload)
    assert gzip_payload(payload)[4:8] == b"\x00\x00\x00\x00"
    assert gzip.decompress(gzip_payload(payload)) == payload
