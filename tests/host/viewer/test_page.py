"""The page: rendered on the server from the registry and the local DB, self-contained, labelled, never a 500."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from printernizer_stats.host.client import StatsClient
from printernizer_stats.host.viewer import CONTENT_SECURITY_POLICY, MOUNT_PREFIX
from printernizer_stats.host.viewer._page import relative_url
from printernizer_stats.registry import default_registry
from tests.host.viewer.conftest import call_api, make_client, privacy_app

P = MOUNT_PREFIX


class _Inventory(HTMLParser):
    """Collects what the accessibility checks need: inputs, labels, scripts, styles, images."""

    def __init__(self) -> None:
        super().__init__()
        self.inputs: list[dict[str, str | None]] = []
        self.label_for: set[str] = set()
        self.scripts: list[dict[str, str | None]] = []
        self.style_attributes = 0
        self.svgs: list[dict[str, str | None]] = []
        self.dialogs: list[dict[str, str | None]] = []
        self.table_ids: set[str] = set()
        self.lang: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.style_attributes += "style" in found
        if tag == "html":
            self.lang = found.get("lang")
        elif tag == "input":
            self.inputs.append(found)
        elif tag == "label" and found.get("for"):
            self.label_for.add(str(found["for"]))
        elif tag == "script":
            self.scripts.append(found)
        elif tag == "svg":
            self.svgs.append(found)
        elif tag == "dialog":
            self.dialogs.append(found)
        elif tag == "table" and found.get("id"):
            self.table_ids.add(str(found["id"]))


def _page(client: StatsClient, path: str = f"{P}/") -> tuple[str, dict[str, str]]:
    [response] = call_api(privacy_app(client), [("GET", path)])
    assert response.status_code == 200
    return response.text, dict(response.headers)


def test_page_is_self_contained_under_a_strict_policy(client: StatsClient) -> None:
    """No inline script or style, no external URL; served with a CSP allowing only its own assets."""
    text, headers = _page(client)
    inventory = _Inventory()
    inventory.feed(text)
    assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert headers["cache-control"] == "no-store"
    assert [s.get("src", "").split("?")[0] for s in inventory.scripts] == ["static/viewer.js"]
    assert inventory.style_attributes == 0
    assert not re.search(r"(src|href)=\"(https?:)?//", text)


def test_every_control_is_labelled_and_charts_are_described(client: StatsClient) -> None:
    """Each input has a <label for>, each chart is an image with a title and description, dialogs are named."""
    inventory = _Inventory()
    inventory.feed(_page(client)[0])
    assert inventory.lang == "en"
    assert inventory.inputs and all(i.get("id") in inventory.label_for for i in inventory.inputs)
    assert len(inventory.svgs) >= 5
    charts = [s for s in inventory.svgs if s.get("aria-hidden") != "true"]  # the rest: bars beside their figures
    assert all(s.get("role") == "img" and len(str(s.get("aria-labelledby")).split()) == 2 for s in charts)
    assert {s.get("aria-details") for s in charts} <= inventory.table_ids  # each chart's data table
    assert len(inventory.dialogs) == 2 and all(d.get("aria-labelledby") for d in inventory.dialogs)


def test_what_we_collect_and_never_collect_come_from_the_registry(client: StatsClient) -> None:
    """Every metric description and every never-collected item of the registry is on the page."""
    text = html.unescape(_page(client)[0])
    registry = default_registry()
    for spec in registry.metrics.values():
        assert spec.description in text, spec.name
    for item in registry.never_collected:
        assert item in text


def test_page_shows_figures_charts_features_and_the_exact_next_batch(client: StatsClient) -> None:
    """Key figures (one per daily_stats column), the charts, the features and the next batch's hash."""
    text = html.unescape(_page(client)[0])
    columns = [c for spec in default_registry().metrics.values() for c in spec.daily_stats]
    assert text.count('class="tile"') == len(columns)
    for ident in ("jobs-by-week", "jobs-this-week", "uptime-by-week", "errors-by-type", "printers-by-type",
                  "requests-by-route"):
        assert f'id="{ident}"' in text
    assert "Auto job creation" in text and "MQTT" in text
    assert client.preview()["sha256"] in text
    assert '"resourceMetrics"' in text
    assert "Hash chain verified: 0 entries" in text


def test_prefix_without_slash_redirects_to_the_page(client: StatsClient) -> None:
    """``GET /api/v1/usage-stats`` (no slash, as redirect_slashes=False leaves it) leads to the page."""
    [response] = call_api(privacy_app(client), [("GET", P)])
    assert response.status_code == 307 and response.headers["location"] == "usage-stats/"


@pytest.mark.parametrize(("target", "page", "expected"), [
    (f"{P}/static/viewer.css", f"{P}/", "static/viewer.css"),
    (f"{P}/", f"{P}/", "./"),
    (f"{P}/static/viewer.css", "/", "api/v1/usage-stats/static/viewer.css"),
    (f"{P}/", "/", "api/v1/usage-stats/"),
])
def test_links_are_relative_to_the_page(target: str, page: str, expected: str) -> None:
    """Asset and API links resolve from wherever the page is served, behind any proxy prefix."""
    assert relative_url(target, page) == expected


def test_assets_are_served_and_nothing_else(client: StatsClient) -> None:
    """The stylesheet and the script are served with caching; any other name is a 404."""
    css, js, other = call_api(privacy_app(client), [
        ("GET", f"{P}/static/viewer.css"), ("GET", f"{P}/static/viewer.js"), ("GET", f"{P}/static/../_page.py"),
    ])
    assert css.status_code == js.status_code == 200
    assert css.headers["content-type"].startswith("text/css") and "max-age" in css.headers["cache-control"]
    assert js.headers["content-type"].startswith("text/javascript")
    assert other.status_code == 404
    assert b"http://" not in css.content + js.content and b"https://" not in css.content + js.content


def test_do_not_track_is_explained_and_the_switch_locked(db: Path) -> None:
    """With DO_NOT_TRACK the page says so and marks the switch locked (the script keeps it disabled)."""
    text = _page(make_client(db, environ={"DO_NOT_TRACK": "1"}))[0]
    assert 'id="dnt-banner"' in text and 'data-locked="dnt"' in text
    assert "Off · DO_NOT_TRACK" in text


def test_a_broken_db_still_renders_and_says_why(tmp_path: Path) -> None:
    """The DB path is a directory: the page renders (200) with the reason statistics are off."""
    broken = tmp_path / "stats.db"
    broken.mkdir()
    text = html.unescape(_page(make_client(broken))[0])
    assert 'id="off-banner"' in text and "OperationalError" in text
    assert "The next batch is unavailable" in text


def test_consent_from_an_older_version_asks_again(client: StatsClient) -> None:
    """Opted in under an older consent version: the switch is off and the page asks for a review."""
    client.services.store.update_settings({"consent_version": "0"})
    text = _page(client)[0]
    assert "What is collected has changed since you agreed" in text
    assert re.search(r'id="opt-in"[^>]*\bchecked\b', text) is None
