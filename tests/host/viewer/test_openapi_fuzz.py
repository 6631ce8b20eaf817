"""Schemathesis over the privacy API's OpenAPI, the state-changing routes included, in-process.

Every documented operation gets a fixed budget of generated requests (valid and invalid query parameters
and bodies), sent through the ASGI app to a StatsClient over a copy of a simulated installation's DB; no
receiver is configured, so nothing leaves the machine (submit answers 409). No answer may be a 5xx, and each
must be one the operation documents: status code, content type, headers and JSON schema.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.specs.openapi.schemas import OpenApiSchema

from printernizer_stats.host.client import StatsClient
from printernizer_stats.host.viewer import MOUNT_PREFIX
from tests.host.viewer.conftest import SCRIPT, privacy_app
from tests.host.viewer.test_openapi import EXPECTED

EXAMPLES = 40
"""Generated requests per operation (fewer where the operation has fewer distinct inputs)."""
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]
OPERATIONS = sorted((method.upper(), MOUNT_PREFIX + path) for method, path in EXPECTED - {("get", "")})
CHANGING = {operation for operation in OPERATIONS if operation[0] != "GET"}


@pytest.fixture
def schema(client: StatsClient) -> Iterator[OpenApiSchema]:
    """The privacy router in a host app, on a copy of the simulated DB, and its OpenAPI through ASGI."""
    yield schemathesis.openapi.from_asgi("/openapi.json", privacy_app(client))
    client.stop()


def test_every_documented_operation_is_fuzzed(schema: OpenApiSchema) -> None:
    """The OpenAPI documents exactly the operations below, so none escapes the runs."""
    documented = {(method.upper(), path) for path, item in schema.raw_schema["paths"].items() for method in item}
    assert documented == set(OPERATIONS)


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_every_answer_is_documented(schema: OpenApiSchema, method: str, path: str) -> None:
    """Valid and invalid requests, one after another on the same DB (so the changing routes meet each other's
    states): no 5xx, every answer as documented, and some accepted (the routes are reached, not refused
    wholesale); submit, without a receiver, is refused with 409."""
    operation = schema[path][method]
    statuses: Counter[int] = Counter()
    cases = st.one_of(operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE))

    @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(cases)
    def run(case: Case) -> None:
        statuses[case.call_and_validate(checks=CHECKS, headers=SCRIPT).status_code] += 1

    run()
    assert statuses and not any(status >= 500 for status in statuses)
    if path.endswith("/submit"):
        assert set(statuses) <= {409, 422}, statuses
    elif path.endswith("/request-server-deletion"):
        assert statuses[200] + statuses[409] > 0, statuses
    else:
        assert statuses[200] > 0, statuses
