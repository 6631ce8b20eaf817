"""How both pages' chart summaries name a long list: the first few items, then how many more there are.

A summary is one line a screen reader says after the chart's title, so it names the largest or latest few
(``bambu_lab 61 %, prusa_core 30 %, octoprint 9 %``) and counts the rest (``, and 3 more``).
"""

from __future__ import annotations

from collections.abc import Sequence

SHOWN = 3
"""Items a summary names; the rest are counted."""
MORE = ", and {n} more"
"""The count of the rest, filled in with ``str.format`` (the privacy page passes its translation)."""


def first_few(items: Sequence[str], more: str = MORE, shown: int = SHOWN) -> tuple[str, str]:
    """The first ``shown`` items joined with commas, and ``more`` for the rest ("" if there is none)."""
    rest = len(items) - shown
    return ", ".join(items[:shown]), more.format(n=rest) if rest > 0 else ""
