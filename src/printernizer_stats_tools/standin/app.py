"""A stand-in for Printernizer's FastAPI app: its routes, its quirks, its event bus and its services.

Integration is tested against this instead of Printernizer's code. What it reproduces (Printernizer
``be0da09``, v2.42, ``src/main.py`` and ``src/api/routers/``):

- the whole route table (233 HTTP routes of 26 routers, from ``printernizer_routes.json``) with the same
  prefixes in the same order, so FastAPI nests and matches them the same way; the old usage-statistics
  router is left out, as README's integration removes it;
- path parameters carrying names (``printer_id`` may be free text, ``filename`` is a file name) and free
  text in query strings (``/api/v1/search?q=``);
- ``redirect_slashes=False``: a trailing slash is a 404;
- ``GET /api/v1/files/local`` answered by ``/api/v1/files/{file_id}``, registered first;
- with a frontend directory: ``/``, ``//``, ``/debug`` and a static mount at ``/`` that shadows ``/metrics``;
- a WebSocket route at ``/ws``;
- Printernizer's exception handlers: every FastAPI ``HTTPException`` (the privacy API's too) is rewritten as
  ``{"status": "error", "message": ...}`` (see ``_errors``);
- ``Counter`` in this module is Prometheus's (as ``src/main.py`` imports it), next to README's snippet;
- a lifespan that, like Printernizer's, stores the event bus on ``app.state`` and connects every printer
  (with its connection events) before the app serves;
- services on ``app.state`` (``event_service``, ``printer_service``, ``job_service``, ``file_service``,
  ``settings``), and handlers emitting Printernizer's events with payloads as sensitive as the real ones.

Simplified: uploads take JSON file names (no multipart); about 60 routes have a handler of their own, the
others answer ``{"status": "ok"}``. Importing this module needs FastAPI (the ``fastapi`` extra);
``printernizer_stats_tools.simulator`` does not.
"""

from __future__ import annotations

import collections
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, WebSocket
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from printernizer_stats_tools.standin._api import host_api_routers
from printernizer_stats_tools.standin._bus import StandInEventBus
from printernizer_stats_tools.standin._errors import add_exception_handlers
from printernizer_stats_tools.standin._prometheus import Counter
from printernizer_stats_tools.standin._services import (
    FileService,
    JobService,
    PrinterService,
    StandInError,
    StandInPrinter,
    StandInSettings,
    default_fleet,
)

__all__ = ["REQUEST_COUNT", "StandInError", "StandInPrinter", "StandInSettings", "create_standin_app",
           "printers_by_type"]

REQUEST_COUNT = Counter("printernizer_requests_total", "Total requests", ["method", "endpoint", "status"])
"""As in Printernizer's ``src/main.py``: the name ``Counter`` here is Prometheus's."""

# README's snippet ("Adding it to Printernizer"), as an integrator pastes it into src/main.py:
_DRIVER_TYPES = {"BambuLabPrinter": "bambu_lab", "PrusaPrinter": "prusa_core", "OctoPrintPrinter": "octoprint"}


def printers_by_type(app: FastAPI) -> dict[str, int]:
    service = getattr(app.state, "printer_service", None)
    drivers = service.printer_instances.values() if service is not None else ()
    return dict(collections.Counter(_DRIVER_TYPES.get(type(driver).__name__, "unknown") for driver in drivers))


def _add_frontend(app: FastAPI, frontend_dir: Path) -> None:
    @app.get("/")
    async def read_index() -> Response:
        return Response((frontend_dir / "index.html").read_bytes(), media_type="text/html")

    @app.get("//")
    async def redirect_double_slash() -> RedirectResponse:  # HA Ingress sometimes forwards / as //
        return RedirectResponse(url="/", status_code=301)

    @app.get("/debug")
    async def read_debug() -> Response:
        return Response(b"<h1>debug</h1>", media_type="text/html")

    app.mount("/", StaticFiles(directory=str(frontend_dir), html=True), name="frontend")


def _add_host_routes(app: FastAPI) -> None:
    # As Printernizer: CORS always on, here its most open form (any origin, credentials), so the privacy API's
    # own checks are tested against a host that helps no one.
    app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=True,
                       allow_methods=["GET", "POST", "PUT", "DELETE", "PATCH"], allow_headers=["*"])
    for prefix, router in host_api_routers():
        app.include_router(router, prefix=prefix)

    @app.websocket("/ws")
    async def websocket(ws: WebSocket) -> None:
        await ws.accept()
        await ws.send_json({"type": "connected"})
        await ws.close()


def create_standin_app(
    event_bus: StandInEventBus | None = None,
    printers: list[StandInPrinter] | None = None,
    settings: StandInSettings | None = None,
    frontend_dir: Path | None = None,
    stats_db: str | Path | None = None,
    stats_options: Mapping[str, Any] | None = None,
    bus_from_lifespan: bool = False,
) -> FastAPI:
    """A FastAPI app shaped like Printernizer's ``create_application()``.

    Args:
        event_bus: the app's ``event_service`` (a new :class:`StandInEventBus` when not given).
        printers: the configured fleet (:func:`default_fleet` when not given).
        settings: feature flags, time zone, version.
        frontend_dir: when given (as in Docker and HA), served by a static mount at ``/`` that, being
            registered before ``/metrics``, shadows it; without it unknown paths are plain 404s.
        stats_db: when given, usage statistics are installed with ``printernizer_stats.install`` as the
            README tells Printernizer to (the client is then on ``app.state.usage_stats``).
        stats_options: further ``install`` arguments (``sender``, ``environ``, ``today``...).
        bus_from_lifespan: as in Printernizer, ``app.state.event_service`` exists only once the lifespan has
            created it; by default it is there from the start, so tests without a lifespan can emit events.
    """
    bus = event_bus or StandInEventBus()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        app.state.event_service = bus  # src/main.py creates its EventService here
        await bus.start()
        await app.state.printer_service.connect_all(bus)  # printer_service.initialize(): events during startup
        yield
        await bus.stop()

    app = FastAPI(title="Printernizer (stand-in)", lifespan=lifespan, redirect_slashes=False)
    if not bus_from_lifespan:
        app.state.event_service = bus
    app.state.printer_service = PrinterService(default_fleet() if printers is None else printers)
    app.state.job_service = JobService()
    app.state.file_service = FileService()
    app.state.settings = settings or StandInSettings()
    _add_host_routes(app)
    if stats_db is not None:  # before the frontend's mount at "/", which would answer everything after it
        from printernizer_stats.host.client import install  # noqa: PLC0415

        install(app, db_path=stats_db, app_version=app.state.settings.app_version, settings=app.state.settings,
                printers_by_type=lambda: printers_by_type(app), **dict(stats_options or {}))
    if frontend_dir is not None:
        _add_frontend(app, frontend_dir)

    @app.get("/metrics")
    async def metrics() -> Response:
        return Response("# Printernizer's Prometheus objects are never incremented\n", media_type="text/plain")

    add_exception_handlers(app)
    return app
