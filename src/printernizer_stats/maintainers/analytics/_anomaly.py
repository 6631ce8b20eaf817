"""Anomalies in weekly series, found on published (k-anonymous) figures only. Pure.

Method: a robust z-score against a trailing baseline. For week t the baseline is the series' previous
``baseline_weeks`` weeks; ``z = (x_t - median) / hypot(1.4826 * MAD, noise_t)``, where the MAD
(``scipy.stats.median_abs_deviation``, normal scale) measures how much the series moves from week to week
and ``noise_t`` the sampling error of this week's value (binomial reporting noise for installation counts,
the Wilson or cluster-robust interval for shares and rates), so a flat baseline (MAD 0) or a small group
cannot raise an alarm alone.
A week is flagged when |z| passes ``threshold`` in the direction that matters and the change is also large
(``min_change``, relative); consecutive flagged weeks form one anomaly. Why not seasonal decomposition: a
year of weekly data at most is too short to estimate seasonality, and STL's trend follows a level shift
within a few weeks, the very thing to flag; median/MAD needs no model and ignores a past outlier.

Series: active installations (drop or surge), the fleet's errors per 1,000 jobs, each version's errors
per 1,000 jobs (a new version against the fleet before its release, an established one against its own
history), each error type's share of all errors together with its share of installations (surge), and
error types seen for the first time (reported by clearly more than the k - 1 installations that would still
have been hidden the weeks before).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from printernizer_stats.maintainers.analytics import _figures as f
from printernizer_stats.maintainers.analytics._detector import (
    Anomaly,
    AnomalyKind,
    DetectorConfig,
    Flag,
    Point,
    flag_week,
    robust_baseline,
    runs,
    series_runs,
    trailing,
)
from printernizer_stats.maintainers.analytics._intervals import proportion_standard_error, rate_standard_error, wilson
from printernizer_stats.maintainers.analytics._model import OTHER_GROUP, Figure, PublishedRow

__all__ = ["Anomaly", "AnomalyKind", "DetectorConfig", "detect"]


def detect(figures: Mapping[str, Figure], config: DetectorConfig | None = None) -> list[Anomaly]:
    """Every anomaly in ``figures`` (published figures; missing ones are skipped), newest first."""
    config = config or DetectorConfig()
    found: list[Anomaly] = []
    active = figures.get(f.ACTIVE.name)
    if active is not None:
        found += _installations(active, config)
        found += series_runs(AnomalyKind.ERROR_RATE_SPIKE, active, (), _rate_points(active.series(())), config, +1)
        versions = figures.get(f.ERRORS_BY_VERSION.name)
        if versions is not None:
            found += _versions(versions, active, config)
    types = figures.get(f.ERROR_TYPES.name)
    if types is not None and active is not None:
        found += _error_types(types, active, config)
    return sorted(found, key=lambda a: (a.first_week, a.score), reverse=True)

def _rate_points(rows: Sequence[PublishedRow]) -> list[Point]:
    return [(row.period, row.rate.value, rate_standard_error(row.rate) or 0.0, row.installations)
            for row in rows if row.rate is not None]

REPORTING_NOISE = 0.1
"""Week-to-week noise floor of active installations: as if each skipped a week with this probability
(binomial), so a perfectly flat history (MAD 0) cannot turn a handful of installations into an alarm."""


def _installations(active: Figure, config: DetectorConfig) -> list[Anomaly]:
    noise = math.sqrt(REPORTING_NOISE * (1 - REPORTING_NOISE))
    points = [(row.period, float(row.installations), noise * math.sqrt(row.installations), row.installations)
              for row in active.series(())]
    change = config.min_installations_change
    return (series_runs(AnomalyKind.INSTALLATIONS_DROP, active, (), points, config, -1, min_change=change)
            + series_runs(AnomalyKind.INSTALLATIONS_SURGE, active, (), points, config, +1, min_change=change))

def _versions(versions: Figure, active: Figure, config: DetectorConfig) -> list[Anomaly]:
    """A version against its own history once it has enough; before that (a new release) against the
    fleet's rate in the weeks before the version first appeared."""
    fleet = _rate_points(active.series(()))
    found: list[Anomaly] = []
    for group in versions.groups:
        if group == (OTHER_GROUP,):  # a mix of small versions that changes from week to week
            continue
        points = _rate_points(versions.series(group))
        if not points:
            continue
        released = points[0][0]
        before_release = trailing(fleet, released, config)

        def history(point: Point, points: Sequence[Point] = points, before: Sequence[float] = before_release
                    ) -> Sequence[float]:
            own = trailing(points, point[0], config)
            return own if len(own) >= config.min_baseline_weeks else before

        found += series_runs(AnomalyKind.VERSION_ERROR_RATE, versions, group, points, config, +1, history)
    return found


def _error_types(types: Figure, active: Figure, config: DetectorConfig) -> list[Anomaly]:
    """New types (first week with k installations reporting one) and surges.

    A surge must show in two ways: the type's share of all errors (its composition) passes the robust
    test, and the share of installations reporting it rose by ``min_change`` too. A bad release raises
    every type's installations share but not the composition (that is the version's anomaly); one
    installation flooding a type raises the composition but not the installations share."""
    errors = {row.period: row.measures.get("errors", 0.0) for row in active.series(())}
    weeks = sorted(errors)
    found: list[Anomaly] = []
    for group in types.groups:
        by_week = {row.period: row for row in types.series(group)}
        reach: list[Point] = []
        mix: list[Point] = []
        for week in weeks:
            row = by_week.get(week)
            share = row.share if row is not None else None
            n = row.installations if row else 0
            reach.append((week, share.value if share else 0.0, 0.0, n))
            own, total = int(row.measures.get("errors", 0)) if row else 0, int(errors[week])
            part = wilson(min(own, total), total) if total > 0 else None
            mix.append((week, part.value if part else 0.0, proportion_standard_error(part) if part else 0.0, n))
        first_seen = next((index for index, point in enumerate(reach) if point[3]), None)
        if first_seen is None:
            continue
        if first_seen >= config.min_baseline_weeks:
            # Hidden before means fewer than k: new only if far above k - 1 (Poisson), not a rare type
            # that happens to reach k this week.
            week, value, _, installations = reach[first_seen]
            hidden = types.k - 1
            z = (installations - hidden) / math.sqrt(hidden)
            if z >= config.threshold:
                found += runs(AnomalyKind.NEW_ERROR_TYPE, types.spec.name, group,
                              [Flag(week, value, 0.0, z, installations)])
        # Judged against the type's history since it became visible (a new type is not also a surge).
        flags = []
        for index in range(first_seen + 1, len(weeks)):
            if not mix[index][3]:
                continue
            flag = flag_week(mix[index], trailing(mix[first_seen:], weeks[index], config), config, +1)
            reach_before = trailing(reach[first_seen:], weeks[index], config)
            if flag and reach[index][1] >= robust_baseline(reach_before)[0] * (1 + config.min_change):
                flags.append(Flag(flag.week, reach[index][1], robust_baseline(reach_before)[0], flag.score,
                                   flag.installations))
        found += runs(AnomalyKind.ERROR_TYPE_SURGE, types.spec.name, group, flags)
    return found
