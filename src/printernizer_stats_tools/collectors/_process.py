"""One collector child process: started with its output appended to a log file, waited for until it is
ready, stopped gracefully (SIGTERM, then SIGKILL after a timeout) or killed as a crash would end it; and
the working folder it runs in, removed on close when it was made for it.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path


class CollectorError(RuntimeError):
    """A local collector could not be started (binary missing, port taken, exited at once, never ready)."""


class Workdir:
    """The folder a collector runs in: the one given, or a temporary one that :meth:`remove` deletes."""

    def __init__(self, path: Path | None, prefix: str) -> None:
        self.owned = path is None
        self.path = Path(path or tempfile.mkdtemp(prefix=prefix))
        self.path.mkdir(parents=True, exist_ok=True)

    def remove(self) -> None:
        if self.owned:
            shutil.rmtree(self.path, ignore_errors=True)


class ChildProcess:
    """A child whose stdout and stderr go to ``log_path`` (appended across restarts)."""

    def __init__(self, log_path: Path) -> None:
        self.log_path = log_path
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self, argv: list[str], env: Mapping[str, str], cwd: Path, ready: Callable[[], bool],
              timeout_s: float) -> bool:
        """Start ``argv`` and poll ``ready()`` until it holds (True); False, with the child gone, if it exited
        first or ``timeout_s`` passed."""
        with self.log_path.open("ab") as log:
            process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,  # noqa: S603
                                       env=dict(env), cwd=cwd)
        self._process = process
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and process.poll() is None:
            if ready():
                return True
            time.sleep(0.05)
        self.kill()
        return False

    def stop(self, timeout_s: float) -> int | None:
        """SIGTERM (the collector flushes what it holds), SIGKILL after ``timeout_s``; the exit code."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return None if process is None else process.returncode
        process.send_signal(signal.SIGTERM)
        try:
            return process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            return process.wait()

    def kill(self) -> None:
        """SIGKILL, as a crash or the OOM killer would end it: what the child held in memory is lost."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.kill()
            process.wait()

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""
