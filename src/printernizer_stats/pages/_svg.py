"""Charts as shapes, and the one place they become SVG: server-rendered, no JavaScript, every text escaped.

A page builds a chart as a tuple of shapes (rectangles, texts, rules, polylines, polygons, circles, paths),
each with its CSS classes (the stylesheet gives colours per scheme; no colour is written into the SVG) and,
where the mark has a tooltip, a ``title`` (an SVG ``<title>``, which browsers show natively). :func:`svg`
writes them out as one image to assistive technology, named by the page's visible title element
(``{ident}-title``) and the one-line summary in the SVG's ``<desc>`` (``{ident}-summary``), with the data
table beside it as its details (``{ident}-data``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape


@dataclass(frozen=True, slots=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    cls: str
    title: str = ""
    """The tooltip, e.g. ``2026-W47 completed: 12``; none if empty."""
    rx: float = 0


@dataclass(frozen=True, slots=True)
class Text:
    x: float
    y: float
    text: str
    cls: str
    anchor: str = "start"


@dataclass(frozen=True, slots=True)
class Rule:
    """A straight line, e.g. a grid line at a tick."""

    x1: float
    y1: float
    x2: float
    y2: float
    cls: str = "grid"


@dataclass(frozen=True, slots=True)
class Polyline:
    points: Sequence[tuple[float, float]]
    cls: str


@dataclass(frozen=True, slots=True)
class Polygon:
    points: Sequence[tuple[float, float]]
    cls: str


@dataclass(frozen=True, slots=True)
class Circle:
    cx: float
    cy: float
    r: float
    cls: str
    title: str = ""


@dataclass(frozen=True, slots=True)
class Path:
    d: str
    """Path data, numbers and commands only (built by the caller from coordinates)."""
    cls: str


Shape = Rect | Text | Rule | Polyline | Polygon | Circle | Path


@dataclass(frozen=True, slots=True)
class Naming:
    """How assistive technology names a chart: ``{ident}-title`` (the visible title, in the page) followed by the
    one-line ``summary`` (the SVG's ``<desc>``); ``{ident}-data`` is the data table beside it (``aria-details``)."""

    ident: str
    summary: str


def num(value: float) -> str:
    """A coordinate as written: at most two decimals, no trailing zeros (``40``, ``47.25``, ``-3.5``)."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _points(points: Iterable[tuple[float, float]]) -> str:
    return " ".join(f"{num(x)},{num(y)}" for x, y in points)


def _titled(tag: str, attributes: str, title: str) -> str:
    if not title:
        return f"<{tag} {attributes}/>"
    return f"<{tag} {attributes}><title>{escape(title)}</title></{tag}>"


def _shape(shape: Shape) -> str:
    cls = f'class="{escape(shape.cls)}"'
    match shape:
        case Rect():
            rx = f' rx="{num(shape.rx)}"' if shape.rx else ""
            return _titled("rect", f'{cls} x="{num(shape.x)}" y="{num(shape.y)}" width="{num(shape.width)}" '
                                   f'height="{num(shape.height)}"{rx}', shape.title)
        case Text():
            return (f'<text {cls} x="{num(shape.x)}" y="{num(shape.y)}" text-anchor="{escape(shape.anchor)}">'
                    f"{escape(shape.text)}</text>")
        case Rule():
            return (f'<line {cls} x1="{num(shape.x1)}" x2="{num(shape.x2)}" y1="{num(shape.y1)}" '
                    f'y2="{num(shape.y2)}"/>')
        case Polyline():
            return f'<polyline {cls} points="{_points(shape.points)}"/>'
        case Polygon():
            return f'<polygon {cls} points="{_points(shape.points)}"/>'
        case Circle():
            return _titled("circle", f'{cls} cx="{num(shape.cx)}" cy="{num(shape.cy)}" r="{num(shape.r)}"',
                           shape.title)
        case Path():
            return f'<path {cls} d="{escape(shape.d)}"/>'


def svg(shapes: Iterable[Shape], width: float, height: float, naming: Naming, cls: str = "chart") -> Markup:
    """The chart as one accessible SVG image of ``width`` x ``height`` user units (it scales with its box)."""
    ident = escape(naming.ident)
    opening = (f'<svg class="{escape(cls)}" viewBox="0 0 {num(width)} {num(height)}" role="img" focusable="false" '
               f'aria-labelledby="{ident}-title {ident}-summary" aria-details="{ident}-data" '
               f'xmlns="http://www.w3.org/2000/svg"><desc id="{ident}-summary">{escape(naming.summary)}</desc>')
    # Every text above and in _shape went through escape(); the rest are numbers and fixed markup.
    return Markup(opening + "".join(_shape(shape) for shape in shapes) + "</svg>")  # noqa: S704
