"""The wire's names against what they describe: the registry's resource fields, the batch id rule."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from printernizer_stats.contract import (
    BATCH_ID,
    DELETION_LABEL,
    IDENTITY_ATTRIBUTES,
    INSTALLATION_ID,
    PROOF,
    REGISTRY_VERSION,
    VERIFIER,
    BatchKind,
    batch_id,
    deletion_batch_id,
    week_batch_id,
)
from printernizer_stats.registry import Registry
from printernizer_stats.registry._lints import REQUIRED_RESOURCE_FIELDS

INSTALLATION = "6f1c1b9e-4d7a-4c1e-9a3b-2f0d5e8c7a61"


def test_the_identity_attributes_are_resource_fields_of_the_registry(registry: Registry) -> None:
    """Every name the contract puts in a batch's resource is one the registry declares and requires."""
    assert {INSTALLATION_ID, BATCH_ID, REGISTRY_VERSION, PROOF, VERIFIER} == IDENTITY_ATTRIBUTES
    assert set(IDENTITY_ATTRIBUTES) <= set(registry.resource) & set(REQUIRED_RESOURCE_FIELDS)


def test_batch_id_is_the_documented_uuid5() -> None:
    """docs/wire-format.md: uuid5(NAMESPACE_URL, "printernizer-stats:{installation_id}:{week_label}")."""
    expected = uuid.uuid5(uuid.NAMESPACE_URL, f"printernizer-stats:{INSTALLATION}:2026-W47")
    assert batch_id(INSTALLATION, "2026-W47") == str(expected) == week_batch_id(INSTALLATION, date(2026, 11, 16))
    assert deletion_batch_id(INSTALLATION) == batch_id(INSTALLATION, DELETION_LABEL) != str(expected)
    assert uuid.UUID(deletion_batch_id(INSTALLATION)).version == 5


def test_batch_kinds_have_one_spelling() -> None:
    assert [kind.value for kind in BatchKind] == ["weekly", "deletion"]
    assert BatchKind.WEEKLY == "weekly"  # a str: stored as TEXT, compared with what the stores hold


@settings(max_examples=1000, deadline=None)
@given(installation_id=st.one_of(st.uuids().map(str), st.text(max_size=40)),
       label=st.one_of(st.just(DELETION_LABEL), st.text(max_size=12)))
def test_batch_ids_are_uuid5_of_their_name(installation_id: str, label: str) -> None:
    """``batch_id`` computes uuid5 itself (faster): the same text as ``uuid.uuid5`` for any name."""
    name = f"printernizer-stats:{installation_id}:{label}"
    try:
        expected = str(uuid.uuid5(uuid.NAMESPACE_URL, name))
    except UnicodeEncodeError:  # a lone surrogate: neither can encode it
        with pytest.raises(UnicodeEncodeError):
            batch_id(installation_id, label)
        return
    assert batch_id(installation_id, label) == expected
