"""The community summary's shared vocabulary: one fleet-size grouping for the receiver's SQL and the viewer."""

from __future__ import annotations

import sqlalchemy as sa

from printernizer_stats.maintainers.analytics._sql import _fleet_bucket
from printernizer_stats.registry import fleet_size_label

COUNTS = (None, 0, 1, 2, 3, 5, 6, 10, 11, 40)


def test_fleet_size_labels() -> None:
    labels = [fleet_size_label(n) for n in COUNTS]
    assert labels == ["unknown", "0", "1", "2", "3-5", "3-5", "6-10", "6-10", "11+", "11+"]


def test_the_receivers_sql_groups_fleets_as_the_viewer_does() -> None:
    """The analytics' CASE expression, run in SQLite, gives every count the label the viewer computes."""
    engine = sa.create_engine("sqlite://")
    with engine.connect() as db:
        for count in COUNTS:
            value = sa.literal(count, sa.Integer) if count is not None else sa.null()
            assert db.execute(sa.select(_fleet_bucket(value))).scalar_one() == fleet_size_label(count), count
