"""Schemathesis over the maintainers' app's OpenAPI: the receiver, the analytics API and the public summary.

Every documented operation gets a fixed budget of generated requests (valid and invalid parameters and
bodies, drawn from its OpenAPI declaration), sent in-process through the ASGI app over a small simulated
population. No answer may be a 5xx, and each must be one the operation documents: its status code, its
content type and, for JSON, its schema. Without the bearer token the guarded operations answer 401, and
only 401; the public ones answer as with it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

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

from printernizer_stats.maintainers.analytics import AnalyticsConfig, create_maintainers_app
from printernizer_stats.maintainers.server import ReceiverConfig
from tests.maintainers.analytics.conftest import build_sqlite, now_after
from tests.maintainers.analytics.population import Population

TOKEN = "a-long-random-token-for-schemathesis"
BEARER = {"Authorization": f"Bearer {TOKEN}"}
K = 5
EXAMPLES = 60
"""Generated requests per operation and run (fewer where the operation has fewer distinct inputs)."""
WITH_TOKEN = st.just(BEARER)
WITHOUT_TOKEN = st.sampled_from([{}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN},
                                 {"Authorization": f"Basic {TOKEN}"}])
POPULATION = Population(installations=60, weeks=6, seed=5)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]
GUARDED = {("POST", "/v1/metrics"), ("GET", "/v1/analytics"), ("GET", "/v1/analytics/insights"),
           ("GET", "/v1/analytics/figures/{name}")}
PUBLIC = {("GET", "/healthz"), ("GET", "/v1/summary")}
OPERATIONS = sorted(GUARDED | PUBLIC)


@pytest.fixture(scope="module")
def receiver_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite receiver DB holding six weeks of 60 simulated installations."""
    return build_sqlite(tmp_path_factory.mktemp("openapi") / "receiver.db", POPULATION)


@pytest.fixture
def schema(receiver_db: Path) -> Iterator[OpenApiSchema]:
    """The maintainers' app (token set) and its OpenAPI, loaded from /openapi.json through ASGI."""
    app = create_maintainers_app(ReceiverConfig(db_url=f"sqlite:///{receiver_db}", token=TOKEN),
                                 AnalyticsConfig(k=K), now=lambda: now_after(POPULATION))
    yield schemathesis.openapi.from_asgi("/openapi.json", app)


def fuzz(schema: OpenApiSchema, method: str, path: str, send: Callable[[Case, dict[str, str]], int],
         headers: st.SearchStrategy[dict[str, str]] = WITH_TOKEN, examples: int = EXAMPLES) -> Counter[int]:
    """``send(case, headers)`` for the operation's generated cases (valid and invalid) with drawn ``headers``;
    the statuses it returned."""
    operation = schema[path][method]
    statuses: Counter[int] = Counter()
    cases = st.one_of(operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE))

    @settings(max_examples=examples, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(cases, headers)
    def run(case: Case, drawn: dict[str, str]) -> None:
        statuses[send(case, drawn)] += 1

    run()
    return statuses


def test_every_documented_operation_is_fuzzed(schema: OpenApiSchema) -> None:
    """The OpenAPI documents exactly the operations below, so none escapes the runs."""
    documented = {(method.upper(), path) for path, item in schema.raw_schema["paths"].items() for method in item}
    assert documented == set(OPERATIONS)


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_with_the_token_every_answer_is_documented(schema: OpenApiSchema, method: str, path: str) -> None:
    """With the bearer token: no 5xx; status, content type, headers and JSON body as documented. The GET
    routes answer valid requests with 200 (the token works and their parameters are read as documented)."""

    def send(case: Case, headers: dict[str, str]) -> int:
        return case.call_and_validate(headers=headers, checks=CHECKS).status_code

    statuses = fuzz(schema, method, path, send)
    assert statuses and not any(status >= 500 for status in statuses)
    if method == "GET":
        assert statuses[200] > 0, statuses


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_without_the_token_guarded_operations_answer_401(schema: OpenApiSchema, method: str, path: str) -> None:
    """Without the token (none, a wrong one, the right one without "Bearer" or as Basic), every guarded operation
    answers 401 with WWW-Authenticate, whatever else the request holds; the public ones never do. No 5xx."""

    def send(case: Case, headers: dict[str, str]) -> int:
        response = case.call_and_validate(headers=headers, checks=CHECKS)
        if (method, path) in GUARDED:
            assert response.status_code == 401 and response.headers["www-authenticate"] == ["Bearer"], headers
        else:
            assert response.status_code != 401, headers
        return response.status_code

    statuses = fuzz(schema, method, path, send, WITHOUT_TOKEN, examples=EXAMPLES // 3)
    assert statuses
