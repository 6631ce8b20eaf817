"""Anomaly detection: robust scores on hand-made series, then precision and recall on seeded populations."""

from __future__ import annotations

import math
import random
from datetime import date, timedelta
from pathlib import Path

import pytest

from printernizer_stats.maintainers.analytics import FIGURES_BY_NAME, AnomalyKind, Cell, Figure, detect, publish
from printernizer_stats.maintainers.analytics._detector import robust_baseline, robust_z
from tests.maintainers.analytics.planted import Score, planted_population, run, score
from tests.maintainers.analytics.population import Population

MONDAY = date(2026, 1, 5)
WEEKS = [MONDAY + timedelta(weeks=i) for i in range(20)]


def active(installations: list[int], errors_per_job: list[float] | None = None, seed: int = 1) -> Figure:
    """An ACTIVE figure: n installations a week, 20 jobs each, errors at the given rate (with spread)."""
    rng = random.Random(seed)
    cells = []
    for week, n, rate in zip(WEEKS, installations, errors_per_job or [0.05] * len(installations), strict=False):
        jobs = [20.0] * n
        errors = [float(rng.choice((0, 1, 1, 2))) * rate / 0.05 for _ in range(n)]
        cells.append(Cell(week, (), n, {
            "jobs": sum(jobs), "errors": sum(errors), "printers": n, "errors_sq": sum(e * e for e in errors),
            "jobs_sq": sum(j * j for j in jobs), "errors_jobs": sum(e * j for e, j in zip(errors, jobs, strict=True))}))
    return publish(FIGURES_BY_NAME["active_installations"], cells, 5)


def test_robust_baseline_ignores_one_outlier() -> None:
    """Median and normal-scaled MAD of a baseline with one wild week stay those of the other weeks."""
    median, spread = robust_baseline([100, 102, 98, 101, 99, 5000, 100, 100])
    assert median == 100
    assert spread == pytest.approx(1.4826, rel=0.01)


def test_flat_history_needs_sampling_noise_to_score() -> None:
    """With a flat baseline (MAD 0) the score is the change over the week's own sampling error."""
    assert robust_z(110, 100, 0.0, 5.0) == pytest.approx(2.0)
    assert robust_z(100, 100, 0.0, 0.0) == 0.0
    assert math.isinf(robust_z(101, 100, 0.0, 0.0))


def test_drop_in_active_installations_is_flagged_once() -> None:
    """A lasting 30 % drop is one anomaly starting the week it happened; the weeks before raise nothing."""
    series = [400 + (i % 3) for i in range(10)] + [280 + (i % 3) for i in range(10)]
    found = detect({"active_installations": active(series)})
    drops = [a for a in found if a.kind is AnomalyKind.INSTALLATIONS_DROP]
    assert len(drops) == 1 and drops[0].first_week == WEEKS[10]
    assert drops[0].value == pytest.approx(280, abs=2) and drops[0].baseline == pytest.approx(401, abs=1)
    assert not [a for a in found if a.kind is not AnomalyKind.INSTALLATIONS_DROP]


def test_small_wobble_and_growth_raise_nothing() -> None:
    """Two percent weekly growth with noise is no anomaly."""
    rng = random.Random(3)
    series = [int(300 * 1.02**i + rng.gauss(0, 4)) for i in range(20)]
    assert detect({"active_installations": active(series)}) == []


def test_error_rate_spike_across_the_fleet() -> None:
    """Errors per 1,000 jobs tripling in one week is flagged as a fleet-wide spike."""
    rates = [0.05] * 14 + [0.15] + [0.05] * 5
    found = detect({"active_installations": active([300] * 20, rates)})
    assert [(a.kind, a.first_week) for a in found] == [(AnomalyKind.ERROR_RATE_SPIKE, WEEKS[14])]


def test_no_verdict_without_enough_history() -> None:
    """The first weeks of a window (fewer than 4 weeks of baseline) are never flagged."""
    found = detect({"active_installations": active([300, 300, 100] + [300] * 17)})
    assert found == []


def test_new_version_is_judged_against_the_fleet_before_its_release() -> None:
    """A release whose installations report three times the fleet's errors is flagged from its first week."""
    versions = []
    for i, week in enumerate(WEEKS):
        new = 0 if i < 12 else 100
        for version, n, errors_per_install in (("2.42.0", 300 - new, 1.0), ("2.43.0", new, 3.0)):
            if n:
                jobs, errors = 20.0 * n, errors_per_install * n
                versions.append(Cell(week, (version,), n, {
                    "jobs": jobs, "errors": errors, "errors_sq": errors_per_install**2 * n * 1.3,
                    "jobs_sq": 400.0 * n, "errors_jobs": errors_per_install * 20 * n}))
    figures = {"active_installations": active([300] * 20),
               "errors_by_version": publish(FIGURES_BY_NAME["errors_by_version"], versions, 5)}
    flagged = [a for a in detect(figures) if a.kind is AnomalyKind.VERSION_ERROR_RATE]
    assert [(a.group, a.first_week) for a in flagged] == [(("2.43.0",), WEEKS[12])]
    assert flagged[0].value == pytest.approx(150) and flagged[0].installations == 100


def test_stable_populations_raise_no_alarm(migrated_sqlite: Path) -> None:
    """Populations of 150, 400 and 1,500 installations with the usual releases, churn and noise: nothing."""
    for seed, size in ((201, 150), (202, 400), (203, 1500)):
        found = run(Population(installations=size, seed=seed), migrated_sqlite)
        assert found == [], (seed, size, found)


def test_precision_and_recall_on_twenty_seeded_populations(migrated_sqlite: Path) -> None:
    """Planted anomalies (bad releases, drops in installations, new error types, surges of one type) in 20
    seeded populations of 300 installations over 26 weeks: every one is found near its week, and every
    detection is a planted anomaly or its expected consequence."""
    total = Score()
    stable_alarms = 0
    for seed in range(20):
        pop, planted = planted_population(seed)
        found = run(pop, migrated_sqlite)
        result = score(planted, found)
        total.add(result)
        stable_alarms += 0 if planted else len(found)
    print(f"\nplanted {total.planted}, found {total.found} (recall {total.recall:.2f}); detections "
          f"{total.detections}: {total.direct} the planted anomaly, {total.explained - total.direct} its "
          f"consequence, {total.detections - total.explained} unexplained (precision {total.precision:.2f})")
    assert total.planted >= 25
    assert total.recall >= 0.95, total.missed
    assert total.precision >= 0.95, total.unexplained
    assert stable_alarms == 0
