"""A ``Counter`` shaped like ``prometheus_client.Counter``, which Printernizer's ``src/main.py`` imports.

The stand-in's main module imports it under the same name, so that a snippet binding ``Counter`` to
something else (``from collections import Counter``) breaks the stand-in as it breaks Printernizer.
Its constructor takes what prometheus_client's takes (name, documentation, label names) and refuses the
rest as that one does.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")


class Counter:
    """``Counter(name, documentation, labelnames)``; ``labels(...).inc()`` as in prometheus_client."""

    def __init__(self, name: str, documentation: str, labelnames: Sequence[str] = ()) -> None:
        if not isinstance(name, str) or not _NAME.match(name):
            raise ValueError(f"Invalid metric name: {name!r}")
        self.name = name
        self.documentation = documentation
        self.labelnames = tuple(labelnames)
        self.value = 0.0

    def labels(self, *_values: str, **_named: str) -> Counter:
        return self

    def inc(self, amount: float = 1.0) -> None:
        self.value += amount
