"""A recording HTTP endpoint for collector tests: it keeps every request a collector forwards (decoded) and
either answers like an empty receiver (200) or passes the request on to the real receiver (a proxy)."""

from __future__ import annotations

import gzip
import http.client
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
)


@dataclass(frozen=True)
class Recorded:
    path: str
    headers: dict[str, str]
    body: bytes
    """As received on the wire (gzip if the collector compressed)."""
    status: int

    @property
    def inflated(self) -> bytes:
        return gzip.decompress(self.body) if self.headers.get("content-encoding") == "gzip" else self.body

    def request(self) -> ExportMetricsServiceRequest:
        return ExportMetricsServiceRequest.FromString(self.inflated)


class RecordingEndpoint:
    """``with RecordingEndpoint(upstream) as endpoint``: ``endpoint.url`` for the collector, ``endpoint.records``."""

    def __init__(self, upstream: str | None = None) -> None:
        self.upstream = urlsplit(upstream) if upstream else None
        self.records: list[Recorded] = []
        self._lock = threading.Lock()
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, answer_headers, answer = recorder._answer(self.path, headers, body)
                with recorder._lock:
                    recorder.records.append(Recorded(self.path, headers, body, status))
                self.send_response(status)
                for key, value in answer_headers.items():
                    self.send_header(key, value)
                self.send_header("content-length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _answer(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        if self.upstream is None:
            return 200, {"content-type": "application/x-protobuf"}, ExportMetricsServiceResponse().SerializeToString()
        connection = http.client.HTTPConnection(self.upstream.hostname, self.upstream.port, timeout=30)
        try:
            forwarded = {k: v for k, v in headers.items() if k not in {"host", "connection", "content-length"}}
            connection.request("POST", path, body, forwarded)
            response = connection.getresponse()
            keep = {"content-type", "retry-after", "x-printernizer-batch-id", "x-printernizer-receipt"}
            return response.status, {k: v for k, v in response.getheaders() if k.lower() in keep}, response.read()
        finally:
            connection.close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def requests(self) -> list[ExportMetricsServiceRequest]:
        with self._lock:
            return [record.request() for record in self.records]

    def __enter__(self) -> RecordingEndpoint:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
