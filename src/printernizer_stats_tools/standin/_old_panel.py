"""What Printernizer's own Settings -> Privacy panel (``frontend/js/usage-statistics.js`` at ``be0da09``) asks.

It calls the same paths as our privacy API (under ``/api/v1/usage-stats``) and reads fields of the old
service's answers. The stand-in replays these calls so that tests see what that panel would see.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PanelCall:
    """One ``fetch`` of the old panel: method, path below the prefix, and the fields it reads from the JSON."""

    purpose: str
    method: str
    path: str
    reads: tuple[str, ...]


OLD_PANEL_CALLS: tuple[PanelCall, ...] = (
    PanelCall("load the checkbox", "GET", "/status", ("opted_in",)),
    PanelCall("tick the checkbox", "POST", "/opt-in", ("success", "message")),
    PanelCall("untick the checkbox", "POST", "/opt-out", ("success", "message")),
    PanelCall("show local statistics", "GET", "/local", (
        "installation_id", "first_seen", "last_submission", "opt_in_status", "total_events", "this_week")),
    PanelCall("export", "GET", "/export", ()),
    PanelCall("delete all", "DELETE", "", ("success", "deleted_events")),
)
"""In the panel's order; POSTs send no body, as the panel's ``fetch`` calls do."""
