"""The stand-in's API: Printernizer's whole route table, with the stand-in's handlers where it has them.

Every route of ``printernizer_routes.json`` is served, in Printernizer's registration order and under its
prefixes (so matching quirks such as ``/files/local`` going to ``/files/{file_id}`` are reproduced); the
routes the stand-in implements (those that emit Printernizer's events) get their handler, the others answer
``{"status": "ok"}`` with their path parameters.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter
from fastapi.routing import APIRoute

from printernizer_stats_tools.standin._file_routers import (
    files_router,
    library_router,
    materials_router,
    search_router,
    slicing_router,
)
from printernizer_stats_tools.standin._handlers import ok_endpoint
from printernizer_stats_tools.standin._printernizer_routes import OLD_USAGE_STATS_ROUTER, host_routers
from printernizer_stats_tools.standin._routers import camera_router, jobs_router, printers_router

_IMPLEMENTED: tuple[tuple[str, Callable[[], APIRouter]], ...] = (
    ("/api/v1/printers", printers_router),
    ("/api/v1/printers", camera_router),
    ("/api/v1/jobs", jobs_router),
    ("/api/v1/files", files_router),
    ("/api/v1", library_router),
    ("/api/v1", materials_router),
    ("/api/v1/search", search_router),
    ("/api/v1/slicing", slicing_router),
)
"""(prefix, router) of the routes the stand-in implements."""


def _implemented() -> dict[tuple[str, str], APIRoute]:
    found: dict[tuple[str, str], APIRoute] = {}
    for prefix, factory in _IMPLEMENTED:
        for route in factory().routes:
            if isinstance(route, APIRoute):
                for method in route.methods or ():
                    found[(method, prefix + route.path)] = route
    return found


def host_api_routers() -> list[tuple[str, APIRouter]]:
    """(prefix, router) for each of Printernizer's ``include_router`` calls but the old usage statistics."""
    implemented = _implemented()
    included: list[tuple[str, APIRouter]] = []
    for host_router in host_routers():
        if host_router.name == OLD_USAGE_STATS_ROUTER:
            continue
        router = APIRouter()
        for method, path in host_router.routes:
            route = implemented.get((method, host_router.prefix + path))
            options: dict[str, Any] = {"name": f"{host_router.name}:{method.lower()}:{path}"}
            if route is not None:
                options = {"name": route.name, "status_code": route.status_code}
            router.add_api_route(path, route.endpoint if route else ok_endpoint, methods=[method], **options)
        included.append((host_router.prefix, router))
    return included
