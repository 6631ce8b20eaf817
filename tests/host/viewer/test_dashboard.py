"""The statistics section's data, from the local summary and the registry."""

from __future__ import annotations

from datetime import date

from printernizer_stats.host.client import StatsClient
from printernizer_stats.host.viewer._dashboard import (
    CHART_METRICS,
    JOB_SERIES,
    TOP_BARS,
    WEEKS_SHOWN,
    charts,
    features_used,
    key_figures,
    parse_series,
    shown_weeks,
    week_metrics,
)
from printernizer_stats.registry import Registry, week_start
from tests.host.viewer.conftest import DAY


def test_chart_metrics_and_attributes_are_declared_in_the_registry(registry: Registry) -> None:
    """Every metric and grouping attribute the page uses exists in the registry, job series included."""
    for metric, attribute in CHART_METRICS.items():
        spec = registry.metrics[metric]
        assert attribute is None or attribute in spec.attributes
    assert set(JOB_SERIES) <= set(registry.metrics["printernizer.jobs.events"].attributes["event"].ordered_values)


def test_series_labels_parse_back_to_attributes() -> None:
    """``k=v,k=v`` gives the attributes; ``total`` is the series without any."""
    assert parse_series("event=completed") == {"event": "completed"}
    assert parse_series("http.request.method=GET,http.route=/api/v1/jobs/{job_id}") == {
        "http.request.method": "GET", "http.route": "/api/v1/jobs/{job_id}"}
    assert parse_series("total") == {}


def test_key_figures_are_the_registrys_daily_stats_columns(client: StatsClient, registry: Registry) -> None:
    """One figure per daily_stats column, summed over the matching series of the week."""
    summary = client.local_summary()
    last_week = week_metrics(summary, date(2026, 11, 9))
    tiles = key_figures(registry, last_week, {})
    assert [t.name for t in tiles] == [c for spec in registry.metrics.values() for c in spec.daily_stats]
    completed = last_week["printernizer.jobs.events"].get("event=completed", 0)
    assert next(t.value for t in tiles if t.name == "jobs_completed") == completed
    assert all(t.previous == 0 for t in tiles)


def test_features_list_every_registry_feature(client: StatsClient, registry: Registry) -> None:
    """All features of the registry, each on, off or unknown (not reported)."""
    features = features_used(registry, week_metrics(client.local_summary(), date(2026, 11, 9)))
    expected = registry.metrics["printernizer.features.enabled"].attributes["feature"].ordered_values
    assert [f.name for f in features] == list(expected)
    assert {f.state for f in features} <= {"on", "off"}
    assert {f.state for f in features_used(registry, {})} == {"unknown"}


def test_weeks_shown_fill_gaps_and_stop_at_twelve() -> None:
    """From the first stored week (at most twelve back) to this week, empty weeks included."""
    summary = {"weeks": [{"start": "2025-01-06", "metrics": {"m": {}}}, {"start": "2026-11-02", "metrics": {}}]}
    weeks = shown_weeks(summary, DAY)
    assert len(weeks) == WEEKS_SHOWN and weeks[-1][0] == week_start(DAY)
    recent = shown_weeks({"weeks": [{"start": "2026-11-02", "metrics": {}}]}, DAY)
    assert [monday.isoformat() for monday, _ in recent] == ["2026-11-02", "2026-11-09", "2026-11-16"]


def test_charts_from_a_simulated_installation(client: StatsClient, registry: Registry) -> None:
    """Weekly jobs match the stored weeks; this week has its two days; long lists are cut to the top bars."""
    summary = client.local_summary()
    drawn = {chart.ident: chart for chart in charts(summary, DAY)}
    weeks = drawn["jobs-by-week"].rows
    assert len(weeks) == 4 and weeks[-1][0] == "now"
    stored = week_metrics(summary, date(2026, 10, 26))["printernizer.jobs.events"]
    assert weeks[0][1] == tuple(stored.get(f"event={e}", 0.0) for e in JOB_SERIES)
    days = drawn["jobs-this-week"].rows
    assert [name for name, _ in days] == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    assert sum(sum(values) for _, values in days[2:]) == 0
    assert len(drawn["requests-by-route"].rows) <= TOP_BARS
    assert all(0 <= values[0] <= 7 for _, values in drawn["uptime-by-week"].rows)
