"""StatsClient.instrument_app on the stand-in Printernizer app: templates only, no canary ever stored."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from fastapi import FastAPI

from printernizer_stats.host.client import RuntimeValueSets, StatsClient
from printernizer_stats.host.instrumentation import ROUTE_MODES, UNMATCHED, RouteMode, RouteTable
from printernizer_stats.registry import route_group
from printernizer_stats_tools.standin.app import create_standin_app
from tests._asgi import call_app

DAY = date(2026, 11, 18)
PRINTER = "bambu_x1c_workshop"
FILE_NAME = "canary_file_9c1e.3mf"
IP = "203.0.113.77"
EMAIL = "canary.person@example.org"
PRINTER_NAME = "Canary Drucker Werkstatt"
SEARCH = "canarysearchterm42"
HOST = "canary-host-7f3a.example.lan"
AGENT = "CanaryAgent/1.0"
CANARIES = (FILE_NAME, IP, EMAIL, PRINTER_NAME, SEARCH, HOST, AGENT, "canary")

REQUESTS = [
    ("GET", f"/api/v1/printers/{PRINTER_NAME}"),  # 404 PRINTER_NOT_FOUND, the name in the body
    ("POST", f"/api/v1/printers/{PRINTER}/files/{FILE_NAME}/download"),
    ("GET", f"/api/v1/search?q={SEARCH}&owner={EMAIL}"),
    ("GET", f"/api/v1/search/suggestions?q={SEARCH}"),
    ("GET", f"/api/v1/files/{IP}/compatibility/{PRINTER_NAME}"),
    ("GET", f"/api/v1/printers/{EMAIL}/status?ip={IP}"),
    ("POST", "/api/v1/jobs", {"json": {"printer_id": PRINTER, "job_name": FILE_NAME}}),
    ("GET", f"/{EMAIL}/{FILE_NAME}"),
    ("GET", "/api/v1/files/local"),
    ("GET", "/api/v1/health/"),
    ("POST", "/api/v1/printers/ender3-octopi/connect"),  # unreachable: 503 with its address in the message
]
EXPECTED = Counter({  # by the part of the API (route_group): the first three literal segments of the template
    ("/api/v1/printers", "GET", "4xx"): 1,
    ("/api/v1/printers", "POST", "2xx"): 1,
    ("/api/v1/search", "GET", "2xx"): 2,
    ("/api/v1/files", "GET", "2xx"): 1,
    ("/api/v1/printers", "GET", "2xx"): 1,
    ("/api/v1/jobs", "POST", "2xx"): 1,
    (UNMATCHED, "GET", "4xx"): 2,
    ("/api/v1/files", "GET", "4xx"): 1,  # /files/local is answered by /files/{file_id}
    ("/api/v1/printers", "POST", "5xx"): 1,
})


def _client(path: Path) -> StatsClient:
    return StatsClient(path, "2.42.0", timezone="Europe/Berlin", environ={}, today=lambda: DAY,
                       export_interval_s=3600)


def _send(app: FastAPI, requests: list = REQUESTS) -> None:  # type: ignore[type-arg]
    call_app(app, requests, base_url=f"http://{HOST}", client=(IP, 51234), headers={"user-agent": AGENT})


def _requests(client: StatsClient) -> Counter[tuple[str, str, str]]:
    counted: Counter[tuple[str, str, str]] = Counter()
    for reading in client.services.store.readings():
        if reading.metric == "http.server.request.duration":
            attributes = dict(reading.attributes)
            counted[(attributes["http.route"], attributes["http.request.method"],
                     attributes["http.response.status_code"])] += reading.count
    return counted


def _stored_bytes(directory: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(directory.iterdir()) if p.is_file())


@pytest.mark.parametrize("mode", ROUTE_MODES)
def test_only_route_templates_are_stored_and_no_canary_reaches_sqlite(tmp_path: Path, mode: RouteMode) -> None:
    """Canaries in path parameters, query strings, host, client address and user agent never reach the DB."""
    app = create_standin_app()
    client = _client(tmp_path / "stats.db")
    client.instrument_app(app, mode)
    client.attach_event_bus(app.state.event_service)
    client.opt_in()
    _send(app)
    client.flush()
    counted = _requests(client)
    assert counted == EXPECTED
    assert {route for route, _, _ in counted} <= {route_group(t) for t in RouteTable(app).templates()} | {UNMATCHED}
    events = {(r.metric, r.attributes) for r in client.services.store.readings()}
    assert ("printernizer.jobs.events", (("event", "created"),)) in events
    assert ("printernizer.files.transfers", (("direction", "download"), ("result", "completed"))) in events
    client.stop()
    data = _stored_bytes(tmp_path)
    assert b"/api/v1/search" in data  # the templates are there; the values around them are not
    for canary in CANARIES:
        assert canary.encode() not in data, canary
        assert canary.encode("utf-16-le") not in data, canary


@pytest.mark.parametrize("mode", ROUTE_MODES)
def test_opted_out_nothing_is_recorded(tmp_path: Path, mode: RouteMode) -> None:
    """Off by default: requests are answered, and no reading is written."""
    app = create_standin_app()
    client = _client(tmp_path / "stats.db")
    client.instrument_app(app, mode)
    _send(app)
    client.flush()
    client.stop()
    assert client.services.store.readings() == []


@pytest.mark.parametrize("mode", ROUTE_MODES)
def test_requests_before_opt_in_or_pending_at_opt_out_are_never_stored(tmp_path: Path, mode: RouteMode) -> None:
    """Only requests made while opted in count; what is pending at opt-out is dropped with the rest."""
    app = create_standin_app()
    client = _client(tmp_path / "stats.db")
    client.instrument_app(app, mode)
    _send(app)
    client.opt_in()
    _send(app, [("GET", "/api/v1/search")])
    client.flush()
    assert sum(_requests(client).values()) == 1
    _send(app)
    client.opt_out()
    assert client.services.store.readings() == []
    client.opt_in()
    client.flush()
    client.stop()
    assert _requests(client) == {}


@pytest.mark.parametrize("mode", ROUTE_MODES)
def test_routes_added_after_instrumenting_are_stored_under_their_template(tmp_path: Path, mode: RouteMode) -> None:
    """The exporter's filter asks the app for its templates when it runs, so late routes are not `other`."""
    app = create_standin_app()
    client = _client(tmp_path / "stats.db")
    client.instrument_app(app, mode)
    client.opt_in()

    @app.get("/api/v1/late-reports/{week}")
    async def late(week: str) -> dict[str, str]:
        return {}

    _send(app, [("GET", "/api/v1/late-reports/2026-W47")])
    client.flush()
    client.stop()
    assert _requests(client) == {("/api/v1/late-reports", "GET", "2xx"): 1}


def test_runtime_value_sets_follow_their_providers() -> None:
    """Fixed templates, ``unmatched`` and every provider's current set; recomputed only when one changed."""
    current = [frozenset({"/a"})]
    values = RuntimeValueSets(["/fixed"])
    assert values["route_templates"] == {"/fixed", UNMATCHED}
    values.add_route_templates(lambda: current[0])
    first = values["route_templates"]
    assert first == {"/fixed", UNMATCHED, "/a"}
    assert values["route_templates"] is first
    current[0] = frozenset({"/b"})
    assert values["route_templates"] == {"/fixed", UNMATCHED, "/b"}
    assert dict(values) == {"route_templates": values["route_templates"]}
    with pytest.raises(KeyError):
        values["other_source"]
