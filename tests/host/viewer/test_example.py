"""``GET /example`` inside the stand-in Printernizer: its live facts, zero counts, nothing stored, nothing sent."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

import httpx

from printernizer_stats.host.sender import EXAMPLE_INSTALLATION_ID, SenderConfig
from printernizer_stats.host.viewer import MOUNT_PREFIX
from printernizer_stats_tools.standin.app import StandInSettings, create_standin_app
from tests.host.sender.receiver import FaultyReceiver
from tests.host.viewer.conftest import SCRIPT
from tests.maintainers.server.live import serve_in_thread


def _dump(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return list(conn.iterdump())


def _rounds(scheduler: Any, rounds: int) -> None:
    ticks, deadline = scheduler.ticks, time.monotonic() + 10
    while scheduler.ticks < ticks + rounds:
        assert time.monotonic() < deadline, "the scheduler stopped"
        time.sleep(0.05)


def _resource(body: dict) -> dict[str, str]:  # type: ignore[type-arg]
    attributes = body["otlp_json"]["resourceMetrics"][0]["resource"]["attributes"]
    return {a["key"]: a["value"]["stringValue"] for a in attributes}


def test_the_example_is_built_from_the_hosts_live_facts_and_nothing_is_stored_or_sent(tmp_path: Path) -> None:
    db = tmp_path / "stats.db"
    settings = StandInSettings()
    with FaultyReceiver() as receiver:
        app = create_standin_app(settings=settings, stats_db=db, stats_options={
            "environ": {"TIMEZONE": "Europe/Vienna"}, "export_interval_s": 0.05,
            "sender": SenderConfig(endpoint=receiver.url, check_interval_s=0.05, first_check_jitter_s=0)})
        with serve_in_thread(app, lifespan="on") as url:
            scheduler = app.state.usage_stats.services.rounds.schedule.scheduler
            page = httpx.get(f"{url}{MOUNT_PREFIX}/")  # the page and a sending round create the DB's tables
            _rounds(scheduler, 1)
            before = _dump(db)
            first = httpx.get(f"{url}{MOUNT_PREFIX}/example")
            settings.features["slicing"] = True  # the host switches a feature on: the next example shows it
            second = httpx.get(f"{url}{MOUNT_PREFIX}/example")
            _rounds(scheduler, 3)  # a few sending rounds pass: none of them connects
            after = _dump(db)
        assert receiver.connections == 0
    assert first.status_code == second.status_code == 200
    assert any(line.startswith("CREATE TABLE") for line in before)
    assert before == after, "the example wrote to the statistics DB"
    body = first.json()
    assert body["installation_id"] == EXAMPLE_INSTALLATION_ID
    resource = _resource(body)
    assert resource["printernizer.country_code"] == "AT" and resource["printernizer.app_version"] == "2.42.0"
    metrics = {m["name"]: m for m in body["otlp_json"]["resourceMetrics"][0]["scopeMetrics"][0]["metrics"]}
    printers = {p["attributes"][0]["value"]["stringValue"]: int(p["asInt"])
                for p in metrics["printernizer.printers"]["gauge"]["dataPoints"]}
    assert printers == {"bambu_lab": 1, "prusa_core": 1, "octoprint": 1}
    assert {int(p.get("asInt", 0)) for p in metrics["printernizer.jobs.events"]["sum"]["dataPoints"]} == {0}

    def slicing(answer: httpx.Response) -> int:
        features = answer.json()["otlp_json"]["resourceMetrics"][0]["scopeMetrics"][0]["metrics"]
        points = next(m for m in features if m["name"] == "printernizer.features.enabled")["gauge"]["dataPoints"]
        return next(int(p.get("asInt", 0)) for p in points if p["attributes"][0]["value"]["stringValue"] == "slicing")

    assert (slicing(first), slicing(second)) == (0, 1)
    assert 'id="example"' in page.text and EXAMPLE_INSTALLATION_ID in page.text


def test_no_example_once_opted_in(tmp_path: Path) -> None:
    """Opted in, the page shows the real next batch instead; the API still answers (it is read-only)."""
    app = create_standin_app(stats_db=tmp_path / "stats.db", stats_options={"environ": {}, "sender": SenderConfig()})
    with serve_in_thread(app, lifespan="on") as url:
        httpx.post(f"{url}{MOUNT_PREFIX}/opt-in", headers=SCRIPT).raise_for_status()
        page = httpx.get(f"{url}{MOUNT_PREFIX}/")
        example = httpx.get(f"{url}{MOUNT_PREFIX}/example")
    assert 'id="example"' not in page.text
    assert example.status_code == 200 and example.json()["installation_id"] == EXAMPLE_INSTALLATION_ID
