"""Serve an ASGI app with uvicorn on a loopback ephemeral port and load it with ``wrk`` (Debian ``wrk``)."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import threading
import time
from typing import Any

import uvicorn


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


class LoopbackServer:
    """uvicorn (h11, no access log) on 127.0.0.1:<ephemeral>, in a thread of this process."""

    def __init__(self, app: Any) -> None:
        # proto=IPPROTO_TCP: asyncio sets TCP_NODELAY only on sockets that say so (else Nagle costs 40 ms).
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._socket.bind(("127.0.0.1", 0))
        self.port = self._socket.getsockname()[1]
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off", http="h11")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True)

    def __enter__(self) -> LoopbackServer:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(10)
        self._socket.close()


def wrk_requests_per_second(port: int, path: str, seconds: int, connections: int = 8) -> float:
    """Requests/s reported by one ``wrk`` run (one thread: the server needs the other core)."""
    result = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{max(1, seconds)}s", f"http://127.0.0.1:{port}{path}"],
        capture_output=True, text=True, check=True, timeout=seconds + 30,
    )
    match = re.search(r"Requests/sec:\s+([\d.]+)", result.stdout)
    if match is None:
        raise RuntimeError(f"unexpected wrk output: {result.stdout[-300:]}")
    return float(match.group(1))
