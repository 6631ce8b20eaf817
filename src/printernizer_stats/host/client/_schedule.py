"""Where the daily round runs: the host's asyncio loop or a daemon thread (see ``sender._scheduler``).

Kept apart from the round itself so that what only needs to wake it (a queued deletion request, an opt-in)
depends on this small object, not on everything the round calls.
"""

from __future__ import annotations

from printernizer_stats.host.sender import AsyncScheduler, ThreadScheduler, Tick


class Schedule:
    """At most one scheduler of one client, started with the round to run."""

    def __init__(self, interval_s: float, first_delay_max_s: float) -> None:
        self._interval_s = interval_s
        self._first_delay_max_s = first_delay_max_s
        self.scheduler: AsyncScheduler | ThreadScheduler | None = None

    def start_async(self, tick: Tick) -> None:
        """Run ``tick`` from the running asyncio loop (a worker thread per round)."""
        if not isinstance(self.scheduler, AsyncScheduler):
            self.stop()
            self.scheduler = AsyncScheduler(tick, self._interval_s, self._first_delay_max_s)
        self.scheduler.start()

    def start_thread(self, tick: Tick) -> None:
        """Run ``tick`` on a daemon thread (hosts without asyncio)."""
        if not isinstance(self.scheduler, ThreadScheduler):
            self.stop()
            self.scheduler = ThreadScheduler(tick, self._interval_s, self._first_delay_max_s)
        self.scheduler.start()

    def wake(self) -> None:
        """The next round now (thread-safe); nothing when no scheduler runs."""
        if self.scheduler is not None:
            self.scheduler.wake()

    def stop(self) -> None:
        """Stop the scheduler (never blocks the loop; the thread variant waits briefly for its round)."""
        if self.scheduler is not None:
            self.scheduler.stop()
