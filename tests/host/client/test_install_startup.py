"""install() inside a Printernizer-shaped host: startup-time events, the country, opting in twice (issue 12)."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from printernizer_stats.host.client import StatsClient
from printernizer_stats.host.viewer import MOUNT_PREFIX
from printernizer_stats_tools.standin import StandInEventBus
from printernizer_stats_tools.standin.app import create_standin_app
from tests.host.viewer.conftest import SCRIPT

DAY = date(2026, 11, 18)
CONNECTIONS = "printernizer.printers.connection_events"


def _options(**extra: Any) -> dict[str, Any]:
    return {"environ": {}, "today": lambda: DAY, "export_interval_s": 3600, **extra}


def _opted_in(path: Path) -> None:
    StatsClient(path, "2.42.0", environ={}, today=lambda: DAY).opt_in(start=False)


def test_connection_events_of_the_hosts_startup_are_counted(tmp_path: Path) -> None:
    """Printernizer stores its bus on app.state in its lifespan, then its printers connect: those events count
    (two connected, one that timed out), and the bus is left at shutdown."""
    db = tmp_path / "stats.db"
    _opted_in(db)
    bus = StandInEventBus()
    app = create_standin_app(event_bus=bus, stats_db=db, stats_options=_options(), bus_from_lifespan=True)
    client: StatsClient = app.state.usage_stats

    async def run() -> None:
        async with app.router.lifespan_context(app):
            client.flush()

    asyncio.run(run())
    counts = {dict(r.attributes)["event"]: r.value for r in client.services.store.readings() if r.metric == CONNECTIONS}
    assert counts == {"connected": 2, "connection_failed": 1}
    assert bus.subscriber_count() == 0
    assert type(app.state).__name__ == "State"  # the watch is gone with the lifespan


@pytest.mark.parametrize(("environ", "country"), [
    ({"TZ": "America/New_York"}, "US"),
    ({"TIMEZONE": "Europe/Vienna", "TZ": "America/New_York"}, "AT"),
    ({}, "XX"),
])
def test_the_country_comes_from_timezone_then_tz_then_none(tmp_path: Path, environ: dict[str, str],
                                                           country: str) -> None:
    """Printernizer's settings say Europe/Berlin by default whatever TZ says: a Docker user with only TZ is
    not in Germany."""
    app = create_standin_app(stats_db=tmp_path / "stats.db", stats_options=_options(environ=environ))
    assert app.state.settings.timezone == "Europe/Berlin"
    assert app.state.usage_stats.services.facts.current()["printernizer.country_code"] == country


def test_opting_in_twice_keeps_the_id_and_the_consent_day_and_says_so(tmp_path: Path) -> None:
    """A double click: the second opt-in answers `already` with the same id and day; only rotate-id draws one."""
    today = {"day": DAY}
    app = create_standin_app(stats_db=tmp_path / "stats.db", stats_options=_options(today=lambda: today["day"]))

    async def run() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://printernizer.local",
                                     headers=SCRIPT) as http:
            first = await http.post(f"{MOUNT_PREFIX}/opt-in")
            today["day"] = date(2026, 11, 20)
            second = await http.post(f"{MOUNT_PREFIX}/opt-in")
            rotated = await http.post(f"{MOUNT_PREFIX}/rotate-id")
            return [first, second, rotated]

    first, second, rotated = (r.json() for r in asyncio.run(run()))
    assert first["already"] is False and second["already"] is True and "already on" in second["message"]
    assert second["status"]["installation_id"] == first["status"]["installation_id"]
    assert second["status"]["consent_day"] == first["status"]["consent_day"] == str(DAY)
    assert rotated["status"]["installation_id"] != first["status"]["installation_id"]


def test_series_seen_before_an_opt_out_do_not_crowd_out_those_after_opting_in_again(tmp_path: Path) -> None:
    """Issue 12: the cap's seen-series set survived an opt-out, so after opting out and in again the same day
    every new series went straight to `other`. It is cleared with the readings."""
    client = StatsClient(tmp_path / "stats.db", "2.42.0", environ={}, today=lambda: DAY, export_interval_s=3600)
    client.opt_in()
    cap = client.registry.metrics["printernizer.errors"].max_cardinality
    types = client.registry.metrics["printernizer.errors"].attributes["error_type"].ordered_values
    components = client.registry.metrics["printernizer.errors"].attributes["component"].ordered_values
    pairs = [(t, c) for c in components for t in types][: cap + 1]
    for error_type, component in pairs[:cap]:
        client.record_error(error_type, component)
    client.flush()
    client.opt_out()
    client.opt_in()
    client.record_error(*pairs[cap])
    client.flush()
    client.stop()
    stored = [dict(r.attributes) for r in client.services.store.readings() if r.metric == "printernizer.errors"]
    assert stored == [{"error_type": pairs[cap][0], "component": pairs[cap][1]}]


@pytest.mark.parametrize("mode", ["lean", "otel"])
def test_the_privacy_apis_own_requests_are_not_counted(tmp_path: Path, mode: str) -> None:
    """Reading one's own statistics must not take series from the host's routes (issue 12)."""
    db = tmp_path / "stats.db"
    _opted_in(db)
    app = create_standin_app(stats_db=db, stats_options=_options(route_mode=mode))
    client: StatsClient = app.state.usage_stats

    async def run() -> None:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://printernizer.local") as http:
                for path in ("/status", "/local", "/preview", "/", ""):
                    await http.get(f"{MOUNT_PREFIX}{path}")
                await http.get("/api/v1/health")
            client.flush()

    asyncio.run(run())
    routes = {dict(r.attributes)["http.route"] for r in client.services.store.readings()
              if r.metric == "http.server.request.duration"}
    assert routes == {"/api/v1/health"}
