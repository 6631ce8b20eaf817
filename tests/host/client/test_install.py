"""install(): one call wires routes, the privacy API, the event bus and the sender into the host's lifespan."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI

import printernizer_stats
from printernizer_stats.host.client import StatsClient, features_from_settings, install
from printernizer_stats.host.client._host_settings import FEATURE_FLAGS, FEATURE_SERVICES
from printernizer_stats.host.instrumentation import RouteTable
from printernizer_stats.host.sender import SenderConfig
from printernizer_stats.host.viewer import MOUNT_PREFIX
from printernizer_stats.registry import Registry
from printernizer_stats_tools.standin import StandInEventBus
from printernizer_stats_tools.standin.app import StandInSettings, create_standin_app

DAY = date(2026, 11, 18)
PRINTER = "bambu_x1c_workshop"
Steps = Callable[[FastAPI, httpx.AsyncClient], Awaitable[Any]]


def _options(**extra: Any) -> dict[str, Any]:
    return {"environ": {}, "today": lambda: DAY, "export_interval_s": 3600, **extra}


def _run(app: FastAPI, steps: Steps) -> Any:
    """Start the app's lifespan, run ``steps`` against it in-process, shut it down."""

    async def go() -> Any:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://printernizer.local") as http:
                return await steps(app, http)

    return asyncio.run(go())


def _opted_in(path: Path) -> None:
    StatsClient(path, "2.42.0", environ={}, today=lambda: DAY).opt_in(start=False)


def test_lifespan_starts_and_stops_collecting_the_bus_and_the_sender(tmp_path: Path) -> None:
    """After the host's startup: pipeline, bus handlers, scheduler; after shutdown, none of them."""
    db = tmp_path / "stats.db"
    _opted_in(db)
    bus = StandInEventBus()
    app = create_standin_app(event_bus=bus, stats_db=db, stats_options=_options(
        sender=SenderConfig(endpoint="https://stats.example.org", first_check_jitter_s=3600)))
    client: StatsClient = app.state.usage_stats

    async def steps(app: FastAPI, http: httpx.AsyncClient) -> tuple[bool, int, bool, bool]:
        scheduler = client.services.rounds.schedule.scheduler
        return (client.services.collection.running, bus.subscriber_count(), bus.running,
                scheduler is not None and scheduler.running)

    pipeline, subscribers, bus_running, scheduling = _run(app, steps)
    assert pipeline and subscribers > 0 and bus_running and scheduling
    assert not client.services.collection.running and bus.subscriber_count() == 0 and not bus.running
    scheduler = client.services.rounds.schedule.scheduler
    assert scheduler is not None and not scheduler.running


def test_requests_and_events_are_counted_by_template_once_installed(tmp_path: Path) -> None:
    """Host routes count by part of the API, bus events count; the privacy API answers beside them, uncounted."""
    db = tmp_path / "stats.db"
    _opted_in(db)
    app = create_standin_app(stats_db=db, stats_options=_options())
    client: StatsClient = app.state.usage_stats

    async def steps(app: FastAPI, http: httpx.AsyncClient) -> int:
        await http.get(f"/api/v1/printers/{PRINTER}")
        await http.post("/api/v1/jobs", json={"printer_id": PRINTER, "job_name": "canary.3mf"})
        status = await http.get(f"{MOUNT_PREFIX}/status")
        client.flush()
        return status.status_code

    assert _run(app, steps) == 200
    readings = client.services.store.readings()
    routes = {dict(r.attributes)["http.route"] for r in readings if r.metric == "http.server.request.duration"}
    assert routes == {"/api/v1/printers", "/api/v1/jobs"}  # the privacy API's own requests are not counted
    assert any(r.metric == "printernizer.jobs.events" for r in readings)
    features = {dict(r.attributes)["feature"]: r.value for r in readings if r.metric == "printernizer.features.enabled"}
    assert features["library"] == 1 and features["slicing"] == 0


def test_opted_out_installation_records_nothing_and_sends_nothing(tmp_path: Path) -> None:
    """The default (never opted in): no pipeline, no readings, yet the page and API work."""
    db = tmp_path / "stats.db"
    app = create_standin_app(stats_db=db, stats_options=_options())
    client: StatsClient = app.state.usage_stats

    async def steps(app: FastAPI, http: httpx.AsyncClient) -> tuple[int, int]:
        await http.get("/api/v1/printers")
        page = await http.get(f"{MOUNT_PREFIX}/")
        local = await http.get(f"{MOUNT_PREFIX}/local")
        return page.status_code, local.json()["days_recorded"]

    assert _run(app, steps) == (200, 0)
    assert client.services.store.readings() == []


