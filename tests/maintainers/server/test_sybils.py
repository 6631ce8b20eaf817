"""Sybils (issue 13): fake installations from one address hit the per-address limits on batches and new
installations before they can fill a hidden group up to k; installations whose batches all arrived in one
week never count, however many weeks of data they carry (SQLite and PostgreSQL). Honest batches of known
installations keep flowing; refusals are 429."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from google.rpc import status_pb2
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest

from printernizer_stats.maintainers.analytics import DEFAULT_K, Window, compute_figures
from printernizer_stats.maintainers.server import ReceiverConfig, Storage, create_app
from printernizer_stats.registry import Registry
from tests.maintainers.server.asgi import Answer, AsgiDriver
from tests.maintainers.server.batches import MONDAY, Installation, merged, typical_series, week_request
from tests.maintainers.server.conftest import NOW, table_counts

RARE = "2.50.1"
"""The hidden group: the victim alone runs this version."""
WEEKS = (MONDAY - timedelta(weeks=1), MONDAY)
ATTACKER = "203.0.113.66"


def _weeks(registry: Registry, installation: Installation, weeks: tuple[object, ...] = WEEKS
           ) -> list[ExportMetricsServiceRequest]:
    rng = random.Random(installation.installation_id)
    return [week_request(registry, installation, monday, typical_series(registry, rng)) for monday in weeks]


def _send(driver: AsgiDriver, request: ExportMetricsServiceRequest, address: str) -> Answer:
    return driver.request("POST", "/v1/metrics", request.SerializeToString(),
                          {"content-type": "application/x-protobuf"}, client=(address, 40000))


@dataclass
class Clock:
    """The receiver's clock: the week a batch is received in decides when its installation counts."""

    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now


def _population(driver: AsgiDriver, registry: Registry, clock: Clock) -> None:
    """Six honest installations and the victim, each from its own address, each two weeks, each week sent
    when it was over (so received in two distinct weeks)."""
    senders = [(Installation(), f"198.51.100.{number + 1}") for number in range(6)]
    senders.append((Installation(app_version=RARE), "198.51.100.99"))
    requests = [(_weeks(registry, installation), address) for installation, address in senders]
    for week, sent in enumerate((NOW - timedelta(weeks=1), NOW)):
        clock.now = sent
        for weeks, address in requests:
            assert _send(driver, weeks[week], address).status == 200


def _rare_published(storage: Storage) -> bool:
    figures = compute_figures(storage.engine, Window(MONDAY, MONDAY), DEFAULT_K)
    groups = {row.group[0]: row.installations for row in figures["versions"].week(MONDAY)}
    assert sum(groups.values()) >= 7  # the week is published (the victim's group folded into "other" or not)
    return RARE in groups


def _driver(storage: Storage, clock: Clock | None = None, **limits: float) -> AsgiDriver:
    config = ReceiverConfig(**limits)  # type: ignore[arg-type]
    return AsgiDriver(create_app(config, storage=storage, now=clock or Clock()))


def _fakes(registry: Registry, count: int, weeks: tuple[object, ...] = WEEKS
           ) -> tuple[list[Installation], ExportMetricsServiceRequest]:
    """``count`` made-up installations in the victim's group, all their weeks in one request."""
    fakes = [Installation(app_version=RARE) for _ in range(count)]
    return fakes, merged(*(request for fake in fakes for request in _weeks(registry, fake, weeks)))


def test_fakes_sending_two_weeks_in_one_request_count_only_after_a_later_received_week(
        storage: Storage, registry: Registry) -> None:
    """The attack of issue 13 without address limits (the receiver sees no client address): fakes sending
    two weeks of data at once do not count toward k; they do once a batch of theirs arrives a week later."""
    clock = Clock()
    driver = _driver(storage, clock, address_burst=0)
    _population(driver, registry, clock)
    assert not _rare_published(storage)
    fakes, request = _fakes(registry, DEFAULT_K - 1)
    assert _send(driver, request, ATTACKER).status == 200
    assert not _rare_published(storage)
    assert table_counts(storage)["daily_stats"] == 2 * 7 + 2 * (DEFAULT_K - 1)  # stored, not counted
    clock.now = NOW + timedelta(weeks=1)
    later = merged(*(_weeks(registry, fake, (MONDAY + timedelta(weeks=1),))[0] for fake in fakes))
    assert _send(driver, later, ATTACKER).status == 200
    assert _rare_published(storage)


