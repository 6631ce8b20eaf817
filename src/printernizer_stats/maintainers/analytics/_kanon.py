"""k-anonymity: the one gate every published figure goes through. Pure.

``publish(spec, cells, k)`` is the only way from raw cells to a ``Figure``; the API, the dashboard, the
``insights`` report, CSV exports, the community summary and the retention rollups all take ``Figure``
objects, and ``Figure`` re-checks the invariant when it is built. Rules, per week:

1. A week with fewer than k installations in the figure publishes nothing.
2. PARTITION figures (each installation in exactly one group): groups smaller than k are merged into
   ``other`` (together with a real ``other`` group, if there is one); while ``other`` holds fewer than k
   installations, the next smallest group is merged too. So ``other`` is empty or at least k, the groups
   still add up to the week's total, and no small group can be recovered by subtraction.
3. OVERLAP figures (groups overlap): a group is published only if it has at least k installations and its
   share's successes and complement are each 0 or at least k ("4 of 500 use mqtt" and "497 of 500 use
   websockets" both describe 3-4 installations); otherwise it is suppressed, and suppression is not announced.

Sums inside a published group (printers, errors) can still be dominated by one large installation; the
dashboard shows them next to their installation count, never alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date

from printernizer_stats.maintainers.analytics._intervals import CONFIDENCE, clustered_rate, plain_rate, wilson
from printernizer_stats.maintainers.analytics._model import (
    OTHER_GROUP,
    Cell,
    Figure,
    FigureSpec,
    GroupKind,
    Proportion,
    PublishedRow,
    Rate,
)

DEFAULT_K = 5
"""Smallest group of installations any output may describe (configurable, at least 2)."""


def check_k(k: int) -> int:
    if not isinstance(k, int) or k < 2:
        raise ValueError(f"k must be a whole number of at least 2, not {k!r}")
    return k


def anonymous_cells(spec: FigureSpec, cells: Iterable[Cell], k: int = DEFAULT_K) -> list[Cell]:
    """The cells of ``spec`` that may be published, small groups merged or suppressed (module docstring).

    The gate itself: ``publish`` builds on it, and retention stores its output as rollups. Idempotent: its
    output passed through again comes out unchanged."""
    check_k(k)
    by_period: dict[date, list[Cell]] = {}
    for cell in cells:
        by_period.setdefault(cell.period, []).append(cell)
    safe: list[Cell] = []
    for period in sorted(by_period):
        week = by_period[period]
        if spec.kind is GroupKind.PARTITION:
            if sum(cell.installations for cell in week) >= k:
                safe.extend(sorted(merge_small_groups(week, k, len(spec.dimensions)), key=lambda c: c.group))
        else:
            safe.extend(cell for cell in sorted(week, key=lambda c: c.group)
                        if publishable_overlap(cell.installations, *overlap_share(spec, cell), k))
    return safe


def publish(spec: FigureSpec, cells: Iterable[Cell], k: int = DEFAULT_K, confidence: float = CONFIDENCE) -> Figure:
    """The k-anonymous, published form of ``cells`` on its own: sample sizes, Wilson intervals on shares,
    rates. Figures released together go through ``publish_figures`` (``_linked.py``) instead."""
    return figure_from_cells(spec, anonymous_cells(spec, cells, k), k, confidence)


def figure_from_cells(spec: FigureSpec, safe: Sequence[Cell], k: int, confidence: float = CONFIDENCE) -> Figure:
    """The ``Figure`` of cells that passed the gate (``Figure`` re-checks the invariant)."""
    totals: dict[date, int] = {}
    for cell in safe:
        totals[cell.period] = totals.get(cell.period, 0) + cell.installations
    rows: list[PublishedRow] = []
    for cell in safe:
        share: Proportion | None = None
        if spec.kind is GroupKind.OVERLAP:
            share = wilson(*overlap_share(spec, cell), confidence)
        elif spec.dimensions:
            share = wilson(cell.installations, totals[cell.period], confidence)
        rows.append(_row(spec, cell, share, confidence))
    return Figure(spec, k, tuple(rows))


def merge_small_groups(cells: Sequence[Cell], k: int, dimensions: int) -> list[Cell]:
    """One week of a PARTITION figure with every group smaller than k merged into ``other`` (topped up)."""
    other = (OTHER_GROUP,) * dimensions
    small = sorted((c for c in cells if c.installations < k), key=lambda c: (c.installations, c.group))
    if not small:
        return list(cells)
    # Merge order: the small groups, then a real ``other`` group, then the others from the smallest.
    rest = sorted((c for c in cells if c.installations >= k),
                  key=lambda c: (c.group != other, c.installations, c.group))
    merged: list[Cell] = []
    kept: list[Cell] = []
    running = 0
    for cell in (*small, *rest):
        if cell.installations < k or running < k or cell.group == other:
            merged.append(cell)
            running += cell.installations
        else:
            kept.append(cell)
    measures: dict[str, float] = {}
    for cell in merged:
        for name, value in cell.measures.items():
            measures[name] = measures.get(name, 0) + value
    return [*kept, Cell(merged[0].period, other, running, measures)]


def overlap_share(spec: FigureSpec, cell: Cell) -> tuple[int, int]:
    """(successes, trials) of an OVERLAP cell's share."""
    successes = int(cell.measures[spec.successes]) if spec.successes else cell.installations
    trials = cell.installations if spec.trials in (None, "installations") else int(cell.measures[spec.trials or ""])
    return successes, trials


def publishable_overlap(installations: int, successes: int, trials: int, k: int) -> bool:
    """Whether an overlapping group may be shown: itself, its successes and their complement are safe."""
    if installations < k or trials < k or not 0 <= successes <= trials:
        return False
    return safe_part(successes, k) and safe_part(trials - successes, k)


def safe_part(installations: float, k: int) -> bool:
    """Whether a number of installations anyone can compute may describe a group: none, or at least k."""
    return installations == 0 or installations >= k


def _row(spec: FigureSpec, cell: Cell, share: Proportion | None, confidence: float) -> PublishedRow:
    return PublishedRow(
        period=cell.period, group=cell.group, installations=cell.installations, share=share,
        rate=_rate(spec, cell.measures, cell.installations, confidence),
        measures={name: _number(cell.measures.get(name, 0)) for name in spec.public_measures},
    )


def _rate(spec: FigureSpec, measures: Mapping[str, float], installations: int, confidence: float) -> Rate | None:
    if spec.rate is None:
        return None
    num, den = spec.rate.numerator, spec.rate.denominator
    numerator, denominator = float(measures.get(num, 0)), float(measures.get(den, 0))
    if spec.rate.clustered:
        return clustered_rate(numerator, denominator, float(measures.get(f"{num}_sq", 0)),
                              float(measures.get(f"{den}_sq", 0)), float(measures.get(f"{num}_{den}", 0)),
                              installations, spec.rate.per, confidence)
    return plain_rate(numerator, denominator, spec.rate.per)


def _number(value: float) -> float:
    return int(value) if float(value).is_integer() else float(value)
