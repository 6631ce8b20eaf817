"""Every environment variable printernizer-stats reads, one name per meaning.

Read by the host side (Printernizer's process: the client, its sender and viewer) or by the maintainers' side
(the receiver, the analytics, the collector tooling). One variable is read by both, with one meaning:
``PRINTERNIZER_STATS_TOKEN``, the ingest token, a shared secret the client sends as ``Authorization: Bearer``
and the receiver accepts on ``POST /v1/metrics``.
"""

from __future__ import annotations

INGEST_TOKEN_ENV = "PRINTERNIZER_STATS_TOKEN"  # noqa: S105 - the variable's name, not a token
"""The ingest bearer token: the client sends it, the receiver requires it (unset: none sent, none required)."""

DO_NOT_TRACK_ENV = "DO_NOT_TRACK"
"""https://consoledonottrack.com: any of 1/true/yes forces statistics off, whatever the consent says."""
ENDPOINT_ENV = "PRINTERNIZER_STATS_ENDPOINT"
"""The receiver's OTLP/HTTP URL (``https://stats.example.org`` gets ``/v1/metrics`` appended). Empty: send nothing."""
CA_FILE_ENV = "PRINTERNIZER_STATS_CA_FILE"
"""Optional PEM bundle that replaces the default CA store (a private receiver's own CA)."""
PROXY_ENV = "PRINTERNIZER_STATS_PROXY"
"""Optional proxy URL (``http://proxy:3128``); TLS to the receiver is tunnelled through it end to end."""
ALLOWED_HOSTS_ENV = "PRINTERNIZER_STATS_ALLOWED_HOSTS"
"""Comma-separated host names (``*.example.org``) the viewer's API answers besides the host's own."""

DB_URL_ENV = "PRINTERNIZER_STATS_DB_URL"
"""The receiver's database URL (keeps passwords off the command line): sqlite:///…, postgresql://…, mssql+pyodbc://…"""
ANALYTICS_TOKEN_ENV = "PRINTERNIZER_STATS_ANALYTICS_TOKEN"  # noqa: S105 - the variable's name, not a token
"""Bearer token of the dashboard and analytics API; unset: the ingest token (with a warning from serve)."""
TRUSTED_PROXIES_ENV = "PRINTERNIZER_STATS_TRUSTED_PROXIES"
"""Comma-separated addresses whose X-Forwarded-For the receiver believes; unset: none."""
CONNECTION_LIMITS_ENV = "PRINTERNIZER_STATS_CONNECTION_LIMITS"
"""JSON of the receiver's connection limits, left by ``serve --workers N`` for its worker processes (internal)."""
SERVE_SETTINGS_ENV = "PRINTERNIZER_STATS_SERVE_SETTINGS"
"""JSON of ``serve``'s receiver and analytics settings, set by ``serve`` for its workers (internal)."""
OTELCOL_ENV = "PRINTERNIZER_STATS_OTELCOL"
"""An explicit OpenTelemetry Collector binary (takes precedence over the cached build)."""
