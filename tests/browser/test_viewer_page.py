"""End to end in headless Chromium: the page inside the stand-in Printernizer, served by uvicorn on a real socket."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from printernizer_stats.host.client import StatsClient
from printernizer_stats.host.sender import SenderConfig
from printernizer_stats.host.viewer import MOUNT_PREFIX
from printernizer_stats_tools.standin.app import create_standin_app
from tests.browser.conftest import BROWSER, Clock, use_printernizer
from tests.host.sender.receiver import FaultyReceiver
from tests.host.viewer.conftest import build_simulated_db
from tests.maintainers.server.live import serve_in_thread

pytestmark = BROWSER

DAY = date(2026, 11, 18)  # a Wednesday of 2026-W47
NEXT_MONDAY = date(2026, 11, 23)
SWITCH = "Share anonymous usage statistics"


@contextmanager
def printernizer(db: Path, clock: Clock, **options: Any) -> Iterator[tuple[str, StatsClient]]:
    """The stand-in Printernizer with statistics installed as the README says, served on a free port."""
    app = create_standin_app(stats_db=db, stats_options={
        "environ": {}, "today": clock.today, "export_interval_s": 3600, "sender": SenderConfig(), **options})
    with serve_in_thread(app, lifespan="on") as url:
        yield url, app.state.usage_stats


def _rows(db: Path, *tables: str) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        return {table: int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]) for table in tables}


def _wait_until(condition: Callable[[], bool], timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


@pytest.fixture(scope="module")
def seeded_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("seeded") / "stats.db"
    build_simulated_db(path, today=DAY)
    return path


@pytest.fixture
def db(seeded_db: Path, tmp_path: Path) -> Path:
    path = tmp_path / "stats.db"
    shutil.copy(seeded_db, path)
    return path


def test_opt_in_and_see_the_exact_next_batch(page: Any, tmp_path: Path) -> None:
    """Off by default; the switch opts in; once a week is complete the page shows the batch the API previews."""
    clock = Clock(DAY)
    with printernizer(tmp_path / "stats.db", clock) as (url, client):
        page.goto(f"{url}{MOUNT_PREFIX}/")
        switch = page.get_by_role("switch", name=SWITCH)
        expect(switch).not_to_be_checked()
        expect(page.locator("#state-badge")).to_have_text("Sharing off")
        page.get_by_role("link", name="See an example of what would be sent.").click()  # before opting in
        page.get_by_text("Show the example payload").click()
        example = httpx.get(f"{url}{MOUNT_PREFIX}/example").json()
        assert json.loads(page.locator("#example-json").inner_text()) == example["otlp_json"]
        expect(page.locator("#example-facts")).to_contain_text("bambu_lab 1, octoprint 1, prusa_core 1")
        switch.click()
        expect(page.locator("#toast")).to_contain_text("Usage statistics are on")
        expect(page.get_by_role("switch", name=SWITCH)).to_be_checked()
        expect(page.locator("#state-badge")).to_have_text("Sharing on")
        expect(page.locator("#example")).to_have_count(0)

        use_printernizer(url, completed=3, failed=1)
        client.flush()
        clock.day = NEXT_MONDAY  # 2026-W47 is complete: it becomes the next batch
        page.reload()
        preview = httpx.get(f"{url}{MOUNT_PREFIX}/preview").json()
        assert preview["state"] == "queued" and preview["week"] == "2026-W47"
        expect(page.locator("#preview-sha256")).to_have_text(preview["sha256"])
        page.get_by_text("Show the exact payload").click()
        expect(page.locator("#preview-json")).to_be_visible()
        assert json.loads(page.locator("#preview-json").inner_text()) == preview["otlp_json"]
        assert page.locator("#jobs-by-week rect.bar").count() == 2  # W47: completed and failed
        assert page.console.errors == []


def test_export_downloads_the_same_json_as_the_api(page: Any, db: Path) -> None:
    """The Export link downloads a JSON file equal to GET /local, named after the day."""
    with printernizer(db, Clock(DAY)) as (url, _client):
        page.goto(f"{url}{MOUNT_PREFIX}/")
        with page.expect_download() as download_info:
            page.get_by_role("link", name="Export as JSON").click()
        download = download_info.value
        exported = json.loads(Path(download.path()).read_text(encoding="utf-8"))
        local = httpx.get(f"{url}{MOUNT_PREFIX}/local").json()
    assert download.suggested_filename == f"printernizer-usage-stats-{DAY}.json"
    assert exported == local
    assert len(exported["weeks"]) == 4 and exported["consent"]["opted_in"] is True
    assert page.console.errors == []


def test_delete_all_is_confirmed_by_keyboard_and_empties_page_and_db(page: Any, db: Path) -> None:
    """The dialog opens and closes from the keyboard; confirming empties the page and every table."""
    tables = ("daily_readings", "weekly_readings", "outbox", "sent_log")
    with printernizer(db, Clock(DAY)) as (url, _client):
        page.goto(f"{url}{MOUNT_PREFIX}/")
        assert page.locator("svg.svg-chart").count() >= 5
        delete = page.get_by_role("button", name="Delete all…")
        delete.focus()
        page.keyboard.press("Enter")
        dialog = page.get_by_role("dialog", name="Delete all usage statistics?")
        expect(dialog).to_be_visible()
        expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
        page.keyboard.press("Escape")
        expect(dialog).to_be_hidden()
        expect(delete).to_be_focused()
        assert _rows(db, "daily_readings")["daily_readings"] > 0

        delete.click()
        dialog.get_by_role("button", name="Delete everything").click()
        expect(page.locator("#toast")).to_contain_text("Everything stored on this machine has been deleted")
        expect(page.locator("#no-statistics")).to_be_visible()
        expect(page.get_by_role("switch", name=SWITCH)).not_to_be_checked()
        assert set(page.locator(".tile-value").all_inner_texts()) == {"0"}
        assert page.locator("svg.svg-chart").count() == 0
        assert _rows(db, *tables) == dict.fromkeys(tables, 0)
        assert page.console.errors == []


def test_settings_are_validated_and_saved(page: Any, db: Path) -> None:
    """An out-of-range retention is explained next to the field; a valid one is saved through the API."""
    with printernizer(db, Clock(DAY)) as (url, _client):
        page.goto(f"{url}{MOUNT_PREFIX}/")
        weeks = page.get_by_label("Keep statistics on this machine for")
        weeks.fill("0")
        page.get_by_role("button", name="Save settings").click()
        expect(page.locator("#retention-error")).to_contain_text("from 1 to 104")
        expect(weeks).to_have_attribute("aria-invalid", "true")
        weeks.fill("8")
        page.get_by_label("Give this installation a new random id every year").check()
        page.get_by_role("button", name="Save settings").click()
        expect(page.locator("#toast")).to_have_text("Settings saved.")
        saved = httpx.get(f"{url}{MOUNT_PREFIX}/settings").json()
    assert saved["retention_weeks"] == 8 and saved["rotate_yearly"] is True


def test_do_not_track_locks_the_switch_and_says_why(page: Any, db: Path) -> None:
    """With DO_NOT_TRACK=1 the switch cannot be turned on and the page explains it."""
    with printernizer(db, Clock(DAY), environ={"DO_NOT_TRACK": "1"}) as (url, _client):
        page.goto(f"{url}{MOUNT_PREFIX}/")
        expect(page.locator("#dnt-banner")).to_be_visible()
        expect(page.get_by_role("switch", name=SWITCH)).to_be_disabled()
        expect(page.locator("#state-badge")).to_have_text("Off · DO_NOT_TRACK")


def test_opt_out_stops_all_traffic_to_the_receiver(page: Any, tmp_path: Path) -> None:
    """Opted in, the scheduler sends the complete week; after opting out in the page, rounds pass, nothing goes."""
    clock = Clock(DAY)
    db = tmp_path / "stats.db"
    with FaultyReceiver() as receiver, printernizer(db, clock, sender=SenderConfig(
            endpoint=receiver.url, check_interval_s=0.2, first_check_jitter_s=0)) as (url, client):
        page.goto(f"{url}{MOUNT_PREFIX}/")
        page.get_by_role("switch", name=SWITCH).click()  # checked at once; the badge waits for the server
        expect(page.locator("#state-badge")).to_have_text("Sharing on")
        use_printernizer(url)
        client.flush()
        clock.day = NEXT_MONDAY
        _wait_until(lambda: len(client.history()["entries"]) == 1)
        assert receiver.connections >= 1 and len(receiver.stored) == 1
        page.reload()
        expect(page.locator("#chain-status")).to_contain_text("Hash chain verified: 1 entry")
        expect(page.locator("table.history")).to_contain_text("matches")

        use_printernizer(url)  # 2026-W48 in progress: it would be the next batch
        client.flush()
        page.get_by_role("switch", name=SWITCH).click()
        dialog = page.get_by_role("dialog", name="Turn sharing off?")
        dialog.get_by_role("button", name="Turn off").click()
        expect(page.locator("#toast")).to_contain_text("Usage statistics are off")
        expect(page.get_by_role("switch", name=SWITCH)).not_to_be_checked()
        connections = receiver.connections
        clock.day = date(2026, 11, 30)  # W48 complete: it would be due now
        scheduler = client.services.rounds.schedule.scheduler
        assert scheduler is not None
        rounds = scheduler.ticks
        _wait_until(lambda: scheduler.ticks >= rounds + 5)
        assert receiver.connections == connections
        assert client.history()["queued"] == []
        page.reload()
        expect(page.locator("#preview-empty")).to_contain_text("not opted in")
        assert page.console.errors == []


def _behind_prefix(app: Any, prefix: str) -> Any:
    """What HA Ingress does: the browser sees ``prefix`` + path, the app gets the path without it."""

    async def proxy(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            if not scope["path"].startswith(prefix):
                await send({"type": "http.response.start", "status": 404, "headers": []})
                await send({"type": "http.response.body", "body": b""})
                return
            path = scope["path"][len(prefix):] or "/"
            scope = {**scope, "path": path, "raw_path": path.encode()}
        await app(scope, receive, send)

    return proxy


def test_the_page_works_behind_a_proxy_path_prefix(page: Any, tmp_path: Path) -> None:
    """Under Home Assistant Ingress (a path prefix the app never sees) assets load and actions reach the API."""
    ingress = "/api/hassio_ingress/t0ken"
    app = create_standin_app(stats_db=tmp_path / "stats.db", stats_options={"environ": {}, "sender": SenderConfig()})
    with serve_in_thread(_behind_prefix(app, ingress), lifespan="on") as url:
        page.goto(f"{url}{ingress}{MOUNT_PREFIX}")  # the prefix without a slash redirects (relatively) to the page
        assert page.url == f"{url}{ingress}{MOUNT_PREFIX}/"
        page.get_by_role("switch", name=SWITCH).click()
        expect(page.locator("#state-badge")).to_have_text("Sharing on")
        assert page.evaluate("getComputedStyle(document.querySelector('.card')).borderRadius") == "10px"
        assert page.console.errors == []
    assert app.state.usage_stats.consent().opted_in


def test_without_javascript_everything_reads_and_nothing_pretends_to_work(browser: Any, db: Path) -> None:
    """JavaScript off: statistics, charts and the next batch are there; controls are disabled and say why."""
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        with printernizer(db, Clock(DAY)) as (url, _client):
            page.goto(f"{url}{MOUNT_PREFIX}/")
            assert page.locator("svg.svg-chart").count() >= 5
            expect(page.locator("#preview-sha256")).to_have_text(re.compile(r"^[0-9a-f]{64}$"))
            # (Playwright turns scripts off by emulation, so Chromium still parses <noscript> as text: no render check.)
            assert "<noscript>" in page.content() and "JavaScript is off" in page.content()
            expect(page.get_by_role("switch", name=SWITCH)).to_be_disabled()
            expect(page.get_by_role("button", name="Delete all…")).to_be_disabled()
            expect(page.get_by_role("link", name="Export as JSON")).to_be_visible()
    finally:
        context.close()