def test_fakes_that_sent_one_week_only_never_count(storage: Storage, registry: Registry) -> None:
    clock = Clock()
    driver = _driver(storage, clock, address_burst=0)
    _population(driver, registry, clock)
    assert _send(driver, _fakes(registry, 20, WEEKS[1:])[1], ATTACKER).status == 200
    assert not _rare_published(storage)


def test_a_simulated_receipt_is_the_monday_after_each_week(storage: Storage, registry: Registry) -> None:
    """The demo's setting (never production's): the same two weeks in one request count at once, because each
    batch is recorded as received the Monday after its week, as a client would have sent it."""
    clock = Clock()
    driver = _driver(storage, clock, address_burst=0, simulated_receipt=True)
    _population(driver, registry, clock)
    assert _send(driver, _fakes(registry, DEFAULT_K - 1)[1], ATTACKER).status == 200
    assert _rare_published(storage)
    with storage.engine.connect() as connection:
        received = {row[0] for row in connection.exec_driver_sql("SELECT DISTINCT received_week FROM batches")}
    assert {str(week) for week in received} == {str(week + timedelta(weeks=1)) for week in WEEKS}


def test_sybils_from_one_address_hit_the_limit_before_the_group_is_public(storage: Storage,
                                                                          registry: Registry) -> None:
    clock = Clock()
    driver = _driver(storage, clock)  # the defaults: 3 new installations per address at once
    _population(driver, registry, clock)
    fakes, request = _fakes(registry, DEFAULT_K - 1)
    before = table_counts(storage)["batches"]
    for _ in range(3):  # the client (or a collector) retries: the limited batches stay limited
        answer = _send(driver, request, ATTACKER)
        assert answer.status == 429
        assert int(answer.headers["retry-after"]) > 60
        reason = status_pb2.Status.FromString(answer.body).message
        assert "2 of 8 batches limited; the others are stored" in reason
        assert "resource_metrics[6]: too many new installations from this address" in reason
    assert table_counts(storage)["batches"] == before + 6  # three fakes, two weeks each, stored once
    assert not _rare_published(storage)
    # Known installations from the same address keep flowing; another new one waits.
    assert _send(driver, _weeks(registry, Installation())[0], ATTACKER).status == 429
    earlier = _weeks(registry, fakes[0], (MONDAY - timedelta(weeks=2),))[0]
    assert _send(driver, earlier, ATTACKER).status == 200
    assert table_counts(storage)["batches"] == before + 7


def test_a_request_of_many_batches_is_limited_per_batch(storage: Storage, registry: Registry) -> None:
    """A thousand batches in one request cost a thousand batch tokens, not one request's."""
    driver = _driver(storage, batch_burst=5, new_installation_burst=100)
    answer = _send(driver, _fakes(registry, 4)[1], ATTACKER)  # eight batches
    assert answer.status == 429
    assert "3 of 8 batches limited" in status_pb2.Status.FromString(answer.body).message
    assert "too many batches from this address" in status_pb2.Status.FromString(answer.body).message
    assert table_counts(storage)["batches"] == 5


def test_an_ipv6_line_is_one_address_per_64(storage: Storage, registry: Registry) -> None:
    driver = _driver(storage, new_installation_burst=2)
    line = [f"2001:db8:1:2::{n:x}" for n in range(1, 4)]
    for address in line[:2]:
        assert _send(driver, _weeks(registry, Installation())[0], address).status == 200
    assert _send(driver, _weeks(registry, Installation())[0], line[2]).status == 429
    assert _send(driver, _weeks(registry, Installation())[0], "2001:db8:1:3::1").status == 200
    assert _send(driver, _weeks(registry, Installation())[0], "::ffff:198.51.100.5").status == 200


def test_behind_a_collector_the_limits_are_the_communitys(storage: Storage, registry: Registry) -> None:
    """With the address limit off (the receiver sees only its collector), batch and new-installation
    limits are off too: they live in the proxy in front of the collector (collector-config/)."""
    driver = _driver(storage, address_burst=0, new_installation_burst=1, batch_burst=1)
    assert _send(driver, _fakes(registry, 4)[1], "10.0.0.2").status == 200
