"""The lean route middleware: counts by template, method and status; passes through; never raises."""

from __future__ import annotations

import asyncio
from bisect import bisect_left
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI, WebSocket
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.resources import Resource
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from printernizer_stats.host.instrumentation import UNMATCHED, UsageInstruments, instrument_app
from printernizer_stats.registry import Registry
from tests._asgi import call_app

CANARY = "canary-7f3a"


def _instruments(registry: Registry, on: bool = True) -> UsageInstruments:
    instruments = UsageInstruments(registry)
    if on:
        provider = MeterProvider(metric_readers=[InMemoryMetricReader()], resource=Resource({}))
        instruments.bind(provider.get_meter("test"))
    return instruments


def _app() -> FastAPI:
    app = FastAPI(redirect_slashes=False)

    @app.get("/api/v1/printers/{printer_id}/files/{filename}")
    async def file(printer_id: str, filename: str, q: str = "") -> dict[str, str]:
        return {}

    @app.post("/api/v1/jobs")
    async def job() -> dict[str, str]:
        return {}

    @app.get("/slow")
    async def slow() -> dict[str, str]:
        await asyncio.sleep(0.03)
        return {}

    @app.get("/boom")
    async def boom() -> dict[str, str]:
        raise RuntimeError(CANARY)

    @app.websocket("/ws")
    async def ws(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("hi")
        await websocket.close()

    return app


def _pending(instruments: UsageInstruments) -> dict[tuple[str, str, int], int]:
    assert instruments.request_durations is not None
    return dict(instruments.request_durations.pending())


def test_labels_are_templates_with_method_and_status(registry: Registry) -> None:
    """Path parameters and query strings with canaries are counted under the template, never the path."""
    app, instruments = _app(), _instruments(registry)
    instrument_app(app, instruments, "lean")
    call_app(app, [("GET", f"/api/v1/printers/{CANARY}/files/{CANARY}.3mf?q={CANARY}&ip=203.0.113.7"),
                   ("GET", f"/api/v1/printers/p/files/{CANARY}.gcode"), ("POST", "/api/v1/jobs"),
                   ("GET", "/api/v1/jobs"), ("GET", f"/{CANARY}/nowhere"), ("GET", "/api/v1/jobs/")])
    pending = _pending(instruments)
    assert pending == {
        ("/api/v1/printers/{printer_id}/files/{filename}", "GET", 200): 2,
        ("/api/v1/jobs", "POST", 200): 1,
        ("/api/v1/jobs", "GET", 405): 1,  # the path matched, the method did not: still its template
        (UNMATCHED, "GET", 404): 2,
    }
    assert CANARY not in repr(instruments.request_durations.collect())  # type: ignore[union-attr]


def test_duration_covers_the_whole_response_and_host_middleware(registry: Registry) -> None:
    """The time runs from the request to the end of the response, including middleware added later."""
    app, instruments = _app(), _instruments(registry)
    instrument_app(app, instruments, "lean")

    @app.middleware("http")
    async def host_middleware(request: object, call_next: Callable[[object], object]) -> object:
        await asyncio.sleep(0.02)
        return await call_next(request)  # type: ignore[misc]

    call_app(app, [("GET", "/slow")])
    assert instruments.request_durations is not None
    metric = instruments.request_durations.collect()
    assert metric is not None
    point = metric.data.data_points[0]
    assert point.count == 1 and point.sum >= 0.05
    assert list(point.bucket_counts)[bisect_left(point.explicit_bounds, point.sum)] == 1


def test_an_exception_counts_as_500_and_reaches_the_server_untouched(registry: Registry) -> None:
    """The app's exception propagates as it would without us; the request is counted as a 500."""
    app, instruments = _app(), _instruments(registry)
    instrument_app(app, instruments, "lean")
    with pytest.raises(RuntimeError, match=CANARY):
        call_app(app, [("GET", "/boom")], raise_app_exceptions=True)
    assert _pending(instruments) == {("/boom", "GET", 500): 1}


def test_off_records_nothing(registry: Registry) -> None:
    """While statistics are off (instruments unbound) the middleware only passes requests on."""
    app, instruments = _app(), _instruments(registry, on=False)
    instrument_app(app, instruments, "lean")
    responses = call_app(app, [("GET", "/api/v1/printers/p/files/f")])
    assert responses[0].status_code == 200
    assert _pending(instruments) == {}


def _converse(app: FastAPI, scope: dict[str, Any], incoming: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Run one ASGI connection of any type with scripted ``receive`` messages; returns what was sent."""
    sent: list[dict[str, Any]] = []
    queue = list(incoming)

    async def receive() -> dict[str, Any]:
        return queue.pop(0) if queue else {"type": "websocket.disconnect", "code": 1000}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    return sent


def test_websocket_and_lifespan_pass_through_uncounted(registry: Registry) -> None:
    """Non-HTTP scopes are none of the middleware's business."""
    app, instruments = _app(), _instruments(registry)
    instrument_app(app, instruments, "lean")
    lifespan = _converse(app, {"type": "lifespan", "asgi": {"version": "3.0"}},
                         [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])
    assert [m["type"] for m in lifespan] == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    ws = _converse(app, {"type": "websocket", "path": "/ws", "raw_path": b"/ws", "query_string": b"", "headers": [],
                         "root_path": "", "scheme": "ws", "asgi": {"version": "3.0"}, "subprotocols": []},
                   [{"type": "websocket.connect"}])
    assert [m["type"] for m in ws] == ["websocket.accept", "websocket.send", "websocket.close"]
    assert _pending(instruments) == {}


def test_a_failing_table_costs_the_count_not_the_request(registry: Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    """If labelling fails, the request is answered normally and nothing is counted."""
    app, instruments = _app(), _instruments(registry)
    instrument_app(app, instruments, "lean")
    table = app._printernizer_stats_routes  # type: ignore[attr-defined]

    def broken(_scope: object) -> str:
        raise KeyError("broken")

    monkeypatch.setattr(table, "label", broken)
    assert call_app(app, [("POST", "/api/v1/jobs")])[0].status_code == 200
    assert _pending(instruments) == {}


def test_a_plain_starlette_app_is_counted_by_template(registry: Registry) -> None:
    """The lean mode needs no FastAPI: Starlette's router leaves the route in the scope."""
    app = Starlette(routes=[Route("/files/{name:path}", lambda _r: PlainTextResponse("f"))])
    instruments = _instruments(registry)
    instrument_app(app, instruments, "lean")
    call_app(app, [("GET", f"/files/{CANARY}/a.3mf")])
    assert _pending(instruments) == {("/files/{name}", "GET", 200): 1}


def test_instrument_app_refuses_bad_modes_started_apps_and_repeats(registry: Registry) -> None:
    """Mistakes in setting up fail loudly at start-up, not quietly per request."""
    instruments = _instruments(registry)
    with pytest.raises(ValueError, match="mode"):
        instrument_app(_app(), instruments, "fast")  # type: ignore[arg-type]
    app = _app()
    instrument_app(app, instruments)
    with pytest.raises(RuntimeError, match="already"):
        instrument_app(app, instruments)
    started = _app()
    call_app(started, [("GET", "/slow")])
    with pytest.raises(RuntimeError, match="before it serves"):
        instrument_app(started, instruments)
