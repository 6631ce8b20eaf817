"""The local SQLite store: merging day rollups and settings, and failing as StoreUnavailable."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from printernizer_stats.host.exporter import LocalStore, StoreUnavailable
from printernizer_stats.registry import DayReading, Kind, Registry

KINDS = {"c": Kind.COUNTER, "g": Kind.GAUGE, "h": Kind.HISTOGRAM}


def test_counters_add_gauges_replace_histograms_merge(tmp_path: Path, monday: date) -> None:
    store = LocalStore(tmp_path / "s.db")
    store.add([DayReading(monday, "c", (("a", "x"),), 2), DayReading(monday, "g", (), 5),
               DayReading(monday, "h", (), 0.5, 2, (1, 1))], KINDS)
    store.add([DayReading(monday, "c", (("a", "x"),), 3), DayReading(monday, "g", (), 4),
               DayReading(monday, "h", (), 0.25, 1, (0, 1))], KINDS)
    got = {r.metric: r for r in store.readings()}
    assert got["c"].value == 5
    assert got["g"].value == 4
    assert (got["h"].value, got["h"].count, got["h"].bucket_counts) == (0.75, 3, (1, 2))


def test_readings_filter_by_day_and_delete(tmp_path: Path, monday: date) -> None:
    store = LocalStore(tmp_path / "s.db")
    store.add([DayReading(monday + timedelta(days=d), "c", (), 1) for d in range(5)], KINDS)
    assert len(store.readings(monday + timedelta(days=1), monday + timedelta(days=2))) == 2
    assert store.delete_readings(before=monday + timedelta(days=3)) == 3
    assert store.delete_readings() == 2
    assert store.readings() == []


def test_series_on_a_day(tmp_path: Path, monday: date) -> None:
    store = LocalStore(tmp_path / "s.db")
    store.add([DayReading(monday, "c", (("a", "x"),), 1), DayReading(monday, "c", (("a", "y"),), 1)], KINDS)
    assert store.series_on(monday) == {"c": {(("a", "x"),), (("a", "y"),)}}
    assert store.series_on(monday + timedelta(days=1)) == {}


def test_settings_set_and_remove(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "s.db")
    store.update_settings({"opt_in": "1", "x": "y"})
    store.update_settings({"x": None})
    assert store.settings() == {"opt_in": "1"}


def test_corrupt_file_raises_store_unavailable(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreUnavailable, match="DatabaseError"):
        LocalStore(path).settings()


def test_read_only_directory_raises_store_unavailable(read_only_dir: Path) -> None:
    with pytest.raises(StoreUnavailable):
        LocalStore(read_only_dir / "s.db").settings()


def test_unopenable_path_raises_store_unavailable(tmp_path: Path) -> None:
    """A path whose parent is a file cannot be opened, even by root."""
    (tmp_path / "file").write_text("x")
    with pytest.raises(StoreUnavailable):
        LocalStore(tmp_path / "file" / "s.db").settings()


def test_every_registry_metric_round_trips_and_merges_by_its_kind(
    tmp_path: Path, registry: Registry, monday: date,
) -> None:
    """Two readings of one series on one day: counters and histograms add up, gauges keep the last value."""
    kinds = {name: spec.kind for name, spec in registry.metrics.items()}
    store = LocalStore(tmp_path / "s.db")
    for value in (2.0, 5.0):
        store.add([DayReading(monday, name, (), value, 1) for name in kinds], kinds)
    stored = {reading.metric: reading for reading in store.readings()}
    assert set(stored) == set(kinds)
    for name, kind in kinds.items():
        expected = (5.0, 1) if kind is Kind.GAUGE else (7.0, 2)
        assert (stored[name].value, stored[name].count) == expected, name


def test_compaction_folds_old_days_into_exact_weeks(tmp_path: Path, registry: Registry, monday: date) -> None:
    """Compacted weeks equal the weeks combined from the days they replace; newer days stay days."""
    from printernizer_stats.registry import combine_weeks

    kinds = {name: spec.kind for name, spec in registry.metrics.items()}
    store = LocalStore(tmp_path / "s.db")
    days = [monday + timedelta(days=d) for d in range(14)]
    store.add([DayReading(d, "printernizer.jobs.events", (("event", "completed"),), d.day) for d in days], kinds)
    store.add([DayReading(d, "printernizer.printers", (("printer_type", "prusa_core"),), d.day % 5) for d in days],
              kinds)
    expected = combine_weeks(store.readings(monday, monday + timedelta(days=6)), registry)
    folded = store.compact(monday + timedelta(days=7), lambda rs: combine_weeks(rs, registry))
    assert folded == 14
    assert store.week_rollups() == expected
    assert {r.day for r in store.readings()} == set(days[7:])
    assert store.compact(monday + timedelta(days=7), lambda rs: combine_weeks(rs, registry)) == 0
    assert store.delete_readings() == 2 + 14
