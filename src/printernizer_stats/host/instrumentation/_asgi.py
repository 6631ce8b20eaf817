"""The lean route middleware: request count and duration by route template, method and status, in pure ASGI.

Shaped like Starlette's ``TrustedHostMiddleware``: non-HTTP scopes (lifespan, WebSocket) pass straight
through, and so does everything while statistics are off. For an HTTP request it notes the time, wraps
``send`` to catch the status of ``http.response.start``, lets the app route and answer, and then reads the
matched route from the scope (:class:`RouteTable`). It reads the method and nothing else from the request:
no path, query string, headers, host or client address.

``instrument_app`` wraps the app's whole middleware stack with it, so the time covers the host's own
middleware whatever order they were added in. An exception from the app counts as a 500 (unless a
response had started) and is re-raised untouched; a failure of our own is swallowed: the host never
suffers from its statistics.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from time import perf_counter
from typing import Any

from printernizer_stats.host.instrumentation._request_durations import RequestDurations
from printernizer_stats.host.instrumentation._route_table import RouteTable

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class RouteMetricsMiddleware:
    """Counts every HTTP request into ``durations`` under its route template.

    Args:
        app: the next ASGI app.
        table: resolves the template of the matched route.
        durations: where requests are counted (inactive while statistics are off).
    """

    def __init__(self, app: ASGIApp, table: RouteTable, durations: RequestDurations) -> None:
        self.app = app
        self.table = table
        self.durations = durations

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.durations.active:
            await self.app(scope, receive, send)
            return
        start = perf_counter()
        status = 500  # what the server answers when the app raises before starting a response

        async def send_and_note_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note_status)
        finally:
            try:
                label = self.table.label(scope)
                if label:  # not EXCLUDED (the privacy API's own requests)
                    self.durations.record(label, scope["method"], status, perf_counter() - start)
            except Exception:  # noqa: S110 - statistics never raise into the host; a lost count is all it costs
                pass
