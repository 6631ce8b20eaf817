"""No client address in any table or log line: the real ``serve`` command, a client on a canary address."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import httpx

from printernizer_stats.registry import Registry, utc_today, week_start
from tests.maintainers.server.batches import Installation, Series, gzipped, week_request

CANARY = "127.0.0.42"
"""The client's source address: a loopback address nothing else on this machine uses."""


def _start(db: Path) -> tuple[subprocess.Popen[str], str, str]:
    command = [sys.executable, "-m", "printernizer_stats.cli._main", "serve", "--db-url", f"sqlite:///{db}",
               "--port", "0", "--address-burst", "5"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert process.stdout is not None
    deadline = time.monotonic() + 30
    lines = []
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        lines.append(line)
        if match := re.search(r"running on (http://127\.0\.0\.1:\d+)", line):
            return process, match.group(1), "".join(lines)
        if not line and process.poll() is not None:
            break
    process.kill()
    raise AssertionError(f"serve did not start: {''.join(lines)}")


def test_client_address_is_in_no_table_and_no_log_line(tmp_path: Path, registry: Registry) -> None:
    """Valid, invalid, malformed and rate-limited requests from the canary address leave it nowhere."""
    db = tmp_path / "receiver.db"
    process, base, started = _start(db)
    statuses = []
    try:
        last_week = week_start(utc_today()) - timedelta(days=7)
        body = gzipped(week_request(registry, Installation(), last_week,
                                    [Series("printernizer.jobs.events", {"event": "completed"}, 2)]))
        transport = httpx.HTTPTransport(local_address=CANARY)
        with httpx.Client(transport=transport, base_url=base, timeout=10) as client:
            headers = {"content-type": "application/x-protobuf", "content-encoding": "gzip"}
            statuses.append(client.post("/v1/metrics", content=body, headers=headers).status_code)
            statuses.append(client.post("/v1/metrics", content=b"\x00garbage",
                                        headers={"content-type": "application/x-protobuf"}).status_code)
            statuses.append(client.post("/v1/metrics", content=b"x", headers={"content-type": "text/html"}).status_code)
            statuses.append(client.get("/nowhere").status_code)
            statuses.append(client.get("/healthz").status_code)
            for _ in range(4):
                statuses.append(client.post("/v1/metrics", content=body, headers=headers).status_code)
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=20)
        output = started + output
    assert statuses[:5] == [200, 400, 415, 404, 200] and 429 in statuses[5:]
    assert "Uvicorn running" in output
    assert CANARY not in output
    with sqlite3.connect(db) as connection:
        dump = "\n".join(connection.iterdump())
    assert "printernizer.jobs.events" in dump and CANARY not in dump
    for path in tmp_path.iterdir():
        assert CANARY.encode() not in path.read_bytes(), path
