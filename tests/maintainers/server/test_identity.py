"""Installations prove who they are (issue 13, item 2): knowing an installation id is worth nothing.

The attacks of the issue, each against a victim installation whose id the attacker knows (from a pasted
export or ``/status``), on SQLite and PostgreSQL: deleting its data, pre-empting its next week, back-filling
forged weeks. The attacker has the shared ingest token too (every client does) but not the victim's secret,
so it draws its own: its proof does not match the verifier the victim registered with its first batch.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta

import sqlalchemy as sa
from google.rpc import status_pb2

from printernizer_stats.maintainers.server import Storage
from printernizer_stats.maintainers.server._identity import OTHER_VERIFIER, UNPROVEN, UNREGISTERED, UNREGISTERED_WAIT_S
from printernizer_stats.registry import Registry, week_label
from tests.maintainers.server.asgi import AsgiDriver
from tests.maintainers.server.batches import (
    MONDAY,
    Installation,
    deletion_request,
    gzipped,
    merged,
    typical_series,
    week_request,
)
from tests.maintainers.server.conftest import all_rows, table_counts


def _post(driver: AsgiDriver, registry: Registry, installation: Installation, monday: date = MONDAY,
          ) -> tuple[int, str]:
    series = typical_series(registry, random.Random(monday.toordinal()))
    answer = driver.post(gzipped(week_request(registry, installation, monday, series)), gzip=True)
    return answer.status, status_pb2.Status.FromString(answer.body).message if answer.status != 200 else ""


def _delete(driver: AsgiDriver, registry: Registry, installation: Installation) -> tuple[int, str]:
    answer = driver.post(gzipped(deletion_request(registry, installation)), gzip=True)
    return answer.status, status_pb2.Status.FromString(answer.body).message if answer.status != 200 else ""


def _weeks_of(storage: Storage, installation_id: str) -> list[str]:
    with storage.engine.connect() as connection:
        table = storage.tables["daily_stats"]
        rows = connection.execute(sa.select(table.c.period, table.c.app_version)
                                  .where(table.c.installation_id == installation_id).order_by(table.c.period))
        return [f"{period}:{version}" for period, version in rows]


def _attacker_of(victim: Installation) -> Installation:
    """Same id, its own secret: what anyone who learnt the victim's id can build."""
    return replace(victim, secret=Installation().secret, app_version="9.9.9")


def test_a_third_party_cannot_delete_a_victims_data(driver: AsgiDriver, storage: Storage, registry: Registry) -> None:
    """Before: a deletion by id alone deleted the victim's weeks and refused its later batches forever."""
    victim = Installation()
    assert _post(driver, registry, victim, MONDAY - timedelta(weeks=1))[0] == 200
    before = all_rows(storage)
    status, reason = _delete(driver, registry, _attacker_of(victim))
    assert status == 400 and reason == OTHER_VERIFIER
    status, reason = _delete(driver, registry, replace(_attacker_of(victim), register=False))
    assert status == 400 and reason == UNPROVEN
    assert all_rows(storage) == before
    assert _post(driver, registry, replace(victim, register=False))[0] == 200  # the victim carries on
    assert _delete(driver, registry, victim)[0] == 200  # and only the victim can delete
    assert _weeks_of(storage, victim.installation_id) == [] and table_counts(storage)["installations"] == 0


def test_a_third_party_cannot_pre_empt_a_victims_week(driver: AsgiDriver, storage: Storage,
                                                     registry: Registry) -> None:
    """Before: a forged batch under the victim's next batch id was stored, the honest one became a 'conflict'
    the client recorded as accepted."""
    victim = Installation()
    assert _post(driver, registry, victim, MONDAY - timedelta(weeks=1))[0] == 200
    status, reason = _post(driver, registry, _attacker_of(victim))
    assert status == 400 and reason == OTHER_VERIFIER
    status, reason = _post(driver, registry, replace(_attacker_of(victim), register=False))
    assert status == 400 and reason == UNPROVEN
    assert _post(driver, registry, replace(victim, register=False))[0] == 200
    assert _weeks_of(storage, victim.installation_id) == [
        f"{MONDAY - timedelta(weeks=1)}:2.42.0", f"{MONDAY}:2.42.0"]


