"""WCAG 2.x contrast ratios, and the colour variables of a stylesheet in its light and dark schemes.

axe-core measures the text it can see in the page; this covers what it cannot: SVG text and marks,
control borders and focus rings (non-text contrast, WCAG 1.4.11: 3:1), and states no test brings on screen.
"""

from __future__ import annotations

import re

TEXT = 4.5
"""WCAG AA for normal text (1.4.3)."""
NON_TEXT = 3.0
"""WCAG AA for graphical objects and the parts of controls (1.4.11)."""

_ROOT = re.compile(r":root\s*\{([^}]*)\}")
_VARIABLE = re.compile(r"(--[\w-]+)\s*:\s*(#[0-9a-fA-F]{3,6})\b")
_DARK = "@media (prefers-color-scheme: dark)"


def luminance(colour: str) -> float:
    """Relative luminance of ``#rgb`` or ``#rrggbb`` (WCAG 2.x definition)."""
    hex_digits = colour.lstrip("#")
    if len(hex_digits) == 3:
        hex_digits = "".join(c * 2 for c in hex_digits)
    channels = [int(hex_digits[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def ratio(foreground: str, background: str) -> float:
    """The contrast ratio, 1 to 21."""
    lighter, darker = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def schemes(css: str) -> dict[str, dict[str, str]]:
    """``{"light": {"--text": "#..."}, "dark": {...}}``: the ``:root`` colour variables, the dark ones being the
    light ones overridden by the ``:root`` inside ``@media (prefers-color-scheme: dark)``."""
    dark_at = css.index(_DARK)
    light: dict[str, str] = {}
    dark: dict[str, str] = {}
    for block in _ROOT.finditer(css):
        values = dict(_VARIABLE.findall(block.group(1)))
        (dark if block.start() > dark_at else light).update(values)
    return {"light": light, "dark": {**light, **dark}}


def shortfalls(colours: dict[str, str], pairs: list[tuple[str, str, float]]) -> list[str]:
    """Each (foreground, background, minimum) pair below its minimum, as text; a name is a variable or a colour."""
    found = []
    for foreground, background, minimum in pairs:
        fg, bg = colours.get(foreground, foreground), colours.get(background, background)
        if not (fg.startswith("#") and bg.startswith("#")):
            found.append(f"{foreground} on {background}: not defined")
            continue
        measured = ratio(fg, bg)
        if measured < minimum:
            found.append(f"{foreground} {fg} on {background} {bg}: {measured:.2f} < {minimum}")
    return found
