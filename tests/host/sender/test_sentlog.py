"""The sent log's hash chain: verifies when intact, names the entry when anything was changed."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from printernizer_stats.host.sender import ACCEPTED, GENESIS, Outbox, build_week_batch, verify_chain
from printernizer_stats.registry import Registry
from tests.host.sender.conftest import FACTS, IDENTITY, INSTALLATION, MONDAY, week_values


@pytest.fixture
def outbox(tmp_path: Path, registry: Registry) -> Outbox:
    outbox = Outbox(tmp_path / "s.db")
    for offset in range(3):
        monday = MONDAY - timedelta(weeks=offset)
        batch = build_week_batch(registry, FACTS, INSTALLATION, monday, week_values(monday), identity=IDENTITY)
        assert batch is not None
        outbox.enqueue([batch], MONDAY)
    for queued in outbox.queued():
        outbox.finish(queued, MONDAY + timedelta(weeks=1), ACCEPTED, 200, "ok")
    return outbox


def _sql(outbox: Outbox, statement: str) -> None:
    with sqlite3.connect(outbox.db.path) as conn:
        conn.execute(statement)


def test_an_intact_log_verifies(outbox: Outbox) -> None:
    """Each entry points at the previous one; the head is the last entry's hash."""
    entries = outbox.sent()
    check = verify_chain(entries)
    assert check.valid and check.entries == 3 and check.head == entries[-1].entry_hash
    assert entries[0].prev_hash == GENESIS and entries[1].prev_hash == entries[0].entry_hash


@pytest.mark.parametrize(("statement", "seq", "problem"), [
    ("UPDATE sent_log SET payload = X'00' WHERE seq = 2", 2, "bytes"),
    ("UPDATE sent_log SET outcome = 'rejected' WHERE seq = 1", 1, "altered"),
    ("UPDATE sent_log SET sent_day = '2020-01-01' WHERE seq = 3", 3, "altered"),
    ("DELETE FROM sent_log WHERE seq = 2", 3, "previous"),
])
def test_any_change_is_detected(outbox: Outbox, statement: str, seq: int, problem: str) -> None:
    """Altered bytes, fields, or a removed entry break the chain at the entry concerned."""
    _sql(outbox, statement)
    check = verify_chain(outbox.sent())
    assert not check.valid and check.broken_at == seq and problem in (check.problem or "")
