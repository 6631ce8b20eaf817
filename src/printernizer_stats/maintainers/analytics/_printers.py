"""Printer types against fleet sizes: two figures that bound each other's hidden groups. Pure.

Every installation counted for a printer type has a printer, and one with n printers has at most n types
(with a single printer exactly one: among those installations, printer types are a partition). So the
published types bound how many installations in the fleet sizes' ``other`` have a printer, and the
published fleet sizes bound how many installations the hidden types can have. On top of
``anonymous_cells``, a type is hidden (the smallest first) while:

a. the installations without it, outside the published no-printer groups, are neither 0 nor at least k;
b. a group merged into ``other`` could not hold k installations, given what the published types need
   beyond the published groups: it falls on ``other``, whose groups with fewer types than the most (none
   for no-printer groups) carry less of it; checked for the s largest types, every s, as a type counts
   once per installation (a small type cannot take the others' surplus);
c. no type is hidden, ``other`` holds printer groups, and the types' installations exceed those of the
   published printer groups by fewer than k (which bounds ``other``'s printer groups);
d. some type is hidden and the hidden types could not hold k installations (what the fleet sizes allow all
   types together, minus the published types).
"""

from __future__ import annotations

from collections.abc import Sequence

from printernizer_stats.maintainers.analytics._breakdown import hiding_order
from printernizer_stats.maintainers.analytics._kanon import safe_part
from printernizer_stats.maintainers.analytics._model import OTHER_GROUP, Cell
from printernizer_stats.registry import FLEET_SIZE_GROUPS, LARGEST_FLEET_SIZE, UNKNOWN_FLEET_SIZE

NO_PRINTERS = ("0", UNKNOWN_FLEET_SIZE)
"""Fleet-size groups of installations without a printer."""


def most_types(label: str, types: int) -> int:
    """The most printer types an installation in fleet-size group ``label`` can have."""
    if label == LARGEST_FLEET_SIZE:
        return types
    return next((min(most, types) for _, most, name in FLEET_SIZE_GROUPS if name == label), 0)


def protect_printer_types(raw: Sequence[Cell], shown: Sequence[Cell], raw_fleet: Sequence[Cell],
                          fleet: Sequence[Cell], k: int) -> list[Cell]:
    """The printer-type cells that may be published next to ``fleet`` (rules a-d, module docstring).

    ``raw``/``raw_fleet``: the week's raw cells; ``shown``/``fleet``: what ``anonymous_cells`` passed."""
    types = len(raw)
    published = {cell.group[0]: cell.installations for cell in fleet}
    merged = [cell.group[0] for cell in raw_fleet if cell.group[0] not in published]
    other = published.get(OTHER_GROUP, 0)
    with_printers = sum(n for label, n in published.items() if label not in (*NO_PRINTERS, OTHER_GROUP))
    most_merged = max((most_types(label, types) for label in merged), default=0)
    kept = sorted((cell for cell in shown if safe_part(other + with_printers - cell.installations, k)),
                  key=hiding_order)

    def total() -> int:
        return sum(cell.installations for cell in kept)

    def bounds_a_merged_group(largest: Sequence[Cell]) -> bool:
        """Whether the types ``largest`` bound a group merged into ``other`` under k: what they need beyond
        the published groups (each installation counts once per type, for at most as many types as it has
        printers) falls on ``other``, whose groups with fewer types than the most carry less of it."""
        room = sum(most_types(label, len(largest)) * n for label, n in published.items() if label != OTHER_GROUP)
        surplus = sum(c.installations for c in largest) - room
        spread = min(most_merged, len(largest))
        return any(other * spread - surplus < k * (spread - fewer) for fewer in
                   (min(most_types(label, types), len(largest)) for label in merged) if fewer < spread)

    if most_merged:  # b: the s largest types, for every s (a small type cannot take the others' surplus)
        while kept and any(bounds_a_merged_group(kept[start:]) for start in range(len(kept))):
            kept.pop(0)
    if len(kept) == types and any(label not in NO_PRINTERS for label in merged) and total() - with_printers < k:
        kept.pop(0)  # c
    if len(kept) < types:
        capacity = sum(most_types(label, types) * n for label, n in published.items() if label != OTHER_GROUP)
        while kept and capacity + most_merged * other - total() < k:  # d
            kept.pop(0)
    return sorted(kept, key=lambda c: c.group)
