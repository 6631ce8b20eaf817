"""RouteTable: full templates from nested routers and mounts, and the template of the route a request hit."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from fastapi import APIRouter, FastAPI, WebSocket
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Mount, Route

from printernizer_stats.host.instrumentation import UNMATCHED, RouteTable
from printernizer_stats.registry import OTHER
from tests._asgi import call_app


def _app_with_spy() -> tuple[FastAPI, list[MutableMapping[str, Any]]]:
    """A FastAPI app shaped like Printernizer's, and the scopes its requests left after routing."""
    app = FastAPI(redirect_slashes=False)
    printers = APIRouter()

    @printers.get("/{printer_id}")
    async def printer(printer_id: str) -> dict[str, str]:
        return {}

    @printers.get("/{printer_id}/files/{filename}/download")
    async def download(printer_id: str, filename: str) -> dict[str, str]:
        return {}

    printers.add_route("/{printer_id}/plain", lambda _request: PlainTextResponse("ok"))
    nested = APIRouter(prefix="/nested")

    @nested.get("/{item}")
    async def item(item: str) -> dict[str, str]:
        return {}

    printers.include_router(nested)
    app.include_router(printers, prefix="/api/v1/printers")
    app.include_router(printers, prefix="/api/v2/printers")  # one router object, two prefixes

    @app.websocket("/ws")
    async def ws(websocket: WebSocket) -> None:
        await websocket.close()

    sub = FastAPI()

    @sub.get("/items/{item_id}")
    async def sub_item(item_id: str) -> dict[str, str]:
        return {}

    app.mount("/sub", sub)
    app.mount("/static", app=PlainTextResponse("static"))
    scopes: list[MutableMapping[str, Any]] = []
    build = app.build_middleware_stack

    def spy_stack() -> Any:
        inner = build()

        async def spy(scope: Any, receive: Any, send: Any) -> None:
            await inner(scope, receive, send)
            scopes.append(scope)

        return spy

    app.build_middleware_stack = spy_stack  # type: ignore[method-assign]
    return app, scopes


def _labels(app: FastAPI, scopes: list[MutableMapping[str, Any]], table: RouteTable, *paths: str) -> list[str]:
    scopes.clear()
    call_app(app, [("GET", path) for path in paths])
    return [table.label(scope) for scope in scopes]


def test_templates_cover_included_nested_and_mounted_routes_but_not_websockets() -> None:
    """Every HTTP route appears with its full template; mounts as /prefix/{path}; /ws does not."""
    app, _ = _app_with_spy()
    templates = RouteTable(app).templates()
    assert {
        "/api/v1/printers/{printer_id}", "/api/v2/printers/{printer_id}/files/{filename}/download",
        "/api/v1/printers/nested/{item}", "/api/v2/printers/{printer_id}/plain", "/sub/items/{item_id}",
        "/sub/{path}", "/static/{path}",
    } <= templates
    assert "/ws" not in templates
    assert "/{printer_id}" not in templates  # a router-relative path is not a template


def test_labels_are_full_templates_never_router_relative_or_raw() -> None:
    """Requests are labelled with the template of the route that served them, whatever the nesting."""
    app, scopes = _app_with_spy()
    table = RouteTable(app)
    assert _labels(app, scopes, table,
                   "/api/v1/printers/My%20X1C", "/api/v2/printers/My%20X1C", "/api/v1/printers/p/files/a.3mf/download",
                   "/api/v2/printers/nested/x?q=secret", "/api/v1/printers/p/plain", "/sub/items/7", "/static/x.js",
                   "/docs", "/sub/not-there",
                   ) == [
        "/api/v1/printers/{printer_id}", "/api/v2/printers/{printer_id}",
        "/api/v1/printers/{printer_id}/files/{filename}/download", "/api/v2/printers/nested/{item}",
        "/api/v1/printers/{printer_id}/plain", "/sub/items/{item_id}", "/static/{path}",
        "/docs", "/sub/{path}",  # FastAPI leaves only the endpoint for plain routes and mounts
    ]


def test_requests_that_match_no_route_are_unmatched() -> None:
    """No route (an unknown path, a trailing slash with redirect_slashes off) reads as ``unmatched``."""
    app, scopes = _app_with_spy()
    table = RouteTable(app)
    assert _labels(app, scopes, table, "/nope/jane@example.com", "/api/v1/printers/p/") == [UNMATCHED, UNMATCHED]


def test_routes_added_after_the_table_was_built_are_found() -> None:
    """A route added later, also to a router included earlier, gets its template on its first request."""
    app, scopes = _app_with_spy()
    table = RouteTable(app)
    late = APIRouter()

    @late.get("/{x}/late")
    async def late_route(x: str) -> dict[str, str]:
        return {}

    app.include_router(late, prefix="/api/v1/late")
    assert "/api/v1/late/{x}/late" in table.templates()  # top-level count changed
    printers = next(r for r in app.router.routes if getattr(r, "original_router", None) is not None)
    router = printers.original_router

    @router.get("/{printer_id}/later")
    async def later(printer_id: str) -> dict[str, str]:
        return {}

    assert _labels(app, scopes, table, "/api/v2/printers/p/later") == ["/api/v2/printers/{printer_id}/later"]
    assert "/api/v1/printers/{printer_id}/later" in table.templates()


def test_one_endpoint_behind_two_plain_routes_is_other_not_a_guess() -> None:
    """When only an endpoint shared by two templates identifies the route, the label is ``other``."""
    app, scopes = _app_with_spy()

    def shared(_request: Any) -> PlainTextResponse:
        return PlainTextResponse("x")

    app.add_route("/one/{a}", shared)
    app.add_route("/two/{b}", shared)
    table = RouteTable(app)
    assert _labels(app, scopes, table, "/one/1", "/two/2") == [OTHER, OTHER]
    assert {"/one/{a}", "/two/{b}"} <= table.templates()


def test_a_plain_starlette_app_works_too() -> None:
    """The table only needs ``routes``: Starlette apps, mounts and routes are resolved the same way."""
    app = Starlette(routes=[Route("/files/{name:path}", lambda _r: PlainTextResponse("f")),
                            Mount("/api", routes=[Route("/users/{user_id:int}", lambda _r: PlainTextResponse("u"))])])
    table = RouteTable(app)
    assert table.templates() == {"/files/{name}", "/api/users/{user_id}", "/api/{path}"}


def test_known_accepts_templates_and_mount_paths_and_folds_the_rest() -> None:
    """Labels made elsewhere pass only if they are templates (a mount path reads as its template)."""
    app, _ = _app_with_spy()
    table = RouteTable(app)
    assert table.known("/api/v1/printers/{printer_id}") == "/api/v1/printers/{printer_id}"
    assert table.known("/sub") == "/sub/{path}"
    assert table.known("/api/v1/printers/Jane's X1C") == OTHER
    assert table.known(None) == OTHER
