"""Complementary suppression in a breakdown's columns (``error_types_by_version`` under ``error_types``). Pure.

A column (one error type) adds up over the version groups to the type's published installations, so the
cells it hides add up to a remainder anyone can compute: the total minus the cells shown. Hiding one small
cell alone hides nothing (issue 13: 8 installations reported ``file_upload``, 6 of them on 3.0.0, so the
hidden 3.1.0 cell is 2). So, once a column hides a cell, it hides further cells, the smallest first, until
the hidden cells are protected:

- the installations they hide that reported the type, and those that did not, are each at least k (so
  neither remainder, nor any hidden cell, can be shown to be under k);
- one of them has room: it could hold one more reporting installation without contradicting the
  published error counts (each reporting installation has at least one error of the type, so a version's
  error count caps its cells when errors are few); otherwise the remainder would pin every cell down.

A column that cannot be protected even with every cell hidden is dropped with its total: the error type is
then hidden in ``error_types`` too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from printernizer_stats.maintainers.analytics._kanon import overlap_share, publishable_overlap
from printernizer_stats.maintainers.analytics._model import Cell, FigureSpec

Group = tuple[str, ...]


def protect_columns(spec: FigureSpec, cells: Sequence[Cell], totals: set[str], k: int) -> tuple[list[Cell], set[str]]:
    """(published cells, totals to hide as well) of one week's breakdown; columns whose total is not in
    ``totals`` are not published at all."""
    columns: dict[str, list[Cell]] = {}
    for cell in cells:
        columns.setdefault(cell.group[1], []).append(cell)
    room = error_room(cells)
    published: list[Cell] = []
    unprotectable: set[str] = set()
    for total in sorted(columns.keys() & totals):
        column = columns[total]
        passed = [publishable_overlap(cell.installations, *overlap_share(spec, cell), k) for cell in column]
        hidden = [cell for cell, ok in zip(column, passed, strict=True) if not ok]
        shown = sorted((cell for cell, ok in zip(column, passed, strict=True) if ok), key=hiding_order)
        while hidden and shown and not protected(spec, hidden, room, k):
            hidden.append(shown.pop(0))
        if hidden and not protected(spec, hidden, room, k):
            unprotectable.add(total)
        else:
            published += shown
    return sorted(published, key=lambda c: c.group), unprotectable


def protected(spec: FigureSpec, hidden: Sequence[Cell], room: Mapping[Group, float], k: int) -> bool:
    """Whether a column's hidden cells are safe (module docstring)."""
    shares = [overlap_share(spec, cell) for cell in hidden]
    return (sum(s for s, _ in shares) >= k and sum(t - s for s, t in shares) >= k
            and sum(room[cell.group] for cell in hidden) >= 1)


def error_room(cells: Sequence[Cell]) -> dict[Group, float]:
    """Per cell: how many more of its version's installations could have reported the type, as far as the
    published error counts show. An extra one needs a spare error (beyond one per reporting installation):
    in the cell itself, or moved from a type reported in every version group (its spare errors in this
    version group; the move is balanced in another group). At most the group's installations not
    reporting the type."""
    rows = {cell.group[0] for cell in cells}
    versions_of: dict[str, set[str]] = {}
    for cell in cells:
        versions_of.setdefault(cell.group[1], set()).add(cell.group[0])
    everywhere = {t for t, versions in versions_of.items() if versions == rows}
    spare = {cell.group: cell.measures.get("errors", 0) - cell.installations for cell in cells}
    movable: dict[str, float] = {}
    for cell in cells:
        if cell.group[1] in everywhere:
            movable[cell.group[0]] = movable.get(cell.group[0], 0) + spare[cell.group]
    room = {}
    for cell in cells:
        elsewhere = movable.get(cell.group[0], 0) - (spare[cell.group] if cell.group[1] in everywhere else 0)
        room[cell.group] = min(cell.measures.get("version_installations", 0) - cell.installations,
                               spare[cell.group] + elsewhere)
    return room


def hiding_order(cell: Cell) -> tuple[int, Group]:
    """Which cells are hidden first to protect another: the smallest, then by group in code-point order
    (byte order in UTF-8: the binary collation Grafana's SQL sorts with)."""
    return cell.installations, cell.group
