"""``printernizer-stats serve`` as a child process on a free loopback port: the demo's receiver and the
end-to-end tests' (a real uvicorn on a real socket, exactly as deployed)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType

from printernizer_stats.contract import INGEST_TOKEN_ENV
from printernizer_stats_tools import free_port

_START_ATTEMPTS = 3


class ReceiverProcess:
    """The receiver, serving ``db_url`` on ``http://127.0.0.1:<port>`` until stopped.

    Args:
        db_url: its database (migrated at start-up).
        log_path: where its output goes.
        token: the bearer token it requires (passed in the environment, not on the command line).
        options: more ``serve`` options, e.g. ``["--installation-burst", "64"]``.
    """

    def __init__(self, db_url: str, log_path: Path, token: str | None = None, options: tuple[str, ...] = ()) -> None:
        self.db_url = db_url
        self.log_path = log_path
        self.token = token
        self.options = options
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 60.0) -> ReceiverProcess:
        """Start and wait until ``/healthz`` answers 200 (migrating a new database takes a moment). A restart
        keeps the port, so a collector in front keeps its endpoint."""
        env = {**os.environ, INGEST_TOKEN_ENV: self.token or ""}
        restart = self.port != 0
        for _ in range(_START_ATTEMPTS):
            if not restart:
                self.port = free_port()
            argv = [sys.executable, "-m", "printernizer_stats.cli", "serve", "--db-url", self.db_url,
                    "--host", "127.0.0.1", "--port", str(self.port), *self.options]
            with self.log_path.open("ab") as log:
                self._process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env)  # noqa: S603
            if self._wait_healthy(timeout_s):
                return self
            self.stop()
            if restart:
                time.sleep(0.5)  # the old process may still hold the port for a moment
        raise RuntimeError(f"the receiver did not start; see {self.log_path}")

    def _wait_healthy(self, timeout_s: float) -> bool:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._process is None or self._process.poll() is not None:
                return False
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=1) as answer:  # noqa: S310 - loopback
                    if answer.status == 200:
                        return True
            except (urllib.error.URLError, OSError):
                time.sleep(0.1)
        return False

    def stop(self, timeout_s: float = 10.0) -> None:
        """SIGTERM (uvicorn finishes the requests in flight), SIGKILL after ``timeout_s``."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def __enter__(self) -> ReceiverProcess:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()
