"""The page and the privacy API on their own, for one local statistics DB (``printernizer-stats viewer``)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI

from printernizer_stats.host.client._client import StatsClient
from printernizer_stats.host.client._request_policy import request_policy
from printernizer_stats.host.exporter import ConsentState
from printernizer_stats.host.viewer import MOUNT_PREFIX, request_guard, usage_stats_router, viewer_page


class InspectingClient(StatsClient):
    """A client that only inspects and manages the DB: opting in records the consent, and the host starts
    collecting when it next runs (the viewer process itself is not Printernizer, so it records nothing)."""

    def opt_in(self, *, start: bool = False) -> ConsentState:
        return super().opt_in(start=start)


def viewer_app(db_path: str | Path, *, environ: Mapping[str, str] | None = None, **client_options: Any) -> FastAPI:
    """A FastAPI app with the page at ``/`` and the privacy API at ``/api/v1/usage-stats``."""
    client = InspectingClient(db_path, environ=environ, **client_options)
    app = FastAPI(title="printernizer-stats viewer", redirect_slashes=False, docs_url=f"{MOUNT_PREFIX}/docs",
                  redoc_url=None, openapi_url=f"{MOUNT_PREFIX}/openapi.json")
    policy = request_policy(environ=client.services.environ)
    app.include_router(usage_stats_router(client, policy, host_page=None), prefix=MOUNT_PREFIX)
    app.add_api_route("/", viewer_page(client), methods=["GET"], include_in_schema=False, name="viewer_root",
                      dependencies=[Depends(request_guard(policy))])
    app.state.usage_stats = client
    return app
