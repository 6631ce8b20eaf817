"""The ``installations`` row: one per installation, merged as batches arrive in any order. Pure."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from printernizer_stats.server._rows import Row
from printernizer_stats.server._upsert import Columns


def installation_update(existing: Columns, incoming: Columns) -> dict[str, Any]:
    """First week is the earliest, last week the latest; facts follow the latest week (batches arrive in any order)."""
    newer = incoming.last_week >= existing.last_week
    update: dict[str, Any] = {
        "first_week": sa.case((incoming.first_week < existing.first_week, incoming.first_week),
                              else_=existing.first_week),
        "last_week": sa.case((newer, incoming.last_week), else_=existing.last_week),
    }
    for name in (column.name for column in existing):
        if name not in {"installation_id", "first_week", "last_week"}:
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
        merged[row["installation_id"]] = {**latest, "first_week": min(seen["first_week"], row["first_week"]),
                                          "last_week": max(seen["last_week"], row["last_week"])}
    return list(merged.values())
