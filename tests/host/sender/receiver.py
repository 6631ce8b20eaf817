"""A small fault-injecting OTLP/HTTP(S) receiver for the sender's tests: real sockets, port 0, a thread.

It stores each batch once by its batch id (as the real receiver does), keeps the raw bytes it got, answers
whatever the test scripted (500, 503 + Retry-After, 429, 400, hang, drop) and counts accepted TCP
connections, so a test can prove that no socket was ever opened.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import socket
import ssl
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import trustme
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
)

OK = "ok"


@dataclass
class Received:
    """One request as the receiver saw it."""

    path: str
    headers: dict[str, str]
    body: bytes
    """As it came off the wire (gzipped)."""
    payload: bytes
    """After gunzip: the serialized request."""
    batch_id: str | None
    answer: str


@dataclass
class Script:
    """What to answer next: a queue of behaviours, then ``default``."""

    queue: deque[str | tuple[str, str]] = field(default_factory=deque)
    default: str = OK


def batch_id_of(request: ExportMetricsServiceRequest) -> str | None:
    for rm in request.resource_metrics:
        for kv in rm.resource.attributes:
            if kv.key == "printernizer.stats.batch_id":
                return str(kv.value.string_value)
    return None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, receiver: FaultyReceiver, context: ssl.SSLContext | None) -> None:
        self.receiver = receiver
        self.context = context
        super().__init__(("127.0.0.1", 0), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        return None  # failed handshakes and dropped connections are what some tests are about

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, address = self.socket.accept()
        # As production servers do: without it, Nagle + delayed ACK add ~40 ms to some TLS handshakes.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.receiver.lock:
            self.receiver.connections += 1
        if self.context is not None:  # the handshake runs in the handler thread, on first read
            sock = self.context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, address


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        return None

    def do_POST(self) -> None:
        receiver = self.server.receiver
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        payload = gzip.decompress(body) if self.headers.get("Content-Encoding") == "gzip" else body
        try:
            request = ExportMetricsServiceRequest.FromString(payload)
            ident = batch_id_of(request)
        except Exception:
            ident = None
        answer = receiver.next_answer()
        behaviour, argument = (answer, "") if isinstance(answer, str) else answer
        with receiver.lock:
            receiver.received.append(Received(self.path, dict(self.headers), body, payload, ident, behaviour))
        if behaviour in {OK, "hang", "drop"} and ident is not None:
            receiver.store(ident, payload)  # stored first: a lost answer is the case retries must survive
        if behaviour == "hang":
            time.sleep(float(argument or receiver.hang_s))
        if behaviour == "drop":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if behaviour in {OK, "hang"}:
            self._answer(200, ExportMetricsServiceResponse().SerializeToString(), "application/x-protobuf", {
                "X-Printernizer-Batch-Id": ident or "",
                "X-Printernizer-Receipt": hashlib.sha256(payload).hexdigest(),
            })
        elif behaviour in {"503", "429"}:
            headers = {"Retry-After": argument} if argument else {}
            self._answer(int(behaviour), b"busy", "text/plain", headers)
        elif behaviour == "400":
            self._answer(400, json.dumps({"reason": argument or "batch rejected"}).encode(), "application/json", {})
        else:
            self._answer(int(behaviour), b"", "text/plain", {})

    def _answer(self, status: int, body: bytes, content_type: str, headers: dict[str, str]) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)


class FaultyReceiver:
    """Start with ``with FaultyReceiver() as receiver:``; ``receiver.url`` is its base URL."""

    def __init__(self, tls_dir: Path | None = None, hang_s: float = 2.0) -> None:
        self.lock = threading.Lock()
        self.script = Script()
        self.received: list[Received] = []
        self.stored: dict[str, bytes] = {}
        self.store_counts: dict[str, int] = {}
        self.connections = 0
        self.hang_s = hang_s
        self.ca_file: str | None = None
        context = None
        if tls_dir is not None:
            ca = trustme.CA()
            cert = ca.issue_cert("127.0.0.1", "localhost")
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            cert.configure_cert(context)
            self.ca_file = str(tls_dir / "ca.pem")
            ca.cert_pem.write_to_path(self.ca_file)
        self.scheme = "https" if context else "http"
        self.server = _Server(self, context)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def answer(self, *behaviours: str | tuple[str, str]) -> None:
        """Script the next answers, e.g. ``answer("500", ("503", "7"), "ok")``."""
        self.script.queue.extend(behaviours)

    def next_answer(self) -> str | tuple[str, str]:
        with self.lock:
            return self.script.queue.popleft() if self.script.queue else self.script.default

    def store(self, ident: str, payload: bytes) -> None:
        with self.lock:
            self.store_counts[ident] = self.store_counts.get(ident, 0) + 1
            self.stored.setdefault(ident, payload)  # idempotent: a batch id is stored once

    def __enter__(self) -> FaultyReceiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
