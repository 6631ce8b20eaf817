"""``instrument_app``: count a FastAPI/Starlette app's requests by route template, in one of two modes.

- ``"lean"`` (the default, being the faster one): our pure-ASGI :class:`RouteMetricsMiddleware` with
  in-process aggregation. ``bench/bench_routes.py`` measures 2-4 µs added per request on this 2-core
  machine, nothing measurable while opted out.
- ``"otel"``: the stock ``opentelemetry-instrumentation-fastapi`` held to the registry (see
  :mod:`._fastapi_otel`). It adds 100-200 µs per request (routes matched a second time, span and attribute
  machinery, an SDK record) and ~7 µs while opted out; it is there for hosts that standardise on the stock
  instrumentation, not as the default.

Both produce the registry's ``http.server.request.duration`` with exactly its attribute keys, count a
request that matched no route as ``unmatched``, and follow the statistics switch without re-instrumenting:
nothing is recorded while the user is opted out.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from printernizer_stats.host.instrumentation._asgi import ASGIApp, RouteMetricsMiddleware
from printernizer_stats.host.instrumentation._instruments import UsageInstruments
from printernizer_stats.host.instrumentation._request_durations import HTTP_SERVER_DURATION
from printernizer_stats.host.instrumentation._route_table import RouteTable

RouteMode = Literal["lean", "otel"]
ROUTE_MODES: tuple[RouteMode, ...] = ("lean", "otel")
DEFAULT_ROUTE_MODE: RouteMode = "lean"
RouteTemplates = Callable[[], frozenset[str]]
"""Gives the app's current route templates (the values ``http.route`` may take besides ``unmatched``)."""


def instrument_app(app: Any, instruments: UsageInstruments, mode: RouteMode = DEFAULT_ROUTE_MODE,
                   excluded_prefix: str | None = None) -> RouteTemplates:
    """Count ``app``'s HTTP requests by route template, method and status into ``instruments``.

    Call it once, before the app serves its first request (like ``add_middleware``). Routes added later,
    also to routers included earlier, are picked up.

    Args:
        app: a FastAPI app (``"otel"`` needs FastAPI; ``"lean"`` takes any Starlette app).
        instruments: the registry's instruments; they decide whether anything is recorded.
        mode: ``"lean"`` or ``"otel"`` (see the module doc).
        excluded_prefix: requests to routes at or under it are not counted (the privacy API's own).

    Returns:
        A callable giving the app's current route templates, for the exporter's filter.

    Raises:
        ValueError: unknown mode, or a registry without ``http.server.request.duration``.
        RuntimeError: the app has already started serving, or is instrumented already.
    """
    if mode not in ROUTE_MODES:
        raise ValueError(f"unknown route instrumentation mode {mode!r}; use one of {', '.join(ROUTE_MODES)}")
    durations = instruments.request_durations
    if durations is None:
        raise ValueError(f"the registry declares no {HTTP_SERVER_DURATION} histogram")
    if getattr(app, "middleware_stack", None) is not None:
        raise RuntimeError("instrument the app before it serves its first request")
    if getattr(app, "_printernizer_stats_routes", None) is not None:
        raise RuntimeError("this app's routes are instrumented already")
    table = RouteTable(app, excluded_prefix)
    if mode == "otel":
        from printernizer_stats.host.instrumentation._fastapi_otel import instrument_with_stock_otel  # noqa: PLC0415

        instrument_with_stock_otel(app, instruments, table)
    else:
        build_stack = app.build_middleware_stack

        def build_middleware_stack() -> ASGIApp:
            # Outside the whole stack, so the time covers the host's own middleware in any order.
            return RouteMetricsMiddleware(build_stack(), table, durations)

        app.build_middleware_stack = build_middleware_stack
    app._printernizer_stats_routes = table
    return table.templates
