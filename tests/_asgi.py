"""Drive an ASGI app in-process with httpx, from synchronous tests (no server, no lifespan)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import httpx

Call = tuple[str, str] | tuple[str, str, dict[str, Any]]
"""(method, url) or (method, url, httpx request keyword arguments)."""


def call_app(
    app: Any, calls: Sequence[Call], *, base_url: str = "http://printernizer.local",
    client: tuple[str, int] = ("127.0.0.1", 50000), raise_app_exceptions: bool = False,
    headers: dict[str, str] | None = None,
) -> list[httpx.Response]:
    """Send ``calls`` one after another; returns the responses."""

    async def run() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app, client=client, raise_app_exceptions=raise_app_exceptions)
        async with httpx.AsyncClient(transport=transport, base_url=base_url, headers=headers) as http:
            responses = []
            for call in calls:
                method, url, *options = call
                responses.append(await http.request(method, url, **(options[0] if options else {})))
            return responses

    return asyncio.run(run())
