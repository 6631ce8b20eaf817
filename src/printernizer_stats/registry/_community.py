"""The public community summary's shared vocabulary.

The receiver's analytics publish the summary and Printernizer's viewer reads it; neither imports the other,
so what both must agree on (the schema name, the fleet-size groups) is declared here, beside the metrics.
"""

from __future__ import annotations

SUMMARY_SCHEMA = "printernizer-stats/summary/1"
FLEET_SIZE_GROUPS: tuple[tuple[int, int, str], ...] = (
    (0, 0, "0"), (1, 1, "1"), (2, 2, "2"), (3, 5, "3-5"), (6, 10, "6-10"),
)
"""Fleet-size groups (fewest printers, most printers, label); larger fleets are ``LARGEST_FLEET_SIZE``."""
LARGEST_FLEET_SIZE = "11+"
UNKNOWN_FLEET_SIZE = "unknown"
"""No printer count reported that week."""


def fleet_size_label(printers: float | None) -> str:
    """The fleet-size group a number of printers falls into, as the summary and the dashboard name it."""
    if printers is None:
        return UNKNOWN_FLEET_SIZE
    return next((label for _, most, label in FLEET_SIZE_GROUPS if printers <= most), LARGEST_FLEET_SIZE)
