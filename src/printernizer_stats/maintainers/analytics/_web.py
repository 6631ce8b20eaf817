"""Analytics routes on the receiver: the maintainers' dashboard and JSON/CSV API (behind the receiver's
token), and the public community summary.

| route | who | what |
|---|---|---|
| ``GET /dashboard`` | token | the dashboard page (sign-in form without a session) |
| ``POST /dashboard/login``, ``/dashboard/logout`` | anyone | start or end a browser session |
| ``GET /v1/analytics`` | token | every published figure and the anomalies, JSON (``?k=``, ``?weeks=``) |
| ``GET /v1/analytics/figures/{name}[.csv]`` | token | one figure, JSON or CSV |
| ``GET /v1/analytics/insights`` | token | the anomalies (``?format=text``: the ``insights`` report) |
| ``GET /v1/summary`` | public | the community summary, cacheable (ETag) |
"""

from __future__ import annotations

from datetime import UTC, datetime
from importlib import resources
from typing import Annotated
from urllib.parse import parse_qs

from fastapi import APIRouter, Path, Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response

from printernizer_stats.contract import SUMMARY_PATH
from printernizer_stats.maintainers.analytics._auth import SESSION_COOKIE, DashboardAuth
from printernizer_stats.maintainers.analytics._export import figure_csv
from printernizer_stats.maintainers.analytics._figures import FIGURES_BY_NAME
from printernizer_stats.maintainers.analytics._insights import Insights, render_text
from printernizer_stats.maintainers.analytics._openapi import (
    ANALYTICS_API,
    FIGURE_API,
    FIGURE_NAMES,
    INSIGHTS_API,
    SUMMARY_API,
)
from printernizer_stats.maintainers.analytics._page import render_dashboard, render_template
from printernizer_stats.maintainers.analytics._service import AnalyticsService

PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
}
_PRIVATE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
_LOGIN_BODY_LIMIT = 4096
_CSS = resources.files("printernizer_stats.maintainers.analytics").joinpath("dashboard.css").read_bytes()


def _unauthorised() -> JSONResponse:
    return JSONResponse({"detail": "missing or wrong bearer token"}, 401,
                        {"WWW-Authenticate": "Bearer", **_PRIVATE})


def _bad_request(reason: str) -> JSONResponse:
    return JSONResponse({"detail": reason}, 400, _PRIVATE)


