"""The demo's closing figures, read from the receiver's database the way the maintainers read them.

Delivery (batches stored, data points rejected) is bookkeeping, not a statistic about installations; every
figure about installations comes from the analytics package, so it is k-anonymous exactly as the dashboard
is: no group under k installations, sample sizes and intervals on everything.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import sqlalchemy as sa

from printernizer_stats.contract import BatchKind
from printernizer_stats.maintainers.analytics import Insights, Window, build_insights, compute_figures
from printernizer_stats.maintainers.server import tables
from printernizer_stats.registry import Registry


@dataclass(frozen=True, slots=True)
class Delivery:
    """What reached the receiver's tables."""

    weekly_batches: int
    rejected_points: int

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def read_delivery(engine: sa.Engine, registry: Registry) -> Delivery:
    """Weekly batches in the receiver's ledger (each stored once) and the data points it rejected."""
    batches = tables(registry)["batches"]
    with engine.connect() as db:
        count, rejected = db.execute(
            sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(batches.c.rejected_points), 0))
            .where(batches.c.kind == BatchKind.WEEKLY.value)).one()
    return Delivery(int(count), int(rejected))


def read_insights(engine: sa.Engine, window: Window, k: int) -> Insights:
    """The published figures of ``window`` and the anomalies the detector finds in them."""
    return build_insights(compute_figures(engine, window, k), window, k)
