""""How your setup compares": the cached community summary beside this installation's own figures.

The summary is fetched by the scheduler's round (a worker thread), at most once a day, and only while the
user shares statistics and DO_NOT_TRACK is not set; opting out, deleting all and DO_NOT_TRACK delete it
with the rest. Reading it (the page, the API) never opens a connection. The installation's own position
is computed here from local data and sent nowhere.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from printernizer_stats.client._yours import your_position
from printernizer_stats.exporter import collection_allowed, do_not_track
from printernizer_stats.sender import CommunitySummary, SenderConfig

if TYPE_CHECKING:
    from printernizer_stats.client._client import StatsClient

DNT = "DO_NOT_TRACK is set: the community summary is not fetched"
NOT_OPTED_IN = "not opted in: the community summary is fetched only while you share usage statistics"
NO_ENDPOINT = "no receiver configured: there is no community summary to compare with"
NOT_YET = "not fetched yet: the summary is fetched once a day while sharing is on"


class ClientCommunity:
    """The community summary of one :class:`StatsClient` (its cache lives in the same SQLite file)."""

    def __init__(self, client: StatsClient, config: SenderConfig) -> None:
        self.client = client
        self.config = config
        self.cache = CommunitySummary(client.store.path, config)

    def allowed(self) -> bool:
        """Opted in under the current consent version, and no DO_NOT_TRACK."""
        client = self.client
        return collection_allowed(client.consent(), client.registry.consent_version, client.environ)

    def refresh(self) -> str:
        """The scheduler's daily fetch (blocking; see :meth:`CommunitySummary.refresh`)."""
        return self.cache.refresh(self.client.today(), self.allowed, self.client._lock)

    def clear(self) -> int:
        return self.cache.clear()

    def view(self) -> dict[str, Any]:
        """The cached summary and this installation's position, or why there is none. No network."""
        client = self.client
        if do_not_track(client.environ):
            return _unavailable(DNT)
        if not self.allowed():
            return _unavailable(NOT_OPTED_IN)
        if not self.config.enabled:
            return _unavailable(NO_ENDPOINT, your_position(client))
        cached = self.cache.cached()
        if cached is None or cached.summary is None:
            return _unavailable(NOT_YET, your_position(client))
        yours = your_position(client, date.fromisoformat(cached.summary["week"]))
        return {
            "available": True, "reason": None, "week": cached.summary["week"],
            "fetched_day": cached.fetched_day.isoformat() if cached.fetched_day else None,
            "summary": cached.summary, "yours": yours,
        }


def _unavailable(reason: str, yours: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"available": False, "reason": reason, "week": None, "fetched_day": None, "summary": None,
            "yours": yours}
