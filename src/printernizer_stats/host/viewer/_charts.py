"""The privacy page's charts, computed from the local summary's JSON: stacked columns and horizontal bars.

Pure functions, no I/O: shapes and the one SVG writer come from :mod:`printernizer_stats.pages` (the axis
too), so the charts need no JavaScript, no build step and no library. Every chart also carries its numbers
as rows, for the table beside it (screen readers and people who prefer figures), and a one-line summary of
them: with the title, the chart's accessible name (the SVG is one image to assistive technology, its bars
are not read out one by one).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

from printernizer_stats.host.viewer._i18n import number, translate
from printernizer_stats.pages import MORE, Naming, Rect, Rule, Text, count_axis, first_few, svg, value_axis

WIDTH = 560
COLUMN_HEIGHT = 200
PLOT_LEFT = 40
PLOT_TOP = 12
PLOT_BOTTOM = 28
ROW_HEIGHT = 36


LARGEST = "{count}, largest first: {shown}{more}"
COLUMNS = "{count}, {first} to {last}; {last}: {values}; most: {top}, {top_values}"
"""The summaries' sentences, translated (``translations/de.yaml``) and filled in with ``str.format``."""


def count_messages(category: str) -> tuple[str, str, str]:
    """How a summary counts its rows: none, one, ``{n}`` (each translated as a whole, German nouns differ)."""
    return f"no {category}s", f"1 {category}", f"{{n}} {category}s"


@dataclass(frozen=True, slots=True)
class Chart:
    """One chart: what to draw, plus the same numbers as table rows."""

    ident: str
    title: str
    category: str
    """What a column or bar stands for (``week``, ``error type``): the table's first header, the summary's noun."""
    series: tuple[str, ...]
    height: float
    rects: tuple[Rect, ...]
    """Classes ``bar s<n>``: ``n`` indexes the chart's series (its colour and legend entry)."""
    labels: tuple[Text, ...]
    """Classes ``axis`` (tick and category labels), ``value`` (figures), ``name`` (row names)."""
    grid: tuple[Rule, ...]
    rows: tuple[tuple[str, tuple[float, ...]], ...]
    empty: bool
    width: float = WIDTH
    kind: str = "columns"
    """``columns`` (categories in their own order, e.g. weeks) or ``bars`` (largest first)."""

    def svg(self, language: str = "en") -> Markup:
        """The chart as SVG, its summary in ``language``: grid first, then the bars, then the labels on top."""
        return svg((*self.grid, *self.rects, *self.labels), self.width, self.height,
                   Naming(self.ident, self.describe(language)), cls="svg-chart")

    @property
    def summary(self) -> str:
        """The English :meth:`describe`."""
        return self.describe()

    def describe(self, language: str = "en") -> str:
        """What the chart shows in one line in ``language``, e.g. ``12 weeks, W36 to now; now: completed 3,
        failed 1, cancelled 0; most: W44, 52`` or ``3 error types, largest first: printer_connection 5, network 2``."""
        def t(message: str) -> str:
            return translate(language, message)

        def num(value: float) -> str:
            return number(language, figure(value))

        none, one, many = count_messages(self.category)
        if not self.rows:
            return t(none)
        count = t(one if len(self.rows) == 1 else many).format(n=len(self.rows))
        if self.kind == "bars":
            shown, more = first_few([f"{name} {num(values[0])}" for name, values in self.rows], t(MORE))
            return t(LARGEST).format(count=count, shown=shown, more=more)
        last, last_values = self.rows[-1]
        top, top_values = max(reversed(self.rows), key=lambda row: sum(row[1]))
        series = [t(name) for name in self.series]

        def values(figures: Sequence[float]) -> str:
            if len(series) == 1:
                return f"{num(figures[0])} {series[0]}"
            return ", ".join(f"{name} {num(value)}" for name, value in zip(series, figures, strict=True))

        return t(COLUMNS).format(
            count=count, first=self.rows[0][0], last=last, values=values(last_values), top=top,
            top_values=values(top_values) if len(series) == 1 else num(sum(top_values)))


def figure(value: float) -> str:
    """A number as people read it: whole numbers without decimals, others with up to two."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def column_chart(
    ident: str, title: str, category: str, series: Sequence[str],
    columns: Sequence[tuple[str, Sequence[float]]], fixed_max: float | None = None, step: float | None = None,
) -> Chart:
    """Stacked columns, one per category (weeks, days), one segment per series, with a y axis."""
    rows = tuple((name, tuple(float(v) for v in values)) for name, values in columns)
    total_max = max((sum(values) for _, values in rows), default=0.0)
    axis = count_axis(total_max, fixed_max, step)
    top = axis.top
    plot_width = WIDTH - PLOT_LEFT - 8
    plot_height = COLUMN_HEIGHT - PLOT_TOP - PLOT_BOTTOM
    base = PLOT_TOP + plot_height
    grid, labels = value_axis(axis, PLOT_LEFT, WIDTH - 8, lambda value: round(base - plot_height * value / top, 2),
                              figure)
    slot = plot_width / max(len(rows), 1)
    bar_width = min(slot * 0.62, 48)
    rects = []
    for index, (name, values) in enumerate(rows):
        x = PLOT_LEFT + slot * index + (slot - bar_width) / 2
        y = float(base)
        for position, value in enumerate(values):
            height = plot_height * value / top if top else 0
            if height > 0:
                y -= height
                rects.append(Rect(round(x, 2), round(y, 2), round(bar_width, 2), round(height, 2),
                                  f"bar s{position}", f"{name} {series[position]}: {figure(value)}", rx=2))
        labels.append(Text(round(x + bar_width / 2, 2), base + 18, name, "axis", "middle"))
    return Chart(ident, title, category, tuple(series), COLUMN_HEIGHT, tuple(rects), tuple(labels), tuple(grid),
                 rows, empty=total_max <= 0)


def bar_chart(
    ident: str, title: str, category: str, series_name: str, bars: Sequence[tuple[str, float]],
) -> Chart:
    """Horizontal bars, largest first, the name above each bar and the figure at its end."""
    rows = tuple((name, (float(value),)) for name, value in bars)
    top = max((values[0] for _, values in rows), default=0.0)
    value_room = 64
    rects = []
    labels = []
    for index, (name, (value,)) in enumerate(rows):
        y = index * ROW_HEIGHT
        width = (WIDTH - value_room) * value / top if top else 0
        labels.append(Text(0, y + 12, name, "name"))
        rects.append(Rect(0, y + 17, round(max(width, 2.0), 2), 12, "bar s0", f"{name}: {figure(value)}", rx=2))
        labels.append(Text(round(max(width, 2.0) + 6, 2), y + 27.5, figure(value), "value"))
    height = max(len(rows), 1) * ROW_HEIGHT
    return Chart(ident, title, category, (series_name,), height, tuple(rects), tuple(labels), (), rows,
                 empty=top <= 0, kind="bars")
