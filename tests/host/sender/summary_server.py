"""A scripted HTTP server for the community summary's fetch: real socket, port 0, a thread.

Serves a body with an ETag (304 for a matching ``If-None-Match``), or whatever a test scripts instead
(an oversized body, malformed JSON, a status, a redirect); counts accepted connections and keeps each
GET's path and headers, so a test can prove what was (and was not) sent. POSTed batches get a bare 200.
"""

from __future__ import annotations

import hashlib
import json
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, owner: SummaryServer) -> None:
        self.owner = owner
        super().__init__(("127.0.0.1", 0), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        return None

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, address = self.socket.accept()
        with self.owner.lock:
            self.owner.connections += 1
        return sock, address


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        return None

    def do_POST(self) -> None:  # a weekly batch from the same scheduler round: taken, not kept
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:
        owner = self.server.owner
        with owner.lock:
            owner.requests.append((self.path, dict(self.headers)))
            answer = owner.scripted.pop(0) if owner.scripted else None
        if answer is None:
            etag = owner.etag
            if self.headers.get("If-None-Match") == etag:
                answer = Answer(304, b"", {"ETag": etag})
            else:
                answer = Answer(200, owner.body, {"ETag": etag, "Content-Type": "application/json"})
        self.send_response(answer.status)
        for key, value in answer.headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        self.wfile.write(answer.body)


class SummaryServer:
    """``with SummaryServer(summary) as server:``; ``server.url`` is the endpoint base (http://127.0.0.1:port)."""

    def __init__(self, summary: dict[str, Any]) -> None:
        self.lock = threading.Lock()
        self.connections = 0
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.scripted: list[Answer] = []
        self.serve(summary)
        self.server = _Server(self)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    def serve(self, summary: dict[str, Any]) -> None:
        """Serve ``summary`` from now on (a new body gets a new ETag)."""
        self.body = json.dumps(summary).encode()
        self.etag = '"' + hashlib.sha256(self.body).hexdigest()[:32] + '"'

    def script(self, *answers: Answer) -> None:
        self.scripted.extend(answers)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> SummaryServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
