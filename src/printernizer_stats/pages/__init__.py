"""What the host's privacy page and the maintainers' dashboard share: the Jinja environment, and the charts'
vocabulary (shapes, the value axis) with the one function that writes them as SVG, and how their one-line
summaries name a long list.

A leaf: it imports nothing of ours, so both sides may import it without importing each other.
"""

from printernizer_stats.pages._axis import ROUND_MAXIMA, WHOLE_STEPS, Axis, count_axis, nice, scale_axis, value_axis
from printernizer_stats.pages._svg import Circle, Naming, Path, Polygon, Polyline, Rect, Rule, Shape, Text, num, svg
from printernizer_stats.pages._templates import page_environment
from printernizer_stats.pages._text import MORE, SHOWN, first_few

__all__ = [
    "MORE",
    "ROUND_MAXIMA",
    "SHOWN",
    "WHOLE_STEPS",
    "Axis",
    "Circle",
    "Naming",
    "Path",
    "Polygon",
    "Polyline",
    "Rect",
    "Rule",
    "Shape",
    "Text",
    "count_axis",
    "first_few",
    "nice",
    "num",
    "page_environment",
    "scale_axis",
    "svg",
    "value_axis",
]
