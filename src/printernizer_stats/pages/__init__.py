"""What the host's privacy page and the maintainers' dashboard share: the Jinja environment and the SVG charts.

A leaf: it imports nothing of ours, so both sides may import it without importing each other.
"""

from printernizer_stats.pages._templates import page_environment

__all__ = ["page_environment"]
