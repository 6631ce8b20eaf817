"""What each dashboard chart shows, in words and as a table, from the same lines and bars the SVG is drawn from.

The SVG is one image to assistive technology (its points and tooltips are not read out), so every chart gets
a one-line summary for its accessible name (``26 weeks; last, week of 2026-06-29: 319``) and a data table
beside it with every figure it draws. Pure functions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from printernizer_stats.maintainers.analytics._charts import Bar, Line, Point, number
from printernizer_stats.pages import first_few

NOT_PUBLISHED = "–"


@dataclass(frozen=True, slots=True)
class Table:
    """A chart's figures: a header row, then rows whose first cell heads the row."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def _flags(flagged: int) -> str:
    return f"; {_count(flagged, 'week')} flagged as anomalies" if flagged else ""


def _cell(value: float, low: float | None, high: float | None, percent: bool) -> str:
    text = number(value, percent)
    return f"{text} [{number(low, percent)}–{number(high, percent)}]" if low is not None and high is not None else text


def line_summary(lines: Sequence[Line], weeks: Sequence[date], *, percent: bool = False, unit: str = "") -> str:
    """``26 weeks; last, week of 2026-06-29: 319; highest 402 in the week of 2026-03-16`` for one line;
    ``9 lines over 26 weeks; week of 2026-06-29: 2.44.0 41 %, 2.43.1 30 %, 2.43.0 12 %, and 6 more`` for several."""
    shown = set(weeks)
    points = [[p for p in line.points if p.week in shown] for line in lines]
    flagged = len({p.week for line in points for p in line if p.flagged})
    if not any(points):
        return f"nothing published in these {_count(len(weeks), 'week')}"
    if len(lines) == 1:
        series = sorted(points[0], key=lambda p: p.week)
        last, top = series[-1], max(reversed(series), key=lambda p: p.value)
        return (f"{_count(len(weeks), 'week')}; last, week of {last.week}: {number(last.value, percent)}{unit}; "
                f"highest {number(top.value, percent)}{unit} in the week of {top.week}{_flags(flagged)}")
    latest = max(p.week for line in points for p in line)
    at_latest: list[tuple[str, Point]] = [(line.label, p) for line, series in zip(lines, points, strict=True)
                                          for p in series if p.week == latest]
    at_latest.sort(key=lambda item: -item[1].value)
    named, more = first_few([f"{label} {number(p.value, percent)}{unit}" for label, p in at_latest])
    return (f"{_count(len(lines), 'line')} over {_count(len(weeks), 'week')}; week of {latest}: {named}{more}"
            f"{_flags(flagged)}")


def bar_summary(bars: Sequence[Bar], *, percent: bool = True) -> str:
    """``6 groups: bambu_lab 61 %, prusa_core 30 %, octoprint 9 %, and 3 more`` (in the chart's order)."""
    if not bars:
        return "nothing published at this k"
    named, more = first_few([f"{bar.label} {number(bar.value, percent)}" for bar in bars])
    flagged = sum(bar.flagged for bar in bars)
    return f"{_count(len(bars), 'group')}: {named}{more}" + (f"; {flagged} flagged" if flagged else "")


def line_table(lines: Sequence[Line], weeks: Sequence[date], *, percent: bool = False) -> Table:
    """One row per week, one column per line: the value with its interval, ``–`` where it was not published."""
    cells = [{p.week: p for p in line.points} for line in lines]
    rows = []
    for week in weeks:
        row = [str(week)]
        for by_week in cells:
            p = by_week.get(week)
            row.append(NOT_PUBLISHED if p is None else _cell(p.value, p.low, p.high, percent)
                       + (" (flagged)" if p.flagged else ""))
        rows.append(tuple(row))
    return Table(("Week of", *(line.label for line in lines)), tuple(rows))


def bar_table(bars: Sequence[Bar], *, percent: bool = True) -> Table:
    """One row per bar: the value with its 95 % interval, and the number of installations it describes."""
    return Table(("Group", "Share [95 % interval]" if percent else "Value [interval]", "n"), tuple(
        (bar.label, _cell(bar.value, bar.low, bar.high, percent) + bar.note + (" (flagged)" if bar.flagged else ""),
         f"{bar.n:,}" if bar.n is not None else NOT_PUBLISHED) for bar in bars))
