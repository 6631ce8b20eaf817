"""What the user decides: opt in and out, delete, ask the receiver to delete, rotate the id, retention.

Every method changes what the user agreed to, or what is kept because of it, and takes the client's lock,
so that a batching round or a community fetch in progress finishes before its output is cleared. A failing
local file turns statistics off through the gate; what the user asked then fails with its typed error (the
privacy API's 503), never as done.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date
from typing import Any

import structlog

from printernizer_stats.host.client._collection import Collection
from printernizer_stats.host.client._community import ClientCommunity
from printernizer_stats.host.client._facts import InstallationFacts
from printernizer_stats.host.client._gate import ConsentGate
from printernizer_stats.host.client._schedule import Schedule
from printernizer_stats.host.client._sending import ClientSending
from printernizer_stats.host.client._settings import RETENTION_KEY, check_retention_weeks, describe_settings
from printernizer_stats.host.client._upkeep import LocalUpkeep
from printernizer_stats.host.exporter import (
    ConsentState,
    LocalStore,
    opted_in,
    opted_out,
    rotated,
    rotation_due,
)

_log = structlog.get_logger(__name__)


class ConsentActions:
    """The consent lifecycle of one installation, over the services it changes."""

    def __init__(
        self, gate: ConsentGate, store: LocalStore, *, consent_version: int, today: Callable[[], date],
        lock: threading.RLock, collection: Collection, sending: ClientSending, community: ClientCommunity,
        facts: InstallationFacts, upkeep: LocalUpkeep, schedule: Schedule,
    ) -> None:
        self._gate = gate
        self._store = store
        self._consent_version = consent_version
        self._today = today
        self._lock = lock
        self._collection = collection
        self._sending = sending
        self._community = community
        self._facts = facts
        self._upkeep = upkeep
        self._schedule = schedule

    def opt_in(self, *, start: bool = True) -> ConsentState:
        """Opt in under the current consent version and start collecting. Already opted in, nothing changes
        (same id, same consent day: :func:`printernizer_stats.host.exporter.opted_in`); a new id only by rotation.

        ``start=False`` only records the consent (the CLI: the host starts collecting when it next runs).
        """
        if self._gate.do_not_track():
            raise PermissionError("DO_NOT_TRACK is set: usage statistics stay off")
        with self._lock, self._gate.reporting():
            before = self._gate.state()
            state = opted_in(before, self._today(), self._consent_version)
            if state != before:
                self._store.update_settings(state.to_settings())
            if start:
                self._collection.start()
                self._schedule.wake()  # a running round's next turn now: the community summary, for one
            return state

    def opt_out(self, request_server_deletion: bool = False) -> ConsentState:
        """Stop at once: no pipeline, local readings and queued batches deleted; nothing is sent any more.

        Only the old id is remembered, locally. With ``request_server_deletion``, one deletion request for
        that id is queued: the only batch ever sent while opted out (and not even then with DO_NOT_TRACK).
        """
        with self._lock, self._gate.reporting():
            # Consent is withdrawn first, so the pipeline's last export at shutdown is refused unwritten
            # and the sender's gate refuses every weekly batch from this moment on.
            state = opted_out(self._gate.state())
            self._store.update_settings(state.to_settings())
            self._collection.stop(flush=False)
            self._store.delete_readings()
            self._collection.forget_series()
            self._sending.withdraw()
            self._community.clear()
            if request_server_deletion and state.previous_installation_id is not None:
                self._sending.queue_deletion(state.previous_installation_id, state.previous_installation_secret)
            return state

    def request_server_deletion(self) -> dict[str, Any]:
        """Ask the receiver, once, to delete everything stored for the previous installation id."""
        with self._gate.reporting():
            state = self._gate.state()
            if state.previous_installation_id is None:
                raise ValueError("there is no earlier installation id to delete: opt out first")
            return self._sending.queue_deletion(state.previous_installation_id, state.previous_installation_secret)

    def delete_all(self, request_server_deletion: bool = False) -> ConsentState:
        """Opt out and delete everything local: readings, queued batches, the sent log, remembered facts.

        A deletion request (asked for now or earlier and not sent yet) stays queued: it is the user's wish.
        """
        with self._lock, self._gate.reporting():
            state = self.opt_out(request_server_deletion)
            self._sending.delete_all()
            self._facts.forget()
            return state

    def honour_do_not_track(self) -> None:
        """With DO_NOT_TRACK set, delete readings and queued batches as an opt-out would. Never raises.

        The recorded consent stays (DO_NOT_TRACK overrides it rather than replacing it); a pending deletion
        request stays queued, held until DO_NOT_TRACK is lifted.
        """
        if not self._gate.do_not_track():
            return
        deleted = self._gate.shielded(self._delete_for_do_not_track, 0)
        if deleted:
            _log.info("usage_stats.do_not_track", deleted_rows=deleted)

    def _delete_for_do_not_track(self) -> int:
        deleted = self._store.delete_readings() + self._sending.withdraw() + self._community.clear()
        self._collection.forget_series()
        return deleted

    def set_yearly_rotation(self, enabled: bool) -> ConsentState:
        """Switch the yearly rotation of the installation id on or off."""
        with self._lock, self._gate.reporting():
            self._store.update_settings({"rotate_yearly": "1" if enabled else "0"})
            return self._gate.state()

    def rotate_id(self) -> ConsentState:
        """A new random installation id now (only while opted in); nothing links it to the old one."""
        with self._lock, self._gate.reporting():
            state = self._gate.state()
            if not state.opted_in:
                raise ValueError("not opted in: there is no installation id to rotate")
            state = rotated(state, self._today())
            self._store.update_settings(state.to_settings())
            return state

    def rotate_id_if_due(self) -> bool:
        """The yearly rotation, when it is on and a year has passed (the daily round, which shields it)."""
        with self._lock:
            state = self._gate.state()
            if not rotation_due(state, self._today()):
                return False
            self._store.update_settings(rotated(state, self._today()).to_settings())
            return True

    def usage_settings(self) -> dict[str, Any]:
        """Yearly id rotation and local retention, as the privacy API shows them."""
        with self._gate.reporting():
            settings = self._store.settings()
        return describe_settings(ConsentState.from_settings(settings), settings, self._upkeep.keep_daily_weeks)

    def update_usage_settings(
        self, *, rotate_yearly: bool | None = None, retention_weeks: int | None = None,
    ) -> dict[str, Any]:
        """Store what is given; a shorter retention deletes older rollups at once.

        Raises:
            ValueError: retention out of range (checked before anything changes).
        """
        with self._lock, self._gate.reporting():
            if retention_weeks is not None:
                weeks = check_retention_weeks(retention_weeks)
                self._store.update_settings({RETENTION_KEY: str(weeks)})
                self._upkeep.apply_retention(weeks)
            if rotate_yearly is not None:
                self.set_yearly_rotation(rotate_yearly)
            return self.usage_settings()
