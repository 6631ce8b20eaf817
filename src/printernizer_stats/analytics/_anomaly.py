"""Anomalies in weekly series, found on published (k-anonymous) figures only. Pure.

Method: a robust z-score against a trailing baseline. For week t the baseline is the series' previous
``baseline_weeks`` weeks; ``z = (x_t - median) / hypot(1.4826 * MAD, noise_t)``, where the MAD
(``scipy.stats.median_abs_deviation``, normal scale) measures how much the series moves from week to week
and ``noise_t`` the sampling error of this week's value (Poisson for counts, the Wilson or cluster-robust
interval for shares and rates), so a flat baseline (MAD 0) or a small group cannot raise an alarm alone.
A week is flagged when |z| passes ``threshold`` in the direction that matters and the change is also large
(``min_change``, relative); consecutive flagged weeks form one anomaly. Why not seasonal decomposition: a
year of weekly data at most is too short to estimate seasonality, and STL's trend follows a level shift
within a few weeks, the very thing to flag; median/MAD needs no model and ignores a past outlier.

Series: active installations (drop or surge), the fleet's errors per 1,000 jobs, each version's errors
per 1,000 jobs (a new version against the fleet before its release, an established one against its own
history), each error type's share of all errors together with its share of installations (surge), and
error types seen for the first time.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from scipy.stats import median_abs_deviation

from printernizer_stats.analytics import _figures as f
from printernizer_stats.analytics._intervals import proportion_standard_error, rate_standard_error, wilson
from printernizer_stats.analytics._model import OTHER_GROUP, Figure, PublishedRow


class AnomalyKind(enum.Enum):
    INSTALLATIONS_DROP = "installations_drop"
    INSTALLATIONS_SURGE = "installations_surge"
    ERROR_RATE_SPIKE = "error_rate_spike"
    VERSION_ERROR_RATE = "version_error_rate"
    NEW_ERROR_TYPE = "new_error_type"
    ERROR_TYPE_SURGE = "error_type_surge"


@dataclass(frozen=True, slots=True)
class DetectorConfig:
    """Attributes:
    baseline_weeks: trailing weeks the baseline is taken from.
    min_baseline_weeks: fewer weeks of history: no verdict (the start of the window, a new series).
    threshold: robust z-score a week must pass (4 ≈ a one-in-30,000 event for normal noise; weekly usage
        data has heavier tails than that, and a false alarm costs a maintainer's afternoon).
    min_change: relative change a week must also show (0.25: a quarter more, or less, than the baseline).
    """

    baseline_weeks: int = 8
    min_baseline_weeks: int = 4
    threshold: float = 4.0
    min_change: float = 0.25


@dataclass(frozen=True, slots=True)
class Anomaly:
    """A run of flagged weeks in one series. ``value``/``baseline``/``installations`` are those of the first
    week; ``score`` is the largest |z| of the run (infinite for a new error type)."""

    kind: AnomalyKind
    figure: str
    group: tuple[str, ...]
    first_week: date
    last_week: date
    value: float
    baseline: float
    score: float
    installations: int

    def to_json(self) -> dict[str, object]:
        return {"kind": self.kind.value, "figure": self.figure, "group": list(self.group),
                "first_week": self.first_week.isoformat(), "last_week": self.last_week.isoformat(),
                "value": round(self.value, 6), "baseline": round(self.baseline, 6),
                "score": None if math.isinf(self.score) else round(self.score, 2),
                "installations": self.installations}


@dataclass(frozen=True, slots=True)
class _Flag:
    week: date
    value: float
    baseline: float
    score: float
    installations: int


def robust_baseline(values: Sequence[float]) -> tuple[float, float]:
    """(median, MAD scaled to a normal standard deviation)."""
    array = np.asarray(values, dtype=float)
    return float(np.median(array)), float(median_abs_deviation(array, scale="normal"))


def robust_z(value: float, median: float, spread: float, noise: float) -> float:
    scale = math.hypot(spread, noise)
    if scale == 0:
        return 0.0 if value == median else math.copysign(math.inf, value - median)
    return (value - median) / scale


def detect(figures: Mapping[str, Figure], config: DetectorConfig = DetectorConfig()) -> list[Anomaly]:
    """Every anomaly in ``figures`` (published figures; missing ones are skipped), newest first."""
    found: list[Anomaly] = []
    active = figures.get(f.ACTIVE.name)
    if active is not None:
        found += _installations(active, config)
        found += _series_runs(AnomalyKind.ERROR_RATE_SPIKE, active, (), _rate_points(active.series(())), config, +1)
        versions = figures.get(f.ERRORS_BY_VERSION.name)
        if versions is not None:
            found += _versions(versions, active, config)
    types = figures.get(f.ERROR_TYPES.name)
    if types is not None and active is not None:
        found += _error_types(types, active, config)
    return sorted(found, key=lambda a: (a.first_week, a.score), reverse=True)


Point = tuple[date, float, float, int]
"""(week, value, sampling error, installations) of one published row."""


def _rate_points(rows: Sequence[PublishedRow]) -> list[Point]:
    return [(row.period, row.rate.value, rate_standard_error(row.rate) or 0.0, row.installations)
            for row in rows if row.rate is not None]


def _installations(active: Figure, config: DetectorConfig) -> list[Anomaly]:
    points = [(row.period, float(row.installations), math.sqrt(row.installations), row.installations)
              for row in active.series(())]
    return (_series_runs(AnomalyKind.INSTALLATIONS_DROP, active, (), points, config, -1)
            + _series_runs(AnomalyKind.INSTALLATIONS_SURGE, active, (), points, config, +1))


def _trailing(points: Sequence[Point], week: date, config: DetectorConfig) -> list[float]:
    start = week - timedelta(weeks=config.baseline_weeks)
    return [value for when, value, _, _ in points if start <= when < week]


def _flag(point: Point, baseline: Sequence[float], config: DetectorConfig, direction: int) -> _Flag | None:
    week, value, noise, installations = point
    if len(baseline) < config.min_baseline_weeks:
        return None
    median, spread = robust_baseline(baseline)
    z = robust_z(value, median, spread, noise)
    large = value >= median * (1 + config.min_change) if direction > 0 else value <= median * (1 - config.min_change)
    if direction * z >= config.threshold and large:
        return _Flag(week, value, median, abs(z), installations)
    return None


def _series_runs(kind: AnomalyKind, figure: Figure, group: tuple[str, ...], points: Sequence[Point],
                 config: DetectorConfig, direction: int,
                 baseline: Callable[[Point], Sequence[float]] | None = None) -> list[Anomaly]:
    flags = []
    for point in points:
        history = baseline(point) if baseline else _trailing(points, point[0], config)
        flagged = _flag(point, history, config, direction)
        if flagged:
            flags.append(flagged)
    return runs(kind, figure.spec.name, group, flags)


def runs(kind: AnomalyKind, figure: str, group: tuple[str, ...], flags: Sequence[_Flag]) -> list[Anomaly]:
    """Consecutive flagged weeks as one anomaly each."""
    found: list[Anomaly] = []
    run: list[_Flag] = []
    for flag in sorted(flags, key=lambda item: item.week):
        if run and flag.week - run[-1].week > timedelta(weeks=1):
            found.append(_anomaly(kind, figure, group, run))
            run = []
        run.append(flag)
    if run:
        found.append(_anomaly(kind, figure, group, run))
    return found


def _anomaly(kind: AnomalyKind, figure: str, group: tuple[str, ...], run: Sequence[_Flag]) -> Anomaly:
    first = run[0]
    return Anomaly(kind, figure, group, first.week, run[-1].week, first.value, first.baseline,
                   max(flag.score for flag in run), first.installations)


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
        before_release = _trailing(fleet, released, config)

        def history(point: Point, points: Sequence[Point] = points, before: Sequence[float] = before_release
                    ) -> Sequence[float]:
            own = _trailing(points, point[0], config)
            return own if len(own) >= config.min_baseline_weeks else before

        found += _series_runs(AnomalyKind.VERSION_ERROR_RATE, versions, group, points, config, +1, history)
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
            week, value, _, installations = reach[first_seen]
            found += runs(AnomalyKind.NEW_ERROR_TYPE, types.spec.name, group,
                          [_Flag(week, value, 0.0, math.inf, installations)])
        # Judged against the type's history since it became visible (a new type is not also a surge).
        flags = []
        for index in range(first_seen + 1, len(weeks)):
            if not mix[index][3]:
                continue
            flag = _flag(mix[index], _trailing(mix[first_seen:], weeks[index], config), config, +1)
            reach_before = _trailing(reach[first_seen:], weeks[index], config)
            if flag and reach[index][1] >= robust_baseline(reach_before)[0] * (1 + config.min_change):
                flags.append(_Flag(flag.week, reach[index][1], robust_baseline(reach_before)[0], flag.score,
                                   flag.installations))
        found += runs(AnomalyKind.ERROR_TYPE_SURGE, types.spec.name, group, flags)
    return found
