"""``LocalCollector``: rotel-agent as a child process with its own folder (processor, pid and log files).

Start waits until the OTLP/HTTP port accepts connections; stop sends SIGTERM, on which rotel flushes what it
has batched and exports it, and kills after a timeout; ``kill`` is a crash (SIGKILL), for the tests that
show what a crash loses. Restarts keep the port, so clients keep their endpoint.
"""

from __future__ import annotations

import socket
import time
from pathlib import Path
from types import TracebackType

from printernizer_stats.registry import Registry, default_registry
from printernizer_stats_tools._ports import free_port
from printernizer_stats_tools.collectors._process import ChildProcess, CollectorError, Workdir
from printernizer_stats_tools.collectors._rotel import (
    RotelSettings,
    child_environment,
    find_rotel_agent,
    rotel_command,
)
from printernizer_stats_tools.collectors._rotel_processor import render_rotel_processor

_START_ATTEMPTS = 3


class LocalCollector:
    """A local OTLP/HTTP collector in front of the receiver.

    Args:
        settings: where to forward and how (see :class:`RotelSettings`).
        registry: the registry the processor filters by (default: the shipped one).
        workdir: where the processor, pid and log files go (default: a temporary folder, removed on close).
        binary: the rotel-agent binary (default: the one in the installed ``rotel`` wheel).
    """

    def __init__(self, settings: RotelSettings, registry: Registry | None = None, workdir: Path | None = None,
                 binary: Path | None = None) -> None:
        found = binary or find_rotel_agent()
        if found is None:
            raise CollectorError("rotel-agent not found: install the dev extra (pip install 'rotel>=0.0.1a15')")
        self.binary = found
        self.settings = settings
        self.registry = registry or default_registry()
        self._workdir = Workdir(workdir, "printernizer-stats-rotel-")
        self.workdir = self._workdir.path
        self.log_path = self.workdir / "rotel.log"
        self.port = settings.port
        self._grpc_port = 0
        self._child = ChildProcess(self.log_path)

    @property
    def url(self) -> str:
        """Where clients send (``/v1/metrics`` is appended by them): ``http://127.0.0.1:<port>``."""
        return f"http://{self.settings.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._child.running

    def start(self, timeout_s: float = 10.0) -> LocalCollector:
        """Start rotel and wait until it accepts connections; raises CollectorError."""
        if self.running:
            return self
        processor = None
        if self.settings.registry_filter:
            processor = self.workdir / "printernizer_stats_processor.py"
            processor.write_text(render_rotel_processor(self.registry))
        fixed_port = self.port != 0
        for attempt in range(_START_ATTEMPTS):
            if not fixed_port:
                self.port = free_port(self.settings.host)
            if self._grpc_port == 0 or attempt:
                self._grpc_port = free_port()
            if self._try_start(processor, timeout_s):
                return self
            if fixed_port:
                time.sleep(0.2)  # a restart: the old process may still hold the port for a moment
        raise CollectorError(f"rotel did not start; last log lines:\n{self.log_tail()}")

    def _try_start(self, processor: Path | None, timeout_s: float) -> bool:
        argv, env = rotel_command(self.binary, self.settings, self.port, self._grpc_port, self.workdir, processor)
        return self._child.start(argv, child_environment(env), self.workdir, self._accepts, timeout_s)

    def _accepts(self) -> bool:
        try:
            with socket.create_connection((self.settings.host, self.port), timeout=0.2):
                return True
        except OSError:
            return False

    def stop(self, timeout_s: float = 15.0) -> int | None:
        """SIGTERM (rotel flushes its batch and exports it), SIGKILL after ``timeout_s``; the exit code."""
        return self._child.stop(timeout_s)

    def kill(self) -> None:
        """SIGKILL, as a crash would end it: what rotel has accepted but not exported is lost."""
        self._child.kill()

    def restart(self, timeout_s: float = 10.0) -> LocalCollector:
        """Stop gracefully and start again on the same port."""
        self.stop()
        return self.start(timeout_s)

    def log_tail(self, lines: int = 20) -> str:
        return self._child.log_tail(lines)

    def close(self) -> None:
        """Stop (gracefully) and remove the folder if it was ours."""
        self.stop()
        self._workdir.remove()

    def __enter__(self) -> LocalCollector:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()
