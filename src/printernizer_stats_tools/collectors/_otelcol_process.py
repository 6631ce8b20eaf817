"""``OtelcolCollector``: the built collector distribution as a child process, running ``otelcol.yaml``.

The configuration is the shipped file (or the same text rendered from the registry); everything a run
varies comes through the environment the file reads: certificate, receiver, token, queue folder, and the
three listening addresses, on free loopback ports picked at the first start and kept across restarts so
clients keep their endpoint and the queue folder is picked up again. Start waits for ``health_check``;
``kill`` is a crash (SIGKILL), ``stop`` a graceful SIGTERM.
"""

from __future__ import annotations

import os
import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from printernizer_stats.maintainers.collector import find_otelcol, render_otelcol_config
from printernizer_stats.registry import Registry, default_registry
from printernizer_stats_tools._ports import free_port
from printernizer_stats_tools.collectors._process import ChildProcess, CollectorError, Workdir

_METRIC_LINE = re.compile(r"^(?P<name>[a-z_]+)(?:\{(?P<labels>[^}]*)\})? (?P<value>\S+)$")


@dataclass(frozen=True, slots=True)
class OtelcolSettings:
    """What one run of ``otelcol.yaml`` needs from its environment.

    Attributes:
        receiver_endpoint: the receiver's base URL (``RECEIVER_ENDPOINT``).
        token: the receiver's bearer token (``RECEIVER_TOKEN``).
        tls_cert_file / tls_key_file: the OTLP listener's certificate and key (PEM).
        queue_dir: the persistent sending queue's folder (``QUEUE_DIR``); keep it to survive a crash.
        config: the configuration file; None renders the registry's (what ``collector-config`` prints).
    """

    receiver_endpoint: str
    token: str
    tls_cert_file: Path
    tls_key_file: Path
    queue_dir: Path
    config: Path | None = None


class OtelcolCollector:
    """The real OpenTelemetry Collector in front of the receiver; clients send to :attr:`url` (HTTPS)."""

    def __init__(self, settings: OtelcolSettings, workdir: Path | None = None, binary: Path | None = None,
                 registry: Registry | None = None) -> None:
        found = binary or find_otelcol()
        if found is None:
            raise CollectorError("the collector is not built: run `printernizer-stats collector build`")
        self.binary = found
        self.settings = settings
        self._workdir = Workdir(workdir, "printernizer-stats-otelcol-")
        self.workdir = self._workdir.path
        self.log_path = self.workdir / "otelcol.log"
        self.config = settings.config.resolve() if settings.config else self._rendered(registry or default_registry())
        self.port = self.health_port = self.telemetry_port = 0
        self._child = ChildProcess(self.log_path)

    def _rendered(self, registry: Registry) -> Path:
        path = self.workdir / "otelcol.yaml"
        path.write_text(render_otelcol_config(registry))
        return path

    @property
    def url(self) -> str:
        """Where clients send (HTTPS; ``/v1/metrics`` is appended by them)."""
        return f"https://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self._child.running

    def environment(self) -> dict[str, str]:
        """The variables ``otelcol.yaml`` reads, for this run."""
        s = self.settings
        return {"TLS_CERT_FILE": str(s.tls_cert_file), "TLS_KEY_FILE": str(s.tls_key_file),
                "RECEIVER_ENDPOINT": s.receiver_endpoint, "RECEIVER_TOKEN": s.token, "QUEUE_DIR": str(s.queue_dir),
                "OTLP_ENDPOINT": f"127.0.0.1:{self.port}", "HEALTH_CHECK_ENDPOINT": f"127.0.0.1:{self.health_port}",
                "TELEMETRY_PORT": str(self.telemetry_port)}

    def start(self, timeout_s: float = 30.0) -> OtelcolCollector:
        """Start and wait until the health check answers 200; raises CollectorError."""
        if self.running:
            return self
        if not self.port:
            self.port, self.health_port, self.telemetry_port = free_port(), free_port(), free_port()
        argv = [str(self.binary), f"--config={self.config}"]
        env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/"), **self.environment()}
        if self._child.start(argv, env, self.workdir, self._healthy, timeout_s):
            return self
        raise CollectorError(f"the collector did not start; last log lines:\n{self.log_tail()}")

    def _healthy(self) -> bool:
        try:
            url = f"http://127.0.0.1:{self.health_port}/"
            with urllib.request.urlopen(url, timeout=1) as answer:
                return bool(answer.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def stop(self, timeout_s: float = 15.0) -> int | None:
        """SIGTERM (the queue stays on disk), SIGKILL after ``timeout_s``; the exit code."""
        return self._child.stop(timeout_s)

    def kill(self) -> None:
        """SIGKILL, as a crash or the OOM killer would end it."""
        self._child.kill()

    def restart(self, timeout_s: float = 30.0) -> OtelcolCollector:
        self.stop()
        return self.start(timeout_s)

    def metrics(self) -> dict[str, float]:
        """The collector's own metrics, summed over labels (``otelcol_exporter_queue_size``, ...)."""
        url = f"http://127.0.0.1:{self.telemetry_port}/metrics"
        with urllib.request.urlopen(url, timeout=5) as answer:
            text = answer.read().decode()
        totals: dict[str, float] = {}
        for line in text.splitlines():
            match = _METRIC_LINE.match(line)
            if match:
                totals[match["name"]] = totals.get(match["name"], 0.0) + float(match["value"])
        return totals

    def log_tail(self, lines: int = 20) -> str:
        return self._child.log_tail(lines)

    def close(self) -> None:
        self.stop()
        self._workdir.remove()

    def __enter__(self) -> OtelcolCollector:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()
