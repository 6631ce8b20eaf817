"""The privacy API's OpenAPI schema: every operation is summarised and answers with a typed model."""

from __future__ import annotations

from typing import Any

from printernizer_stats.host.client import StatsClient
from printernizer_stats.host.viewer import MOUNT_PREFIX
from tests.host.viewer.conftest import privacy_app

EXPECTED = {
    ("get", ""), ("get", "/status"), ("get", "/local"), ("get", "/export"), ("get", "/collected"),
    ("get", "/preview"), ("get", "/example"), ("get", "/history"), ("post", "/opt-in"), ("post", "/opt-out"),
    ("delete", "/delete-all"), ("delete", ""), ("post", "/request-server-deletion"), ("post", "/submit"),
    ("get", "/settings"), ("put", "/settings"), ("post", "/rotate-id"), ("get", "/community"),
}


def _operations(schema: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method, path.removeprefix(MOUNT_PREFIX)): operation
        for path, item in schema["paths"].items() for method, operation in item.items()
    }


def test_every_route_has_a_summary_and_a_response_model(client: StatsClient) -> None:
    """Each operation has a summary and a 200 answer whose JSON schema is a named model."""
    operations = _operations(privacy_app(client).openapi())
    for key, operation in operations.items():
        assert operation.get("summary"), key
        schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
        assert schema.get("$ref", "").startswith("#/components/schemas/"), key


def test_the_paths_printernizer_uses_are_all_there(client: StatsClient) -> None:
    """Printernizer's existing paths plus the new ones, and nothing else, are documented (the page is not)."""
    operations = _operations(privacy_app(client).openapi())
    assert set(operations) == EXPECTED - {("get", "")}


def test_refusals_are_documented_with_a_reason(client: StatsClient) -> None:
    """Changing routes document 403/409/503 with the Problem model; reading routes document 503."""
    operations = _operations(privacy_app(client).openapi())
    problem = {"$ref": "#/components/schemas/Problem"}
    for (method, path), operation in operations.items():
        responses = operation["responses"]
        if path == "/collected":
            continue
        assert responses["503"]["content"]["application/json"]["schema"] == problem, (method, path)
        if method != "get":
            assert {"403", "409"} <= set(responses), (method, path)
