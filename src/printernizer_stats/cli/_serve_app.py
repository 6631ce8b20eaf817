"""The app ``serve --workers N`` starts in each worker process: uvicorn imports this factory in every
worker, which builds the receiver from the settings ``serve`` left in the environment.

Every worker is a full receiver on the one database: idempotency, deletions and the figure rollups live
in the database, so any worker may take any batch. What stays per process is documented in
docs/receiver.md ("Many receivers, one database"): the rate limits' token buckets, and the analytics
cells each process re-reads from the rollups every ``refresh_interval_s``.
"""

from __future__ import annotations

import json
import os
from typing import Any

from fastapi import FastAPI

from printernizer_stats.contract import SERVE_SETTINGS_ENV


def settings_json(receiver: dict[str, Any], analytics: dict[str, Any]) -> str:
    return json.dumps({"receiver": receiver, "analytics": analytics})


def create_worker_app() -> FastAPI:
    """The maintainers' app from ``SERVE_SETTINGS_ENV`` (the schema was migrated by ``serve`` before)."""
    from printernizer_stats.cli._serve import tune_garbage_collector  # noqa: PLC0415
    from printernizer_stats.maintainers.analytics import AnalyticsConfig, create_maintainers_app  # noqa: PLC0415
    from printernizer_stats.maintainers.server import ReceiverConfig  # noqa: PLC0415

    settings = json.loads(os.environ[SERVE_SETTINGS_ENV])
    app = create_maintainers_app(ReceiverConfig(**settings["receiver"]).validate(),
                                 AnalyticsConfig(**settings["analytics"]).validate())
    tune_garbage_collector()
    return app
