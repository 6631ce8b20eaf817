"""Wire formats hold: what a check admits is ASCII, full-matched, and fits the width the receiver's columns take."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from printernizer_stats.registry import FORMATS

_NEAR = st.text(alphabet=st.sampled_from("0123456789.-vV\n\r \t\u0660\u0662\uff10\uff12\u00b2ABCXYZabcdef"),
                max_size=40)
"""Strings near every format: digits of several scripts, separators, line ends, letters."""


@pytest.mark.parametrize("name", sorted(FORMATS))
@settings(max_examples=400, deadline=None)
@given(value=st.one_of(_NEAR, st.text(max_size=40)))
def test_what_a_format_admits_is_ascii_and_fits_its_column(name: str, value: str) -> None:
    if FORMATS[name].check(value) is None:
        assert value.isascii()
        assert value == value.strip()
        assert len(value) <= FORMATS[name].max_length


@pytest.mark.parametrize(("name", "value"), [
    ("version", "2.42.0\n"), ("version", "\u0662.\u0664\u0662.\u0660"), ("version", "\uff12.\uff14\uff12.\uff10"),
    ("country_code", "CH\n"), ("python_version", "3.11\n"), ("registry_version", "\u0662"),
    ("registry_version", "\u00b2"), ("registry_version", "1\n"), ("uuid4", "9b2e4c56-8f6d-4e1a-9c3b-2f1e0d7a6b5c\n"),
])
def test_poison_values_are_refused(name: str, value: str) -> None:
    assert FORMATS[name].check(value) is not None


@pytest.mark.parametrize(("name", "longest"), [("version", "9999.9999.999999"), ("python_version", "3.999"),
                                               ("country_code", "CH"), ("registry_version", "9999")])
def test_the_longest_valid_value_is_max_length(name: str, longest: str) -> None:
    assert FORMATS[name].check(longest) is None
    assert len(longest) == FORMATS[name].max_length


def _uuid_reference(value: str, version: int | None) -> str | None:
    """The UUID checks as ``uuid.UUID`` decides them (the formats skip the parse for canonical text)."""
    try:
        parsed = uuid.UUID(value)
    except (ValueError, AttributeError, TypeError):
        return "is not a UUID"
    if version is None:
        return None if str(parsed) == value else "is not a canonical lower-case UUID"
    return None if parsed.version == version and str(parsed) == value else "is not a lower-case version-4 UUID"


_UUIDS = st.builds(lambda n: str(uuid.UUID(int=n)), st.integers(0, 2**128 - 1))


@settings(max_examples=2000, deadline=None)
@given(value=st.one_of(_UUIDS, _UUIDS.map(str.upper), _UUIDS.map(lambda u: u.replace("-", "")),
                       _UUIDS.map(lambda u: "{" + u + "}"), _UUIDS.map(lambda u: u + "\n"),
                       st.builds(lambda u, i, c: u[:i] + c + u[i + 1:], _UUIDS, st.integers(0, 35),
                                 st.sampled_from("0123456789abcdefABCDEF-g")), st.text(max_size=40)))
def test_uuid_checks_agree_with_uuid_parsing(value: str) -> None:
    assert FORMATS["uuid4"].check(value) == _uuid_reference(value, 4)
    assert FORMATS["uuid"].check(value) == _uuid_reference(value, None)
