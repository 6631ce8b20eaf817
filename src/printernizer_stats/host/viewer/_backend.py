"""What the privacy API and the page need from the statistics client, as a structural type.

The viewer imports nothing of the client side but the registry: the composition root (``client/``) hands
the router a ``StatsClient``, which has exactly these methods. Every method is blocking (SQLite, and HTTP
for ``submit_now``): the router calls them in a worker thread, never on the host's event loop.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from printernizer_stats.registry import Registry


class StatsBackend(Protocol):
    """The statistics of one installation, as the privacy API sees them.

    Errors: ``PermissionError`` means DO_NOT_TRACK forbids the request; ``ValueError`` means the request
    does not fit the current state (not opted in, no endpoint, out of range) and says why; an instance of
    ``unavailable_errors`` means the statistics DB cannot be used right now.
    """

    @property
    def registry(self) -> Registry: ...

    @property
    def unavailable_errors(self) -> tuple[type[Exception], ...]: ...

    def status(self) -> Mapping[str, Any]: ...

    def local_summary(self, *, strict: bool = False) -> Mapping[str, Any]: ...

    def preview(self) -> Mapping[str, Any]: ...

    def example_batch(self) -> Mapping[str, Any]: ...

    def history(self) -> Mapping[str, Any]: ...

    def opt_in(self) -> object: ...

    def opt_out(self, request_server_deletion: bool = False) -> object: ...

    def delete_all(self, request_server_deletion: bool = False) -> object: ...

    def request_server_deletion(self) -> Mapping[str, Any]: ...

    def submit_now(self) -> Mapping[str, Any]: ...

    def usage_settings(self) -> Mapping[str, Any]: ...

    def update_usage_settings(
        self, *, rotate_yearly: bool | None = None, retention_weeks: int | None = None,
    ) -> Mapping[str, Any]: ...

    def rotate_id(self) -> object: ...

    def community_summary(self) -> Mapping[str, Any]: ...
