"""A stand-in for Printernizer's FastAPI app: its route shapes, its event bus and its services on ``app.state``.

Integration is tested against this instead of Printernizer's code. What it reproduces (Printernizer
v2.42 ``src/main.py`` and ``src/api/routers/``):

- routers included with the same prefixes in the same order, so FastAPI nests them the same way;
- path parameters carrying names (``printer_id`` may be free text, ``filename`` is a file name) and free
  text in query strings (``/api/v1/search?q=``);
- ``redirect_slashes=False``: a trailing slash is a 404;
- ``GET /api/v1/files/local`` answered by ``/api/v1/files/{file_id}``, registered first;
- with a frontend directory: ``/``, ``//`` and a static mount at ``/`` that shadows ``/metrics``;
- a WebSocket route at ``/ws``; ``PrinternizerError``-shaped error bodies;
- services on ``app.state`` (``event_service``, ``printer_service``, ``job_service``, ``file_service``,
  ``settings``), and handlers emitting Printernizer's events with payloads as sensitive as the real ones.

Simplified: uploads take JSON file names (no multipart), and about 60 of the 234 routes are served.
Importing this module needs FastAPI (the ``fastapi`` extra); ``printernizer_stats.simulator`` does not.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request, WebSocket
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from printernizer_stats.simulator._bus import StandInEventBus
from printernizer_stats.simulator._standin_routers import (
    camera_router,
    files_router,
    jobs_router,
    library_router,
    materials_router,
    ok_endpoint,
    printers_router,
    slicing_router,
)
from printernizer_stats.simulator._standin_services import (
    FileService,
    JobService,
    PrinterService,
    StandInError,
    StandInPrinter,
    StandInSettings,
    default_fleet,
)

__all__ = ["StandInError", "StandInPrinter", "StandInSettings", "create_standin_app"]

GET, POST, PUT, DELETE = "GET", "POST", "PUT", "DELETE"


def simple_router(*routes: tuple[str, str], prefix: str = "") -> Callable[[], APIRouter]:
    """A factory of a router whose (method, path) routes only answer ``{"status": "ok"}``."""
    def build() -> APIRouter:
        router = APIRouter(prefix=prefix)
        for method, path in routes:
            router.add_api_route(path, ok_endpoint, methods=[method])
        return router

    return build


async def _search(q: str = "", limit: int = 20) -> dict[str, Any]:
    return {"query": q, "results": [], "limit": limit}


def search_router() -> APIRouter:
    router = APIRouter()
    router.add_api_route("", _search, methods=["GET"])
    router.add_api_route("/suggestions", _search, methods=["GET"])
    return router


ROUTERS: tuple[tuple[str, Callable[[], APIRouter]], ...] = (
    ("/api/v1", simple_router((GET, "/health"), (GET, "/readiness"), (GET, "/liveness"), (GET, "/update-check"))),
    ("/api/v1/printers", printers_router),
    ("/api/v1/printers", camera_router),
    ("/api/v1/jobs", jobs_router),
    ("/api/v1/files", files_router),
    ("/api/v1", library_router),
    ("/api/v1", materials_router),
    ("/api/v1/timelapses", simple_router((GET, ""), (GET, "/{timelapse_id}"), (GET, "/{timelapse_id}/video"))),
    ("/api/v1", simple_router((GET, "/summary"), (GET, "/printers/{printer_id}"), prefix="/analytics")),
    ("/api/v1", simple_router((GET, ""), (GET, "/{idea_id}"), (GET, "/trending/{platform}"), prefix="/ideas")),
    ("/api/v1/search", search_router),
    ("/api/v1/system", simple_router((GET, "/info"))),
    ("/api/v1/settings", simple_router((GET, "/application"), (PUT, "/application"),
                                       (POST, "/printers/{printer_id}/validate"))),
    ("/api/v1/slicing", slicing_router),
    ("/api/v1", simple_router((GET, ""), (POST, "/file/{file_checksum}/assign"), prefix="/tags")),
    ("/api/v1/orders", simple_router((GET, ""), (GET, "/{order_id}"), (DELETE, "/{order_id}/jobs/{job_id}"))),
)
"""(prefix, router factory) in Printernizer's ``include_router`` order (``src/main.py:756-784``)."""


def _add_frontend(app: FastAPI, frontend_dir: Path) -> None:
    @app.get("/")
    async def read_index() -> Response:
        return Response((frontend_dir / "index.html").read_bytes(), media_type="text/html")

    @app.get("//")
    async def redirect_double_slash() -> RedirectResponse:  # HA Ingress sometimes forwards / as //
        return RedirectResponse(url="/", status_code=301)

    app.mount("/", StaticFiles(directory=str(frontend_dir), html=True), name="frontend")


def create_standin_app(
    event_bus: StandInEventBus | None = None,
    printers: list[StandInPrinter] | None = None,
    settings: StandInSettings | None = None,
    frontend_dir: Path | None = None,
    stats_db: str | Path | None = None,
    stats_options: Mapping[str, Any] | None = None,
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
    """
    bus = event_bus or StandInEventBus()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await bus.start()
        yield
        await bus.stop()

    app = FastAPI(title="Printernizer (stand-in)", lifespan=lifespan, redirect_slashes=False)
    app.state.event_service = bus
    app.state.printer_service = PrinterService(default_fleet() if printers is None else printers)
    app.state.job_service = JobService()
    app.state.file_service = FileService()
    app.state.settings = settings or StandInSettings()

    # As Printernizer: CORS always on, here its most open form (any origin, credentials), so the privacy API's
    # own checks are tested against a host that helps no one.
    app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=True,
                       allow_methods=["GET", "POST", "PUT", "DELETE", "PATCH"], allow_headers=["*"])
    for prefix, router in ROUTERS:
        app.include_router(router(), prefix=prefix)

    @app.websocket("/ws")
    async def websocket(ws: WebSocket) -> None:
        await ws.accept()
        await ws.send_json({"type": "connected"})
        await ws.close()

    if stats_db is not None:  # before the frontend's mount at "/", which would answer everything after it
        from printernizer_stats.client import install  # noqa: PLC0415

        install(app, db_path=stats_db, app_version=app.state.settings.app_version, settings=app.state.settings,
                printers_by_type=app.state.printer_service.printers_by_type, **dict(stats_options or {}))
    if frontend_dir is not None:
        _add_frontend(app, frontend_dir)

    @app.get("/metrics")
    async def metrics() -> Response:
        return Response("# Printernizer's Prometheus objects are never incremented\n", media_type="text/plain")

    @app.exception_handler(StandInError)
    async def printernizer_error(_request: Request, exc: StandInError) -> JSONResponse:
        return JSONResponse(exc.to_dict(), status_code=exc.status_code)

    return app
