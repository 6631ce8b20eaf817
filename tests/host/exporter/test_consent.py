"""Consent state and its transitions: off by default, DNT wins, new id on every opt-in."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from printernizer_stats.host.exporter import (
    ConsentState,
    collection_allowed,
    do_not_track,
    opted_in,
    opted_out,
    rotated,
    rotation_due,
)

DAY = date(2026, 11, 16)


def test_default_is_off() -> None:
    assert not collection_allowed(ConsentState(), 1, {})
    assert ConsentState.from_settings({}) == ConsentState()


def test_opt_in_allows_collection_with_a_fresh_uuid4() -> None:
    state = opted_in(ConsentState(), DAY, 1)
    assert collection_allowed(state, 1, {})
    assert state.installation_id is not None and state.installation_id[14] == "4"
    again = opted_in(opted_out(state), DAY, 1)
    assert again.installation_id is not None and again.installation_id != state.installation_id


def test_opting_in_while_opted_in_changes_nothing_and_renews_only_a_stale_consent() -> None:
    """Issue 12: a double click drew a new id (orphaning the old id's server data) and a new consent day
    (dropping unsent weeks). Now: the same state; under an older consent version, renewed with the same id."""
    state = opted_in(ConsentState(), DAY, 1)
    assert opted_in(state, DAY + timedelta(days=3), 1) == state
    renewed = opted_in(state, DAY + timedelta(days=3), 2)
    assert (renewed.installation_id, renewed.installation_day) == (state.installation_id, state.installation_day)
    assert (renewed.consent_version, renewed.consent_day) == (2, DAY + timedelta(days=3))
    assert rotated(state, DAY).installation_id != state.installation_id


@pytest.mark.parametrize("value", ["1", "true", "YES", " on "])
def test_do_not_track_forces_off(value: str) -> None:
    assert do_not_track({"DO_NOT_TRACK": value})
    assert not collection_allowed(opted_in(ConsentState(), DAY, 1), 1, {"DO_NOT_TRACK": value})


def test_do_not_track_zero_is_not_set() -> None:
    assert not do_not_track({"DO_NOT_TRACK": "0"})


def test_older_consent_version_means_ask_again() -> None:
    state = opted_in(ConsentState(), DAY, 1)
    assert not collection_allowed(state, 2, {})


def test_opt_out_forgets_id_but_remembers_it_for_deletion() -> None:
    state = opted_in(ConsentState(), DAY, 1)
    out = opted_out(state)
    assert not out.opted_in and out.installation_id is None
    assert out.previous_installation_id == state.installation_id


def test_settings_round_trip() -> None:
    state = opted_in(ConsentState(rotate_yearly=True), DAY, 3)
    stored = {k: v for k, v in state.to_settings().items() if v is not None}
    assert ConsentState.from_settings(stored) == state


def test_garbage_settings_read_as_off() -> None:
    state = ConsentState.from_settings({"opt_in": "yes please", "consent_version": "x", "consent_day": "soon"})
    assert state == ConsentState()


def test_yearly_rotation() -> None:
    state = opted_in(ConsentState(rotate_yearly=True), DAY, 1)
    assert not rotation_due(state, DAY + timedelta(days=364))
    assert rotation_due(state, DAY + timedelta(days=365))
    new = rotated(state, DAY + timedelta(days=365))
    assert new.installation_id != state.installation_id and new.installation_day == DAY + timedelta(days=365)
    assert rotated(ConsentState(), DAY) == ConsentState()
