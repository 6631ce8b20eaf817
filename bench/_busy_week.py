"""A busy week of API traffic over the stand-in's full route set (Printernizer's 233 routes), as ASGI calls.

The mix: Zipf-weighted over every (method, template) of Printernizer's table in a seeded order (a few routes
take most requests, as a polling UI does, and every route gets some), path parameters filled with values that
exist or not (so handlers answer 2xx, 404 or 422 for real), 1 % of requests to paths that match no route, and
3 % to the privacy API itself (not counted; left out when measuring overhead, as the bare app has no such
routes and their answers read SQLite in a worker thread). Bodies of POST, PUT and PATCH are an empty JSON object.
"""

from __future__ import annotations

import random
import re
from collections.abc import Awaitable, Callable
from typing import Any

from printernizer_stats.host.viewer import MOUNT_PREFIX
from printernizer_stats_tools.standin._printernizer_routes import host_routes

_PARAM = re.compile(r"\{([^}:]+)(?::[^}]*)?\}")
_VALUES = {"printer_id": ["bambu_x1c_workshop", "ender3-octopi", "gone"], "job_id": ["j-1", "j-2"]}
_WITH_BODY = frozenset({"POST", "PUT", "PATCH"})
App = Callable[[dict[str, Any], Any, Any], Awaitable[None]]
Call = tuple[dict[str, Any], bytes]


def _fill(template: str, rng: random.Random) -> str:
    return _PARAM.sub(lambda m: rng.choice(_VALUES.get(m.group(1), ["x1", "x2", "x3"])), template)


def _scope(method: str, path: str) -> dict[str, Any]:
    headers = [(b"host", b"printernizer.local"), (b"user-agent", b"bench")]
    if method in _WITH_BODY:
        headers += [(b"content-type", b"application/json"), (b"content-length", b"2")]
    return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
            "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "", "headers": headers,
            "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000)}


def busy_day(requests: int, seed: int, privacy_share: float = 0.03) -> list[Call]:
    """``requests`` (scope, body) pairs of one day's traffic; ``privacy_share`` of them to the privacy API."""
    rng = random.Random(seed)
    routes = list(host_routes())
    random.Random(12).shuffle(routes)  # the same popularity order every day
    weights = [1 / (rank + 1) ** 1.1 for rank in range(len(routes))]
    calls: list[Call] = []
    for _ in range(requests):
        draw = rng.random()
        if draw < 0.01:
            method, path = "GET", f"/no/such/{rng.randrange(10_000)}"
        elif draw < 0.01 + privacy_share:
            method, path = "GET", f"{MOUNT_PREFIX}/status"
        else:
            method, template = rng.choices(routes, weights)[0]
            path = _fill(template, rng)
        calls.append((_scope(method, path), b"{}" if method in _WITH_BODY else b""))
    return calls


async def _send(_message: dict[str, Any]) -> None:
    return None


async def drive_calls(app: App, calls: list[Call]) -> None:
    """Each call in turn, as an ASGI server would make it (no sockets)."""
    for scope, body in calls:
        async def receive(body: bytes = body) -> dict[str, Any]:
            return {"type": "http.request", "body": body, "more_body": False}

        await app(dict(scope), receive, _send)
