"""Weekly values from the local store: weeks compacted from old days, and weeks combined from kept days."""

from __future__ import annotations

from datetime import date, timedelta

from printernizer_stats.host.exporter import LocalStore, StoreUnavailable
from printernizer_stats.registry import DayReading, Registry, WeekValue, combine_weeks


class LocalWeeks:
    """The weekly values of one local store, as batches, the page and the community comparison use them."""

    def __init__(self, store: LocalStore, registry: Registry) -> None:
        self._store = store
        self._registry = registry

    def values(
        self, first: date | None = None, last: date | None = None, *, since_day: date | None = None,
        strict: bool = False,
    ) -> list[WeekValue]:
        """Weekly values (compacted weeks and weeks combined from days), optionally for Mondays in a range.

        ``since_day`` leaves out days before it, and compacted weeks that began before it (a batch carries
        only data recorded under the current consent). An unreadable store gives no values, or with
        ``strict`` raises ``StoreUnavailable`` (batching must not mistake a locked DB for an empty week).
        """
        low = first if since_day is None or first is None else max(first, since_day)
        try:
            compacted = [w for w in self._store.week_rollups(first, last) if since_day is None or w.week >= since_day]
            days = self._store.readings(low or since_day, last + timedelta(days=6) if last else None)
        except StoreUnavailable:
            if strict:
                raise
            return []
        values = [*compacted, *combine_weeks(days, self._registry)]
        return sorted(
            (v for v in values if (first is None or v.week >= first) and (last is None or v.week <= last)),
            key=lambda v: (v.week, v.metric, v.attributes),
        )

    def days_and_weeks(self) -> tuple[list[DayReading], list[WeekValue]]:
        """Every kept day, and every week (what :meth:`values` gives, with the days read once).

        Raises:
            StoreUnavailable: the store cannot be read.
        """
        days = self._store.readings()
        weeks = sorted([*self._store.week_rollups(), *combine_weeks(days, self._registry)],
                       key=lambda v: (v.week, v.metric, v.attributes))
        return days, weeks
