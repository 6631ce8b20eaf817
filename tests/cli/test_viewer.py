"""``printernizer-stats viewer``: the page at ``/`` and the privacy API beside it, for a given DB."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from printernizer_stats.cli._main import main
from printernizer_stats.host.client import StatsClient


def test_viewer_serves_the_page_and_the_api_for_a_db(tmp_path: Path) -> None:
    """A real process on a free port: ``/`` is the page, ``/api/v1/usage-stats/status`` reads the DB."""
    db = tmp_path / "stats.db"
    StatsClient(db, "2.42.0", environ={}).opt_in(start=False)
    process = subprocess.Popen(
        [sys.executable, "-m", "printernizer_stats.cli._main", "viewer", "--db", str(db), "--port", "0"],
        stderr=subprocess.PIPE, text=True,
        env={"PATH": "/usr/bin:/bin", **{k: v for k, v in os.environ.items() if k == "PYTHONPATH"}},
    )
    try:
        assert process.stderr is not None
        deadline, url = time.monotonic() + 20, None
        while url is None and time.monotonic() < deadline:
            line = process.stderr.readline()
            found = re.search(r"running on (http://127\.0\.0\.1:\d+)", line)
            url = found.group(1) if found else None
        assert url, "the viewer did not report its address"
        page = httpx.get(f"{url}/")
        status = httpx.get(f"{url}/api/v1/usage-stats/status")
        form = httpx.post(f"{url}/api/v1/usage-stats/opt-in", data={"x": "1"})
        opt_in = httpx.post(f"{url}/api/v1/usage-stats/opt-in", headers={"X-Requested-With": "curl"})
    finally:
        process.terminate()
        process.wait(10)
    assert page.status_code == 200 and "Your usage statistics" in page.text
    assert status.json()["opted_in"] is True
    assert form.status_code == 403  # a simple request (what a form can send) changes nothing
    assert opt_in.status_code == 200 and opt_in.json()["status"]["opted_in"] is True
    assert StatsClient(db).services.store.readings() == []  # the viewer process itself records nothing


def test_viewer_refuses_a_bad_port(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A port out of range is a usage error (exit 2) with a reason, before anything is served."""
    assert main(["viewer", "--db", str(tmp_path / "s.db"), "--port", "70000"]) == 2
    assert "--port must be between 0 and 65535" in capsys.readouterr().err
