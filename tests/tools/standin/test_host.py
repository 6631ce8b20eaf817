"""What broke inside the real Printernizer, reproduced by the stand-in: its routes, its error shape, its
Prometheus ``Counter``, its old privacy panel's calls and its startup-time connection events (issue 12)."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from printernizer_stats_tools.standin import StandInEventBus
from printernizer_stats_tools.standin._old_panel import OLD_PANEL_CALLS
from printernizer_stats_tools.standin._printernizer_routes import host_routers, host_routes
from printernizer_stats_tools.standin._prometheus import Counter as PrometheusCounter
from printernizer_stats_tools.standin.app import REQUEST_COUNT, create_standin_app, printers_by_type
from tests._asgi import call_app

README = Path(__file__).parents[3] / "README.md"


def test_the_whole_printernizer_route_table_is_served() -> None:
    """Every (method, template) of Printernizer's 26 routers is in the stand-in, the old usage stats excepted."""
    paths = create_standin_app().openapi()["paths"]
    routes = host_routes()
    missing = [(method, template) for method, template in routes if method.lower() not in paths.get(template, {})]
    assert missing == [] and len(routes) >= 225 and len(host_routers()) == 26
    old = set(host_routes(include_old_usage_stats=True)) - set(routes)
    assert {template for _, template in old} <= {"/api/v1/usage-stats", "/api/v1/usage-stats/local",
                                                 "/api/v1/usage-stats/opt-in", "/api/v1/usage-stats/opt-out",
                                                 "/api/v1/usage-stats/export", "/api/v1/usage-stats/status"}
    assert not any(template.startswith("/api/v1/usage-stats") for template in paths)


def test_http_exceptions_are_rewritten_in_printernizers_error_shape() -> None:
    """Routes' HTTPExceptions leave as {"status": "error", "message": ...}; routing's own 404 keeps "detail"."""
    app = create_standin_app()

    @app.get("/raise")
    async def refuse() -> None:
        from fastapi import HTTPException

        raise HTTPException(409, "opt out first")

    refused, invalid, no_route = call_app(app, [
        ("GET", "/raise"), ("POST", "/api/v1/jobs", {"json": {"job_name": 3}}), ("GET", "/nowhere")])
    assert (refused.status_code, refused.json()["status"], refused.json()["message"]) == (409, "error", "opt out first")
    assert "detail" not in refused.json() and refused.json()["error_code"] == "HTTP_409"
    assert (invalid.status_code, invalid.json()["error_code"]) == (422, "VALIDATION_ERROR")
    assert (no_route.status_code, no_route.json()) == (404, {"detail": "Not Found"})


def test_the_privacy_apis_refusals_pass_through_the_hosts_handlers(tmp_path: Path) -> None:
    """Installed in the stand-in, a refusal (DO_NOT_TRACK) reaches the client in the host's shape."""
    app = create_standin_app(stats_db=tmp_path / "stats.db", stats_options={"environ": {"DO_NOT_TRACK": "1"}})
    refused = call_app(app, [("POST", "/api/v1/usage-stats/opt-in", {"json": {}})])[0]
    assert refused.status_code == 403 and refused.json()["status"] == "error"
    assert "DO_NOT_TRACK" in refused.json()["message"]


def _readme_snippet() -> str:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    return next(block for block in blocks if "def printers_by_type" in block)


def test_readmes_snippet_leaves_the_hosts_prometheus_counter_alone() -> None:
    """README's printers_by_type pasted above or below src/main.py's `from prometheus_client import Counter`:
    the host's metrics and the snippet both still work."""
    host = ("from printernizer_stats_tools.standin._prometheus import Counter\n"
            "REQUEST_COUNT = Counter('printernizer_requests_total', 'Total requests', ['method', 'endpoint'])\n")
    app = create_standin_app()
    for source in (_readme_snippet() + host, host + _readme_snippet()):
        namespace: dict[str, Any] = {"FastAPI": FastAPI}
        exec(compile(source, "main.py", "exec"), namespace)
        assert namespace["Counter"] is PrometheusCounter
        assert namespace["printers_by_type"](app) == {"bambu_lab": 1, "prusa_core": 1, "octoprint": 1}


def test_the_stand_ins_main_module_holds_prometheus_counter_beside_the_snippet() -> None:
    assert isinstance(REQUEST_COUNT, PrometheusCounter)
    assert printers_by_type(create_standin_app()) == {"bambu_lab": 1, "prusa_core": 1, "octoprint": 1}


def test_the_old_panels_calls_are_under_the_privacy_apis_prefix(tmp_path: Path) -> None:
    """Each call of Printernizer's old Settings -> Privacy panel reaches a route once installed (none 404/405)."""
    app = create_standin_app(stats_db=tmp_path / "stats.db", stats_options={"environ": {}})
    responses = call_app(app, [(call.method, f"/api/v1/usage-stats{call.path}") for call in OLD_PANEL_CALLS])
    assert [r.status_code for r in responses if r.status_code in (404, 405)] == []


def test_printers_connect_with_their_events_during_startup() -> None:
    """As Printernizer's lifespan: the bus goes on app.state, then every printer connects (events fired)."""
    bus = StandInEventBus()
    seen: list[str] = []
    bus.subscribe("printer_connected", lambda data: seen.append(data["printer_id"]))
    app = create_standin_app(event_bus=bus, bus_from_lifespan=True)
    assert getattr(app.state, "event_service", None) is None

    async def start_and_stop() -> None:
        async with app.router.lifespan_context(app):
            assert app.state.event_service is bus

    asyncio.run(start_and_stop())
    assert sorted(seen) == sorted(["bambu_x1c_workshop", "00000000-0000-0000-0000-000000000007"])
