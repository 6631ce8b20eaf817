"""The page's colours meet WCAG AA in both schemes: text 4.5:1, chart marks and control parts 3:1.

axe-core checks the text it sees in the browser tests; these pairs add what it cannot measure (SVG text and
bars, switch tracks and knobs, borders, focus rings) and the states no browser test shows.
"""

from __future__ import annotations

from importlib import resources

import pytest

from tests.contrast import NON_TEXT, TEXT, schemes, shortfalls

CSS = (resources.files("printernizer_stats.host.viewer") / "static" / "viewer.css").read_text(encoding="utf-8")

PAIRS = [
    # text on every surface it is shown on
    *((text, surface, TEXT) for text in ("--text", "--muted")
      for surface in ("--bg", "--card", "--accent-soft", "--line")),
    *(("--text", surface, TEXT) for surface in ("--warn-soft", "--danger-soft", "--ok-soft")),
    ("--accent", "--card", TEXT), ("--accent", "--bg", TEXT),  # links, the payload's summary
    ("--on-accent", "--accent", TEXT),  # primary buttons, the "You" badge
    ("--on-danger", "--danger", TEXT),  # the dialog's delete button, error announcements
    ("--danger", "--card", TEXT), ("--danger", "--danger-soft", TEXT),  # danger buttons, field errors, broken chain
    ("--ok", "--card", TEXT), ("--ok", "--ok-soft", TEXT),  # "accepted", the badge and chain when all is well
    ("--card", "--text", TEXT),  # announcements
    ("#d7e0ea", "#0f1720", TEXT),  # the payload (dark in both schemes)
    # chart marks, control parts and focus (non-text)
    *((series, "--card", NON_TEXT) for series in ("--s0", "--s1", "--s2")),
    ("--s0", "--line", NON_TEXT),  # share bar against its track
    ("--control", "--card", NON_TEXT), ("--accent", "--card", NON_TEXT),  # switch track off/on, borders
    ("#ffffff", "--control", NON_TEXT), ("--on-accent", "--accent", NON_TEXT),  # switch knob off/on
    ("--focus", "--card", NON_TEXT), ("--focus", "--bg", NON_TEXT),
]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_colour_pair_meets_wcag_aa(scheme: str) -> None:
    assert shortfalls(schemes(CSS)[scheme], PAIRS) == []


def test_the_dark_scheme_overrides_the_colours_it_must() -> None:
    """The parser sees both schemes: the dark accent is not the light one."""
    light, dark = schemes(CSS)["light"], schemes(CSS)["dark"]
    assert light["--accent"] != dark["--accent"] and light["--on-accent"] != dark["--on-accent"]
