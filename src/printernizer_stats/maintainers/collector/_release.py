"""The OpenTelemetry Collector release the maintainers' distribution is built from (one for every module)."""

from __future__ import annotations

COLLECTOR_RELEASE = "v0.161.0"
"""Core and contrib modules at v0.161.0, core's stable modules at their partner version, v1.67.0: the newest
release at which every component of collector-config/otelcol.yaml resolves on the Go module proxy with go1.26.
Kept equal to collector-config/distribution/builder-config.yaml by a test."""
COLLECTOR_STABLE_RELEASE = "v1.67.0"
DISTRIBUTION_NAME = "otelcol-printernizer-stats"
