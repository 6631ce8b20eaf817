"""k-anonymity across the figures released together. Pure: one week's raw cells of every figure in, the
cells that may be published out.

``anonymous_cells`` protects each figure on its own. Released together (the dashboard, the API, CSV,
``insights``, the community summary, Grafana), figures are linked tables: the same installations are
counted in several of them, and a group hidden in one could be recovered by subtracting numbers published
in another. Statistical disclosure control handles linked tables with complementary (secondary) cell
suppression, audited over all tables at once. These rules are that, for the links these figures have:

1. **One version axis.** ``errors_by_version`` and ``error_types_by_version`` group versions as ``versions``
   publishes them (merged into ``other`` alike); a breakdown's trials are its version group's installations.
2. **A breakdown only under its published total.** ``error_types_by_version`` shows an error type only if
   ``error_types`` does.
3. **Complementary suppression in each breakdown column** (``_breakdown.py``): the hidden cells of an error
   type's column add up to a published remainder, so further cells are hidden until that remainder, and
   its complement, are each at least k and the error counts pin none of them down.
4. **Sub-populations keep their complement.** A feature is published only if the active installations not
   reporting it are 0 or at least k.
5. **Printer types against fleet sizes** (``_printers.py``): an installation with n printers has at most n
   types, so each figure bounds the other's hidden groups; types are hidden until neither bound is under k.

Published magnitudes were made coarser where they linked figures more tightly than counts do:
``error_types_by_version`` has no error rate (its errors would add up along versions to ``errors_by_version``
and along types to ``error_types``, a two-way table), and printers are not summed (a fleet-size group's
printers name its members' groups). docs/analytics.md states what this guarantees; the property test
(``tests/maintainers/analytics/test_linked.py``) searches random weeks for a derivation by linear programming.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date

from printernizer_stats.maintainers.analytics import _figures as f
from printernizer_stats.maintainers.analytics._breakdown import protect_columns
from printernizer_stats.maintainers.analytics._figures import FIGURES
from printernizer_stats.maintainers.analytics._kanon import (
    DEFAULT_K,
    anonymous_cells,
    check_k,
    figure_from_cells,
    safe_part,
)
from printernizer_stats.maintainers.analytics._model import OTHER_GROUP, Cell, Figure, FigureSpec
from printernizer_stats.maintainers.analytics._printers import protect_printer_types

Cells = Mapping[str, Iterable[Cell]]
_LINKED = (f.ERRORS_BY_VERSION, f.ERROR_TYPES_BY_VERSION)
"""Figures whose cells are made from other figures' published groups, not gated on their own first."""


def anonymous_figures(cells: Cells, k: int = DEFAULT_K, specs: Sequence[FigureSpec] = FIGURES
                      ) -> dict[str, list[Cell]]:
    """The cells of the figures in ``specs`` that may be published together, week by week. Every figure
    present in ``cells`` takes part in the rules; one missing has no cells. Idempotent."""
    check_k(k)
    weeks: dict[date, dict[str, list[Cell]]] = {}
    for name, figure_cells in cells.items():
        for cell in figure_cells:
            weeks.setdefault(cell.period, {}).setdefault(name, []).append(cell)
    safe: dict[str, list[Cell]] = {spec.name: [] for spec in specs}
    for period in sorted(weeks):
        for name, week_cells in anonymous_week(weeks[period], k, specs).items():
            safe[name] += week_cells
    return safe


def publish_figures(cells: Cells, k: int = DEFAULT_K, specs: Sequence[FigureSpec] = FIGURES) -> dict[str, Figure]:
    """The figures in ``specs``, published together: how every output gets its figures."""
    safe = anonymous_figures(cells, k, specs)
    return {spec.name: figure_from_cells(spec, safe[spec.name], k) for spec in specs}


def anonymous_week(cells: Mapping[str, Sequence[Cell]], k: int, specs: Sequence[FigureSpec] = FIGURES
                   ) -> dict[str, list[Cell]]:
    """One week: each figure through ``anonymous_cells``, then rules 1-5 (module docstring)."""
    def raw(spec: FigureSpec) -> Sequence[Cell]:
        return cells.get(spec.name, ())

    safe = {spec.name: anonymous_cells(spec, raw(spec), k) for spec in FIGURES if spec not in _LINKED}
    versions = {cell.group[0] for cell in safe[f.VERSIONS.name]}
    safe[f.ERRORS_BY_VERSION.name] = anonymous_cells(f.ERRORS_BY_VERSION, on_version_axis(
        raw(f.ERRORS_BY_VERSION), versions), k)
    breakdown = version_breakdown(raw(f.ERROR_TYPES_BY_VERSION), versions, safe[f.ERRORS_BY_VERSION.name])
    totals = {cell.group[0] for cell in safe[f.ERROR_TYPES.name]}
    shown, unprotectable = protect_columns(f.ERROR_TYPES_BY_VERSION, breakdown, totals, k)
    safe[f.ERROR_TYPES_BY_VERSION.name] = shown
    safe[f.ERROR_TYPES.name] = [cell for cell in safe[f.ERROR_TYPES.name] if cell.group[0] not in unprotectable]
    active = sum(cell.installations for cell in safe[f.ACTIVE.name])
    safe[f.FEATURES.name] = [cell for cell in safe[f.FEATURES.name] if safe_part(active - cell.installations, k)]
    safe[f.PRINTER_TYPES.name] = protect_printer_types(
        raw(f.PRINTER_TYPES), safe[f.PRINTER_TYPES.name], raw(f.FLEET_SIZES), safe[f.FLEET_SIZES.name], k)
    return {spec.name: safe[spec.name] for spec in specs}


def version_group(version: str, published: set[str]) -> str:
    """The published version group a raw version belongs to: itself, or ``other``."""
    return version if version in published else OTHER_GROUP


def on_version_axis(cells: Iterable[Cell], published: set[str]) -> list[Cell]:
    """Cells grouped by version first, summed into the published version groups (rule 1)."""
    merged: dict[tuple[str, ...], Cell] = {}
    for cell in cells:
        group = (version_group(cell.group[0], published), *cell.group[1:])
        before = merged.get(group)
        measures = dict(before.measures) if before else {}
        for name, value in cell.measures.items():
            measures[name] = measures.get(name, 0) + value
        merged[group] = Cell(cell.period, group, cell.installations + (before.installations if before else 0),
                             measures)
    return list(merged.values())


def version_breakdown(cells: Iterable[Cell], published: set[str], by_version: Iterable[Cell]) -> list[Cell]:
    """Version x error type cells on the published version axis. Trials and jobs are those of the version
    group: its installations that reported no error count too."""
    groups = {cell.group[0]: cell for cell in by_version}
    breakdown = []
    for cell in on_version_axis(cells, published):
        version = groups.get(cell.group[0])
        if version is not None:
            breakdown.append(Cell(cell.period, cell.group, cell.installations, {
                **cell.measures, "version_installations": float(version.installations),
                "jobs": float(version.measures.get("jobs", 0))}))
    return breakdown
