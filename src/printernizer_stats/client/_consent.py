"""Consent and its settings, as ``StatsClient`` exposes them: opt in and out, delete, rotate, retain.

A mixin of :class:`._client.StatsClient`, kept apart so the composition root stays readable: every method
here changes what the user agreed to, or what is kept because of it, and takes the client's lock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

import structlog

from printernizer_stats.client._settings import apply_settings, describe_settings
from printernizer_stats.exporter import (
    ConsentState,
    LocalStore,
    PrivacyFilteringMetricExporter,
    StoreUnavailable,
    collection_allowed,
    do_not_track,
    opted_in,
    opted_out,
    rotated,
    rotation_due,
)
from printernizer_stats.registry import Registry
from printernizer_stats.sender import OutboxUnavailable

if TYPE_CHECKING:
    from printernizer_stats.client._sending import ClientSending

_log = structlog.get_logger(__name__)

FACT_PREFIX = "resource."
"""Settings-key prefix of the stored installation facts (what the next batch's resource will say)."""


class ConsentOperations:
    """The consent lifecycle; the attributes below are set by ``StatsClient.__init__``."""

    registry: Registry
    store: LocalStore
    environ: Mapping[str, str]
    today: Callable[[], date]
    exporter: PrivacyFilteringMetricExporter
    sending: ClientSending
    off_reason: str | None
    _lock: threading.RLock

    def start(self) -> bool:
        raise NotImplementedError

    def _stop_pipeline(self, flush: bool) -> None:
        raise NotImplementedError

    def _store_failed(self, reason: str) -> None:
        raise NotImplementedError

    # -- consent --------------------------------------------------------------------------------------
    def consent(self) -> ConsentState:
        """The stored consent; an unreadable store reads as "not opted in"."""
        try:
            return ConsentState.from_settings(self.store.settings())
        except StoreUnavailable as exc:
            self._store_failed(str(exc))
            return ConsentState()

    def collecting(self) -> bool:
        """Whether readings may be recorded right now (opted in, current consent, no DNT, store usable)."""
        return self.off_reason is None and collection_allowed(
            self.consent(), self.registry.consent_version, self.environ
        )

    def opt_in(self, *, start: bool = True) -> ConsentState:
        """Opt in under the current consent version and start collecting. Already opted in, nothing changes
        (same id, same consent day: :func:`printernizer_stats.exporter.opted_in`); a new id only by rotation.

        ``start=False`` only records the consent (the CLI: the host starts collecting when it next runs).
        """
        if do_not_track(self.environ):
            raise PermissionError("DO_NOT_TRACK is set: usage statistics stay off")
        with self._lock:
            before = self.consent()
            state = opted_in(before, self.today(), self.registry.consent_version)
            if state != before:
                self.store.update_settings(state.to_settings())
            if start:
                self.start()
                self.sending.wake()  # a running scheduler's next round now: the community summary, for one
            return state

    def opt_out(self, request_server_deletion: bool = False) -> ConsentState:
        """Stop at once: no pipeline, local readings and queued batches deleted; nothing is sent any more.

        Only the old id is remembered, locally. With ``request_server_deletion``, one deletion request for
        that id is queued: the only batch ever sent while opted out (and not even then with DO_NOT_TRACK).
        """
        with self._lock:
            # Consent is withdrawn first, so the pipeline's last export at shutdown is refused unwritten
            # and the sender's gate refuses every weekly batch from this moment on.
            state = opted_out(self.consent())
            self.store.update_settings(state.to_settings())
            self._stop_pipeline(flush=False)
            self.store.delete_readings()
            self.exporter.forget_series()
            self.sending.withdraw()
            if request_server_deletion and state.previous_installation_id is not None:
                self.sending.queue_deletion(state.previous_installation_id, state.previous_installation_secret)
            return state

    def request_server_deletion(self) -> dict[str, Any]:
        """Ask the receiver, once, to delete everything stored for the previous installation id."""
        state = self.consent()
        if state.previous_installation_id is None:
            raise ValueError("there is no earlier installation id to delete: opt out first")
        return self.sending.queue_deletion(state.previous_installation_id, state.previous_installation_secret)

    def delete_all(self, request_server_deletion: bool = False) -> ConsentState:
        """Opt out and delete everything local: readings, queued batches, the sent log, remembered facts.

        A deletion request (asked for now or earlier and not sent yet) stays queued: it is the user's wish.
        """
        with self._lock:
            state = self.opt_out(request_server_deletion)
            self.sending.delete_all()
            settings = self.store.settings()
            self.store.update_settings({key: None for key in settings if key.startswith(FACT_PREFIX)})
            return state

    def honour_do_not_track(self) -> None:
        """With DO_NOT_TRACK set, delete readings and queued batches as an opt-out would. Never raises.

        The recorded consent stays (DO_NOT_TRACK overrides it rather than replacing it); a pending deletion
        request stays queued, held until DO_NOT_TRACK is lifted.
        """
        if not do_not_track(self.environ):
            return
        try:
            deleted = self.store.delete_readings() + self.sending.withdraw()
            self.exporter.forget_series()
        except (StoreUnavailable, OutboxUnavailable) as exc:
            self._store_failed(str(exc))
            return
        if deleted:
            _log.info("usage_stats.do_not_track", deleted_rows=deleted)

    def set_yearly_rotation(self, enabled: bool) -> ConsentState:
        """Switch the yearly rotation of the installation id on or off."""
        with self._lock:
            self.store.update_settings({"rotate_yearly": "1" if enabled else "0"})
            return self.consent()

    def rotate_id(self) -> ConsentState:
        """A new random installation id now (only while opted in); nothing links it to the old one."""
        with self._lock:
            state = self.consent()
            if not state.opted_in:
                raise ValueError("not opted in: there is no installation id to rotate")
            state = rotated(state, self.today())
            self.store.update_settings(state.to_settings())
            return state

    def usage_settings(self) -> dict[str, Any]:
        """Yearly id rotation and local retention, as the privacy API shows them."""
        settings = self.store.settings()
        return describe_settings(ConsentState.from_settings(settings), settings, self.exporter.keep_daily_weeks)

    def update_usage_settings(
        self, *, rotate_yearly: bool | None = None, retention_weeks: int | None = None,
    ) -> dict[str, Any]:
        """Change what is given (see :func:`._settings.apply_settings`); ``ValueError`` when out of range."""
        with self._lock:
            apply_settings(self, rotate_yearly, retention_weeks)
            return self.usage_settings()

    def rotate_id_if_due(self) -> bool:
        with self._lock:
            state = self.consent()
            if not rotation_due(state, self.today()):
                return False
            self.store.update_settings(rotated(state, self.today()).to_settings())
            return True
