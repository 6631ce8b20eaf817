"""``ColumnLimits``: a row that does not fit its columns is named before any SQL."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from printernizer_stats.maintainers.server._fit import ColumnLimits, _numbers

_TABLE = sa.Table("t", sa.MetaData(), sa.Column("i", sa.Integer), sa.Column("f", sa.Float),
                  sa.Column("s", sa.String(4)))


@pytest.mark.parametrize(("row", "misfit"), [
    ((1, 2.0, "abc"), None),
    ((True, 1, None), None),  # bool is an int, as isinstance says
    (("1", 1.0, "a"), "t.i: not a number"),
    ((1, "x", "a"), "t.f: not a number"),
    ((2**31, 1.0, "a"), "t.i: outside the range of its column (-2147483648..2147483647)"),
    ((1, float("nan"), "a"), "t.f: not a finite number"),
    ((1, 2**2000, "a"), "t.f: not a finite number"),
    ((1, 1.0, "abcde"), "t.s: longer than its 4 characters"),
])
def test_the_first_value_that_does_not_fit_is_named(row: tuple[Any, ...], misfit: str | None) -> None:
    assert ColumnLimits([_TABLE]).misfit("t", [(0, 0.0, "ok"), row]) == misfit


_VALUES = st.lists(st.one_of(st.integers(), st.floats(), st.booleans(), st.text(max_size=2), st.binary(max_size=2),
                             st.decimals(allow_nan=False)), max_size=8)


@given(values=_VALUES)
def test_numbers_are_what_isinstance_says(values: list[Any]) -> None:
    """The type test runs on the set of types first (in C); the answer is isinstance's."""
    assert _numbers(values) == all(isinstance(value, int | float) for value in values)
