"""The patched Settings -> Privacy panel (integrations/printernizer) in Chromium, against our privacy API.

The panel's script comes from the patch itself; the stand-in Printernizer serves it (its frontend mount)
with the privacy API installed and Printernizer's error handlers. The checkbox must show the stored
consent before and after every change, however the change went. ``PRINTERNIZER_PANEL_JS=path`` runs the
same tests on another panel script (Printernizer's old ``usage-statistics.js`` fails them).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import expect

from printernizer_stats.host.sender import SenderConfig
from printernizer_stats.host.viewer import MOUNT_PREFIX
from printernizer_stats_tools.standin.app import create_standin_app
from tests.browser.conftest import BROWSER
from tests.host.viewer.conftest import SCRIPT
from tests.integrations.printernizer_patch import panel_script
from tests.maintainers.server.live import serve_in_thread

pytestmark = BROWSER

HARNESS = Path(__file__).parent / "printernizer_panel"


@contextmanager
def printernizer(tmp_path: Path, environ: dict[str, str] | None = None) -> Iterator[str]:
    frontend = tmp_path / "frontend"
    shutil.copytree(HARNESS, frontend)
    (frontend / "js").mkdir()
    (frontend / "js" / "usage-stats-panel.js").write_text(panel_script(), encoding="utf-8")
    app = create_standin_app(frontend_dir=frontend, stats_db=tmp_path / "stats.db", stats_options={
        "environ": environ or {}, "export_interval_s": 3600, "sender": SenderConfig()})
    with serve_in_thread(app, lifespan="on") as url:
        yield url


def _stored(url: str) -> bool:
    return bool(httpx.get(f"{url}{MOUNT_PREFIX}/status").json()["opted_in"])


def _open(page: Any, url: str) -> Any:
    page.goto(f"{url}/")
    expect(page.locator("#usageStatsState")).to_be_visible()
    return page.locator("#usageStatsOptIn")


def test_the_checkbox_shows_the_stored_consent_before_and_after_toggling(page: Any, tmp_path: Path) -> None:
    with printernizer(tmp_path) as url:
        box = _open(page, url)
        expect(box).not_to_be_checked()
        expect(page.locator("#usageStatsState")).to_have_text("usageStats.stateOff")
        assert _stored(url) is False
        box.click()
        expect(page.locator("#usageStatsState")).to_have_text("usageStats.stateOn")
        expect(box).to_be_checked()
        assert _stored(url) is True
        installation_id = httpx.get(f"{url}{MOUNT_PREFIX}/status").json()["installation_id"]
        expect(page.locator("#usageStatsInstallationId")).to_have_text(installation_id)
        # In Printernizer's language (the harness's is German): the panel sends it as Accept-Language.
        expect(page.locator("#usageStatsOptInMessage")).to_contain_text("Nutzungsstatistiken sind an")

        box = _open(page, url)  # reloaded: still what is stored
        expect(box).to_be_checked()
        box.click()
        expect(page.locator("#usageStatsState")).to_have_text("usageStats.stateOff")
        expect(box).not_to_be_checked()
        assert _stored(url) is False
        box = _open(page, url)
        expect(box).not_to_be_checked()
        assert page.console.errors == []


def test_a_change_made_elsewhere_shows_on_refresh(page: Any, tmp_path: Path) -> None:
    """Opted in on the page (or the CLI): the panel's refresh shows it."""
    with printernizer(tmp_path) as url:
        box = _open(page, url)
        expect(box).not_to_be_checked()
        httpx.post(f"{url}{MOUNT_PREFIX}/opt-in", headers=SCRIPT).raise_for_status()
        page.locator("#usageStatsRefresh").click()
        expect(box).to_be_checked()
        page.locator("#usageStatsDelete").click()  # delete all: consent off, and the panel says so
        expect(box).not_to_be_checked()
        assert _stored(url) is False


def test_a_refusal_shows_its_reason_and_the_box_stays_as_stored(page: Any, tmp_path: Path) -> None:
    """DO_NOT_TRACK: the box is locked; forced anyway, the 403's reason (in the host's shape) is shown."""
    with printernizer(tmp_path, environ={"DO_NOT_TRACK": "1"}) as url:
        box = _open(page, url)
        expect(box).to_be_disabled()
        expect(page.locator("#usageStatsState")).to_have_text("usageStats.stateDoNotTrack")
        box.evaluate("(b) => { b.disabled = false; b.click(); }")
        expect(page.locator("#usageStatsOptInMessage")).to_contain_text("DO_NOT_TRACK is set")
        expect(box).not_to_be_checked()
        assert _stored(url) is False


def test_the_panel_links_to_the_page_which_links_back(page: Any, tmp_path: Path) -> None:
    with printernizer(tmp_path) as url:
        _open(page, url)
        page.locator("#usageStatsPageLink").click()
        expect(page).to_have_url(f"{url}{MOUNT_PREFIX}/?lang=de")
        expect(page.get_by_role("switch")).to_be_enabled()
        page.locator("#host-link").click()
        expect(page).to_have_url(f"{url}/#settings")
        expect(page.locator("#usageStatsState")).to_be_visible()
