"""The one value axis: counts tick in whole 1/2/5 steps, shares and rates get a round maximum in 4 or 5 steps."""

from __future__ import annotations

import pytest

from printernizer_stats.pages import ROUND_MAXIMA, WHOLE_STEPS, Axis, count_axis, nice, scale_axis, value_axis


@pytest.mark.parametrize(("value", "step"), [(0, 1), (0.4, 1), (1, 1), (1.5, 2), (2.25, 5), (7, 10), (26, 50),
                                             (120, 200)])
def test_whole_steps_are_1_2_5_multiples(value: float, step: float) -> None:
    """Tick steps for counts are whole 1/2/5 x 10^n, at least the value (counts never get 2.5 ticks)."""
    assert nice(max(value, 1.0), WHOLE_STEPS) == step


def test_round_maxima_are_1_2_2_5_or_5_times_a_power_of_ten() -> None:
    """Axis maxima for shares and rates are 1, 2, 2.5 or 5 times a power of ten, at or above the data."""
    assert [nice(v, ROUND_MAXIMA) for v in (0, 0.3, 7, 12, 180, 2600)] == [1.0, 0.5, 10.0, 20.0, 200.0, 5000.0]


def test_a_count_axis_covers_the_largest_value_in_about_four_steps() -> None:
    """The top is a whole number of steps at or above the maximum; a fixed maximum is kept and ticked."""
    assert count_axis(9) == Axis(10, (0, 5, 10))
    assert count_axis(0) == Axis(1, (0, 1))
    assert count_axis(3, fixed_max=7) == Axis(7, (0, 2, 4, 6, 7))
    assert count_axis(3, fixed_max=7, step=1) == Axis(7, (0, 1, 2, 3, 4, 5, 6, 7))


def test_a_scale_axis_divides_its_round_maximum_evenly() -> None:
    """Four steps for 1 and 2 x 10^n, five for 2.5 and 5 x 10^n; a cap (100 % for shares) is kept."""
    assert scale_axis(7) == Axis(10, (0, 2.5, 5, 7.5, 10))
    assert scale_axis(0.42).ticks == pytest.approx((0, 0.1, 0.2, 0.3, 0.4, 0.5))
    assert scale_axis(180).ticks == (0, 50, 100, 150, 200)
    assert scale_axis(1.03, cap=1.0) == Axis(1.0, (0, 0.25, 0.5, 0.75, 1.0))


def test_the_value_axis_draws_a_grid_line_and_a_label_at_each_tick() -> None:
    """Grid lines span the plot at each tick's height; labels sit left of the plot, right-aligned."""
    rules, texts = value_axis(Axis(10, (0, 5, 10)), 40, 552, lambda value: 100 - 8 * value, lambda v: f"{v:g}")
    assert [(r.x1, r.x2, r.y1, r.y2) for r in rules] == [(40, 552, 100, 100), (40, 552, 60, 60), (40, 552, 20, 20)]
    assert [(t.text, t.x, t.y, t.anchor, t.cls) for t in texts] == [
        ("0", 34, 104, "end", "axis"), ("5", 34, 64, "end", "axis"), ("10", 34, 24, "end", "axis")]
