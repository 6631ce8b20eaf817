"""An ASGI app on a real socket: uvicorn in a thread on an ephemeral loopback port (the receiver, the viewer)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

import uvicorn
from starlette.types import ASGIApp


@contextmanager
def serve_in_thread(app: ASGIApp, host: str = "127.0.0.1", lifespan: Literal["on", "off"] = "off",
                    timeout_s: float = 10.0, **options: Any) -> Iterator[str]:
    """Yields the base URL (``http://127.0.0.1:<port>``) while uvicorn serves ``app``; stops it afterwards.
    ``lifespan="on"`` runs the app's start-up and shut-down (a host app with printernizer-stats installed);
    ``options`` go to ``uvicorn.Config`` (e.g. ``ConnectionLimits().uvicorn_options()``, as ``serve`` runs)."""
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=0, access_log=False, log_level="warning",
                                           lifespan=lifespan, **options))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout_s
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout_s)
