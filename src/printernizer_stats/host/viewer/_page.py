"""The user's page: one Jinja template, one vendored stylesheet, one small script; served by the router.

Everything is rendered on the server (charts are inline SVG), so the page reads fine without JavaScript;
the script only adds the actions (opt in/out, settings, delete) and refreshes the page in place after
them. No CDN, no inline script or style: the page works under ``script-src 'self'; style-src 'self'``.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import posixpath
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources
from typing import Any

import structlog
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, pass_context

from printernizer_stats.host.viewer._backend import StatsBackend
from printernizer_stats.host.viewer._calls import UNEXPECTED
from printernizer_stats.host.viewer._charts import figure
from printernizer_stats.host.viewer._community import compare, errors_line
from printernizer_stats.host.viewer._dashboard import (
    FEATURES,
    charts,
    features_used,
    humanize,
    key_figures,
    week_metrics,
)
from printernizer_stats.host.viewer._i18n import (
    LANGUAGES,
    choose_language,
    number,
    script_messages,
    template_callables,
    translate,
)
from printernizer_stats.pages import page_environment
from printernizer_stats.registry import privacy_items, registry_texts, utc_today, week_label, week_start
from printernizer_stats.registry.names import Metric

_log = structlog.get_logger(__name__)

ASSETS = {"viewer.css": "text/css; charset=utf-8", "viewer.js": "text/javascript; charset=utf-8"}
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'self'"
)
PRIVATE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}


@dataclass(frozen=True, slots=True)
class Part:
    """One backend answer for the page: the data, or why it is missing."""

    data: Any = None
    error: str | None = None


def _part(backend: StatsBackend, fn: Callable[[], Any]) -> Part:
    try:
        return Part(fn())
    except backend.unavailable_errors as exc:
        return Part(error=f"unavailable: {exc}")
    except Exception as exc:
        _log.error("usage_stats.page_part_failed", error=type(exc).__name__)
        return Part(error=UNEXPECTED)


def _latest_with(summary: Mapping[str, Any], metric: str) -> Mapping[str, Any]:
    return next((w["metrics"] for w in reversed(summary.get("weeks", [])) if w["metrics"].get(metric)), {})


def page_context(backend: StatsBackend, collected: Mapping[str, Any], language: str = "en") -> dict[str, Any]:
    """Everything the template shows, read from the backend (blocking: call it in a worker thread)."""
    preview = _part(backend, backend.preview)  # first: it batches complete weeks, which the status counts
    status, summary = _part(backend, backend.status), _part(backend, backend.local_summary)
    history, settings = _part(backend, backend.history), _part(backend, backend.usage_settings)
    community = _part(backend, backend.community_summary)
    state: Mapping[str, Any] = status.data or {}
    example = _part(backend, backend.example_batch) if not state.get("opted_in") else Part()
    local: Mapping[str, Any] = summary.data or {}
    today = date.fromisoformat(local["as_of_day"]) if local else utc_today()
    registry = backend.registry
    return {
        "status": status, "summary": summary, "preview": preview, "history": history, "settings": settings,
        "state": state, "local": local, "collected": collected, "today": today,
        "this_week_label": week_label(week_start(today)),
        "opted_in": bool(state.get("opted_in")), "dnt": bool(state.get("do_not_track")),
        "outdated": bool(state.get("opted_in"))
        and state.get("consent_version", 0) < state.get("registry_consent_version", 0),
        "tiles": key_figures(registry, week_metrics(local, week_start(today)),
                             week_metrics(local, week_start(today) - timedelta(weeks=1))),
        "charts": charts(local, today, lambda message: translate(language, message)),
        "features": features_used(registry, _latest_with(local, FEATURES)),
        "community": community, "comparisons": compare(community.data or {}, language),
        "community_errors": errors_line(community.data or {}, language),
        "preview_json": json.dumps(preview.data["otlp_json"], indent=2)
        if preview.data and preview.data.get("otlp_json") else None,
        "example": example, "example_facts": example_facts(example.data),
        "example_json": json.dumps(example.data["otlp_json"], indent=2) if example.data else None,
    }


def _gauge_points(metrics: list[Any], name: str) -> list[tuple[str, int]]:
    points: list[Any] = next((m.get("gauge", {}).get("dataPoints", []) for m in metrics if m["name"] == name), [])
    return [(next((a["value"].get("stringValue", "") for a in p.get("attributes", [])), ""),
             int(p.get("asInt", 0))) for p in points]


def example_facts(example: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """The example's resource as decoded from its bytes (wire order), then its printers and features."""
    if not example:
        return []
    batch = example["otlp_json"]["resourceMetrics"][0]
    resource = batch.get("resource", {}).get("attributes", [])
    facts = [(a["key"], str(a["value"].get("stringValue", ""))) for a in resource]
    metrics = batch["scopeMetrics"][0].get("metrics", []) if batch.get("scopeMetrics") else []
    printers = ", ".join(f"{kind} {n}" for kind, n in _gauge_points(metrics, Metric.PRINTERS))
    features = ", ".join(name for name, on in _gauge_points(metrics, Metric.FEATURES_ENABLED) if on)
    return [*facts, (Metric.PRINTERS, printers or "—"), (Metric.FEATURES_ENABLED, features or "—")]


