"""The CLI on a ``fastapi``-only install (Printernizer's): user-side commands run, maintainers' ones say
which extra they need (issue 12, item 5).

Each command runs in a fresh interpreter where the ``server`` extra's packages cannot be imported (as on a
``pip install printernizer-stats[fastapi]``); .ci/pinned-host also runs this file where they are absent.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx

SERVER_ONLY = ("sqlalchemy", "alembic", "psycopg", "numpy", "scipy")
_RUN = ("import sys\n"
        f"for name in {SERVER_ONLY!r}: sys.modules[name] = None  # import fails as if not installed\n"
        "from printernizer_stats.cli import main\n"
        "raise SystemExit(main(sys.argv[1:]))\n")


def _cli(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", _RUN, *argv], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "DO_NOT_TRACK": ""})


def test_user_side_commands_run_without_the_server_extra(tmp_path: Path) -> None:
    db = str(tmp_path / "stats.db")
    opt_in = _cli("opt-in", "--db", db)
    assert opt_in.returncode == 0, opt_in.stderr
    assert json.loads(opt_in.stdout)["opted_in"] is True
    for command in ("local", "preview", "history"):
        done = _cli(command, "--db", db)
        assert done.returncode == 0 and "Traceback" not in done.stderr, (command, done.stderr)
        assert isinstance(json.loads(done.stdout), dict)
    opt_out = _cli("opt-out", "--db", db)
    assert opt_out.returncode == 0 and json.loads(opt_out.stdout)["opted_in"] is False


def test_the_viewer_serves_without_the_server_extra(tmp_path: Path) -> None:
    process = subprocess.Popen([sys.executable, "-c", _RUN, "viewer", "--db", str(tmp_path / "s.db"), "--port", "0"],
                               stderr=subprocess.PIPE, text=True, env=dict(os.environ))
    try:
        assert process.stderr is not None
        deadline, url = time.monotonic() + 30, None
        while url is None and time.monotonic() < deadline:
            found = re.search(r"running on (http://127\.0\.0\.1:\d+)", process.stderr.readline())
            url = found.group(1) if found else None
        assert url, "the viewer did not report its address"
        status = httpx.get(f"{url}/api/v1/usage-stats/status")
    finally:
        process.terminate()
        process.wait(10)
    assert status.status_code == 200 and status.json()["opted_in"] is False


def test_maintainers_commands_name_the_extra_they_need(tmp_path: Path) -> None:
    for argv in (("serve",), ("migrate",), ("insights",), ("grafana-dashboard", "--dialect", "mssql"),
                 ("demo", "--dir", str(tmp_path))):
        done = _cli(*argv)
        assert done.returncode == 2 and "Traceback" not in done.stderr, (argv, done.stderr)
        assert "needs the 'server' extra" in done.stderr
        assert "pip install 'printernizer-stats[server]'" in done.stderr
