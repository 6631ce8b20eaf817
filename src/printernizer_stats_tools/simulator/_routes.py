"""Printernizer's real route shapes (v2.42 ``src/api/routers/``), for the stand-in app and simulated API traffic."""

from __future__ import annotations

PRINTERNIZER_ROUTES: tuple[tuple[str, str], ...] = (
    ("GET", "/api/v1/health"),
    ("GET", "/api/v1/printers"),
    ("POST", "/api/v1/printers"),
    ("GET", "/api/v1/printers/{printer_id}"),
    ("GET", "/api/v1/printers/{printer_id}/status"),
    ("POST", "/api/v1/printers/{printer_id}/files/{filename}/download"),
    ("GET", "/api/v1/printers/{printer_id}/camera/stream"),
    ("GET", "/api/v1/printers/snapshots/{snapshot_id}/download"),
    ("GET", "/api/v1/jobs"),
    ("PUT", "/api/v1/jobs/{job_id}/status"),
    ("GET", "/api/v1/files/{file_id}"),
    ("GET", "/api/v1/files/{file_id}/thumbnail/animated"),
    ("GET", "/api/v1/files/{file_id}/compatibility/{printer_id}"),
    ("GET", "/api/v1/files/downloads/{download_id}/progress"),
    ("GET", "/api/v1/library/files/{checksum}/thumbnail"),
    ("POST", "/api/v1/tags/file/{file_checksum}/assign"),
    ("DELETE", "/api/v1/orders/{order_id}/jobs/{job_id}"),
    ("POST", "/api/v1/slicing/library/{checksum}/slice"),
    ("GET", "/api/v1/ideas/trending/{platform}"),
    ("GET", "/api/v1/timelapses/{timelapse_id}/video"),
    ("POST", "/api/v1/settings/printers/{printer_id}/validate"),
    ("GET", "/api/v1/analytics/printers/{printer_id}"),
    ("GET", "/api/v1/search"),
    ("GET", "/api/v1/search/suggestions"),
    ("GET", "/api/v1/system/info"),
    ("GET", "/api/v1/settings/application"),
)
"""(method, template) pairs, a representative slice of Printernizer's 234 routes."""

ROUTE_TEMPLATES: tuple[str, ...] = tuple(sorted({template for _, template in PRINTERNIZER_ROUTES}))