def test_a_broken_db_never_reaches_the_host(tmp_path: Path, captured_logs: list[dict[str, Any]]) -> None:
    """Stats DB path is a directory: the app starts, serves and stops; stats are off with a log line."""
    broken = tmp_path / "stats.db"
    broken.mkdir()
    app = create_standin_app(stats_db=broken, stats_options=_options())

    async def steps(app: FastAPI, http: httpx.AsyncClient) -> tuple[int, int, str | None]:
        host = await http.get("/api/v1/printers")
        page = await http.get(f"{MOUNT_PREFIX}/")
        status = await http.get(f"{MOUNT_PREFIX}/status")
        return host.status_code, page.status_code, status.json()["off_reason"]

    host, page, reason = _run(app, steps)
    assert (host, page) == (200, 200) and reason
    assert any(log["event"] == "usage_stats.off" for log in captured_logs)


def test_install_on_a_serving_app_logs_and_carries_on(tmp_path: Path, captured_logs: list[dict[str, Any]]) -> None:
    """Installed too late to instrument routes: a warning, no exception, the privacy API still mounts."""
    app = FastAPI(redirect_slashes=False)
    app.middleware_stack = app.build_middleware_stack()  # what serving the first request does
    client = install(app, db_path=tmp_path / "stats.db", app_version="2.42.0", **_options())
    assert isinstance(client, StatsClient)
    assert any(log.get("step") == "instrument_routes" for log in captured_logs)


def test_installing_twice_keeps_the_first_client(tmp_path: Path, captured_logs: list[dict[str, Any]]) -> None:
    """A second install on the same app changes nothing and returns the client already there."""
    app = FastAPI(redirect_slashes=False)
    first = install(app, db_path=tmp_path / "a.db", app_version="2.42.0", **_options())
    routes = RouteTable(app).templates()
    assert install(app, db_path=tmp_path / "b.db", app_version="2.42.0", **_options()) is first
    assert RouteTable(app).templates() == routes and not (tmp_path / "b.db").exists()
    assert any(log["event"] == "usage_stats.already_installed" for log in captured_logs)


def test_an_old_router_under_the_prefix_is_reported(tmp_path: Path, captured_logs: list[dict[str, Any]]) -> None:
    """Printernizer's old usage-stats router still mounted: install warns that it shadows ours."""
    app = FastAPI(redirect_slashes=False)
    old = APIRouter()
    old.add_api_route("/local", lambda: {"old": True}, methods=["GET"])
    app.include_router(old, prefix=MOUNT_PREFIX)
    install(app, db_path=tmp_path / "stats.db", app_version="2.42.0", **_options())
    assert any(log["event"] == "usage_stats.prefix_taken" for log in captured_logs)


def test_an_event_bus_created_at_startup_is_found_on_app_state(tmp_path: Path) -> None:
    """Printernizer creates its EventService in the lifespan; install finds it on app.state at startup."""
    bus = StandInEventBus()
    app = FastAPI(redirect_slashes=False)
    original = app.router.lifespan_context

    def host_lifespan(host: FastAPI) -> Any:
        host.state.event_service = bus
        return original(host)

    app.router.lifespan_context = host_lifespan
    install(app, db_path=tmp_path / "stats.db", app_version="2.42.0", **_options())

    async def steps(app: FastAPI, http: httpx.AsyncClient) -> int:
        return bus.subscriber_count()

    assert _run(app, steps) > 0 and bus.subscriber_count() == 0


def test_features_are_read_from_printernizer_settings(registry: Registry) -> None:
    """Printernizer's attribute names map to registry features; empty service URLs mean off; missing is omitted."""
    settings = SimpleNamespace(library_enabled=True, timelapse_enabled=False, job_creation_auto_create="true",
                               slicer_service_url="", mqtt_host="broker.lan", timezone="Europe/Vienna")
    features = features_from_settings(settings)()
    assert features == {"library": True, "timelapse": False, "auto_job_creation": True, "slicing": False,
                        "mqtt": True}
    allowed = registry.metrics["printernizer.features.enabled"].attributes["feature"].ordered_values
    assert set(FEATURE_FLAGS) | set(FEATURE_SERVICES) == set(allowed)
    assert features_from_settings(StandInSettings())() == StandInSettings().features_enabled()


def test_settings_are_read_live() -> None:
    """A setting changed in memory (PUT /settings/application) shows at the next collection."""
    settings = SimpleNamespace(timelapse_enabled=True)
    read = features_from_settings(settings)
    settings.timelapse_enabled = False
    assert read() == {"timelapse": False}


def test_top_level_install_is_lazy_and_the_same_function() -> None:
    """``printernizer_stats.install`` is client's install; importing the package loads no FastAPI."""
    assert printernizer_stats.install is install
    probe = "import sys, printernizer_stats, printernizer_stats.host.client; print('fastapi' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


@pytest.mark.parametrize("mode", ["lean", "otel"])
def test_both_route_modes_install(tmp_path: Path, mode: str) -> None:
    """The stock OTel mode installs through the same call."""
    db = tmp_path / "stats.db"
    _opted_in(db)
    app = create_standin_app(stats_db=db, stats_options=_options(route_mode=mode))

    async def steps(app: FastAPI, http: httpx.AsyncClient) -> None:
        await http.get("/api/v1/health")
        app.state.usage_stats.flush()

    _run(app, steps)
    readings = app.state.usage_stats.services.store.readings()
    assert any(dict(r.attributes).get("http.route") == "/api/v1/health" for r in readings)
