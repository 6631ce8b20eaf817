"""A runnable local collector for tests and the demo: ``rotel-agent`` (from the ``rotel`` wheel) as a child
process, configured like ``collector-config/otelcol.yaml`` where rotel has an equivalent.

otelcol-contrib cannot be installed here; rotel is a Rust OTLP collector on PyPI. Differences that matter
(collector-config/README.md has the full table): no TLS on its receiver (loopback only), no persistent
queue (a hard kill loses what it has accepted; SIGTERM flushes), and its batcher splits a ResourceMetrics
when a batch overflows its size limit, so batching is off unless asked for.
"""

from __future__ import annotations

import importlib.util
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

BINARY_NAME = "rotel-agent"
_TOKEN = re.compile(r"^[A-Za-z0-9._~+/-]+=*$")
"""RFC 6750 b64token: also safe inside rotel's ``key=value,...`` header list."""


def find_rotel_agent() -> Path | None:
    """The ``rotel-agent`` binary inside the installed ``rotel`` package, without importing it; None if absent."""
    spec = importlib.util.find_spec("rotel")
    for location in (spec.submodule_search_locations or []) if spec else []:
        candidate = Path(location) / BINARY_NAME
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


@dataclass(frozen=True, slots=True)
class RotelSettings:
    """The local collector's settings; each mirrors an otelcol.yaml key where rotel has one.

    Attributes:
        receiver_endpoint: the receiver's base URL (``http://127.0.0.1:8080``); rotel appends ``/v1/metrics``.
        token: the receiver's bearer token (``otlphttp`` ``headers``); passed in the environment, not argv.
        host: where the OTLP/HTTP receiver listens; loopback, since rotel's receiver has no TLS.
        port: its port; 0 picks a free one at the first start and keeps it across restarts.
        batching: merge clients' requests like otelcol's ``batch`` processor. Off by default: rotel bounds a
            merged request only by *splitting* the ResourceMetrics that overflows ``batch_max_points``, and a
            weekly batch split over two requests loses its second half at the receiver (a conflict). Off,
            each client request is forwarded as it came: nothing merged, nothing split.
        batch_timeout_ms / batch_max_points: the batcher, when on. 3,000 data points (≈ 170 B each, ≈ 50 B
            gzipped) keep a merged request well inside the receiver's 2 MiB / 256 KiB body limits; a burst
            of more points within one timeout is where rotel would split.
        request_timeout_s, retry_*: the exporter's timeout and ``retry_on_failure`` (rotel gives up after
            ``retry_max_elapsed_s``; otelcol with its persistent queue never does).
        registry_filter: run the registry processor (otelcol's filter, transform and redaction processors).
    """

    receiver_endpoint: str
    token: str | None = None
    host: str = "127.0.0.1"
    port: int = 0
    batching: bool = False
    batch_timeout_ms: int = 200
    batch_max_points: int = 3_000
    request_timeout_s: int = 5
    retry_initial_backoff_s: int = 1
    retry_max_backoff_s: int = 30
    retry_max_elapsed_s: int = 300
    registry_filter: bool = True

    def __post_init__(self) -> None:
        if not self.receiver_endpoint.startswith(("http://", "https://")):
            raise ValueError("receiver_endpoint must be an http(s):// URL")
        if self.token is not None and not _TOKEN.match(self.token):
            raise ValueError("token must be an RFC 6750 token (letters, digits, ._~+/- and trailing =)")


def rotel_command(binary: Path, settings: RotelSettings, http_port: int, grpc_port: int, workdir: Path,
                  processor: Path | None) -> tuple[list[str], dict[str, str]]:
    """The argv and the ``ROTEL_*`` environment that start rotel with ``settings``. Pure."""
    argv = [
        str(binary), "start",
        "--otlp-http-endpoint", f"{settings.host}:{http_port}",
        # rotel cannot switch its gRPC receiver off: it listens on loopback, on a port of its own.
        "--otlp-grpc-endpoint", f"127.0.0.1:{grpc_port}",
        "--otlp-receiver-traces-disabled", "--otlp-receiver-logs-disabled",
        "--exporter", "otlp", "--otlp-exporter-protocol", "http",
        "--otlp-exporter-endpoint", settings.receiver_endpoint.rstrip("/"),
        "--otlp-exporter-compression", "gzip",
        "--otlp-exporter-request-timeout", f"{settings.request_timeout_s}s",
        "--otlp-exporter-retry-initial-backoff", f"{settings.retry_initial_backoff_s}s",
        "--otlp-exporter-retry-max-backoff", f"{settings.retry_max_backoff_s}s",
        "--otlp-exporter-retry-max-elapsed-time", f"{settings.retry_max_elapsed_s}s",
        *(["--metrics-batch-timeout", f"{settings.batch_timeout_ms}ms",
            "--metrics-batch-max-size", str(settings.batch_max_points)] if settings.batching
          else ["--disable-batching"]),
        "--pid-file", str(workdir / "rotel.pid"), "--log-file", str(workdir / "rotel-daemon.log"),
    ]
    if processor is not None:
        argv += ["--otlp-with-metrics-processor", str(processor)]
    env = {"ROTEL_OTLP_EXPORTER_CUSTOM_HEADERS": f"Authorization=Bearer {settings.token}"} if settings.token else {}
    return argv, env


def child_environment(extra: Mapping[str, str]) -> dict[str, str]:
    """Our environment without ROTEL_* (a stray variable would reconfigure rotel), plus ``extra``."""
    return {**{k: v for k, v in os.environ.items() if not k.startswith("ROTEL_")}, **extra}
