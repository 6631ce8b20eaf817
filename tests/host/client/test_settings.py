"""The user's settings: local retention and id rotation, read leniently and changed strictly."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from printernizer_stats.host.client import RETENTION_WEEKS_DEFAULT, StatsClient
from printernizer_stats.host.client._settings import check_retention_weeks, next_rotation_day, retention_weeks
from printernizer_stats.host.exporter import ConsentState
from printernizer_stats.registry import DayReading, week_start

DAY = date(2026, 11, 18)


@pytest.mark.parametrize(("stored", "weeks"), [({}, 53), ({"retention_weeks": "8"}, 8),
                                               ({"retention_weeks": "eight"}, 53), ({"retention_weeks": "0"}, 53)])
def test_stored_retention_falls_back_to_the_default(stored: dict[str, str], weeks: int) -> None:
    """A missing, garbled or out-of-range stored value reads as the default, never raises."""
    assert retention_weeks(stored) == weeks
    assert weeks in {8, RETENTION_WEEKS_DEFAULT}


@pytest.mark.parametrize("bad", [0, 105, -1, True, 2.5, "8"])
def test_a_new_retention_must_be_a_whole_number_in_range(bad: object) -> None:
    """Changing it is strict: the error names the rule."""
    with pytest.raises(ValueError, match="retention_weeks"):
        check_retention_weeks(bad)  # type: ignore[arg-type]


def test_next_rotation_only_when_rotating_while_opted_in() -> None:
    """A year after the id was made, if rotation is on and the user is opted in."""
    state = ConsentState(opted_in=True, installation_id="x", installation_day=DAY, rotate_yearly=True)
    assert next_rotation_day(state) == date(2027, 11, 18)
    assert next_rotation_day(ConsentState(opted_in=True, installation_day=DAY)) is None
    assert next_rotation_day(ConsentState(rotate_yearly=True, installation_day=DAY)) is None


def test_retention_applies_at_once_and_in_the_daily_round(tmp_path: Path) -> None:
    """A new retention deletes older weeks now; a stored one is applied by the next round (and at start)."""
    path = tmp_path / "s.db"
    client = StatsClient(path, "2.42.0", environ={}, today=lambda: DAY, export_interval_s=3600)
    client.opt_in(start=False)
    store, kinds = client.services.store, {n: s.kind for n, s in client.registry.metrics.items()}
    old, kept = week_start(DAY) - timedelta(weeks=6), week_start(DAY) - timedelta(weeks=3)
    store.add([DayReading(old, "printernizer.app.starts", (), 1.0)], kinds)
    client.update_usage_settings(retention_weeks=4)
    assert store.readings() == []
    store.add([DayReading(day, "printernizer.app.starts", (), 1.0) for day in (old, kept)], kinds)
    again = StatsClient(path, "2.42.0", environ={}, today=lambda: DAY, export_interval_s=3600)
    assert again.start()
    again.stop()
    assert [r.day for r in store.readings() if r.day < week_start(DAY)] == [kept]
    store.add([DayReading(old, "printernizer.app.starts", (), 1.0)], kinds)
    later = StatsClient(path, "2.42.0", environ={}, today=lambda: DAY + timedelta(weeks=1), export_interval_s=3600)
    later.services.rounds.tick()
    assert [r.day for r in store.readings() if r.day < week_start(DAY)] == [kept]


def test_rotating_needs_consent(tmp_path: Path) -> None:
    """A new id now only while opted in; it differs from the old one."""
    client = StatsClient(tmp_path / "s.db", "2.42.0", environ={}, today=lambda: DAY)
    with pytest.raises(ValueError, match="not opted in"):
        client.rotate_id()
    old = client.opt_in(start=False).installation_id
    assert client.rotate_id().installation_id not in {None, old}
