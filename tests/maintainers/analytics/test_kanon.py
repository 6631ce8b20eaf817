"""The one publication gate: small groups merged into other (topped up) or suppressed, never published."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from printernizer_stats.maintainers.analytics import (
    Cell,
    Figure,
    FigureSpec,
    GroupKind,
    KAnonymityViolation,
    PublishedRow,
    anonymous_cells,
    publish,
    wilson,
)

WEEK = date(2026, 3, 2)
MODES = FigureSpec("modes", "Modes", ("mode",), GroupKind.PARTITION)
FEATURES = FigureSpec("features", "Features", ("feature",), GroupKind.OVERLAP, successes="enabled",
                      trials="installations", public_measures=("enabled",))
TYPES = FigureSpec("types", "Types", ("type",), GroupKind.OVERLAP, trials="active")
TOTAL = FigureSpec("total", "Total", (), GroupKind.PARTITION, public_measures=("jobs",))


def cells(sizes: dict[str, int], week: date = WEEK, **measures: float) -> list[Cell]:
    return [Cell(week, (name,), n, dict(measures)) for name, n in sizes.items()]


def groups(figure: Figure) -> dict[str, int]:
    return {row.group[0]: row.installations for row in figure.rows}


def test_small_groups_merge_into_other() -> None:
    """Groups under k become 'other' when together they reach k; the rest is untouched."""
    figure = publish(MODES, cells({"docker": 40, "pi": 3, "standalone": 2, "homeassistant": 20}), k=5)
    assert groups(figure) == {"docker": 40, "homeassistant": 20, "other": 5}


def test_other_is_topped_up_with_the_next_smallest_group() -> None:
    """A lone small group is never 'other' alone: the next smallest group joins it, so nobody can subtract."""
    figure = publish(MODES, cells({"docker": 40, "pi": 3, "standalone": 9, "homeassistant": 20}), k=5)
    assert groups(figure) == {"docker": 40, "homeassistant": 20, "other": 12}


def test_small_groups_join_a_real_other_group_first() -> None:
    """The registry's own 'other' value absorbs small groups before any other group has to."""
    figure = publish(MODES, cells({"docker": 40, "pi": 3, "other": 6, "standalone": 9}), k=5)
    assert groups(figure) == {"docker": 40, "standalone": 9, "other": 9}


def test_week_smaller_than_k_publishes_nothing() -> None:
    """A week with fewer than k installations in total yields no rows at all."""
    assert publish(MODES, cells({"docker": 3, "pi": 1}), k=5).rows == ()
    assert publish(TOTAL, [Cell(WEEK, (), 4, {"jobs": 10})], k=5).rows == ()
    assert publish(TOTAL, [Cell(WEEK, (), 5, {"jobs": 10})], k=5).rows[0].measures == {"jobs": 10}


def test_partition_shares_carry_wilson_intervals_and_sample_sizes() -> None:
    """Each partition row's share is its installations over the week's total, with the Wilson interval."""
    figure = publish(MODES, cells({"docker": 30, "pi": 10}), k=5)
    docker = next(row for row in figure.rows if row.group == ("docker",))
    assert docker.installations == 30
    assert docker.share == wilson(30, 40)


def test_overlap_groups_and_their_complements_are_suppressed_under_k() -> None:
    """A feature used by 4 of 400, or by 396 of 400, describes 4 installations: suppressed; 0 and 400 are fine."""
    features = [Cell(WEEK, ("mqtt",), 400, {"enabled": 4}), Cell(WEEK, ("websockets",), 400, {"enabled": 396}),
                Cell(WEEK, ("library",), 400, {"enabled": 300}), Cell(WEEK, ("slicing",), 400, {"enabled": 0}),
                Cell(WEEK, ("upload",), 400, {"enabled": 400}), Cell(WEEK, ("timelapse",), 4, {"enabled": 2})]
    figure = publish(FEATURES, features, k=5)
    assert groups(figure) == {"library": 400, "slicing": 400, "upload": 400}
    library = next(row for row in figure.rows if row.group == ("library",))
    assert library.share == wilson(300, 400) and library.measures == {"enabled": 300}


def test_overlap_share_against_the_weeks_active_installations() -> None:
    """Printer types: installations with the type out of the week's active installations (a measure)."""
    figure = publish(TYPES, [Cell(WEEK, ("bambu_lab",), 60, {"active": 100}), Cell(WEEK, ("octoprint",), 4,
                                                                                  {"active": 100})], k=5)
    assert groups(figure) == {"bambu_lab": 60}
    assert figure.rows[0].share == wilson(60, 100)


def test_k_must_be_at_least_two() -> None:
    """k = 1 (or 0) would publish single installations: refused."""
    for k in (0, 1):
        with pytest.raises(ValueError, match="k must be"):
            publish(MODES, cells({"docker": 40}), k=k)


def test_figure_refuses_rows_under_k() -> None:
    """No code path can build a Figure holding a group smaller than k or a share exposing fewer than k."""
    with pytest.raises(KAnonymityViolation):
        Figure(MODES, 5, (PublishedRow(WEEK, ("pi",), 4, None, None, {}),))
    with pytest.raises(KAnonymityViolation):
        Figure(FEATURES, 5, (PublishedRow(WEEK, ("mqtt",), 400, wilson(3, 400), None, {}),))


@settings(max_examples=300, deadline=None)
@given(sizes=st.dictionaries(st.sampled_from(["docker", "pi", "standalone", "homeassistant", "other", "x", "y"]),
                             st.integers(min_value=1, max_value=30), min_size=1),
       k=st.integers(min_value=2, max_value=12))
def test_partition_property(sizes: dict[str, int], k: int) -> None:
    """Whatever the groups: every published group has at least k installations, the total is kept whenever
    anything is published, no original small group survives under its own name, and the gate is idempotent."""
    raw = cells(sizes)
    safe = anonymous_cells(MODES, raw, k)
    total = sum(sizes.values())
    if total < k:
        assert safe == []
        return
    assert all(cell.installations >= k for cell in safe)
    assert sum(cell.installations for cell in safe) == total
    assert not {name for name, n in sizes.items() if n < k and name != "other"} & {c.group[0] for c in safe}
    assert anonymous_cells(MODES, safe, k) == safe
    assert publish(MODES, raw, k).rows  # and Figure accepted it


@settings(max_examples=200, deadline=None)
@given(enabled=st.lists(st.integers(min_value=0, max_value=60), min_size=1, max_size=8),
       reporting=st.integers(min_value=1, max_value=60), k=st.integers(min_value=2, max_value=10))
def test_overlap_property(enabled: list[int], reporting: int, k: int) -> None:
    """Every published overlap share has successes and complement each 0 or at least k."""
    raw = [Cell(WEEK, (f"f{i}",), reporting, {"enabled": min(e, reporting)}) for i, e in enumerate(enabled)]
    for row in publish(FEATURES, raw, k).rows:
        assert row.share is not None
        for part in (row.share.successes, row.share.trials - row.share.successes):
            assert part == 0 or part >= k
