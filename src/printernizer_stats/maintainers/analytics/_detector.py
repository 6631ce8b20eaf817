"""The pieces of anomaly detection: kinds, thresholds, robust scores and runs of flagged weeks. Pure.

See ``_anomaly.py`` for the method and the series it is applied to.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from scipy.stats import median_abs_deviation

from printernizer_stats.maintainers.analytics._model import Figure


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
    min_change: relative change a rate or share must also show (0.25: a quarter above the baseline).
    min_installations_change: the same for active installations (0.1: a tenth fewer, or more, is already
        news for a count that moves by a percent or two a week).
    """

    baseline_weeks: int = 8
    min_baseline_weeks: int = 4
    threshold: float = 4.0
    min_change: float = 0.25
    min_installations_change: float = 0.1


@dataclass(frozen=True, slots=True)
class Anomaly:
    """A run of flagged weeks in one series. ``value``/``baseline``/``installations`` are those of the first
    week; ``score`` is the largest |z| of the run (for a new error type: its installations against k - 1)."""

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
class Flag:
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

Point = tuple[date, float, float, int]
"""(week, value, sampling error, installations) of one published row."""

def trailing(points: Sequence[Point], week: date, config: DetectorConfig) -> list[float]:
    start = week - timedelta(weeks=config.baseline_weeks)
    return [value for when, value, _, _ in points if start <= when < week]


def flag_week(point: Point, baseline: Sequence[float], config: DetectorConfig, direction: int,
          min_change: float | None = None) -> Flag | None:
    week, value, noise, installations = point
    if len(baseline) < config.min_baseline_weeks:
        return None
    median, spread = robust_baseline(baseline)
    z = robust_z(value, median, spread, noise)
    change = config.min_change if min_change is None else min_change
    large = value >= median * (1 + change) if direction > 0 else value <= median * (1 - change)
    if direction * z >= config.threshold and large:
        return Flag(week, value, median, abs(z), installations)
    return None


def series_runs(kind: AnomalyKind, figure: Figure, group: tuple[str, ...], points: Sequence[Point],
                 config: DetectorConfig, direction: int,
                 baseline: Callable[[Point], Sequence[float]] | None = None,
                 min_change: float | None = None) -> list[Anomaly]:
    flags = []
    for point in points:
        history = baseline(point) if baseline else trailing(points, point[0], config)
        flagged = flag_week(point, history, config, direction, min_change)
        if flagged:
            flags.append(flagged)
    return runs(kind, figure.spec.name, group, flags)


def runs(kind: AnomalyKind, figure: str, group: tuple[str, ...], flags: Sequence[Flag]) -> list[Anomaly]:
    """Consecutive flagged weeks as one anomaly each."""
    found: list[Anomaly] = []
    run: list[Flag] = []
    for flag in sorted(flags, key=lambda item: item.week):
        if run and flag.week - run[-1].week > timedelta(weeks=1):
            found.append(_anomaly(kind, figure, group, run))
            run = []
        run.append(flag)
    if run:
        found.append(_anomaly(kind, figure, group, run))
    return found


def _anomaly(kind: AnomalyKind, figure: str, group: tuple[str, ...], run: Sequence[Flag]) -> Anomaly:
    first = run[0]
    return Anomaly(kind, figure, group, first.week, run[-1].week, first.value, first.baseline,
                   max(flag.score for flag in run), first.installations)
