"""The local store's upkeep: old days compacted into weeks, and rollups past the retention deleted.

Run by the daily round (and when collection starts), never by the exporter: the exporter handles one
batch of readings, the round owns time. Both cuts fall on a Monday, so within a week there is nothing new
to do: the work runs once a week. A changed retention is applied at once by whoever changes it
(``ConsentActions.update_usage_settings``, in this process or the viewer's).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from printernizer_stats.host.client._settings import retention_weeks
from printernizer_stats.host.exporter import LocalStore
from printernizer_stats.registry import Registry, combine_weeks, week_start

KEEP_DAILY_WEEKS = 5
"""Full weeks kept day by day; older days are compacted into week rollups (a heavy year stays < 1 MB)."""


class LocalUpkeep:
    """Compaction and retention of one local store.

    Args:
        store: the local statistics database.
        registry: how days combine into weeks.
        today: the UTC day (a parameter for the simulator).
        keep_daily_weeks: full weeks kept as day rollups.
    """

    def __init__(self, store: LocalStore, registry: Registry, today: Callable[[], date],
                 keep_daily_weeks: int = KEEP_DAILY_WEEKS) -> None:
        self._store = store
        self._registry = registry
        self._today = today
        self.keep_daily_weeks = keep_daily_weeks
        self._done: date | None = None

    def run(self) -> bool:
        """Compact and apply the stored retention, once a week; whether it ran.

        Raises:
            StoreUnavailable: the store cannot be used (the caller turns statistics or sending off).
        """
        monday = week_start(self._today())
        if self._done == monday:
            return False
        self._store.compact(monday - timedelta(weeks=self.keep_daily_weeks),
                            lambda days: combine_weeks(days, self._registry))
        self.apply_retention(retention_weeks(self._store.settings()))
        self._done = monday
        return True

    def apply_retention(self, weeks: int) -> int:
        """Delete rollups older than ``weeks`` weeks before this week's Monday; returns the rows deleted."""
        return self._store.delete_readings(before=week_start(self._today()) - timedelta(weeks=weeks))
