"""The one SVG writer: every text escaped, an accessible image named by title and summary, numbers compact;
and how a summary names a long list."""

from __future__ import annotations

import re

from printernizer_stats.pages import Circle, Naming, Path, Polygon, Polyline, Rect, Rule, Text, first_few, num, svg

NAMING = Naming("figure-x", 'shares of "2.44.0" & <others>')


def test_coordinates_are_written_with_at_most_two_decimals() -> None:
    assert [num(v) for v in (40, 40.0, 47.25, 65.3333, -0.001, 12.5)] == ["40", "40", "47.25", "65.33", "0", "12.5"]


def test_the_image_is_named_by_its_title_and_summary_and_details_its_table() -> None:
    """role=img, the page's ``-title`` element and the ``<desc>`` summary name it; ``-data`` is its table."""
    out = str(svg([], 560, 200, NAMING, cls="svg-chart"))
    opening = out[: out.index(">") + 1]
    assert opening.startswith('<svg class="svg-chart" viewBox="0 0 560 200" role="img" focusable="false"')
    assert 'aria-labelledby="figure-x-title figure-x-summary" aria-details="figure-x-data"' in opening
    assert '<desc id="figure-x-summary">shares of &#34;2.44.0&#34; &amp; &lt;others&gt;</desc>' in out
    assert out.endswith("</svg>")


def test_each_shape_is_written_with_its_class_and_tooltip() -> None:
    shapes = [Rule(40, 10, 552, 10), Rect(1, 2, 3, 4.5, "bar s1", "W47 failed: 2", rx=2), Rect(0, 0, 10, 10, "key c0"),
              Text(5, 6, "W47", "axis", "middle"), Polyline([(1, 2), (3.25, 4)], "series c0"),
              Polygon([(1, 2), (3, 4), (5, 6)], "band c0"), Circle(7, 8, 2.2, "dot c0", "a: 1"),
              Path("M1,2H3", "whisker")]
    out = str(svg(shapes, 100, 50, NAMING))
    assert '<line class="grid" x1="40" x2="552" y1="10" y2="10"/>' in out
    assert '<rect class="bar s1" x="1" y="2" width="3" height="4.5" rx="2"><title>W47 failed: 2</title></rect>' in out
    assert '<rect class="key c0" x="0" y="0" width="10" height="10"/>' in out
    assert '<text class="axis" x="5" y="6" text-anchor="middle">W47</text>' in out
    assert '<polyline class="series c0" points="1,2 3.25,4"/>' in out
    assert '<polygon class="band c0" points="1,2 3,4 5,6"/>' in out
    assert '<circle class="dot c0" cx="7" cy="8" r="2.2"><title>a: 1</title></circle>' in out
    assert '<path class="whisker" d="M1,2H3"/>' in out


def test_every_text_is_escaped() -> None:
    """Labels, tooltips and classes with markup are text in the SVG, never markup."""
    hostile = '"><script>x</script>'
    out = str(svg([Text(0, 0, hostile, "axis"), Rect(0, 0, 1, 1, "bar", hostile), Circle(0, 0, 1, hostile, hostile)],
                  10, 10, Naming(hostile, hostile)))
    assert "<script>" not in out and out.count("&lt;script&gt;") == 9
    assert not re.search(r'(fill|stroke)="#', out)


def test_a_summary_names_the_first_three_and_counts_the_rest() -> None:
    assert first_few(["a 5", "b 3", "c 2", "d 1", "e 1"]) == ("a 5, b 3, c 2", ", and 2 more")
    assert first_few(["a 5", "b 3", "c 2"]) == ("a 5, b 3, c 2", "")
    assert first_few(["a"], ", dazu {n} weitere", shown=0) == ("", ", dazu 1 weitere")
