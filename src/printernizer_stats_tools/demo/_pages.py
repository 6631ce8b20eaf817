"""Where to look after the demo: the receiver, the maintainers' dashboard it serves, and one installation's
own page (the ``viewer`` command)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import FrameType

from printernizer_stats.cli._main import COMMANDS
from printernizer_stats_tools import free_port

DASHBOARD_PATH = "/dashboard"
"""Where the receiver serves the maintainers' dashboard."""
DEFAULT_PORT = 4318


def _first_installation(directory: Path) -> Path | None:
    return next(iter(sorted((directory / "installations").glob("installation-*.db"))), None)


def _answers(url: str, token: str | None = None) -> bool:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})  # noqa: S310 - loopback
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - loopback
            return bool(answer.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def page_lines(directory: Path, receiver_url: str, serving_token: str | None) -> tuple[str, ...]:
    """What to open or run next. With ``serving_token`` (``--serve``) the addresses are live until Ctrl-C and
    the dashboard signs in with that token, the demo receiver's random one (it dies with the demo)."""
    installation = _first_installation(directory)
    db_url = f"sqlite:///{directory / 'receiver.db'}"
    if serving_token is not None:
        lines = ["Pages (running until Ctrl-C):", f"  receiver              {receiver_url}/healthz"]
        if _answers(receiver_url + DASHBOARD_PATH, serving_token):
            lines += [f"  maintainers' dashboard {receiver_url}{DASHBOARD_PATH}",
                      f"      sign in with the demo's token {serving_token}"]
        return tuple(lines)
    lines = ["Look at it yourself:",
             f"  printernizer-stats serve --db-url {db_url}",
             f"      the receiver on the demo's data; its maintainers' dashboard is then at "
             f"http://127.0.0.1:{DEFAULT_PORT}{DASHBOARD_PATH}",
             "      (no token given: open to anyone who can reach the port, as fits a loopback demo)"]
    if installation is not None:
        command = "viewer" if "viewer" in COMMANDS else "local"
        lines += [f"  printernizer-stats {command} --db {installation}",
                  "      what that installation's user sees" + ("" if command == "viewer" else " (as JSON)")]
    lines.append("  ./dev demo --serve    keeps the receiver, its dashboard and one user's page running after this")
    return tuple(lines)


def serve_until_interrupted(directory: Path, receiver_url: str) -> None:
    """Keep the receiver (running in the caller's context) and, if this build has it, the viewer of the
    first installation running until Ctrl-C."""
    viewer: subprocess.Popen[bytes] | None = None
    installation = _first_installation(directory)
    try:
        # Inside the try: a Ctrl-C or SIGTERM while the viewer is still starting cleans up the same way.
        if "viewer" in COMMANDS and installation is not None:
            port = free_port()
            log = (directory / "viewer.log").open("ab")
            viewer = subprocess.Popen([sys.executable, "-m", "printernizer_stats.cli", "viewer",  # noqa: S603
                                       "--db", str(installation), "--port", str(port)],
                                      stdout=log, stderr=subprocess.STDOUT)
            url = f"http://127.0.0.1:{port}/"
            deadline = time.monotonic() + 20
            while not _answers(url) and time.monotonic() < deadline and viewer.poll() is None:
                time.sleep(0.2)
            print(f"  one user's page       {url}  ({installation.name})", flush=True)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        print("\nstopping", file=sys.stderr)
    finally:
        if viewer is not None:
            viewer.terminate()
            viewer.wait(10)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def stop_on_signals() -> None:
    """Ctrl-C, or a SIGTERM from `kill` or a service manager, ends the demo with the same clean-up (no
    receiver or collector left behind); also when it was started with SIGINT ignored (in the background)."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)
