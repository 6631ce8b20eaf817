"""Route instrumentation with the stock ``opentelemetry-instrumentation-fastapi``, held to the registry.

Imported only for ``mode="otel"``: it needs the ``fastapi`` extra (``opentelemetry-instrumentation-fastapi``).

What the stock instrumentation is given, and why:

- ``meter_provider``: ours, never the global one. It hands out a forwarding histogram for
  ``http.server.request.duration`` that records through :class:`UsageInstruments`, so the measurements go
  into our SDK pipeline while the user is opted in (the registry's Views there keep only the declared
  attribute keys: ``url.scheme``, ``network.protocol.version``, ``error.type`` and any other key die in the
  SDK) and into a no-op while opted out, across any number of opt-ins and opt-outs. Every other instrument
  it asks for (active requests, body sizes, the old ``http.server.duration``) is a no-op.
- ``tracer_provider``: a no-op. Left unset, a host with global tracing would get server spans carrying
  full URLs, client addresses and user agents because of us.
- Semantic conventions: the stock middleware picks old or stable HTTP conventions from the process-wide
  ``OTEL_SEMCONV_STABILITY_OPT_IN`` once. Old ones have no ``http.route`` on the duration and use ms, so the
  middleware is built under ``http`` (stable) semantics whatever the host set; the host's other
  instrumentations keep their mode.
- The route label is checked against the app's templates before it reaches the SDK (the stock code falls
  back to the raw path for host-routed apps); no label (no route matched) becomes ``unmatched``.
- While statistics are off, the stock middleware is skipped through OpenTelemetry's own HTTP suppression
  flag, so an opted-out user does not pay its ~170 µs per request.

Differences from the lean mode: a request served by a mount is labelled with the mount's template as the
stock code sees it (a mount at ``/`` gives no route, so its requests count as ``unmatched``), and the stock
instrumentation also patches ``BackgroundTask.__call__`` process-wide (spans on our no-op tracer).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import structlog
from opentelemetry.context import Context
from opentelemetry.instrumentation.utils import suppress_http_instrumentation
from opentelemetry.metrics import Histogram, Meter, NoOpHistogram, NoOpMeter, NoOpMeterProvider
from opentelemetry.util.types import Attributes

from printernizer_stats.host.instrumentation._asgi import ASGIApp, Receive, Scope, Send
from printernizer_stats.host.instrumentation._instruments import UsageInstruments
from printernizer_stats.host.instrumentation._request_durations import HTTP_SERVER_DURATION, ROUTE, UNMATCHED
from printernizer_stats.host.instrumentation._route_table import EXCLUDED, RouteTable

_log = structlog.get_logger(__name__)


class _RouteDurationHistogram(NoOpHistogram):
    """The stock ``http.server.request.duration``, recorded through our instruments with a checked route."""

    def __init__(self, instruments: UsageInstruments, table: RouteTable) -> None:
        super().__init__(HTTP_SERVER_DURATION)
        self._instruments = instruments
        self._table = table

    def record(self, amount: float, attributes: Attributes = None, context: Context | None = None) -> None:
        try:
            measured: dict[str, Any] = dict(attributes or {})
            route = measured.get(ROUTE)
            measured[ROUTE] = self._table.known(route) if route else UNMATCHED
            if measured[ROUTE] != EXCLUDED:
                self._instruments.record(HTTP_SERVER_DURATION, amount, measured)
        except Exception:  # noqa: S110 - never raise into the host
            pass


class _RouteMeter(NoOpMeter):
    def __init__(self, name: str, histogram: _RouteDurationHistogram) -> None:
        super().__init__(name)
        self._histogram = histogram

    def create_histogram(self, name: str, unit: str = "", description: str = "", *,
                         explicit_bucket_boundaries_advisory: Sequence[float] | None = None) -> Histogram:
        if name == HTTP_SERVER_DURATION and unit == "s":
            return self._histogram
        return super().create_histogram(
            name, unit, description, explicit_bucket_boundaries_advisory=explicit_bucket_boundaries_advisory,
        )


class RouteMeterProvider(NoOpMeterProvider):
    """The meter provider given to the stock instrumentation: only the request duration gets through."""

    def __init__(self, instruments: UsageInstruments, table: RouteTable) -> None:
        self._histogram = _RouteDurationHistogram(instruments, table)

    def get_meter(self, name: str, version: str | None = None, schema_url: str | None = None,
                  attributes: Attributes | None = None) -> Meter:
        return _RouteMeter(name, self._histogram)


@contextmanager
def stable_http_semconv() -> Iterator[bool]:
    """Within the block, HTTP instrumentation is built under stable (``http``) semantic conventions.

    Yields whether that holds. The stability switch is private to opentelemetry-instrumentation; if it
    moves, the process-wide mode is used and a warning says the route metrics may be missing.
    """
    try:
        from opentelemetry.instrumentation._semconv import (  # noqa: PLC0415
            _OpenTelemetrySemanticConventionStability as Stability,
        )
        from opentelemetry.instrumentation._semconv import (  # noqa: PLC0415
            _OpenTelemetryStabilitySignalType as Signal,
        )
        from opentelemetry.instrumentation._semconv import _StabilityMode as Mode  # noqa: PLC0415

        Stability._initialize()  # type: ignore[no-untyped-call]
        mapping: dict[Any, Any] = Stability._OTEL_SEMCONV_STABILITY_SIGNAL_MAPPING
        previous = mapping.get(Signal.HTTP)
    except (ImportError, AttributeError):
        _log.warning("usage_stats.semconv_switch_unavailable")
        yield False
        return
    if previous in (Mode.HTTP, Mode.HTTP_DUP):
        yield True
        return
    mapping[Signal.HTTP] = Mode.HTTP
    try:
        yield True
    finally:
        mapping[Signal.HTTP] = previous


class _SkipWhenOff:
    """Outermost wrapper: while statistics are off, tells the stock middleware to stand aside."""

    def __init__(self, app: ASGIApp, instruments: UsageInstruments) -> None:
        self.app = app
        self._instruments = instruments

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._instruments.active:
            await self.app(scope, receive, send)
            return
        with suppress_http_instrumentation():
            await self.app(scope, receive, send)


def instrument_with_stock_otel(app: Any, instruments: UsageInstruments, table: RouteTable) -> None:
    """Instrument a FastAPI app with ``FastAPIInstrumentor`` on our meter provider (see the module doc)."""
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor  # noqa: PLC0415
    from opentelemetry.trace import NoOpTracerProvider  # noqa: PLC0415

    if getattr(app, "_is_instrumented_by_opentelemetry", False):
        # The stock instrumentor would keep the host's meter provider and ignore ours: no route statistics.
        raise RuntimeError("the app is instrumented by opentelemetry-instrumentation-fastapi already; "
                           "use mode='lean', which works beside it")
    FastAPIInstrumentor.instrument_app(
        app, meter_provider=RouteMeterProvider(instruments, table), tracer_provider=NoOpTracerProvider(),
        excluded_urls="",  # count every request, as the lean mode does, whatever OTEL_PYTHON_FASTAPI_EXCLUDED_URLS says
    )
    stock_build = app.build_middleware_stack

    def build_middleware_stack() -> ASGIApp:
        with stable_http_semconv():
            stack: ASGIApp = stock_build()
        return _SkipWhenOff(stack, instruments)

    app.build_middleware_stack = build_middleware_stack
