"""Retention: old weeks become k-anonymous rollups, their per-installation rows go, and nothing else changes."""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as time_of_day

import pytest
import sqlalchemy as sa

from printernizer_stats.cli import main
from printernizer_stats.maintainers.analytics import (
    MIN_RETENTION_DAYS,
    AnalyticsConfig,
    Window,
    apply_retention,
    compute_figures,
    create_maintainers_app,
    retention_cutoff,
)
from printernizer_stats.maintainers.analytics._sql import analytics_tables
from printernizer_stats.maintainers.server import ReceiverConfig, create_engine
from printernizer_stats.registry import default_registry
from tests.maintainers.analytics.conftest import K, TestClient
from tests.maintainers.analytics.loading import add_installation_week, load_population
from tests.maintainers.analytics.population import Population
from tests.maintainers.server.batches import Installation, deletion_request, gzipped

SMALL = Population(installations=150, seed=5)
CUTOFF_WEEK = 13
TODAY = SMALL.period(CUTOFF_WEEK) + timedelta(days=MIN_RETENTION_DAYS + 2)
"""A day on which weeks 0-12 are older than the shortest retention and week 13 is not."""


def counts(engine: sa.Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {name: connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
                for name, table in analytics_tables().items()}


def orphans(engine: sa.Engine) -> int:
    """Data rows without a ledger row for their installation and week (the receiver's invariant: none)."""
    tables = analytics_tables()
    ledger = tables["batches"]
    total = 0
    with engine.connect() as connection:
        for name in ("daily_stats", "events_summary"):
            table = tables[name]
            total += connection.execute(sa.select(sa.func.count()).select_from(table).where(~sa.exists().where(
                ledger.c.installation_id == table.c.installation_id, ledger.c.period == table.c.period)
            )).scalar_one()
    return total


def test_cutoff_is_the_week_holding_the_retention_day() -> None:
    """Rows are kept for the week that holds the day ``days`` ago and every later week."""
    assert retention_cutoff(date(2027, 2, 10), 400) == date(2026, 1, 5)
    assert SMALL.period(CUTOFF_WEEK) == retention_cutoff(TODAY, MIN_RETENTION_DAYS)


def test_retention_rolls_up_old_weeks_and_keeps_the_figures(any_empty_url: str) -> None:
    """Old weeks' rows and ledger rows are deleted, their figures survive as rollups exactly as published
    before, newer weeks are untouched, and every remaining data row still has its ledger row."""
    engine = create_engine(any_empty_url)
    load_population(engine, SMALL)
    window = Window.ending(SMALL.last_week, SMALL.weeks)
    before = compute_figures(engine, window, K)
    rows_before = counts(engine)
    result = apply_retention(engine, TODAY, MIN_RETENTION_DAYS, K)
    assert result.cutoff == SMALL.period(CUTOFF_WEEK) and len(result.weeks) == CUTOFF_WEEK
    tables = analytics_tables()
    with engine.connect() as connection:
        for name in ("daily_stats", "events_summary", "batches"):
            oldest = connection.execute(sa.select(sa.func.min(tables[name].c.period))).scalar_one()
            assert str(oldest) == str(result.cutoff), name
        rolled = {str(p) for p in connection.execute(sa.select(tables["weekly_rollups"].c.period).distinct()).scalars()}
        first_weeks = connection.execute(sa.select(sa.func.min(tables["installations"].c.first_week))).scalar_one()
    assert rolled == {str(week) for week in result.weeks}
    assert str(first_weeks) == str(result.cutoff)
    assert orphans(engine) == 0
    after = compute_figures(engine, window, K)
    assert after == before
    rows_after = counts(engine)
    assert rows_after["daily_stats"] == rows_before["daily_stats"] - result.deleted["daily_stats"]
    assert rows_after["weekly_rollups"] == result.rollup_rows > 0
    again = apply_retention(engine, TODAY, MIN_RETENTION_DAYS, K)
    assert again.weeks == () and counts(engine) == rows_after
    engine.dispose()


def test_late_rows_in_a_rolled_up_week_do_not_replace_its_rollup(empty_url: str) -> None:
    """Rows that turn up in a week already rolled up are deleted; the week's rollup stays as it was."""
    engine = create_engine(empty_url)
    load_population(engine, SMALL)
    apply_retention(engine, TODAY, MIN_RETENTION_DAYS, K)
    tables = analytics_tables()
    with engine.connect() as connection:
        rollup = connection.execute(sa.select(tables["weekly_rollups"]).order_by(*tables["weekly_rollups"].c)).all()
    add_installation_week(engine, SMALL.period(3), seed=31)
    result = apply_retention(engine, TODAY, MIN_RETENTION_DAYS, K)
    assert result.weeks == (SMALL.period(3),) and result.deleted["daily_stats"] == 1
    with engine.connect() as connection:
        assert connection.execute(sa.select(tables["weekly_rollups"]).order_by(*tables["weekly_rollups"].c)
                                  ).all() == rollup
    assert orphans(engine) == 0
    engine.dispose()


def test_deletion_still_works_after_retention(empty_url: str) -> None:
    """An installation with rolled-up and live weeks asks for deletion: every row of it goes, no orphans."""
    engine = create_engine(empty_url)
    load_population(engine, SMALL)
    apply_retention(engine, TODAY, MIN_RETENTION_DAYS, K)
    tables = analytics_tables()
    with engine.connect() as connection:
        installation_id = connection.execute(sa.select(tables["daily_stats"].c.installation_id).limit(1)).scalar_one()
    app = create_maintainers_app(ReceiverConfig(db_url=empty_url), AnalyticsConfig(k=K))
    body = gzipped(deletion_request(default_registry(), Installation(installation_id=installation_id)))
    with TestClient(app) as client:
        answer = client.post("/v1/metrics", content=body, headers={"Content-Type": "application/x-protobuf",
                                                                    "Content-Encoding": "gzip"})
    assert answer.status_code == 200
    with engine.connect() as connection:
        for name in ("daily_stats", "events_summary", "installations"):
            table = tables[name]
            assert connection.execute(sa.select(sa.func.count()).select_from(table)
                                      .where(table.c.installation_id == installation_id)).scalar_one() == 0
    assert orphans(engine) == 0
    engine.dispose()


def test_retention_shorter_than_the_receivers_window_is_refused(empty_url: str) -> None:
    """Fewer days than the receiver still accepts batches for would let late rows into rolled-up weeks."""
    engine = create_engine(empty_url)
    with pytest.raises(ValueError, match=f"at least {MIN_RETENTION_DAYS} days"):
        apply_retention(engine, TODAY, MIN_RETENTION_DAYS - 1, K)
    with pytest.raises(ValueError):
        AnalyticsConfig(retention_days=30).validate()
    engine.dispose()


def test_retention_command(empty_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    """``printernizer-stats retention`` prints what it rolled up and deleted; a too short period exits 2."""
    engine = create_engine(empty_url)
    load_population(engine, SMALL)
    engine.dispose()
    capsys.readouterr()
    assert main(["retention", "--db-url", empty_url, "--days", str(MIN_RETENTION_DAYS),
                 "--today", TODAY.isoformat()]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["cutoff"] == SMALL.period(CUTOFF_WEEK).isoformat() and len(printed["weeks"]) == CUTOFF_WEEK
    assert main(["retention", "--db-url", empty_url, "--days", "30"]) == 2
    assert "at least" in capsys.readouterr().err


def test_serve_applies_retention_on_a_schedule(empty_url: str) -> None:
    """With ``retention_days`` the app rolls up old weeks at start-up (then once a day)."""
    engine = create_engine(empty_url)
    load_population(engine, SMALL)
    app = create_maintainers_app(ReceiverConfig(db_url=empty_url),
                                 AnalyticsConfig(k=K, retention_days=MIN_RETENTION_DAYS),
                                 now=lambda: datetime.combine(TODAY, time_of_day(9), UTC))
    with TestClient(app):
        deadline = time.monotonic() + 20
        while counts(engine)["weekly_rollups"] == 0 and time.monotonic() < deadline:
            time.sleep(0.1)
    assert counts(engine)["weekly_rollups"] > 0
    engine.dispose()
