"""The public community summary (``GET /v1/summary``): how installations are set up, k-anonymous and small.

Printernizer's local viewer may fetch it for users who opted in ("how your setup compares"). It holds the
latest complete week only, a handful of published figures, each group with its sample size and 95 %
Wilson interval; no countries, no error types. Shape: docs/analytics.md.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import date

from printernizer_stats.analytics import _figures as f
from printernizer_stats.analytics._model import Figure
from printernizer_stats.registry import SUMMARY_SCHEMA

SUMMARY_FIGURES = {
    "deployment_modes": f.DEPLOYMENT_MODES, "versions": f.VERSIONS, "platforms": f.PLATFORMS,
    "printer_types": f.PRINTER_TYPES, "fleet_sizes": f.FLEET_SIZES, "features": f.FEATURES, "uptime_days": f.UPTIME,
}
"""Summary key -> figure. Everything a user can compare their own set-up with, nothing about errors."""


def _groups(figure: Figure, week: date) -> list[dict[str, object]]:
    items = []
    for row in sorted(figure.week(week), key=lambda r: (-r.installations, r.group)):
        if row.share is None:
            continue
        items.append({"value": row.group[0], "installations": row.installations, "share": round(row.share.value, 4),
                      "low": round(row.share.low, 4), "high": round(row.share.high, 4)})
    return items


def community_summary(figures: Mapping[str, Figure], week: date, k: int) -> dict[str, object]:
    """The summary document for ``week`` from published ``figures``."""
    active = figures[f.ACTIVE.name].week(week)
    summary: dict[str, object] = {
        "schema": SUMMARY_SCHEMA, "week": week.isoformat(), "k": k,
        "installations": active[0].installations if active else None,
    }
    for key, spec in SUMMARY_FIGURES.items():
        summary[key] = _groups(figures[spec.name], week)
    rate = active[0].rate if active else None
    summary["errors_per_1000_jobs"] = None if rate is None else {
        "value": round(rate.value, 2), "low": None if rate.low is None else round(rate.low, 2),
        "high": None if rate.high is None else round(rate.high, 2),
        "installations": active[0].installations,
    }
    return summary


def encode_summary(summary: Mapping[str, object]) -> tuple[bytes, str]:
    """(body, strong ETag) of a summary: canonical JSON, so equal summaries have equal tags."""
    body = json.dumps(summary, sort_keys=True, separators=(",", ":")).encode("ascii")
    return body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