def test_a_third_party_cannot_back_fill_forged_weeks(driver: AsgiDriver, storage: Storage,
                                                    registry: Registry) -> None:
    """Before: 26 forged earlier weeks were stored, rewriting the victim's facts."""
    victim = Installation()
    assert _post(driver, registry, victim)[0] == 200
    attacker = _attacker_of(victim)
    answers = [_post(driver, registry, attacker, MONDAY - timedelta(weeks=n)) for n in range(1, 7)]
    assert answers == [(400, OTHER_VERIFIER)] * 6
    assert _weeks_of(storage, victim.installation_id) == [f"{MONDAY}:2.42.0"]


def test_the_first_batch_registers_the_verifier_and_later_ones_prove_with_it(
        driver: AsgiDriver, storage: Storage, registry: Registry) -> None:
    """Trust on first use: no verifier and nothing registered is refused; the first batch registers; later
    batches carry only their proof; a proof made for another batch id does not prove this one."""
    honest = Installation(register=False)
    assert _post(driver, registry, honest) == (429, UNREGISTERED)  # its first batch may still be on its way
    first = replace(honest, register=True)
    assert _post(driver, registry, first, MONDAY - timedelta(weeks=2))[0] == 200
    assert _post(driver, registry, honest, MONDAY - timedelta(weeks=1))[0] == 200
    replayed = week_request(registry, honest, MONDAY, typical_series(registry, random.Random(1)),
                            **{"printernizer.stats.proof": _proof_of(registry, honest, MONDAY - timedelta(weeks=1))})
    answer = driver.post(gzipped(replayed), gzip=True)
    assert answer.status == 400 and status_pb2.Status.FromString(answer.body).message == UNPROVEN
    with storage.engine.connect() as connection:
        verifiers = connection.execute(sa.select(storage.tables["verifiers"])).mappings().all()
    assert [(v["installation_id"], v["verifier"]) for v in verifiers] == [(honest.installation_id, honest.verifier)]


def _proof_of(registry: Registry, installation: Installation, monday: date) -> str:
    return installation.resource(registry, week_label(monday))["printernizer.stats.proof"]


def test_a_later_batch_overtaking_the_first_one_is_refused_for_now_not_for_good(
        driver: AsgiDriver, storage: Storage, registry: Registry) -> None:
    """Behind a collector an installation's second batch (no key: the collector answered its first one 200)
    can reach the receiver before its first (merged requests sent side by side, the first one's retried).
    Before: 400, and the collector dropped the batch for good (the demo under load lost batches it had
    accepted). Now: 429 with Retry-After, the request's other batches stored, and its retry once the first
    batch has registered stores it."""
    late, other = Installation(register=False), Installation()
    second = week_request(registry, late, MONDAY, typical_series(registry, random.Random(2)))
    request = gzipped(merged(second, week_request(registry, other, MONDAY, typical_series(registry, random.Random(3)))))
    answer = driver.post(request, gzip=True)
    assert answer.status == 429 and answer.headers["retry-after"] == str(int(UNREGISTERED_WAIT_S))
    assert UNREGISTERED in status_pb2.Status.FromString(answer.body).message
    assert _weeks_of(storage, other.installation_id) == [f"{MONDAY}:2.42.0"]
    assert _post(driver, registry, replace(late, register=True), MONDAY - timedelta(weeks=1))[0] == 200
    assert driver.post(request, gzip=True).status == 200  # the collector's retry of the same request
    assert _weeks_of(storage, late.installation_id) == [f"{MONDAY - timedelta(weeks=1)}:2.42.0", f"{MONDAY}:2.42.0"]
    assert _weeks_of(storage, other.installation_id) == [f"{MONDAY}:2.42.0"]
