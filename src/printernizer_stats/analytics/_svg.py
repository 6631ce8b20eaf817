"""Server-rendered SVG charts for the dashboard: no JavaScript, no CDN, every label escaped.

Line charts (weekly series, gaps where a week was not published, an optional interval band, flagged weeks
ringed in red) and horizontal bar charts (a share with its interval whisker and sample size). Tooltips are
SVG ``<title>`` elements, which browsers show natively. Each chart is one image to assistive technology,
named by its visible title and a one-line summary (:class:`Naming`). Colours are classes (``c0`` … ``c8``,
``c-other``, ``alert``) the stylesheet gives a value in each colour scheme.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from markupsafe import Markup, escape

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


def nice_max(value: float) -> float:
    """A round axis maximum at or above ``value`` (1, 2, 2.5 or 5 times a power of ten)."""
    if value <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    return float(next(step * power for step in (1, 2, 2.5, 5, 10) if step * power >= value))


@dataclass(frozen=True, slots=True)
class Naming:
    """How assistive technology names a chart: ``{ident}-title`` (the visible title, in the page) followed by the
    one-line ``summary`` (the SVG's ``<desc>``); ``{ident}-data`` is the data table beside it (``aria-details``)."""

    ident: str
    summary: str


def _open(classes: str, width: int, height: int, naming: Naming) -> str:
    ident = escape(naming.ident)
    return (f'<svg class="{classes}" viewBox="0 0 {width} {height}" role="img" focusable="false" '
            f'aria-labelledby="{ident}-title {ident}-summary" aria-details="{ident}-data" '
            f'xmlns="http://www.w3.org/2000/svg"><desc id="{ident}-summary">{escape(naming.summary)}</desc>')


def _svg(parts: list[str]) -> Markup:
    # Every text interpolated above went through escape(); the rest are numbers and fixed markup.
    return Markup("".join(parts))  # noqa: S704


def number(value: float, percent: bool) -> str:
    """A figure as the charts print it: ``41 %`` (``0.4 %`` under 10 %), ``1,234``, ``7.5``."""
    if percent:
        return f"{value * 100:.0f} %" if value >= 0.1 or value == 0 else f"{value * 100:.1f} %"
    return f"{value:,.0f}" if abs(value) >= 10 or value == 0 else f"{value:.1f}"


def _colour(index: int, label: str) -> str:
    return "c-other" if label == "other" else f"c{index % PALETTE_SIZE}"


def line_chart(lines: Sequence[Line], weeks: Sequence[date], naming: Naming, *, percent: bool = False,
               unit: str = "", width: int = 640, height: int = 250) -> Markup:
    """Weekly series over ``weeks`` (one polyline per run of published weeks)."""
    left, right, top, bottom = 52, 128 if width < 1000 else 190, 14, 30
    label_chars = 16 if width < 1000 else 26
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for line in lines for p in line.points for v in (p.value, p.high) if v is not None]
    y_max = nice_max(max(values, default=0) * 1.05)
    if percent:
        y_max = min(y_max, 1.0)
    index = {week: i for i, week in enumerate(weeks)}

    def x(week: date) -> float:
        return left + (index[week] / max(1, len(weeks) - 1)) * plot_w

    def y(value: float) -> float:
        return top + plot_h - (value / y_max) * plot_h

    out = [_open("chart", width, height, naming)]
    divisions = 5 if round(y_max / 10 ** math.floor(math.log10(y_max)), 1) in (2.5, 5.0) else 4
    for step in range(divisions + 1):
        value = y_max * step / divisions
        out.append(f'<line class="grid" x1="{left}" x2="{left + plot_w}" y1="{y(value):.1f}" y2="{y(value):.1f}"/>'
                   f'<text class="axis" x="{left - 6}" y="{y(value) + 4:.1f}" text-anchor="end">'
                   f'{escape(number(value, percent))}</text>')
    every = max(1, math.ceil(len(weeks) / (plot_w / 80)))
    for i, week in enumerate(weeks):
        if i % every == 0 or (i == len(weeks) - 1 and i % every >= every / 2):
            out.append(f'<text class="axis" x="{x(week):.1f}" y="{height - 10}" text-anchor="middle">'
                       f'{week:%b %d}</text>')
    for position, line in enumerate(lines):
        colour = _colour(position, line.label)
        points = [p for p in line.points if p.week in index]
        if line.band:
            banded = [p for p in points if p.low is not None and p.high is not None]
            if len(banded) > 1:
                edge = [f"{x(p.week):.1f},{y(p.high or 0):.1f}" for p in banded]
                edge += [f"{x(p.week):.1f},{y(p.low or 0):.1f}" for p in reversed(banded)]
                out.append(f'<polygon class="band {colour}" points="{" ".join(edge)}"/>')
        for run in _runs(points, index):
            coords = " ".join(f"{x(p.week):.1f},{y(p.value):.1f}" for p in run)
            out.append(f'<polyline class="series {colour}" points="{coords}"/>')
        for p in points:
            tip = f"{line.label}, week of {p.week}: {number(p.value, percent)}{unit}"
            tip += f" (n = {p.n})" if p.n else ""
            if p.low is not None and p.high is not None:
                tip += f", interval {number(p.low, percent)}–{number(p.high, percent)}"
            cls, r = ("flag", 5.5) if p.flagged else ("dot", 2.2)
            out.append(f'<circle class="{cls} {colour}" cx="{x(p.week):.1f}" cy="{y(p.value):.1f}" r="{r}">'
                       f'<title>{escape(tip)}</title></circle>')
        legend_y = top + 10 + position * 16
        if position < 12:
            out.append(f'<rect class="key {colour}" x="{left + plot_w + 12}" y="{legend_y - 8}" width="10" '
                       f'height="10"/><text class="legend" x="{left + plot_w + 26}" y="{legend_y + 1}">'
                       f"{escape(line.label[:label_chars])}</text>")
    out.append("</svg>")
    return _svg(out)


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
    value_w = 150
    plot_w = width - label_width - value_w
    x_max = 1.0 if percent else nice_max(max((b.high or b.value for b in bars), default=0))
    x_max = max(x_max, max((b.high or b.value for b in bars), default=0))

    def x(value: float) -> float:
        return label_width + (value / x_max if x_max else 0) * plot_w

    out = [_open("chart bars", width, height, naming)]
    for i, bar in enumerate(bars):
        mid = top + i * row_h + row_h / 2
        colour = "alert" if bar.flagged else _colour(0, bar.label)
        text = number(bar.value, percent) + (f" · n = {bar.n:,}" if bar.n is not None else "") + bar.note
        tip = f"{bar.label}: {text}"
        if bar.low is not None and bar.high is not None:
            tip += f", interval {number(bar.low, percent)}–{number(bar.high, percent)}"
        bar_w = max(0.0, x(bar.value) - label_width)
        out.append(f'<text class="label" x="{label_width - 8}" y="{mid + 4:.1f}" text-anchor="end">'
                   f"{escape(bar.label[:24])}</text>"
                   f'<rect class="bar {colour}" x="{label_width}" y="{mid - 7:.1f}" width="{bar_w:.1f}" height="14">'
                   f'<title>{escape(tip)}</title></rect>')
        if bar.low is not None and bar.high is not None:
            low, high = x(bar.low), x(bar.high)
            out.append(f'<path class="whisker" d="M{low:.1f},{mid:.1f}H{high:.1f}M{low:.1f},{mid - 4:.1f}'
                       f'V{mid + 4:.1f}M{high:.1f},{mid - 4:.1f}V{mid + 4:.1f}"/>')
        out.append(f'<text class="value" x="{label_width + plot_w + 8}" y="{mid + 4:.1f}">{escape(text)}</text>')
    out.append("</svg>")
    return _svg(out)
