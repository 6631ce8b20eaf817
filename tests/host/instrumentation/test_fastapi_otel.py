"""The stock OTel mode: FastAPIInstrumentor held to the registry by our meter provider and the SDK's Views."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import APIRouter, FastAPI
from opentelemetry.instrumentation._semconv import (
    _OpenTelemetrySemanticConventionStability,
    _OpenTelemetryStabilitySignalType,
    _StabilityMode,
)
from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import HistogramDataPoint, InMemoryMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.trace import NoOpTracer

from printernizer_stats.host.instrumentation import (
    HTTP_SERVER_DURATION,
    UNMATCHED,
    UsageInstruments,
    instrument_app,
    registry_views,
)
from printernizer_stats.host.instrumentation._fastapi_otel import stable_http_semconv
from printernizer_stats.registry import Registry
from tests._asgi import call_app

CANARY = "canary-9c1e"
HTTP = _OpenTelemetryStabilitySignalType.HTTP


def _app() -> FastAPI:
    app = FastAPI(redirect_slashes=False)
    printers = APIRouter()

    @printers.get("/{printer_id}/files/{filename}")
    async def file(printer_id: str, filename: str) -> dict[str, str]:
        return {}

    app.include_router(printers, prefix="/api/v1/printers")
    return app


def _pipeline(registry: Registry) -> tuple[UsageInstruments, InMemoryMetricReader]:
    """Instruments bound to an SDK provider with the registry's Views, as ``start_pipeline`` builds it."""
    reader = InMemoryMetricReader()
    provider = MeterProvider(metric_readers=[reader], resource=Resource({}), views=registry_views(registry))
    instruments = UsageInstruments(registry)
    instruments.bind(provider.get_meter("test"))
    return instruments, reader


def _points(reader: InMemoryMetricReader) -> dict[str, list[HistogramDataPoint]]:
    data = reader.get_metrics_data()
    points: dict[str, list[Any]] = {}
    for resource in data.resource_metrics if data else []:
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                points.setdefault(metric.name, []).extend(metric.data.data_points)
    return points


def _stock_middleware(app: FastAPI) -> OpenTelemetryMiddleware:
    layer: Any = app.middleware_stack
    while not isinstance(layer, OpenTelemetryMiddleware):
        layer = layer.app
    return layer


def test_only_the_registry_metric_and_attribute_keys_survive(registry: Registry) -> None:
    """Stock attributes (url.scheme, network.protocol.version, ...) die in the Views; routes are templates."""
    app = _app()
    instruments, reader = _pipeline(registry)
    instrument_app(app, instruments, "otel")
    call_app(app, [("GET", f"/api/v1/printers/{CANARY}/files/{CANARY}.3mf?q={CANARY}"),
                   ("GET", f"/nowhere/{CANARY}")], base_url=f"https://{CANARY}.example.lan",
             client=("203.0.113.77", 4711))
    points = _points(reader)
    assert set(points) == {HTTP_SERVER_DURATION}  # no active_requests, no body sizes, no old duration
    attributes = [dict(point.attributes or {}) for point in points[HTTP_SERVER_DURATION]]
    spec = registry.metrics[HTTP_SERVER_DURATION]
    assert all(set(a) == set(spec.attributes) for a in attributes)
    assert {a["http.route"] for a in attributes} == {"/api/v1/printers/{printer_id}/files/{filename}", UNMATCHED}
    assert CANARY not in repr(reader.get_metrics_data()) and "203.0.113.77" not in repr(reader.get_metrics_data())


def test_stock_middleware_gets_our_meter_and_a_no_op_tracer(registry: Registry) -> None:
    """A host with global tracing must not get spans with URLs and client addresses because of us."""
    app = _app()
    instruments, _ = _pipeline(registry)
    instrument_app(app, instruments, "otel")
    call_app(app, [("GET", "/api/v1/printers/p/files/f")])
    middleware = _stock_middleware(app)
    assert isinstance(middleware.tracer, NoOpTracer)
    assert type(middleware.meter).__module__ == "printernizer_stats.host.instrumentation._fastapi_otel"


def test_stable_http_semantics_are_used_even_when_the_process_default_is_old(registry: Registry) -> None:
    """With the process in old semconv mode, the middleware is still built with http.route in seconds."""
    _OpenTelemetrySemanticConventionStability._initialize()
    mapping = _OpenTelemetrySemanticConventionStability._OTEL_SEMCONV_STABILITY_SIGNAL_MAPPING
    previous = mapping.get(HTTP)
    mapping[HTTP] = _StabilityMode.DEFAULT
    try:
        app = _app()
        instruments, reader = _pipeline(registry)
        instrument_app(app, instruments, "otel")
        call_app(app, [("GET", "/api/v1/printers/p/files/f")])
        assert mapping[HTTP] is _StabilityMode.DEFAULT  # restored for the host's other instrumentations
        [point] = _points(reader)[HTTP_SERVER_DURATION]
        assert dict(point.attributes or {})["http.route"] == "/api/v1/printers/{printer_id}/files/{filename}"
    finally:
        mapping[HTTP] = previous
    with stable_http_semconv() as stable:
        assert stable


def test_opted_out_the_stock_middleware_stands_aside(registry: Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    """While off, nothing is recorded and the stock middleware does not even compute attributes."""
    app = _app()
    instruments = UsageInstruments(registry)  # never bound: statistics off
    instrument_app(app, instruments, "otel")
    calls: list[object] = []
    monkeypatch.setattr(instruments, "record", lambda *args: calls.append(args))
    import opentelemetry.instrumentation.asgi as stock

    monkeypatch.setattr(stock, "collect_request_attributes", lambda *args: calls.append(args) or {})
    responses = call_app(app, [("GET", "/api/v1/printers/p/files/f")])
    assert responses[0].status_code == 200
    assert calls == []
    assert instruments.request_durations is not None and instruments.request_durations.pending() == {}


def test_an_app_the_host_instrumented_itself_is_refused_in_otel_mode_but_lean_works(registry: Registry) -> None:
    """The stock instrumentor would silently keep the host's providers; we say so instead of counting nothing."""
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    app = _app()
    FastAPIInstrumentor.instrument_app(app)
    instruments, _ = _pipeline(registry)
    with pytest.raises(RuntimeError, match="lean"):
        instrument_app(app, instruments, "otel")
    instrument_app(app, instruments, "lean")
    call_app(app, [("GET", "/api/v1/printers/p/files/f")])
    assert instruments.request_durations is not None
    template = "/api/v1/printers/{printer_id}/files/{filename}"
    assert instruments.request_durations.pending() == {(template, "GET", 200): 1}
    FastAPIInstrumentor.uninstrument_app(app)
