""""How your setup compares": the cached community summary beside this installation's own figures.

The summary is fetched by the scheduler's round (a worker thread), at most once a day, and only while the
user shares statistics and DO_NOT_TRACK is not set; opting out, deleting all and DO_NOT_TRACK delete it
with the rest. Reading it (the page, the API) never opens a connection. The installation's own position
is computed here from local data and sent nowhere.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date
from typing import Any

from printernizer_stats.host.client._facts import InstallationFacts
from printernizer_stats.host.client._gate import ConsentGate
from printernizer_stats.host.client._weeks import LocalWeeks
from printernizer_stats.host.client._yours import your_position
from printernizer_stats.host.sender import CommunitySummary, SenderConfig
from printernizer_stats.registry import Registry

DNT = "DO_NOT_TRACK is set: the community summary is not fetched"
NOT_OPTED_IN = "not opted in: the community summary is fetched only while you share usage statistics"
NO_ENDPOINT = "no receiver configured: there is no community summary to compare with"
NOT_YET = "not fetched yet: the summary is fetched once a day while sharing is on"


class ClientCommunity:
    """The community summary of one installation (its cache lives in the local store's file).

    Args:
        lock: the client's lock: a fetch in progress finishes before an opt-out clears its result.
    """

    def __init__(self, config: SenderConfig, cache: CommunitySummary, gate: ConsentGate, *, weeks: LocalWeeks,
                 facts: InstallationFacts, registry: Registry, today: Callable[[], date],
                 lock: threading.RLock) -> None:
        self.config = config
        self.cache = cache
        self._gate = gate
        self._weeks = weeks
        self._facts = facts
        self._registry = registry
        self._today = today
        self._lock = lock

    def refresh(self) -> str:
        """The daily round's fetch (blocking; see :meth:`CommunitySummary.refresh`), only while consented."""
        return self.cache.refresh(self._today(), self._gate.consented, self._lock)

    def clear(self) -> int:
        return self.cache.clear()

    def view(self) -> dict[str, Any]:
        """The cached summary and this installation's position, or why there is none. No network."""
        if self._gate.do_not_track():
            return _unavailable(DNT)
        if not self._gate.consented():
            return _unavailable(NOT_OPTED_IN)
        if not self.config.enabled:
            return _unavailable(NO_ENDPOINT, self._yours())
        cached = self.cache.cached()
        if cached is None or cached.summary is None:
            return _unavailable(NOT_YET, self._yours())
        yours = self._yours(date.fromisoformat(cached.summary["week"]))
        return {
            "available": True, "reason": None, "week": cached.summary["week"],
            "fetched_day": cached.fetched_day.isoformat() if cached.fetched_day else None,
            "summary": cached.summary, "yours": yours,
        }

    def _yours(self, week: date | None = None) -> dict[str, Any]:
        return your_position(self._weeks, self._facts.current(), self._today(), self._registry, week)


def _unavailable(reason: str, yours: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"available": False, "reason": reason, "week": None, "fetched_day": None, "summary": None,
            "yours": yours}