def _int(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    if not raw.isascii() or not raw.isdigit() or len(raw) > 4:
        raise ValueError(f"{name} must be a whole number")
    return int(raw)


def _login_page(error: str = "", status: int = 401) -> HTMLResponse:
    return HTMLResponse(render_template("login.html", error=error), status, PAGE_HEADERS)


def _insights(request: Request, service: AnalyticsService, auth: DashboardAuth) -> Insights | JSONResponse:
    """The insights for the request's ``?k=`` and ``?weeks=``, or the answer refusing it (401, 400)."""
    if not auth.authorised(request):
        return _unauthorised()
    try:
        return service.insights(_int(request, "k"), _int(request, "weeks"))
    except ValueError as exc:
        return _bad_request(str(exc))


def analytics_router(service: AnalyticsService, auth: DashboardAuth) -> APIRouter:
    """The routes in the module docstring, bound to ``service`` and ``auth``."""
    router = APIRouter()
    add_dashboard_routes(router, service, auth)
    add_analytics_api_routes(router, service, auth)
    add_summary_route(router, service)
    return router


def add_dashboard_routes(router: APIRouter, service: AnalyticsService, auth: DashboardAuth) -> None:
    """The dashboard page, its stylesheet, and the browser session's sign-in and sign-out."""

    @router.get("/dashboard", include_in_schema=False)
    def dashboard(request: Request) -> Response:
        if not auth.authorised(request):
            return _login_page()
        insights = service.insights()
        generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        return HTMLResponse(render_dashboard(insights, token_required=auth.required, generated=generated),
                            headers=PAGE_HEADERS)

    @router.get("/dashboard/dashboard.css", include_in_schema=False)
    def stylesheet() -> Response:
        return Response(_CSS, media_type="text/css", headers={"Cache-Control": "public, max-age=3600"})

    @router.post("/dashboard/login", include_in_schema=False)
    async def login(request: Request) -> Response:
        if not auth.required:
            return RedirectResponse("/dashboard", 303)
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > _LOGIN_BODY_LIMIT:
                return _login_page("The form was too large.", 413)
        token = parse_qs(body.decode("utf-8", "replace")).get("token", [""])[0]
        if not auth.token_matches(token):
            if await auth.wrong_token(request):
                return _login_page("Too many wrong tokens from this address: each is answered slowly now.", 429)
            return _login_page("That token is not right.")
        response = RedirectResponse("/dashboard", 303, headers={"Cache-Control": "no-store"})
        auth.set_session(request, response)
        return response

    @router.post("/dashboard/logout", include_in_schema=False)
    def logout(request: Request) -> Response:
        response = RedirectResponse("/dashboard", 303, headers={"Cache-Control": "no-store"})
        auth.revoke(request.cookies.get(SESSION_COOKIE))
        auth.end_session(request, response)
        return response


def add_analytics_api_routes(router: APIRouter, service: AnalyticsService, auth: DashboardAuth) -> None:
    """The token-protected JSON/CSV API: every figure and the anomalies, the anomalies alone, one figure."""

    @router.get("/v1/analytics", summary="Every published figure and the anomalies (k-anonymous)",
                openapi_extra=ANALYTICS_API)
    def analytics(request: Request) -> Response:
        found = _insights(request, service, auth)
        if isinstance(found, Response):
            return found
        return JSONResponse(found.to_json(), headers=_PRIVATE)

    @router.get("/v1/analytics/insights", summary="Anomalies, as JSON or as the insights report",
                openapi_extra=INSIGHTS_API)
    def insights(request: Request) -> Response:
        found = _insights(request, service, auth)
        if isinstance(found, Response):
            return found
        if request.query_params.get("format") == "text":
            return PlainTextResponse(render_text(found), headers=_PRIVATE)
        document = found.to_json()
        return JSONResponse({key: document[key] for key in ("window", "k", "anomalies")}, headers=_PRIVATE)

    @router.get("/v1/analytics/figures/{name}", summary="One published figure, JSON or CSV (name.csv)",
                openapi_extra=FIGURE_API)
    def figure(request: Request, name: Annotated[str, Path(
            description="A figure's name; name.csv for CSV.", json_schema_extra={"enum": FIGURE_NAMES})]) -> Response:
        if not auth.authorised(request):
            return _unauthorised()
        csv = name.endswith(".csv")
        spec = FIGURES_BY_NAME.get(name.removesuffix(".csv"))
        if spec is None:
            return JSONResponse({"detail": f"no figure {name!r}"}, 404, _PRIVATE)
        try:
            published = service.insights(_int(request, "k"), _int(request, "weeks")).figures[spec.name]
        except ValueError as exc:
            return _bad_request(str(exc))
        if csv:
            return Response(figure_csv(published), media_type="text/csv; charset=utf-8", headers={
                **_PRIVATE, "Content-Disposition": f'attachment; filename="{spec.name}.csv"'})
        return JSONResponse(published.to_json(), headers=_PRIVATE)


def add_summary_route(router: APIRouter, service: AnalyticsService) -> None:
    """The public community summary, answered 304 when the client's copy is current."""

    @router.get(SUMMARY_PATH, summary="Public community summary (k-anonymous, cacheable)",
                openapi_extra=SUMMARY_API)
    def summary(request: Request) -> Response:
        body, etag = service.summary()
        headers = {"ETag": etag, "Cache-Control": f"public, max-age={service.config.summary_max_age_s}",
                   "Access-Control-Allow-Origin": "*", "X-Content-Type-Options": "nosniff"}
        if etag in {tag.strip() for tag in request.headers.get("if-none-match", "").split(",")}:
            return Response(status_code=304, headers=headers)
        return Response(body, media_type="application/json", headers=headers)

