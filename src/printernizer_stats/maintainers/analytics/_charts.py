"""The dashboard's charts: line charts of weekly series and horizontal bar charts of shares.

Line charts have gaps where a week was not published, an optional interval band, and flagged weeks ringed
in red; bars show a share with its interval whisker and sample size. Shapes, the value axis and the SVG
writer (every label escaped, each chart one image named by its title and a one-line summary) come from
:mod:`printernizer_stats.pages`. Colours are classes (``c0`` … ``c8``, ``c-other``, ``alert``) the
stylesheet gives a value in each colour scheme.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from markupsafe import Markup

from printernizer_stats.pages import (
    ROUND_MAXIMA,
    Circle,
    Naming,
    Path,
    Polygon,
    Polyline,
    Rect,
    Shape,
    Text,
    nice,
    num,
    scale_axis,
    svg,
    value_axis,
)

PALETTE_SIZE = 9
"""Series colours ``c0`` … ``c8`` in ``dashboard.css``; an ``other`` group is ``c-other``, a flagged bar ``alert``."""


@dataclass(frozen=True, slots=True)
class Point:
    week: date
    value: float
    low: float | None = None
    high: float | None = None
    n: int | None = None
    flagged: bool = False


@dataclass(frozen=True, slots=True)
class Line:
    label: str
    points: Sequence[Point]
    band: bool = False


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: float
    low: float | None = None
    high: float | None = None
    n: int | None = None
    note: str = ""
    flagged: bool = False
    extra: dict[str, str] = field(default_factory=dict)


def number(value: float, percent: bool) -> str:
    """A figure as the charts print it: ``41 %`` (``0.4 %`` under 10 %), ``1,234``, ``7.5``."""
    if percent:
        return f"{value * 100:.0f} %" if value >= 0.1 or value == 0 else f"{value * 100:.1f} %"
    return f"{value:,.0f}" if abs(value) >= 10 or value == 0 else f"{value:.1f}"


def _colour(index: int, label: str) -> str:
    return "c-other" if label == "other" else f"c{index % PALETTE_SIZE}"




@dataclass(frozen=True, slots=True)
class _Plot:
    """Where a line chart draws: the plot area inside its margins, and the week and value scales."""

    left: float
    top: float
    width: float
    height: float
    weeks: dict[date, int]
    y_max: float

    def x(self, week: date) -> float:
        return round(self.left + (self.weeks[week] / max(1, len(self.weeks) - 1)) * self.width, 1)

    def y(self, value: float) -> float:
        return round(self.top + self.height - (value / self.y_max) * self.height, 1)


def line_chart(lines: Sequence[Line], weeks: Sequence[date], naming: Naming, *, percent: bool = False,
               unit: str = "", width: int = 640, height: int = 250) -> Markup:
    """Weekly series over ``weeks`` (one polyline per run of published weeks)."""
    left, right, top, bottom = 52, 128 if width < 1000 else 190, 14, 30
    values = [v for line in lines for p in line.points for v in (p.value, p.high) if v is not None]
    axis = scale_axis(max(values, default=0) * 1.05, cap=1.0 if percent else None)
    plot = _Plot(left, top, width - left - right, height - top - bottom, {w: i for i, w in enumerate(weeks)},
                 axis.top)
    rules, ticks = value_axis(axis, left, left + plot.width, plot.y, lambda value: number(value, percent))
    shapes: list[Shape] = [*rules, *ticks]
    every = max(1, math.ceil(len(weeks) / (plot.width / 80)))
    shapes += [Text(plot.x(week), height - 10, f"{week:%b %d}", "axis", "middle") for i, week in enumerate(weeks)
               if i % every == 0 or (i == len(weeks) - 1 and i % every >= every / 2)]
    label_chars = 16 if width < 1000 else 26
    for position, line in enumerate(lines):
        colour = _colour(position, line.label)
        shapes += _series(line, colour, plot, percent, unit)
        if position < 12:
            legend_y = top + 10 + position * 16
            shapes += [Rect(left + plot.width + 12, legend_y - 8, 10, 10, f"key {colour}"),
                       Text(left + plot.width + 26, legend_y + 1, line.label[:label_chars], "legend")]
    return svg(shapes, width, height, naming)


def _series(line: Line, colour: str, plot: _Plot, percent: bool, unit: str) -> list[Shape]:
    """One line's band (if it has one), its polylines and its points with their tooltips."""
    points = [p for p in line.points if p.week in plot.weeks]
    shapes: list[Shape] = []
    banded = [p for p in points if p.low is not None and p.high is not None] if line.band else []
    if len(banded) > 1:
        edge = [(plot.x(p.week), plot.y(p.high or 0)) for p in banded]
        edge += [(plot.x(p.week), plot.y(p.low or 0)) for p in reversed(banded)]
        shapes.append(Polygon(edge, f"band {colour}"))
    shapes += [Polyline([(plot.x(p.week), plot.y(p.value)) for p in run], f"series {colour}")
               for run in _runs(points, plot.weeks)]
    for p in points:
        tip = f"{line.label}, week of {p.week}: {number(p.value, percent)}{unit}"
        tip += f" (n = {p.n})" if p.n else ""
        if p.low is not None and p.high is not None:
            tip += f", interval {number(p.low, percent)}–{number(p.high, percent)}"
        cls, r = ("flag", 5.5) if p.flagged else ("dot", 2.2)
        shapes.append(Circle(plot.x(p.week), plot.y(p.value), r, f"{cls} {colour}", tip))
    return shapes


def _runs(points: Sequence[Point], index: dict[date, int]) -> list[list[Point]]:
    runs: list[list[Point]] = []
    for p in sorted(points, key=lambda p: p.week):
        if runs and index[p.week] - index[runs[-1][-1].week] == 1:
            runs[-1].append(p)
        else:
            runs.append([p])
    return runs


def bar_chart(bars: Sequence[Bar], naming: Naming, *, percent: bool = True, width: int = 640,
              label_width: int = 150) -> Markup:
    """Horizontal bars with interval whiskers; the value and sample size printed at the end."""
    row_h, top = 22, 6
    height = top * 2 + row_h * max(1, len(bars))
    plot_w = width - label_width - 150
    largest = max((b.high or b.value for b in bars), default=0)
    x_max = max(1.0 if percent else nice(largest, ROUND_MAXIMA), largest)

    def x(value: float) -> float:
        return round(label_width + (value / x_max if x_max else 0) * plot_w, 1)

    shapes: list[Shape] = []
    for i, bar in enumerate(bars):
        mid = top + i * row_h + row_h / 2
        colour = "alert" if bar.flagged else _colour(0, bar.label)
        text = number(bar.value, percent) + (f" · n = {bar.n:,}" if bar.n is not None else "") + bar.note
        tip = f"{bar.label}: {text}"
        if bar.low is not None and bar.high is not None:
            tip += f", interval {number(bar.low, percent)}–{number(bar.high, percent)}"
        shapes += [Text(label_width - 8, mid + 4, bar.label[:24], "label", "end"),
                   Rect(label_width, mid - 7, max(0.0, x(bar.value) - label_width), 14, f"bar {colour}", tip)]
        if bar.low is not None and bar.high is not None:
            low, high, m = num(x(bar.low)), num(x(bar.high)), num(mid)
            shapes.append(Path(f"M{low},{m}H{high}M{low},{num(mid - 4)}V{num(mid + 4)}"
                               f"M{high},{num(mid - 4)}V{num(mid + 4)}", "whisker"))
        shapes.append(Text(label_width + plot_w + 8, mid + 4, text, "value"))
    return svg(shapes, width, height, naming, cls="chart bars")
