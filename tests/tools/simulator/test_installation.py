"""Simulated installations that live week by week: releases and upgrades, a release's error spike, the
Monday batch, and the idle connection that makes simulating fast without changing what is written."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest

from printernizer_stats.host.sender import SenderConfig
from printernizer_stats_tools.simulator import (
    STUCK_VERSION,
    InstanceSimulator,
    Release,
    SharedConnection,
    SimClock,
    SimulatedInstallation,
    random_profile,
    release_timeline,
    running_version,
    simulate_installation,
    simulate_weeks,
    simulated_client,
)
from tests.maintainers.collector.recorder import RecordingEndpoint

FIRST = date(2026, 9, 7)


def test_running_version_follows_the_profiles_upgrade_delay() -> None:
    """An installation runs its own version until a release plus its delay; a stuck one never changes."""
    profile = replace(random_profile(1), app_version="2.41.7", upgrade_delay_days=3.0)
    releases = (Release("2.43.0", FIRST + timedelta(days=10)), Release("2.43.1", FIRST + timedelta(days=24)))
    assert running_version(profile, releases, FIRST + timedelta(days=12)) == ("2.41.7", None)
    assert running_version(profile, releases, FIRST + timedelta(days=13)) == ("2.43.0", releases[0])
    assert running_version(profile, releases, FIRST + timedelta(days=40)) == ("2.43.1", releases[1])
    stuck = replace(profile, app_version=STUCK_VERSION, upgrade_delay_days=None)
    assert running_version(stuck, releases, FIRST + timedelta(days=40)) == (STUCK_VERSION, None)


def test_profiles_upgrade_by_deployment_mode() -> None:
    """Docker installations upgrade within days, by hand ones take weeks or never; 2.7.0 reporters never do."""
    profiles = [random_profile(seed) for seed in range(1, 400)]
    assert all(p.upgrade_delay_days is None for p in profiles if p.app_version == STUCK_VERSION)
    docker = [p.upgrade_delay_days for p in profiles if p.deployment_mode == "docker" and p.upgrade_delay_days]
    by_hand = [p.upgrade_delay_days for p in profiles if p.deployment_mode == "pi" and p.upgrade_delay_days]
    assert sum(docker) / len(docker) < 2 < 10 < sum(by_hand) / len(by_hand)
    assert random_profile(7) == random_profile(7)


def test_an_upgrade_restarts_the_client_and_the_release_regression_shows(tmp_path: Path) -> None:
    """Running the broken release adds its errors (Bambu fleets only); the upgrade is a restart of the app."""
    releases = (Release("2.43.0", FIRST, ("PRINTER_CONNECTION", "printer"), regression_per_job=5.0),)
    profile = replace(random_profile(3), app_version="2.42.0", upgrade_delay_days=10.0, printers={"bambu_lab": 2})
    clock = SimClock(FIRST)
    client = simulated_client(str(tmp_path / "s.db"), profile, clock)
    client.opt_in()
    sim = InstanceSimulator(client, profile, clock, releases=releases)
    simulate_weeks(sim, FIRST, 3)
    sim.client.stop()
    upgrade_day = FIRST + timedelta(days=10)
    assert sim.log.versions == [(FIRST, "2.42.0"), (upgrade_day, "2.43.0")]
    assert sim.client is not client and sim.client.services.facts.current()["printernizer.app_version"] == "2.43.0"
    before = Counter(code for (day, code, _), n in sim.log.errors.items() for _ in range(n) if day < upgrade_day)
    after = Counter(code for (day, code, _), n in sim.log.errors.items() for _ in range(n) if day >= upgrade_day)
    days_before, days_after = sum(d < upgrade_day for d in sim.log.days_up), sum(
        d >= upgrade_day for d in sim.log.days_up)
    assert after["PRINTER_CONNECTION"] / days_after > 5 * max(before["PRINTER_CONNECTION"], 1) / days_before
    starts = [r for r in sim.client.services.store.readings() if r.metric == "printernizer.app.starts"]
    assert sum(r.value for r in starts) == 2  # opted in, then the upgrade's restart


def test_no_regression_without_the_affected_printers(tmp_path: Path) -> None:
    """A Prusa-only installation on the broken release sees no extra errors of its regression."""
    releases = (Release("2.43.0", FIRST - timedelta(days=30), ("SOMETHING_NEW", "system"), regression_per_job=50.0),)
    profile = replace(random_profile(3), upgrade_delay_days=0.0, printers={"prusa_core": 2})
    clock = SimClock(FIRST)
    client = simulated_client(str(tmp_path / "s.db"), profile, clock)
    client.opt_in()
    sim = InstanceSimulator(client, profile, clock, releases=releases)
    simulate_weeks(sim, FIRST, 4)
    sim.client.stop()
    jobs = sum(n for (_, name), n in sim.log.events.items() if name in {"job_created", "job_auto_created"})
    assert sum(n for (_, code, _), n in sim.log.errors.items() if code == "SOMETHING_NEW") < jobs


def test_keep_open_changes_nothing_that_is_written(tmp_path: Path) -> None:
    """The same installation simulated with and without the idle connection stores the same readings."""
    fast, _ = simulate_installation(str(tmp_path / "fast.db"), 2, seed=9, first_day=FIRST)
    profile = random_profile(9)
    clock = SimClock(FIRST)
    slow = simulated_client(str(tmp_path / "slow.db"), profile, clock)
    slow.opt_in()
    simulate_weeks(InstanceSimulator(slow, profile, clock), FIRST, 2)
    slow.stop()
    assert fast.services.store.readings() == slow.services.store.readings()


def test_each_monday_the_past_week_is_sent(tmp_path: Path) -> None:
    """run_week then submit sends exactly the week just simulated, labelled with its ISO week."""
    with RecordingEndpoint() as endpoint:
        installation = SimulatedInstallation(tmp_path / "s.db", 5, FIRST, SenderConfig(endpoint=endpoint.url),
                                             release_timeline(FIRST, 2))
        try:
            labels = []
            for _ in range(2):
                monday = installation.run_week()
                result = installation.submit()
                labels.append(result["batched"])
                assert [a["outcome"] for a in result["attempts"]] == ["accepted"]
                assert installation.clock.day == monday + timedelta(weeks=1)
        finally:
            installation.close()
        requests = endpoint.requests()
    assert labels == [["2026-W37"], ["2026-W38"]]
    assert len(requests) == 2 and all(isinstance(r, ExportMetricsServiceRequest) for r in requests)
    with pytest.raises(ValueError, match="Monday"):
        SimulatedInstallation(tmp_path / "t.db", 5, FIRST + timedelta(days=1))


def test_installations_sharing_a_connection_send_every_batch_over_one_socket(tmp_path: Path) -> None:
    """A demo worker's installations borrow one keep-alive session: every batch still goes through the real
    sender and transport (all accepted, all received), over one connection, which a pass does not close."""
    shared = SharedConnection()
    with RecordingEndpoint() as endpoint:
        config = SenderConfig(endpoint=endpoint.url)
        installations = [SimulatedInstallation(tmp_path / f"s{seed}.db", seed, FIRST, config, transports=shared)
                         for seed in (5, 6)]
        try:
            for _ in range(2):
                for installation in installations:
                    installation.run_week()
                    assert [a["outcome"] for a in installation.submit()["attempts"]] == ["accepted"]
        finally:
            for installation in installations:
                installation.close()
        assert shared.session is not None and len(endpoint.requests()) == 4
        pools = shared.session.get_adapter(endpoint.url).poolmanager.pools
        keys = pools.keys()  # the container itself refuses iteration
        assert [(pools[key].num_connections, pools[key].num_requests) for key in keys] == [(1, 4)]
    shared.close()
