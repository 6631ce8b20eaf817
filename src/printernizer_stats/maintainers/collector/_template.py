"""Templates of the files the collector package generates (``templates/``), filled in with ``$name``.

``string.Template`` from the standard library (the collector's configuration is generated on the client's
light install too, without Jinja), with one change: only lower-case ``$name`` is a placeholder, so the
collector's own environment syntax ``${env:NAME}`` passes through as written, and a placeholder the
renderer does not fill in is an error (``substitute`` raises ``KeyError``), not a silent gap.
"""

from __future__ import annotations

import re
import string
from importlib import resources


class FileTemplate(string.Template):
    """``$name`` (lower case) is a placeholder; ``$$`` a dollar sign; anything else after ``$`` is text."""

    flags = re.NOFLAG  # case-sensitive: ``$Name`` is text
    pattern = r"""
        \$(?:
          (?P<escaped>\$) |
          (?P<named>[a-z][a-z0-9_]*) |
          (?P<braced>(?!)) |
          (?P<invalid>(?!))
        )
    """  # type: ignore[assignment]


def load_template(name: str, package: str = "printernizer_stats.maintainers.collector") -> FileTemplate:
    """``templates/<name>`` of ``package``."""
    return FileTemplate((resources.files(package) / "templates" / name).read_text("utf-8"))
