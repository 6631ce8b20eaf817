"""The host app's route templates, and the template of the route that served a request.

A request is labelled from what routing left in its ASGI scope, never from its path: Starlette puts the
matched route object in ``scope["route"]``. That object's own ``path`` is not always the template: since
FastAPI 0.137 ``include_router`` nests routers, so a route included under ``/api/v1/printers`` reports
``/{printer_id}``, and one router included twice is one object under two prefixes (FastAPI then leaves its
effective route context in ``scope["fastapi"]``); and for plain Starlette routes and mounts (``/docs``, a
static mount at ``/``) FastAPI's router leaves no route at all, only ``scope["endpoint"]``. So the table
walks ``app.routes`` once (included routers, mounts, sub-applications, host routes) and maps each route
object, route context and endpoint to its full template; a request usually costs one dict lookup. The walk
is redone when the app's routes change: when the top-level route count changes, or when a request matched
a route the table does not know yet.

Templates use Starlette's ``path_format`` (``/files/{name}``, not ``/files/{name:path}``); a mount is
``/prefix/{path}``. WebSocket routes are left out: only HTTP requests are counted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, MutableMapping
from dataclasses import dataclass, field, replace
from functools import cache
from time import monotonic
from typing import Any

from printernizer_stats.host.instrumentation._request_durations import UNMATCHED
from printernizer_stats.registry import OTHER

_MAX_REMEMBERED_MISSES = 256
_MOUNT_TAIL = "/{path}"
EXCLUDED = ""
"""The label of routes under the table's excluded prefix (the privacy API's own): such requests are not counted."""


Entries = dict[int, list[tuple[object, str]]]
"""id(object) -> [(object, template)]: more than one entry when one object serves several templates."""


@dataclass(frozen=True, slots=True)
class _Snapshot:
    by_route: Entries = field(default_factory=dict)
    """Route objects, as routing leaves them in ``scope["route"]``."""
    by_context: Entries = field(default_factory=dict)
    """FastAPI route contexts, as left in ``scope["fastapi"]["effective_route_context"]``."""
    by_endpoint: Entries = field(default_factory=dict)
    """Endpoints and mounted apps, as left in ``scope["endpoint"]`` (FastAPI sets no route for those)."""
    mounts: dict[str, str] = field(default_factory=dict)
    """Mount path -> mount template (``/sub`` -> ``/sub/{path}``): the stock instrumentation labels by the former."""
    top_level_count: int = 0
    templates: frozenset[str] = frozenset()
    unique_route: dict[int, tuple[object, str]] = field(default_factory=dict)
    unique_endpoint: dict[int, tuple[object, str]] = field(default_factory=dict)
    built: float = field(default_factory=monotonic)
    misses: set[object] = field(default_factory=set)
    """Lookups that failed right after this walk: they do not trigger another one."""
    excluded: str | None = None
    """Templates at or under this prefix are labelled :data:`EXCLUDED` (decided here, once per walk)."""

    def finished(self) -> _Snapshot:
        """This walk with its derived lookups filled in."""
        templates = frozenset(template for entries in self.by_route.values() for _, template in entries
                              if template != EXCLUDED)
        return replace(self, templates=templates, unique_route=_unique(self.by_route),
                       unique_endpoint=_unique(self.by_endpoint))


def _unique(entries: Entries) -> dict[int, tuple[object, str]]:
    return {key: found[0] for key, found in entries.items() if len(found) == 1}


@cache
def _starlette_kinds() -> tuple[type[Any], type[Any], type[Any]]:
    from starlette.routing import Host, Mount, WebSocketRoute  # noqa: PLC0415 - only hosts with Starlette get here

    return Host, Mount, WebSocketRoute


def _walk(routes: Iterable[Any], prefix: str, snapshot: _Snapshot) -> None:
    for route in routes:
        contexts = getattr(route, "effective_route_contexts", None)
        if callable(contexts):  # FastAPI >= 0.137: an included router
            for context in contexts():
                effective = getattr(context, "starlette_route", None) or context
                _add(effective, [effective, getattr(context, "original_route", None)], context, prefix, snapshot)
        else:
            _add(route, [route], None, prefix, snapshot)


def _put(entries: Entries, key: object, template: str) -> None:
    if key is None:
        return
    found = entries.setdefault(id(key), [])
    if not any(obj is key and known == template for obj, known in found):
        found.append((key, template))


def _add(route: Any, keys: list[Any], context: Any, prefix: str, snapshot: _Snapshot) -> None:
    host, mount, websocket = _starlette_kinds()
    if isinstance(route, websocket):
        return
    if isinstance(route, host):
        _walk(route.routes, prefix, snapshot)
        return
    path_format = getattr(route, "path_format", None)
    if not isinstance(path_format, str):
        return
    template = prefix + path_format
    if snapshot.excluded is not None and (template == snapshot.excluded
                                          or template.startswith(snapshot.excluded + "/")):
        template = EXCLUDED
    for key in keys:
        _put(snapshot.by_route, key, template)
    _put(snapshot.by_context, context, template)
    is_mount = isinstance(route, mount)
    _put(snapshot.by_endpoint, route.app if is_mount else getattr(route, "endpoint", None), template)
    if is_mount:
        snapshot.mounts[prefix + path_format.removesuffix(_MOUNT_TAIL)] = template
        _walk(route.routes, prefix + path_format.removesuffix(_MOUNT_TAIL), snapshot)


class RouteTable:
    """Route templates of a Starlette/FastAPI app, kept in step with its routes.

    Args:
        app: the host app (anything with ``routes``, as Starlette and FastAPI apps have).
        excluded_prefix: routes at or under it (the privacy API's own) are labelled :data:`EXCLUDED`, and
            are not among :meth:`templates`.
    """

    def __init__(self, app: Any, excluded_prefix: str | None = None) -> None:
        self._app = app
        self._excluded = excluded_prefix.rstrip("/") if excluded_prefix else None
        self.rebuild()

    def rebuild(self) -> None:
        """Walk the app's routes again (done by itself when they change)."""
        routes = list(getattr(self._app, "routes", []))
        snapshot = _Snapshot(top_level_count=len(routes), excluded=self._excluded)
        _walk(routes, "", snapshot)
        # One assignment: a request or the reader thread sees the old table or the new one, never half.
        self._snapshot = snapshot.finished()

    def templates(self) -> frozenset[str]:
        """The app's HTTP route templates as they are now (the values ``http.route`` may take)."""
        if len(getattr(self._app, "routes", ())) != self._snapshot.top_level_count:
            self.rebuild()
        return self._snapshot.templates

    def label(self, scope: MutableMapping[str, Any]) -> str:
        """The template of the route that served ``scope`` (after routing), ``unmatched``, or ``other``."""
        route = scope.get("route")
        entry = self._snapshot.unique_route.get(id(route))
        if entry is not None and entry[0] is route:  # the common case: one lookup
            return entry[1]
        fastapi_scope = scope.get("fastapi")
        context = fastapi_scope.get("effective_route_context") if type(fastapi_scope) is dict else None
        endpoint = scope.get("endpoint")
        if route is None and context is None and endpoint is None:
            return UNMATCHED
        template = self._lookup(route, context, endpoint)
        if template is None:
            template = self._after_miss((id(route), id(context), id(endpoint)),
                                        lambda: self._lookup(route, context, endpoint))
        return OTHER if template is None else template

    def known(self, label: object) -> str:
        """``label`` if it is one of the app's templates (a mount's path counts as its template), :data:`EXCLUDED`
        under the excluded prefix, else ``other``.

        A guard for labels made by others (the stock instrumentation falls back to raw paths for host routes).
        """
        found = self._known(label)
        if found is None:
            found = self._after_miss(hash(str(label)), lambda: self._known(label))  # a hash: no raw paths kept
        return OTHER if found is None else found

    def _known(self, label: object) -> str | None:
        if not isinstance(label, str):
            return None
        if self._excluded is not None and (label == self._excluded or label.startswith(self._excluded + "/")):
            return EXCLUDED
        snapshot = self._snapshot
        return label if label in snapshot.templates else snapshot.mounts.get(label)

    def _lookup(self, route: object, context: object, endpoint: object) -> str | None:
        """Route object first, then FastAPI's route context, then the endpoint; ``None`` if none is certain."""
        snapshot = self._snapshot
        entry = snapshot.unique_route.get(id(route))
        if entry is not None and entry[0] is route:
            return entry[1]
        contexts = snapshot.by_context.get(id(context))
        if contexts is not None and contexts[0][0] is context:
            return contexts[0][1]
        if route is None:  # FastAPI leaves no route for plain routes and mounts, only their endpoint
            entry = snapshot.unique_endpoint.get(id(endpoint))
            if entry is not None and entry[0] is endpoint:
                return entry[1]
        return None  # not known yet, or one object serving several templates with nothing to tell them apart

    def _after_miss(self, miss: object, lookup: Callable[[], str | None]) -> str | None:
        """Walk the routes again once per new miss (routes added since); remember misses that stay misses.

        Past ``_MAX_REMEMBERED_MISSES`` distinct misses, walks happen at most once a second.
        """
        snapshot = self._snapshot
        if miss in snapshot.misses:
            return None
        if len(snapshot.misses) >= _MAX_REMEMBERED_MISSES and monotonic() - snapshot.built < 1.0:
            return None
        self.rebuild()
        found = lookup()
        if found is None and len(self._snapshot.misses) < _MAX_REMEMBERED_MISSES:
            self._snapshot.misses.add(miss)
        return found
