"""The privacy API and the user's page, mounted in Printernizer under ``/api/v1/usage-stats``.

Imports only the registry and FastAPI/Jinja2/pydantic; the composition root (``client/``) hands
:func:`usage_stats_router` a backend (a ``StatsClient``).
"""

from fastapi import APIRouter

from printernizer_stats.viewer._api import add_api_routes
from printernizer_stats.viewer._backend import StatsBackend
from printernizer_stats.viewer._calls import CROSS_SITE, UNEXPECTED
from printernizer_stats.viewer._dashboard import CHART_METRICS
from printernizer_stats.viewer._models import LocalStats, Preview, Status
from printernizer_stats.viewer._page import CONTENT_SECURITY_POLICY, add_page_routes, page_context, viewer_page

MOUNT_PREFIX = "/api/v1/usage-stats"
"""Where Printernizer mounts its usage-statistics router."""


def usage_stats_router(backend: StatsBackend) -> APIRouter:
    """The privacy API and the page for ``backend``; include it with ``prefix=MOUNT_PREFIX``."""
    router = APIRouter(tags=["usage statistics"])
    add_api_routes(router, backend)
    add_page_routes(router, backend)
    return router


__all__ = [
    "CHART_METRICS",
    "CONTENT_SECURITY_POLICY",
    "CROSS_SITE",
    "MOUNT_PREFIX",
    "UNEXPECTED",
    "LocalStats",
    "Preview",
    "StatsBackend",
    "Status",
    "page_context",
    "usage_stats_router",
    "viewer_page",
]
