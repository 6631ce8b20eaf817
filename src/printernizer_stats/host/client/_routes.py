"""The runtime value sets the exporter's filter checks against, with route templates read from live apps.

Routes may be added after an app is instrumented (also to routers included earlier), so the set of allowed
``http.route`` values is asked of each instrumented app's route table when the filter runs, on the
reader's thread, instead of being fixed at start-up. The union is cached while no table has changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from printernizer_stats.host.instrumentation import UNMATCHED, RouteTemplates
from printernizer_stats.registry.names import RuntimeSource

ROUTE_TEMPLATES = RuntimeSource.ROUTE_TEMPLATES
"""The registry's runtime source name for ``http.route`` (``allowed_values: runtime:route_templates``)."""


class RuntimeValueSets(Mapping[str, frozenset[str]]):
    """``{"route_templates": ...}`` for the exporter's filter: fixed templates, ``unmatched`` and live apps'.

    Args:
        route_templates: templates known without an app (the simulator's, or a host's fixed list).
    """

    def __init__(self, route_templates: Iterable[str] = ()) -> None:
        self._fixed = frozenset([*route_templates, UNMATCHED])
        self._providers: list[RouteTemplates] = []
        self._seen: tuple[frozenset[str], ...] = ()
        self._union = self._fixed

    def add_route_templates(self, provider: RouteTemplates) -> None:
        """Also allow whatever ``provider`` (an instrumented app's route table) gives, as it changes."""
        self._providers = [*self._providers, provider]

    def route_templates(self) -> frozenset[str]:
        current = tuple(provider() for provider in self._providers)
        # Tables hand out the same frozenset until their routes change: identity says "unchanged".
        if len(current) != len(self._seen) or any(a is not b for a, b in zip(current, self._seen, strict=False)):
            self._union = self._fixed.union(*current)
            self._seen = current
        return self._union

    def __getitem__(self, key: str) -> frozenset[str]:
        if key == ROUTE_TEMPLATES:
            return self.route_templates()
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter((ROUTE_TEMPLATES,))

    def __len__(self) -> int:
        return 1
