"""The consent gate: the one place that decides whether readings may be recorded and batches may leave.

Everything that asks "may we?" asks this object: the exporter before every write, the sender before every
attempt, batching, the community summary and the views. It reads the stored consent (an unreadable store
reads as "not opted in" and turns statistics off, with one log line), DO_NOT_TRACK and the reason
statistics are off, if they are. It is also the one boundary where a failing local file (broken, locked,
disk full, a schema too new) becomes "statistics off": :meth:`ConsentGate.shielded` for what the host runs
(the round, upkeep, starting), :meth:`ConsentGate.reporting` for what the user asks (the privacy API's 503).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TypeVar

import structlog

from printernizer_stats.contract import BatchKind
from printernizer_stats.host.exporter import (
    ConsentState,
    LocalStore,
    StoreUnavailable,
    collection_allowed,
    do_not_track,
)
from printernizer_stats.host.sender import OutboxUnavailable, QueuedBatch

_log = structlog.get_logger(__name__)

DNT_REASON = "DO_NOT_TRACK is set: nothing is collected or sent"
NOT_OPTED_IN_REASON = "not opted in: nothing is collected or sent"

UNAVAILABLE_ERRORS: tuple[type[Exception], ...] = (StoreUnavailable, OutboxUnavailable, sqlite3.Error)
"""What a failing local file raises: the owners' types, and any ``sqlite3.Error`` (``SchemaTooNew`` is one)
that reached us without them."""

T = TypeVar("T")


def unavailable_reason(exc: Exception) -> str:
    """The reason shown and logged: the error's class and SQLite's message (never a path or a value)."""
    if isinstance(exc, (StoreUnavailable, OutboxUnavailable)):
        return str(exc)  # already "OperationalError: database or disk is full"
    return f"{type(exc).__name__}: {exc}"


class ConsentGate:
    """Consent as stored, DO_NOT_TRACK and "statistics off", for one local store.

    Args:
        store: where the consent lives.
        consent_version: the registry's; consent given under an older one does not count.
        environ: where DO_NOT_TRACK is read.
        on_off: called once when statistics turn off (the instruments stop recording).
    """

    def __init__(self, store: LocalStore, consent_version: int, environ: Mapping[str, str],
                 on_off: Callable[[], None] = lambda: None) -> None:
        self._store = store
        self._consent_version = consent_version
        self._environ = environ
        self._on_off = on_off
        self._off_reason: str | None = None

    @property
    def off_reason(self) -> str | None:
        """Why statistics are off although consent may allow them (a broken DB, a failed start), or None."""
        return self._off_reason

    def turn_off(self, reason: str, *, logged: bool = False) -> None:
        """Statistics off for this process: one log line (``logged``: the caller wrote it), and the
        instruments stop recording."""
        if self._off_reason is None:
            self._off_reason = reason
            if not logged:
                _log.warning("usage_stats.off", reason=reason)
        self._on_off()

    def shielded(self, call: Callable[[], T], fallback: T) -> T:
        """``call()``, or ``fallback`` when the local file fails: then statistics turn off (one log line) and
        nothing reaches the host. For what the host runs: the daily round, upkeep, starting collection."""
        try:
            return call()
        except UNAVAILABLE_ERRORS as exc:
            self.turn_off(unavailable_reason(exc))
            return fallback

    @contextmanager
    def reporting(self) -> Iterator[None]:
        """Around what the user asks (opt in or out, delete, settings): a failing local file turns statistics
        off the same way, and its typed error still reaches the privacy API, which answers 503 with the
        reason: an opt-in that was not stored must not be shown as done."""
        try:
            yield
        except UNAVAILABLE_ERRORS as exc:
            self.turn_off(unavailable_reason(exc))
            if isinstance(exc, (StoreUnavailable, OutboxUnavailable)):
                raise
            raise StoreUnavailable(unavailable_reason(exc)) from exc

    def turned_off(self, reason: str) -> None:
        """The exporter turned statistics off and logged it: the same, without a second line."""
        self.turn_off(reason, logged=True)

    def state(self) -> ConsentState:
        """The stored consent; an unreadable store reads as "not opted in" (and turns statistics off)."""
        try:
            return ConsentState.from_settings(self._store.settings())
        except UNAVAILABLE_ERRORS as exc:
            self.turn_off(unavailable_reason(exc))
            return ConsentState()

    def do_not_track(self) -> bool:
        return do_not_track(self._environ)

    def consented(self, state: ConsentState | None = None) -> bool:
        """Opted in under the current consent version, and no DO_NOT_TRACK (``state``: the one just read)."""
        return collection_allowed(state if state is not None else self.state(), self._consent_version, self._environ)

    def collecting(self) -> bool:
        """Whether readings may be recorded right now: consented, and statistics not off."""
        return self._off_reason is None and self.consented()

    def may_send(self, batch: QueuedBatch) -> bool:
        """DO_NOT_TRACK stops everything; a deletion request goes out opted out; weekly batches need consent."""
        if self.do_not_track():
            return False
        return batch.kind == BatchKind.DELETION or self.consented()

    def refusal(self) -> str | None:
        """Why nothing is collected or sent (DO_NOT_TRACK, not opted in), or None when consent allows it."""
        if self.do_not_track():
            return DNT_REASON
        return None if self.consented() else NOT_OPTED_IN_REASON
