"""The ``installations`` row: one per installation, merged as batches arrive in any order. Pure."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from printernizer_stats.maintainers.server._rows import Row
from printernizer_stats.maintainers.server._upsert import Columns

_SPANS = (("first_week", "last_week"), ("first_received_week", "last_received_week"))
"""(earliest, latest) column pairs: merged by min and max, whatever order batches arrive in."""


def installation_update(existing: Columns, incoming: Columns) -> dict[str, Any]:
    """First weeks (sent, received) are the earliest, last weeks the latest; facts follow the latest week sent
    (batches arrive in any order)."""
    newer = incoming.last_week >= existing.last_week
    update: dict[str, Any] = {}
    for first, last in _SPANS:
        update[first] = sa.case((getattr(incoming, first) < getattr(existing, first), getattr(incoming, first)),
                                else_=getattr(existing, first))
        update[last] = sa.case((getattr(incoming, last) > getattr(existing, last), getattr(incoming, last)),
                               else_=getattr(existing, last))
    for name in (column.name for column in existing):
        if name != "installation_id" and name not in update:
            update[name] = sa.case((newer, getattr(incoming, name)), else_=getattr(existing, name))
    return update


def merge_installations(rows: list[Row]) -> list[Row]:
    """One installation row per installation (as the upsert would leave it), so that one multi-row statement
    never touches a key twice (PostgreSQL refuses that in ON CONFLICT DO UPDATE)."""
    merged: dict[str, Row] = {}
    for row in rows:
        seen = merged.get(row["installation_id"])
        if seen is None:
            merged[row["installation_id"]] = dict(row)
            continue
        latest = row if row["last_week"] >= seen["last_week"] else seen
        merged[row["installation_id"]] = {**latest, **{name: value for first, last in _SPANS for name, value in (
            (first, min(seen[first], row[first])), (last, max(seen[last], row[last])))}}
    return list(merged.values())
