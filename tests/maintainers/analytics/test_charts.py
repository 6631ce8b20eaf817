"""The dashboard's charts: labels escaped, gaps for weeks not published, axes that fit, named for assistive
technology."""

from __future__ import annotations

import re
from datetime import date, timedelta

from printernizer_stats.maintainers.analytics._charts import Bar, Line, Point, bar_chart, line_chart
from printernizer_stats.pages import Naming

WEEKS = [date(2026, 1, 5) + timedelta(weeks=i) for i in range(6)]
NAMING = Naming("figure-x", "a summary")


def test_labels_are_escaped() -> None:
    """A label with markup is text in the SVG, never markup."""
    svg = str(line_chart([Line("<script>x</script>", [Point(WEEKS[0], 1.0)])], WEEKS, NAMING))
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    bars = str(bar_chart([Bar('"><img src=x>', 0.5, 0.4, 0.6, 10)], NAMING))
    assert "<img" not in bars and "&lt;img" in bars


def test_unpublished_weeks_break_the_line() -> None:
    """Weeks missing from a series (not published at this k) split it into separate polylines."""
    points = [Point(WEEKS[i], 0.2) for i in (0, 1, 3, 4, 5)]
    assert str(line_chart([Line("a", points)], WEEKS, NAMING)).count("<polyline") == 2


def test_flagged_weeks_are_ringed_and_shares_stop_at_100_percent() -> None:
    """Flagged points get the alert ring; a share axis never runs past 100 %."""
    svg = str(line_chart([Line("a", [Point(WEEKS[0], 0.98, flagged=True)])], WEEKS, NAMING, percent=True))
    assert 'class="flag c0"' in svg and "100 %" in svg and "200 %" not in svg


def test_each_chart_is_an_image_named_by_its_title_and_summary() -> None:
    """role=img, named by the page's title element and the summary in its <desc>, its table as details."""
    naming = Naming("figure-versions", 'shares of "2.44.0" & <others>')
    for svg in (str(line_chart([Line("a", [Point(WEEKS[0], 0.5)])], WEEKS, naming)),
                str(bar_chart([Bar("a", 0.5)], naming))):
        opening = svg[: svg.index(">") + 1]
        assert 'role="img"' in opening
        assert 'aria-labelledby="figure-versions-title figure-versions-summary"' in opening
        assert 'aria-details="figure-versions-data"' in opening
        assert '<desc id="figure-versions-summary">shares of &#34;2.44.0&#34; &amp; &lt;others&gt;</desc>' in svg


def test_colours_are_classes_the_stylesheet_defines_per_scheme() -> None:
    """No colour is written into the SVG (it would ignore the dark scheme); series and "other" get classes."""
    svg = str(line_chart([Line("a", [Point(WEEKS[0], 0.5)]), Line("other", [Point(WEEKS[0], 0.2)])], WEEKS, NAMING))
    assert not re.search(r'(fill|stroke)="#', svg)
    assert 'class="series c0"' in svg or 'class="dot c0"' in svg
    assert 'class="dot c-other"' in svg
    assert 'class="bar alert"' in str(bar_chart([Bar("a", 0.5, flagged=True)], NAMING))
