"""Printernizer's whole route table (``be0da09``), read from ``printernizer_routes.json``.

The JSON was taken from Printernizer's ``src/main.py`` (the ``include_router`` calls, in order, with their
prefixes) and the route decorators of ``src/api/routers/*.py`` (router prefixes included in the paths):
233 HTTP routes, the WebSocket route left out. The old usage-statistics router is in it, marked: it is what
``printernizer_stats.install`` replaces, so the stand-in never includes it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

OLD_USAGE_STATS_ROUTER = "usage_statistics"
"""Printernizer's own usage-statistics router (``/api/v1/usage-stats``), replaced by ``install``."""


@dataclass(frozen=True, slots=True)
class HostRouter:
    """One ``app.include_router(router, prefix=prefix)`` call of Printernizer's ``create_application()``."""

    name: str
    prefix: str
    routes: tuple[tuple[str, str], ...]
    """(method, path below ``prefix``) in the router's registration order."""

    def templates(self) -> tuple[tuple[str, str], ...]:
        """(method, full template) pairs."""
        return tuple((method, self.prefix + path) for method, path in self.routes)


@cache
def host_routers() -> tuple[HostRouter, ...]:
    """Printernizer's routers in its ``include_router`` order."""
    text = resources.files(__package__).joinpath("printernizer_routes.json").read_text(encoding="utf-8")
    return tuple(HostRouter(entry["router"], entry["prefix"], tuple((m, p) for m, p in entry["routes"]))
                 for entry in json.loads(text)["routers"])


def host_routes(include_old_usage_stats: bool = False) -> tuple[tuple[str, str], ...]:
    """Every (method, template) of Printernizer's API, by default without the old usage-statistics routes."""
    return tuple(route for router in host_routers()
                 if include_old_usage_stats or router.name != OLD_USAGE_STATS_ROUTER
                 for route in router.templates())
