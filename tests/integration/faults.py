"""Fault injection for the whole path: an HTTP hop that fails a share of requests (deterministically by seed,
request body and attempt), and a private PostgreSQL server a test may stop and start (never the shared one)."""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import os
import random
import shutil
import ssl
import subprocess
import tempfile
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from printernizer_stats_tools import free_port

FAULTS = ("refused", "dropped before", "dropped after")
"""503 without forwarding; the connection closed without forwarding; forwarded, then closed before the answer
(the request took effect, its sender never learns it: the case idempotency is for)."""


class FaultyHop:
    """``with FaultyHop(upstream, rate, seed) as hop``: clients use ``hop.url`` (plain HTTP on loopback)."""

    def __init__(self, upstream: str, rate: float, seed: int, ca_file: Path | None = None) -> None:
        self.upstream = urlsplit(upstream)
        self.rate, self.seed = rate, seed
        self.context = ssl.create_default_context(cafile=str(ca_file)) if ca_file else None
        self.injected: Counter[str] = Counter()
        self.statuses: Counter[int] = Counter()
        self._attempts: Counter[str] = Counter()
        self._lock = threading.Lock()
        self.hold = threading.Event()
        """While set, a request is forwarded (it takes effect) and its answer held until ``release``."""
        self.held = threading.Event()
        self.release = threading.Event()
        hop = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                fault = hop._fault(body)
                if fault == "refused":
                    self.send_response(503)
                    self.send_header("retry-after", "1")
                    self.send_header("content-length", "0")
                    self.end_headers()
                    return
                if fault == "dropped before":
                    self.close_connection = True
                    return
                status, headers, answer = hop._forward(self.command, self.path, dict(self.headers.items()), body)
                if hop.hold.is_set():
                    hop.held.set()
                    hop.release.wait(60)
                    self.close_connection = True
                    return
                if fault == "dropped after":
                    self.close_connection = True
                    return
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("content-length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            do_GET = do_POST

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _fault(self, body: bytes) -> str | None:
        key = hashlib.sha256(body).hexdigest()
        with self._lock:
            self._attempts[key] += 1
            rng = random.Random(f"{self.seed}:{key}:{self._attempts[key]}")
            fault = rng.choice(FAULTS) if rng.random() < self.rate else None
            if fault:
                self.injected[fault] += 1
        return fault

    def _forward(self, method: str, path: str, headers: dict[str, str], body: bytes
                 ) -> tuple[int, dict[str, str], bytes]:
        host, port = self.upstream.hostname or "127.0.0.1", self.upstream.port
        connection: http.client.HTTPConnection = (
            http.client.HTTPSConnection(host, port, timeout=30, context=self.context) if self.context
            else http.client.HTTPConnection(host, port, timeout=30))
        try:
            forwarded = {k: v for k, v in headers.items() if k.lower() not in {"host", "connection", "content-length"}}
            connection.request(method, path, body, forwarded)
            response = connection.getresponse()
            keep = {"content-type", "content-encoding", "retry-after", "x-printernizer-batch-id",
                    "x-printernizer-receipt"}
            answer = response.read()
            with self._lock:
                self.statuses[response.status] += 1
            return response.status, {k: v for k, v in response.getheaders() if k.lower() in keep}, answer
        except OSError:
            return 502, {}, b""
        finally:
            connection.close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> FaultyHop:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


PG_BIN = Path("/usr/lib/postgresql/15/bin")


class PrivatePostgres:
    """A PostgreSQL server of the test's own: initdb in a temporary folder, its own free port, trust auth;
    run as the ``postgres`` user when we are root (PostgreSQL refuses to run as root)."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="pstats-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        self._as = ["runuser", "-u", "postgres", "--"] if _is_root() else []

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *argv: str) -> None:
        subprocess.run([*self._as, *argv], check=True, capture_output=True, timeout=120)

    def init(self) -> PrivatePostgres:
        if self._as:
            shutil.chown(self.folder, "postgres", "postgres")
        self._run(str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        return self.start()

    def start(self) -> PrivatePostgres:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.folder / "log"),
                  "-w", "start")
        return self

    def stop(self) -> None:
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def close(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # not running
            self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


def _is_root() -> bool:
    return os.geteuid() == 0
