"""The dashboard's colours meet WCAG AA in both schemes: text 4.5:1, chart marks and control borders 3:1.

axe-core checks the HTML text in the browser tests; these pairs add the SVG (axis labels, lines, bars, flag
rings, whiskers), control borders, focus rings and the states no browser test shows.
"""

from __future__ import annotations

from importlib import resources

import pytest

from printernizer_stats.maintainers.analytics._charts import PALETTE_SIZE
from tests.contrast import NON_TEXT, TEXT, schemes, shortfalls

CSS = resources.files("printernizer_stats.maintainers.analytics").joinpath("dashboard.css").read_text(encoding="utf-8")
SERIES = [f"--c{i}" for i in range(PALETTE_SIZE)] + ["--c-other", "--alert"]

PAIRS = [
    *((text, surface, TEXT) for text in ("--ink", "--muted", "--accent")
      for surface in ("--panel", "--page", "--alert-bg", "--calm-bg")),
    ("--on-badge", "--alert", TEXT), ("--on-badge", "--calm", TEXT),  # anomaly count and kind badges
    ("--on-accent", "--accent", TEXT),  # the sign-in button
    ("--alert", "--panel", TEXT),  # the sign-in error
    ("--head-ink", "--head", TEXT), ("--head-muted", "--head", TEXT),
    ("--axis", "--panel", TEXT), ("--ink", "--panel", TEXT),  # SVG axis labels, legend
    *((series, "--panel", NON_TEXT) for series in SERIES),  # lines, dots, bars, legend keys
    ("--alert", "--panel", NON_TEXT), ("--whisker", "--panel", NON_TEXT),  # flag rings, interval whiskers
    ("--control", "--panel", NON_TEXT), ("--head-line", "--head", NON_TEXT),  # input and button borders
    ("--focus", "--panel", NON_TEXT), ("--focus", "--page", NON_TEXT), ("--head-focus", "--head", NON_TEXT),
]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_colour_pair_meets_wcag_aa(scheme: str) -> None:
    assert shortfalls(schemes(CSS)[scheme], PAIRS) == []


def test_every_series_class_the_charts_use_has_a_colour_in_both_schemes() -> None:
    for scheme in schemes(CSS).values():
        assert all(name in scheme for name in SERIES)
    assert "svg .c-other { --c: var(--c-other); }" in CSS and f"svg .c{PALETTE_SIZE - 1} " in CSS
