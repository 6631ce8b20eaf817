"""The privacy API and the user's page, mounted in Printernizer under ``/api/v1/usage-stats``.

Imports only the registry and FastAPI/Jinja2/pydantic; the composition root (``client/``) hands
:func:`usage_stats_router` a backend (a ``StatsClient``).
"""

from typing import Any

from fastapi import APIRouter, Depends

from printernizer_stats.host.viewer._api import add_api_routes
from printernizer_stats.host.viewer._backend import StatsBackend
from printernizer_stats.host.viewer._calls import UNEXPECTED
from printernizer_stats.host.viewer._dashboard import CHART_METRICS
from printernizer_stats.host.viewer._guard import CROSS_SITE, CUSTOM_HEADER, RequestPolicy, request_guard
from printernizer_stats.host.viewer._models import LocalStats, Preview, Problem, Status
from printernizer_stats.host.viewer._page import (
    CONTENT_SECURITY_POLICY,
    HOST_SETTINGS,
    add_page_routes,
    page_context,
    viewer_page,
)

MOUNT_PREFIX = "/api/v1/usage-stats"
"""Where Printernizer mounts its usage-statistics router."""


GUARDED: dict[int | str, dict[str, Any]] = {403: {
    "model": Problem, "description": "Refused: an unknown host name (DNS rebinding), another page's Origin, "
                                    "or a change sent as a simple request (a form)."}}


def usage_stats_router(backend: StatsBackend, policy: RequestPolicy | None = None,
                       host_page: str | None = HOST_SETTINGS) -> APIRouter:
    """The privacy API and the page for ``backend``; include it with ``prefix=MOUNT_PREFIX``.

    ``host_page``: the host's page the page links back to (Printernizer's Settings), None for no link.

    Every route checks the request first (:mod:`._guard`): ``policy`` adds host names and trusted proxies.
    """
    router = APIRouter(tags=["usage statistics"], responses=GUARDED,
                       dependencies=[Depends(request_guard(policy or RequestPolicy()))])
    add_api_routes(router, backend)
    add_page_routes(router, backend, host_page)
    return router


__all__ = [
    "CHART_METRICS",
    "CONTENT_SECURITY_POLICY",
    "CROSS_SITE",
    "CUSTOM_HEADER",
    "MOUNT_PREFIX",
    "UNEXPECTED",
    "LocalStats",
    "Preview",
    "RequestPolicy",
    "StatsBackend",
    "Status",
    "page_context",
    "request_guard",
    "usage_stats_router",
    "viewer_page",
]
