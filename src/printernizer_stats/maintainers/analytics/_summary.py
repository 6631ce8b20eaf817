"""The public community summary (``GET /v1/summary``): how installations are set up, k-anonymous and small.

Printernizer's local viewer may fetch it for users who opted in ("how your setup compares"). It holds the
latest complete week only, a handful of published figures, each group with its sample size and 95 %
Wilson interval; no countries, no error types. Its shape is the contract's ``SummaryDocument``, which the
client validates with the contract's ``validate_summary`` (docs/analytics.md).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import date
from typing import cast

from printernizer_stats.contract import SUMMARY_SCHEMA, SummaryDocument, SummaryGroup, SummaryList, SummaryRate
from printernizer_stats.maintainers.analytics import _figures as f
from printernizer_stats.maintainers.analytics._model import Figure, FigureSpec

SUMMARY_FIGURES: dict[SummaryList, FigureSpec] = {
    SummaryList.DEPLOYMENT_MODES: f.DEPLOYMENT_MODES, SummaryList.VERSIONS: f.VERSIONS,
    SummaryList.PLATFORMS: f.PLATFORMS, SummaryList.PRINTER_TYPES: f.PRINTER_TYPES,
    SummaryList.FLEET_SIZES: f.FLEET_SIZES, SummaryList.FEATURES: f.FEATURES, SummaryList.UPTIME_DAYS: f.UPTIME,
}
"""Summary list -> figure. Everything a user can compare their own set-up with, nothing about errors."""


def _groups(figure: Figure, week: date) -> list[SummaryGroup]:
    items: list[SummaryGroup] = []
    for row in sorted(figure.week(week), key=lambda r: (-r.installations, r.group)):
        if row.share is None:
            continue
        items.append({"value": row.group[0], "installations": row.installations, "share": round(row.share.value, 4),
                      "low": round(row.share.low, 4), "high": round(row.share.high, 4)})
    return items


def community_summary(figures: Mapping[str, Figure], week: date, k: int) -> SummaryDocument:
    """The summary document for ``week`` from published ``figures``."""
    active = figures[f.ACTIVE.name].week(week)
    rate = active[0].rate if active else None
    errors: SummaryRate | None = None if rate is None else {
        "value": round(rate.value, 2), "low": None if rate.low is None else round(rate.low, 2),
        "high": None if rate.high is None else round(rate.high, 2),
        "installations": active[0].installations,
    }
    lists = {key.value: _groups(figures[spec.name], week) for key, spec in SUMMARY_FIGURES.items()}
    # Every SummaryList key (tests/contract checks them against SummaryDocument's keys).
    return cast(SummaryDocument, {
        "schema": SUMMARY_SCHEMA, "week": week.isoformat(), "k": k,
        "installations": active[0].installations if active else None, **lists, "errors_per_1000_jobs": errors,
    })


def encode_summary(summary: Mapping[str, object]) -> tuple[bytes, str]:
    """(body, strong ETag) of a summary: canonical JSON, so equal summaries have equal tags."""
    body = json.dumps(summary, sort_keys=True, separators=(",", ":")).encode("ascii")
    return body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
