"""The value axis both pages' charts share: a readable maximum, its ticks, and the grid lines and tick labels.

Two tick rules on one ladder function. Counts (jobs, days, requests) step in whole 1, 2 or 5 x 10^n, about
four steps up to a whole number of steps at or above the data (a fixed maximum, like 7 days, is kept and
ticked). Shares and rates get a round maximum (1, 2, 2.5 or 5 x 10^n) divided into four or five equal steps.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from printernizer_stats.pages._svg import Rule, Text

WHOLE_STEPS = (1.0, 2.0, 5.0)
ROUND_MAXIMA = (1.0, 2.0, 2.5, 5.0)


def nice(value: float, ladder: tuple[float, ...]) -> float:
    """The smallest ``step x 10^n`` of the ladder that is at least ``value`` (1.0 for nothing to show)."""
    if value <= 0:
        return 1.0
    magnitude = 10.0 ** math.floor(math.log10(value))
    return float(next(step * magnitude for step in (*ladder, 10.0) if step * magnitude >= value))


@dataclass(frozen=True, slots=True)
class Axis:
    top: float
    ticks: tuple[float, ...]


def count_axis(total_max: float, fixed_max: float | None = None, step: float | None = None) -> Axis:
    """Whole ticks for counts: about four steps of a nice size (a fixed maximum and step are kept)."""
    step = step or nice(max((fixed_max or total_max) / 4, 1.0), WHOLE_STEPS)
    top = fixed_max if fixed_max is not None else max(step, math.ceil(total_max / step) * step)
    ticks = [step * n for n in range(int(top // step) + 1)]
    if ticks[-1] < top:
        ticks.append(top)
    return Axis(top, tuple(ticks))


def scale_axis(maximum: float, cap: float | None = None) -> Axis:
    """A round maximum at or above ``maximum`` (at most ``cap``), in four steps, or five for 2.5 and 5."""
    top = nice(maximum, ROUND_MAXIMA)
    if cap is not None:
        top = min(top, cap)
    divisions = 5 if round(top / 10 ** math.floor(math.log10(top)), 1) in (2.5, 5.0) else 4
    return Axis(top, tuple(top * step / divisions for step in range(divisions + 1)))


def value_axis(axis: Axis, left: float, right: float, y: Callable[[float], float],
               label: Callable[[float], str]) -> tuple[list[Rule], list[Text]]:
    """A grid line from ``left`` to ``right`` at each tick (at height ``y(tick)``), its label left of the plot."""
    rules = [Rule(left, y(tick), right, y(tick)) for tick in axis.ticks]
    texts = [Text(left - 6, y(tick) + 4, label(tick), "axis", "end") for tick in axis.ticks]
    return rules, texts
