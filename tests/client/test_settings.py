"""The user's settings: local retention and id rotation, read leniently and changed strictly."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from printernizer_stats.client import RETENTION_WEEKS_DEFAULT, StatsClient
from printernizer_stats.client._settings import check_retention_weeks, next_rotation_day, retention_weeks
from printernizer_stats.exporter import ConsentState

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


def test_retention_applies_to_the_exporter_at_start_and_at_once(tmp_path: Path) -> None:
    """A stored retention reaches the exporter when collection starts; a new one deletes older weeks now."""
    path = tmp_path / "s.db"
    client = StatsClient(path, "2.42.0", environ={}, today=lambda: DAY, export_interval_s=3600)
    client.opt_in(start=False)
    client.update_usage_settings(retention_weeks=4)
    again = StatsClient(path, "2.42.0", environ={}, today=lambda: DAY, export_interval_s=3600)
    assert again.exporter.retention_weeks == 53
    assert again.start() and again.exporter.retention_weeks == 4
    again.stop()


def test_rotating_needs_consent(tmp_path: Path) -> None:
    """A new id now only while opted in; it differs from the old one."""
    client = StatsClient(tmp_path / "s.db", "2.42.0", environ={}, today=lambda: DAY)
    with pytest.raises(ValueError, match="not opted in"):
        client.rotate_id()
    old = client.opt_in(start=False).installation_id
    assert client.rotate_id().installation_id not in {None, old}
