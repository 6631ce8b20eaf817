"""Hostile bodies against the whole app: each refused with a reason, never a 5xx, the database unchanged."""

from __future__ import annotations

import gzip
import json

import pytest
from google.protobuf import json_format
from google.rpc import status_pb2
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue

from printernizer_stats.maintainers.server import Storage
from printernizer_stats.registry import Registry
from tests.maintainers.server.asgi import AsgiDriver
from tests.maintainers.server.batches import MONDAY, Installation, Series, week_request
from tests.maintainers.server.conftest import table_counts

JOBS = "printernizer.jobs.events"


def _one_point(registry: Registry, series: Series, **resource: str) -> ExportMetricsServiceRequest:
    return week_request(registry, Installation(), MONDAY, [series], **resource)


def _nested_any_value(depth: int) -> AnyValue:
    value = AnyValue(string_value="leaf")
    for _ in range(depth):
        outer = AnyValue()
        outer.kvlist_value.values.add(key="k").value.CopyFrom(value)
        value = outer
    return value


def _deep_protobuf(registry: Registry) -> bytes:
    request = _one_point(registry, Series(JOBS, {"event": "completed"}, 1))
    pair = request.resource_metrics[0].resource.attributes.add(key="nested")
    pair.value.CopyFrom(_nested_any_value(150))
    return request.SerializeToString()


def _deep_json(depth: int) -> bytes:
    inner = '{"stringValue":"leaf"}'
    for _ in range(depth):
        inner = '{"kvlistValue":{"values":[{"key":"k","value":' + inner + "}]}}"
    return ('{"resourceMetrics":[{"resource":{"attributes":[{"key":"x","value":' + inner + "}]}}]}").encode()


def _nan_json(registry: Registry) -> bytes:
    document = json.loads(json_format.MessageToJson(_one_point(registry, Series(JOBS, {"event": "failed"}, 1))))
    point = document["resourceMetrics"][0]["scopeMetrics"][0]["metrics"][0]["sum"]["dataPoints"][0]
    point.pop("asInt")
    point["asDouble"] = "NaN"
    return json.dumps(document).encode()


CASES = {
    "gzip bomb": lambda r: (bytes(50_000_000), "application/x-protobuf", True, 413),
    "10 MB body": lambda r: (b"\x0a" * 10_000_000, "application/x-protobuf", False, 413),
    "10 MB JSON": lambda r: (b"[" * 10_000_000, "application/json", False, 413),
    "deeply nested protobuf": lambda r: (_deep_protobuf(r), "application/x-protobuf", False, 400),
    "deeply nested JSON": lambda r: (_deep_json(3000), "application/json", False, 400),
    "nested JSON arrays": lambda r: (b"[" * 200_000 + b"]" * 200_000, "application/json", True, 400),
    "huge resource string": lambda r: (_one_point(r, Series(JOBS, {"event": "completed"}, 1),
                                                  **{"printernizer.platform": "x" * 200_000}).SerializeToString(),
                                       "application/x-protobuf", False, 400),
    "huge attribute value": lambda r: (_one_point(r, Series(JOBS, {"event": "c" * 200_000}, 1)).SerializeToString(),
                                       "application/x-protobuf", False, 400),
    "NaN": lambda r: (_nan_json(r), "application/json", False, 400),
    "infinite gauge": lambda r: (_one_point(r, Series("printernizer.printers", {"printer_type": "prusa_core"},
                                                      float("inf"))).SerializeToString(),
                                 "application/x-protobuf", False, 400),
    "negative count": lambda r: (_one_point(r, Series(JOBS, {"event": "failed"}, -5)).SerializeToString(),
                                 "application/x-protobuf", False, 400),
    "SQL in an attribute": lambda r: (_one_point(r, Series(JOBS, {"event": "x'); DELETE FROM batches; --"}, 1))
                                      .SerializeToString(), "application/x-protobuf", False, 400),
    "SQL in the installation id": lambda r: (
        week_request(r, Installation(installation_id="1' OR '1'='1"), MONDAY,
                     [Series(JOBS, {"event": "failed"}, 1)]).SerializeToString(),
        "application/x-protobuf", False, 400),
    "invalid UTF-8 in JSON": lambda r: (b'{"resourceMetrics": "\xff\xfe"}', "application/json", False, 400),
    "protobuf sent as JSON": lambda r: (_one_point(r, Series(JOBS, {"event": "failed"}, 1)).SerializeToString(),
                                        "application/json", False, 400),
    "empty body": lambda r: (b"", "application/x-protobuf", False, 400),
}


@pytest.mark.parametrize("case", list(CASES))
def test_hostile_body_is_refused_with_a_reason(case: str, driver: AsgiDriver, storage: Storage,
                                               registry: Registry) -> None:
    """Each hostile body gets its 4xx with a reason, and nothing is written."""
    body, content_type, compress, status = CASES[case](registry)
    if compress:
        body = gzip.compress(body, compresslevel=1)
    before = table_counts(storage)
    answer = driver.post(body, content_type=content_type, gzip=compress)
    assert answer.status == status, answer.body[:300]
    reason = (json.loads(answer.body)["message"] if content_type == "application/json"
              else status_pb2.Status.FromString(answer.body).message)
    assert reason
    assert table_counts(storage) == before
