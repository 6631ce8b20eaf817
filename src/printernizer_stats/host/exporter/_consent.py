"""Consent as data: the state kept in the settings table and its pure transitions.

Off is the default and the fail-safe: a missing or unreadable setting means "not opted in", an older
consent version than the registry's means "ask again", and ``DO_NOT_TRACK=1`` overrides everything.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta

from printernizer_stats.contract import DO_NOT_TRACK_ENV
from printernizer_stats.registry import new_secret

ID_ROTATION_DAYS = 365


def do_not_track(environ: Mapping[str, str]) -> bool:
    return environ.get(DO_NOT_TRACK_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class ConsentState:
    """What the user agreed to, and the identity that goes with it."""

    opted_in: bool = False
    consent_version: int = 0
    consent_day: date | None = None
    installation_id: str | None = None
    installation_day: date | None = None
    previous_installation_id: str | None = None
    """Kept after opt-out (locally only) so the user can still ask the server to delete that id's data."""
    rotate_yearly: bool = False
    installation_secret: str | None = None
    """The id's random secret (registry ``_identity``): proves its batches; never shown, exported or sent."""
    previous_installation_secret: str | None = None
    """The previous id's secret, kept with it for the deletion request."""

    def __repr__(self) -> str:  # never log a secret
        return (f"ConsentState(opted_in={self.opted_in}, consent_version={self.consent_version}, "
                f"installation_id={self.installation_id!r})")

    @classmethod
    def from_settings(cls, settings: Mapping[str, str]) -> ConsentState:
        try:
            version = int(settings.get("consent_version", "0"))
        except ValueError:
            version = 0
        return cls(
            opted_in=settings.get("opt_in") == "1",
            consent_version=version,
            consent_day=_day(settings.get("consent_day")),
            installation_id=settings.get("installation_id"),
            installation_day=_day(settings.get("installation_day")),
            previous_installation_id=settings.get("previous_installation_id"),
            rotate_yearly=settings.get("rotate_yearly") == "1",
            installation_secret=settings.get("installation_secret"),
            previous_installation_secret=settings.get("previous_installation_secret"),
        )

    def to_settings(self) -> dict[str, str | None]:
        return {
            "opt_in": "1" if self.opted_in else "0",
            "consent_version": str(self.consent_version),
            "consent_day": self.consent_day.isoformat() if self.consent_day else None,
            "installation_id": self.installation_id,
            "installation_day": self.installation_day.isoformat() if self.installation_day else None,
            "previous_installation_id": self.previous_installation_id,
            "rotate_yearly": "1" if self.rotate_yearly else "0",
            "installation_secret": self.installation_secret,
            "previous_installation_secret": self.previous_installation_secret,
        }


def collection_allowed(state: ConsentState, registry_consent_version: int, environ: Mapping[str, str]) -> bool:
    """True only if the user opted in under the current consent version and DO_NOT_TRACK is not set."""
    return (
        state.opted_in
        and state.installation_id is not None
        and state.consent_version >= registry_consent_version
        and not do_not_track(environ)
    )


def opted_in(state: ConsentState, today: date, consent_version: int) -> ConsentState:
    """Opting in from opted out starts afresh with a new random installation id.

    Already opted in, it changes nothing (a double click must not orphan the id the server holds data
    for, nor move the consent day past unsent weeks); under an older consent version it renews the consent
    (version and day) and keeps the id. A new id only ever comes from :func:`rotated`.
    """
    if state.opted_in and state.installation_id is not None:
        if state.consent_version == consent_version:
            return state
        return replace(state, consent_version=consent_version, consent_day=today)
    return replace(
        state, opted_in=True, consent_version=consent_version, consent_day=today,
        installation_id=str(uuid.uuid4()), installation_day=today, installation_secret=new_secret(),
    )


def opted_out(state: ConsentState) -> ConsentState:
    """Opting out forgets the current id (remembering it locally for a later deletion request)."""
    return replace(
        state, opted_in=False, consent_day=None, installation_id=None, installation_day=None,
        previous_installation_id=state.installation_id or state.previous_installation_id,
        installation_secret=None,
        previous_installation_secret=(state.installation_secret if state.installation_id
                                      else state.previous_installation_secret),
    )


def rotated(state: ConsentState, today: date) -> ConsentState:
    """A new installation id, e.g. yearly; the old one is not kept (nothing links the two)."""
    if not state.opted_in:
        return state
    return replace(state, installation_id=str(uuid.uuid4()), installation_day=today, installation_secret=new_secret())


def rotation_due(state: ConsentState, today: date) -> bool:
    return (
        state.opted_in and state.rotate_yearly and state.installation_day is not None
        and today - state.installation_day >= timedelta(days=ID_ROTATION_DAYS)
    )
