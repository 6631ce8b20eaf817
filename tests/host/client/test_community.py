""""How your setup compares" end to end: the real receiver (analytics app, uvicorn on loopback, a simulated
population in SQLite) serves /v1/summary; a simulated installation's client fetches it from its scheduler
round, at most once a day, and puts its own locally computed position beside it."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from printernizer_stats.contract import ENDPOINT_ENV
from printernizer_stats.host.client import StatsClient
from printernizer_stats.host.sender import SenderConfig, sender_config
from printernizer_stats.maintainers.analytics import AnalyticsConfig, create_maintainers_app
from printernizer_stats.maintainers.server import ReceiverConfig
from printernizer_stats.registry import fleet_size_label, week_label, week_start
from tests.host.sender.summary_server import SummaryServer
from tests.host.viewer.conftest import DAY, build_simulated_db
from tests.maintainers.analytics.conftest import build_sqlite, now_after
from tests.maintainers.analytics.population import Population
from tests.maintainers.server.live import serve_in_thread

TOKEN = "a-long-random-token-for-community-tests"
POPULATION = Population(installations=80, weeks=3, seed=21, first_week=week_start(DAY) - timedelta(weeks=4))
"""Its last week (two Mondays before DAY) is the receiver's latest complete week on DAY."""


@dataclass
class SummaryRequests:
    """ASGI wrapper counting GET /v1/summary at the receiver: (If-None-Match, status) per request."""

    app: ASGIApp
    seen: list[tuple[str | None, int]] = field(default_factory=list)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != "/v1/summary":
            await self.app(scope, receive, send)
            return
        tag = dict(scope["headers"]).get(b"if-none-match")

        async def counted(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.seen.append((tag.decode() if tag else None, message["status"]))
            await send(message)

        await self.app(scope, receive, counted)


@pytest.fixture(scope="module")
def receiver_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_sqlite(tmp_path_factory.mktemp("receiver") / "receiver.db", POPULATION)


@pytest.fixture
def receiver(receiver_db: Path) -> Iterator[tuple[str, SummaryRequests]]:
    app = create_maintainers_app(ReceiverConfig(db_url=f"sqlite:///{receiver_db}", token=TOKEN),
                                 AnalyticsConfig(k=5), now=lambda: now_after(POPULATION))
    counting = SummaryRequests(app)
    with serve_in_thread(counting) as url:
        yield url, counting


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("installation") / "stats.db"
    build_simulated_db(path)
    return path


@pytest.fixture
def db(simulated: Path, tmp_path: Path) -> Path:
    path = tmp_path / "stats.db"
    path.write_bytes(simulated.read_bytes())
    return path


@dataclass
class Day:
    day: date

    def __call__(self) -> date:
        return self.day


def _client(db: Path, url: str, day: Day, environ: dict[str, str] | None = None, **config: Any) -> StatsClient:
    sender = SenderConfig(endpoint=url, token=TOKEN, timeout_s=2, first_check_jitter_s=0, **config)
    return StatsClient(db, today=day, sender=sender, environ=environ or {})


def _cached_rows(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM community_summary").fetchone()[0])


def test_opted_in_fetches_once_a_day_and_revalidates(db: Path, receiver: tuple[str, SummaryRequests]) -> None:
    """The first scheduler round fetches the receiver's summary and caches it; more rounds that day make no
    request; the next day sends the ETag back and the receiver's 304 keeps the cache."""
    url, requests = receiver
    day = Day(DAY)
    client = _client(db, url, day)
    assert client.community_summary()["reason"].startswith("not fetched yet")
    client.services.rounds.tick()
    view = client.community_summary()
    assert view["available"] and view["reason"] is None and view["fetched_day"] == DAY.isoformat()
    summary = view["summary"]
    assert summary["schema"] == "printernizer-stats/summary/1" and summary["k"] == 5
    assert view["week"] == summary["week"] == POPULATION.last_week.isoformat()
    assert summary["installations"] >= 60 and {g["value"] for g in summary["deployment_modes"]} >= {"docker"}
    assert all(g["installations"] >= 5 for key in ("versions", "platforms", "fleet_sizes") for g in summary[key])
    for _ in range(3):
        client.services.rounds.tick()
    assert len(requests.seen) == 1 and requests.seen[0] == (None, 200)
    day.day += timedelta(days=1)
    client.services.rounds.tick()
    assert len(requests.seen) == 2 and requests.seen[1][1] == 304 and requests.seen[1][0] is not None
    again = client.community_summary()
    assert again["summary"] == summary and again["fetched_day"] == day.day.isoformat()


def test_yours_is_computed_locally(db: Path, receiver: tuple[str, SummaryRequests]) -> None:
    """Deployment mode, version, platform from the installation facts; printers, fleet size, features and
    errors per 1,000 jobs from the local store, in the summary's terms and for the summary's week."""
    url, _ = receiver
    client = _client(db, url, Day(DAY))
    client.services.rounds.tick()
    view = client.community_summary()
    yours, compared = view["yours"], date.fromisoformat(view["week"])
    facts = client.services.facts.current()
    assert yours["deployment_mode"] == facts["printernizer.deployment_mode"]
    assert yours["app_version"] == facts["printernizer.app_version"]
    assert yours["platform"] == facts["printernizer.platform"]
    assert yours["printers"] == sum(yours["printer_types"].values()) >= 1
    assert yours["fleet_size"] == fleet_size_label(yours["printers"])
    assert yours["features"] and all(isinstance(on, bool) for on in yours["features"].values())
    assert compared == POPULATION.last_week != week_start(DAY) - timedelta(weeks=1)
    week = [v for v in client.services.weeks.values(compared, compared)]
    jobs = sum(v.value for v in week if v.metric == "printernizer.jobs.events"
               and dict(v.attributes)["event"] in {"created", "auto_created"})
    errors = sum(v.value for v in week if v.metric == "printernizer.errors")
    assert yours["week"] == week_label(compared) and yours["jobs"] == round(jobs) > 0
    assert yours["errors_per_1000_jobs"] == round(errors / jobs * 1000, 2)
    assert 1 <= yours["uptime_days"] <= 7


@pytest.mark.parametrize("how", ["opt_out", "delete_all", "do_not_track"])
def test_off_deletes_the_summary_and_never_connects(db: Path, how: str) -> None:
    """Opting out, deleting all or DO_NOT_TRACK deletes the cached summary; then, across a month of scheduler
    rounds and a running scheduler thread, not one connection reaches the endpoint."""
    with SummaryServer({"schema": "printernizer-stats/summary/1"}) as server:
        day = Day(DAY)
        client = _client(db, server.url, day)
        client.services.community.cache.clear()
        server.serve(_valid_summary())
        client.services.rounds.tick()
        assert client.community_summary()["available"] and _cached_rows(db) == 1
        connections = server.connections
        if how == "do_not_track":
            client = _client(db, server.url, day, environ={"DO_NOT_TRACK": "1"}, check_interval_s=0.01)
            client.services.rounds.tick()
        else:
            getattr(client, how)()
        assert _cached_rows(db) == 0
        for _ in range(30):
            day.day += timedelta(days=1)
            client.services.rounds.tick()
            view = client.community_summary()
            assert not view["available"] and view["summary"] is None and view["yours"] is None
        assert ("DO_NOT_TRACK" if how == "do_not_track" else "not opted in") in view["reason"]
        assert client.start_scheduler_thread()
        for _ in range(5):
            client.services.rounds.schedule.wake()
            time.sleep(0.02)
        client.stop_scheduler()
        assert server.connections == connections and _cached_rows(db) == 0


def test_opting_in_fetches_the_summary_without_waiting_for_the_next_round(db: Path) -> None:
    """Opted out, a running scheduler (hourly rounds) fetches nothing; opting in wakes it, and the summary
    is there within moments rather than after the next regular round."""
    with SummaryServer(_valid_summary()) as server:
        client = _client(db, server.url, Day(DAY), check_interval_s=3600)
        client.opt_out()
        assert client.start_scheduler_thread()
        try:
            time.sleep(0.2)
            assert server.connections == 0
            client.opt_in()
            deadline = time.monotonic() + 10
            while not client.community_summary()["available"] and time.monotonic() < deadline:
                time.sleep(0.05)
            assert client.community_summary()["available"] and server.connections >= 1
        finally:
            client.stop_scheduler()


def test_no_receiver_no_summary(db: Path) -> None:
    """Without an endpoint (or with a plain-HTTP one to another host, which is refused) nothing is fetched;
    the view says why and still shows the installation's own position."""
    for environ in ({}, {ENDPOINT_ENV: "http://stats.example.org"}):
        client = StatsClient(db, today=lambda: DAY, sender=sender_config(environ=environ), environ={})
        assert not client.services.sending.config.enabled
        client.services.rounds.tick()
        view = client.community_summary()
        assert not view["available"] and view["reason"].startswith("no receiver configured")
        assert view["yours"]["deployment_mode"] is not None and _cached_rows(db) == 0


def _valid_summary() -> dict[str, Any]:
    group = {"value": "docker", "installations": 86, "share": 0.43, "low": 0.3636, "high": 0.4988}
    return {"schema": "printernizer-stats/summary/1", "week": "2026-11-02", "k": 5, "installations": 200,
            "deployment_modes": [group], "versions": [], "platforms": [], "printer_types": [], "fleet_sizes": [],
            "features": [], "uptime_days": [], "errors_per_1000_jobs": None}
