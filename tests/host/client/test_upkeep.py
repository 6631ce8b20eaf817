"""The local store's upkeep: compaction and retention once a week, in the round, never in the exporter."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource

from printernizer_stats.host.client._upkeep import KEEP_DAILY_WEEKS, LocalUpkeep
from printernizer_stats.host.exporter import LocalStore, PrivacyFilteringMetricExporter
from printernizer_stats.registry import DayReading, Registry, combine_weeks, week_start

MONDAY = date(2026, 11, 16)
STARTS = "printernizer.app.starts"


class Clock:
    def __init__(self, day: date) -> None:
        self.day = day

    def today(self) -> date:
        return self.day


def _days(store: LocalStore, registry: Registry, weeks: int) -> list[DayReading]:
    """One reading a day for ``weeks`` weeks before MONDAY."""
    readings = [DayReading(MONDAY - timedelta(days=d), STARTS, (), 1.0) for d in range(1, weeks * 7 + 1)]
    store.add(readings, {n: s.kind for n, s in registry.metrics.items()})
    return readings


def test_old_days_become_weeks_and_the_round_repeats_only_in_a_new_week(tmp_path: Path, registry: Registry) -> None:
    store, clock = LocalStore(tmp_path / "s.db"), Clock(MONDAY + timedelta(days=2))
    readings = _days(store, registry, 8)
    cut = MONDAY - timedelta(weeks=KEEP_DAILY_WEEKS)
    upkeep = LocalUpkeep(store, registry, clock.today)
    assert upkeep.run() is True
    assert store.week_rollups() == combine_weeks([r for r in readings if r.day < cut], registry)
    assert min(r.day for r in store.readings()) == cut
    clock.day += timedelta(days=1)
    assert upkeep.run() is False  # the same week: nothing new to cut
    clock.day = MONDAY + timedelta(weeks=1)
    assert upkeep.run() is True
    assert min(r.day for r in store.readings()) == cut + timedelta(weeks=1)


def test_retention_is_read_from_the_settings(tmp_path: Path, registry: Registry) -> None:
    """The stored retention decides, as the user set it (here or in the viewer's process)."""
    store = LocalStore(tmp_path / "s.db")
    _days(store, registry, 8)
    store.update_settings({"retention_weeks": "2"})
    LocalUpkeep(store, registry, lambda: MONDAY).run()
    assert min(r.day for r in store.readings()) == MONDAY - timedelta(weeks=2)
    assert store.week_rollups() == []


def test_the_exporter_files_readings_and_never_compacts(tmp_path: Path, registry: Registry) -> None:
    """Exports across a new week leave old days as they are: the exporter handles one batch, not time."""
    store, clock = LocalStore(tmp_path / "s.db"), Clock(MONDAY)
    _days(store, registry, 8)
    exporter = PrivacyFilteringMetricExporter(registry, store, today=clock.today)
    provider = MeterProvider(metric_readers=[PeriodicExportingMetricReader(exporter, export_interval_millis=10**9)],
                             resource=Resource({}))
    counter = provider.get_meter("host").create_counter(STARTS)
    for week in range(2):
        clock.day = MONDAY + timedelta(weeks=week)
        counter.add(1)
        provider.force_flush()
    provider.shutdown()
    assert store.week_rollups() == []
    assert min(r.day for r in store.readings()) == week_start(MONDAY) - timedelta(weeks=8)
    assert len(store.readings()) == 8 * 7 + 2
