"""Combining day rollups into weeks, and the time-granularity helpers."""

from __future__ import annotations

from datetime import date, timedelta

from printernizer_stats.registry import (
    DayReading,
    Registry,
    combine_weeks,
    from_unix_nano,
    to_unix_nano,
    week_label,
    week_of_unix_nano,
    week_start,
)


def test_week_start_is_monday() -> None:
    assert week_start(date(2026, 11, 22)) == date(2026, 11, 16)
    assert week_start(date(2026, 11, 16)) == date(2026, 11, 16)


def test_week_label_is_iso() -> None:
    assert week_label(date(2026, 11, 16)) == "2026-W47"
    assert week_label(date(2024, 12, 30)) == "2025-W01"


def test_unix_nano_round_trip_truncates_to_week() -> None:
    nanos = to_unix_nano(date(2026, 11, 19)) + 13 * 3600 * 10**9 + 12345
    assert from_unix_nano(nanos) == date(2026, 11, 19)
    assert week_of_unix_nano(nanos) == date(2026, 11, 16)


def test_counters_sum_and_gauges_take_the_max(registry: Registry, monday: date) -> None:
    """Counters add up over the week; gauges keep the week's largest day value."""
    readings = []
    for offset, (jobs, printers) in enumerate([(3, 2), (4, 5), (1, 1)]):
        day = monday + timedelta(days=offset)
        readings.append(DayReading(day, "printernizer.jobs.events", (("event", "completed"),), jobs))
        readings.append(DayReading(day, "printernizer.printers", (("printer_type", "bambu_lab"),), printers))
    weeks = {(w.metric, w.week): w.value for w in combine_weeks(readings, registry)}
    assert weeks[("printernizer.jobs.events", monday)] == 8
    assert weeks[("printernizer.printers", monday)] == 5


def test_uptime_counts_days(registry: Registry, monday: date) -> None:
    readings = [DayReading(monday + timedelta(days=d), "printernizer.uptime", (), 1.0) for d in (0, 2, 3)]
    assert combine_weeks(readings, registry)[0].value == 3


def test_histograms_add_bucketwise(registry: Registry, monday: date) -> None:
    attrs = (("http.route", "unmatched"),)
    one = DayReading(monday, "http.server.request.duration", attrs, 0.5, 2, (1, 1, 0))
    two = DayReading(monday + timedelta(days=1), "http.server.request.duration", attrs, 0.25, 1, (0, 0, 1))
    (week,) = combine_weeks([one, two], registry)
    assert (week.value, week.count, week.bucket_counts) == (0.75, 3, (1, 1, 1))


def test_weeks_split_and_sort(registry: Registry, monday: date) -> None:
    readings = [
        DayReading(monday + timedelta(days=7), "printernizer.jobs.events", (("event", "created"),), 1),
        DayReading(monday, "printernizer.jobs.events", (("event", "created"),), 2),
        DayReading(monday, "not.in.registry", (), 9),
    ]
    weeks = combine_weeks(readings, registry)
    assert [(w.week, w.value) for w in weeks] == [(monday, 2), (monday + timedelta(days=7), 1)]


def test_week_cap_keeps_the_largest_and_folds_the_rest(minimal_registry: Registry, monday: date) -> None:
    """test.printers allows 3 series: the two largest stay, the rest (and any existing `other`) merge by max."""
    from printernizer_stats.registry import OTHER, WeekValue, cap_week_series

    values = [WeekValue(monday, "test.printers", (("printer_type", name),), value)
              for name, value in [("a", 5), ("b", 1), ("c", 9), ("d", 2), (OTHER, 3)]]
    capped = cap_week_series(values, minimal_registry)
    assert [(dict(v.attributes)["printer_type"], v.value) for v in capped] == [("a", 5), ("c", 9), (OTHER, 3)]


def test_week_cap_sums_counters_and_leaves_small_groups(minimal_registry: Registry, monday: date) -> None:
    from printernizer_stats.registry import OTHER, WeekValue, cap_week_series

    values = [WeekValue(monday, "test.jobs", (("event", e),), v) for e, v in [("x", 4), ("y", 1), ("z", 2)]]
    capped = cap_week_series(values, minimal_registry)
    assert [(dict(v.attributes)["event"], v.value) for v in capped] == [(OTHER, 3), ("x", 4)]
    assert cap_week_series(values[:2], minimal_registry) == sorted(values[:2], key=lambda v: v.attributes)
