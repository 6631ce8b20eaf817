"""The stand-in Printernizer app: Printernizer's route shapes and quirks, its events, its services."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from printernizer_stats_tools.simulator import PRINTERNIZER_ROUTES
from printernizer_stats_tools.standin import StandInEventBus
from printernizer_stats_tools.standin.app import StandInSettings, create_standin_app
from tests._asgi import call_app

PRINTER = "bambu_x1c_workshop"


def _recording_bus(*event_types: str) -> tuple[StandInEventBus, list[tuple[str, dict[str, Any]]]]:
    bus, seen = StandInEventBus(), []
    for event_type in event_types:
        bus.subscribe(event_type, lambda data, event_type=event_type: seen.append((event_type, data)))
    return bus, seen


def test_every_simulated_route_shape_is_served_with_its_method() -> None:
    """The simulator's (method, template) pairs all exist in the stand-in's OpenAPI schema."""
    paths = create_standin_app().openapi()["paths"]
    missing = [(method, template) for method, template in PRINTERNIZER_ROUTES
               if method.lower() not in paths.get(template, {})]
    assert missing == []


def test_route_matching_quirks_are_reproduced() -> None:
    """/files/local goes to /files/{file_id}; a trailing slash is a plain 404 (redirect_slashes=False)."""
    app = create_standin_app()
    local, slash, unknown_printer = call_app(app, [
        ("GET", "/api/v1/files/local"), ("GET", "/api/v1/health/"), ("GET", "/api/v1/printers/Jane's X1C")])
    assert (local.status_code, local.json()["details"]) == (404, {"file_id": "local"})
    assert (slash.status_code, slash.json()) == (404, {"detail": "Not Found"})
    assert unknown_printer.json()["error_code"] == "PRINTER_NOT_FOUND"
    assert "Jane's X1C" in unknown_printer.json()["message"]  # as sensitive as Printernizer's own errors


def test_with_a_frontend_the_static_mount_shadows_metrics(tmp_path: Path) -> None:
    """As in Docker and HA: / serves index.html and /metrics, registered after the mount, is a 404."""
    (tmp_path / "index.html").write_text("<h1>Printernizer</h1>")
    with_frontend = create_standin_app(frontend_dir=tmp_path)
    index, metrics, asset = call_app(with_frontend, [("GET", "/"), ("GET", "/metrics"), ("GET", "/index.html")])
    assert (index.status_code, metrics.status_code, asset.status_code) == (200, 404, 200)
    assert call_app(create_standin_app(), [("GET", "/metrics")])[0].status_code == 200


def test_handlers_emit_printernizer_events_with_realistic_payloads() -> None:
    """Jobs, downloads, uploads and failed connections emit the events Printernizer emits, names included."""
    bus, seen = _recording_bus("job_created", "job_status_changed", "file_download_complete", "library_file_added",
                               "printer_connection_progress", "printer_connected", "print_paused")
    app = create_standin_app(event_bus=bus)
    job = call_app(app, [("POST", "/api/v1/jobs", {"json": {"printer_id": PRINTER, "job_name": "benchy.3mf"}})])[0]
    job_id = job.json()["id"]
    responses = call_app(app, [
        ("PUT", f"/api/v1/jobs/{job_id}/status", {"json": {"status": "printing"}}),
        ("POST", f"/api/v1/printers/{PRINTER}/files/benchy.3mf/download"),
        ("POST", "/api/v1/files/upload", {"json": {"filenames": ["kunde_4711.stl"]}}),
        ("POST", f"/api/v1/printers/{PRINTER}/connect"),
        ("POST", "/api/v1/printers/ender3-octopi/connect"),
        ("POST", f"/api/v1/printers/{PRINTER}/pause"),
    ])
    assert [r.status_code for r in responses] == [200, 200, 201, 200, 503, 200]
    assert responses[4].json()["error_code"] == "PRINTER_CONNECTION"
    by_type = {event_type: data for event_type, data in seen}
    assert by_type["job_created"]["job_name"] == "benchy.3mf"
    assert (by_type["job_status_changed"]["status"], by_type["job_status_changed"]["old_status"]) == (
        "printing", "pending")
    assert by_type["file_download_complete"]["filename"] == "benchy.3mf"
    assert by_type["library_file_added"]["filename"] == "kunde_4711.stl"
    assert by_type["printer_connected"]["name"] == "X1C Werkstatt"
    failed = [data for event_type, data in seen if event_type == "printer_connection_progress"
              and data["status"] == "failed"]
    assert len(failed) == 1 and "octopi.local" in failed[0]["message"]
    assert by_type["print_paused"]["printer_id"] == PRINTER


def test_services_on_app_state_give_the_gauge_sources() -> None:
    """printer_service and settings answer what a host passes to StatsClient as gauge sources."""
    app = create_standin_app(settings=StandInSettings(features={"library": True, "slicing": False}))
    assert app.state.printer_service.printers_by_type() == {"bambu_lab": 1, "prusa_core": 1, "octoprint": 1}
    assert app.state.settings.features_enabled() == {"library": True, "slicing": False}
    assert isinstance(app.state.event_service, StandInEventBus)


def test_fastapi_stays_optional_for_the_simulator_instrumentation_and_client() -> None:
    """Importing the simulator, instrumentation or client packages does not import FastAPI or Starlette."""
    code = ("import sys, printernizer_stats_tools.simulator, printernizer_stats.host.instrumentation, "
            "printernizer_stats.host.client; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('fastapi', 'starlette')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
