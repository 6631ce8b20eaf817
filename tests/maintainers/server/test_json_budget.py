"""The JSON budget (issue 13, item 4): checked while parsing, derived from the registry, admitting every valid
batch and refusing the issue's body (7.7 KB gzip inflating to 2 MiB) before it costs a second of CPU."""

from __future__ import annotations

import json
import random

import pytest
from google.protobuf import json_format

from printernizer_stats.maintainers.server import DecodeError, ReceiverConfig, decode_request, max_points
from printernizer_stats.maintainers.server._json_budget import JsonBudget, OverBudget, load_json
from printernizer_stats.registry import Registry
from tests.maintainers.server.batches import MONDAY, Installation, repeated_point_json, typical_series, week_request

JSON = "application/json"


def _budget(registry: Registry, max_bytes: int = ReceiverConfig().max_json_bytes) -> JsonBudget:
    return JsonBudget.for_registry(registry, max_bytes, max_points(registry))


def test_the_largest_valid_batch_fits_the_budget(registry: Registry) -> None:
    body = json.dumps(repeated_point_json(registry, max_points(registry))).encode()
    assert len(decode_request(body, JSON, _budget(registry)).resource_metrics) == 1


def test_every_valid_typical_batch_decodes_as_before(registry: Registry) -> None:
    request = week_request(registry, Installation(), MONDAY, typical_series(registry, random.Random(5)))
    body = json_format.MessageToJson(request).encode()
    assert decode_request(body, JSON, _budget(registry)) == request


def test_the_issues_body_is_refused_by_size_before_parsing(registry: Registry) -> None:
    body = json.dumps(repeated_point_json(registry, 5000)).encode()
    assert len(body) > 1.5 * 2**20
    with pytest.raises(DecodeError, match="larger than 1048576 bytes") as refused:
        decode_request(body, JSON, _budget(registry))
    assert refused.value.status == 413


def test_too_many_objects_are_refused_while_parsing(registry: Registry) -> None:
    budget = _budget(registry, max_bytes=2**24)
    body = json.dumps(repeated_point_json(registry, max_points(registry) + 1)).encode()
    with pytest.raises(DecodeError) as refused:
        decode_request(body, JSON, budget)
    assert refused.value.status == 413
    assert "more than" in str(refused.value)


def test_the_budget_stops_at_the_first_object_past_it(registry: Registry) -> None:
    """Objects are counted as the parser builds them: the hook raises, the parse ends there."""
    tiny = JsonBudget(max_bytes=10**6, max_objects=3, max_elements=100, max_points=100)
    with pytest.raises(OverBudget, match="more than 3 objects"):
        load_json(b'{"a":[' + b",".join([b'{"b":1}'] * 10_000) + b"]}", tiny)


def test_long_arrays_of_numbers_are_counted(registry: Registry) -> None:
    body = b'{"resourceMetrics":[{"x":[' + b",".join([b"1"] * 200_000) + b"]}]}"
    with pytest.raises(DecodeError, match="array elements") as refused:
        decode_request(body, JSON, _budget(registry))
    assert refused.value.status == 413


def test_nesting_deeper_than_any_valid_batch_is_a_400(registry: Registry) -> None:
    inner = '{"stringValue":"leaf"}'
    for _ in range(40):
        inner = '{"kvlistValue":{"values":[{"key":"k","value":' + inner + "}]}}"
    body = ('{"resourceMetrics":[{"resource":{"attributes":[{"key":"x","value":' + inner + "}]}}]}").encode()
    with pytest.raises(DecodeError, match="nested more than 12") as refused:
        decode_request(body, JSON, _budget(registry))
    assert refused.value.status == 400


def test_a_key_twice_is_a_400(registry: Registry) -> None:
    with pytest.raises(DecodeError) as refused:
        decode_request(b'{"resourceMetrics":[],"resourceMetrics":[]}', JSON, _budget(registry))
    assert refused.value.status == 400
