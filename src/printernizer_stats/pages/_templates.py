"""The one Jinja environment both HTML pages are rendered with: the host's privacy page and the
maintainers' dashboard.

Every template is HTML, so autoescape is always on (not guessed from the file name); an undefined name is an
error, not an empty string (a typo must not render as a blank figure); block tags leave no blank lines.
Each side adds only its own filters and extensions.
"""

from __future__ import annotations

from collections.abc import Sequence

import jinja2


def page_environment(package: str, folder: str = "", extensions: Sequence[str] = ()) -> jinja2.Environment:
    """An environment for the templates in ``package``'s ``folder`` (``""``: the package's own folder)."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader(package, folder), autoescape=True, undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True, extensions=list(extensions),
    )