def _environment() -> Environment:
    env = page_environment("printernizer_stats.host.viewer", "templates", extensions=["jinja2.ext.i18n"])
    # New-style gettext, whitespace-trimmed messages; the callables are handed in per render (the language).
    env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
    env.policies["ext.i18n.trimmed"] = True
    env.filters["figure"] = pass_context(lambda context, value: number(context.get("lang", "en"), figure(value)))
    env.filters["humanize"] = humanize
    env.filters["short_hash"] = lambda text: f"{text[:12]}…" if text else "—"
    # A label the code produced, in the page's language; escaped like any value (``_`` is for template text).
    env.filters["tr"] = pass_context(lambda context, text: translate(context.get("lang", "en"), str(text)))
    return env


def _assets() -> dict[str, tuple[bytes, str]]:
    static = resources.files("printernizer_stats.host.viewer") / "static"
    loaded = {}
    for name in ASSETS:
        body = (static / name).read_bytes()
        loaded[name] = (body, hashlib.sha256(body).hexdigest()[:12])
    return loaded


def relative_url(target: str, page: str) -> str:
    """``target`` relative to the page's path, so the page works behind any proxy prefix (HA Ingress).

    ``/api/v1/usage-stats/static/viewer.css`` from ``/api/v1/usage-stats/`` is ``static/viewer.css``.
    """
    base = page if page.endswith("/") else page.rsplit("/", 1)[0] + "/"
    relative = posixpath.relpath(target, base)
    if relative == ".":
        return "./"
    return f"{relative}/" if target.endswith("/") else relative


def host_link(host_page: str, page: str) -> str:
    """``host_page`` (``/#settings``) relative to the page, so it also works behind HA Ingress's prefix."""
    path, hash_mark, fragment = host_page.partition("#")
    return relative_url(path, page) + hash_mark + fragment


HOST_SETTINGS = "/#settings"
"""Printernizer's Settings page (its Privacy tab has the panel that links here), for the link back."""


def viewer_page(backend: StatsBackend, host_page: str | None = None) -> Callable[[Request], Any]:
    """The page's endpoint, for a route of the host's choosing (the router serves it at ``/``).

    ``host_page``: the host's page to link back to (an absolute path in the host app), or no link.
    """
    template = _environment().get_template("page.html")
    collected = {language: privacy_items(backend.registry, registry_texts(language)) for language in LANGUAGES}
    versions = {name: version for name, (_, version) in _assets().items()}

    async def page(request: Request) -> HTMLResponse:
        language = choose_language(request.query_params.get("lang"), request.headers.get("accept-language"))
        context = await asyncio.to_thread(page_context, backend, collected[language], language)
        here = request.url.path
        urls = {
            "api": relative_url(request.url_for("usage_stats_status").path.removesuffix("status"), here),
            **{name: f"{relative_url(request.url_for('usage_stats_asset', asset=name).path, here)}?v={v}"
               for name, v in versions.items()},
            "host": host_link(host_page, here) if host_page else None,
        }
        texts = {"lang": language, "script_messages": script_messages(language), **template_callables(language)}
        return HTMLResponse(template.render(urls=urls, **texts, **context), headers={
            **PRIVATE, "Content-Security-Policy": CONTENT_SECURITY_POLICY, "Content-Language": language,
            "Vary": "Accept-Language"})

    return page


def add_page_routes(router: APIRouter, backend: StatsBackend, host_page: str | None = HOST_SETTINGS) -> None:
    """The page at ``/`` (and the prefix without slash redirecting there) and its two assets."""
    assets = _assets()
    router.add_api_route("/", viewer_page(backend, host_page), methods=["GET"], name="usage_stats_page",
                         response_class=HTMLResponse, include_in_schema=False)

    async def to_page(request: Request) -> RedirectResponse:
        # Relative ("usage-stats/"), so it also lands right behind a proxy that adds a path prefix.
        return RedirectResponse(f"{request.url.path.rsplit('/', 1)[-1]}/", status_code=307)

    router.add_api_route("", to_page, methods=["GET"], include_in_schema=False)

    async def serve_asset(asset: str) -> Response:
        if asset not in assets:
            raise HTTPException(404, "no such asset")
        body, version = assets[asset]
        return Response(body, media_type=ASSETS[asset], headers={
            "Cache-Control": "public, max-age=86400", "ETag": f'"{version}"', "X-Content-Type-Options": "nosniff",
        })

    router.add_api_route("/static/{asset}", serve_asset, methods=["GET"], name="usage_stats_asset",
                         include_in_schema=False)
