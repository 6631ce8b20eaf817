"""Figures read the rollups the receiver keeps at ingest; an installation counts toward k only once its
batches arrived in two distinct weeks (issue 13), so installations made up at once cannot publish a hidden
group."""

from __future__ import annotations

import random
from datetime import date, timedelta

import sqlalchemy as sa

from printernizer_stats.maintainers.analytics import (
    Window,
    compute_figures,
    rebuild_rollups,
    rollups_missing,
    stored_rollups,
)
from printernizer_stats.maintainers.server import Storage, TimeWindow, ValidatedBatch, create_engine, validate_batch
from printernizer_stats.registry import Registry, to_unix_nano
from tests.maintainers.server.batches import MONDAY, Installation, typical_series, week_request

K = 5
CLOCK = TimeWindow(to_unix_nano(MONDAY + timedelta(days=9)))
EARLIER = MONDAY - timedelta(weeks=1)


def _store(storage: Storage, registry: Registry, installation: Installation, *mondays: date) -> None:
    """Each week's batch as received the Monday after it."""
    for monday in mondays:
        batch = validate_batch(registry, week_request(registry, installation, monday,
                                                      typical_series(registry, random.Random(7))), CLOCK)
        assert isinstance(batch, ValidatedBatch)
        storage.store(batch, monday + timedelta(weeks=1))


def _countries(storage: Storage) -> set[str]:
    figure = compute_figures(storage.engine, Window(MONDAY, MONDAY), K)["countries"]
    return {row.group[0] for row in figure.week(MONDAY)}


def test_fresh_one_week_installations_cannot_make_a_hidden_group_public(any_empty_url: str,
                                                                       registry: Registry) -> None:
    storage = Storage(create_engine(any_empty_url), registry)
    for _ in range(12):
        _store(storage, registry, Installation(country_code="DE"), EARLIER, MONDAY)
    _store(storage, registry, Installation(country_code="CH"), EARLIER, MONDAY)
    fresh = [Installation(country_code="CH") for _ in range(K - 1)]
    for installation in fresh:
        _store(storage, registry, installation, MONDAY)
    # Five installations from CH stored for the week, but four of them sent one week only: CH stays hidden.
    assert "CH" not in _countries(storage)
    for installation in fresh:  # a batch received in a second distinct week: they count now, for both weeks
        _store(storage, registry, installation, EARLIER)
    assert "CH" in _countries(storage)
    storage.close()


def test_rollups_missing_after_an_upgrade_with_stored_rows(standard_url: str, empty_url: str) -> None:
    """``serve`` rebuilds the rollups of a database upgraded with rows stored before them."""
    engine = create_engine(standard_url)
    assert not rollups_missing(engine)
    before = stored_rollups(engine)
    with engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM figure_rollups"))
    assert rollups_missing(engine)
    rebuild_rollups(engine)
    assert stored_rollups(engine) == before and not rollups_missing(engine)
    engine.dispose()
    empty = create_engine(empty_url)
    assert not rollups_missing(empty)  # nothing stored: nothing to roll up
    empty.dispose()
