"""What the host's privacy page and the maintainers' dashboard share: the Jinja environment, and the charts'
vocabulary (shapes, the value axis) with the one function that writes them as SVG.

A leaf: it imports nothing of ours, so both sides may import it without importing each other.
"""

from printernizer_stats.pages._axis import ROUND_MAXIMA, WHOLE_STEPS, Axis, count_axis, nice, scale_axis, value_axis
from printernizer_stats.pages._svg import Circle, Naming, Path, Polygon, Polyline, Rect, Rule, Shape, Text, num, svg
from printernizer_stats.pages._templates import page_environment

__all__ = [
    "ROUND_MAXIMA",
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
    "nice",
    "num",
    "page_environment",
    "scale_axis",
    "svg",
    "value_axis",
]
