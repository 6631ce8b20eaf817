"""Screenshots of the page for the README: ``python -m tests.browser.screenshots docs/screenshots``.

A simulated installation (eight weeks, seven of them already sent to a local receiver, this week up to
yesterday) inside the stand-in Printernizer, photographed by headless Chromium: light and dark, desktop and
phone, and the delete dialog. Its community summary comes from the real receiver over a simulated
population of 200 installations.
"""

from __future__ import annotations

import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

from playwright.sync_api import sync_playwright

from printernizer_stats.host.client import StatsClient
from printernizer_stats.host.sender import SenderConfig
from printernizer_stats.host.viewer import MOUNT_PREFIX
from printernizer_stats.maintainers.analytics import AnalyticsConfig, create_maintainers_app
from printernizer_stats.maintainers.server import ReceiverConfig
from printernizer_stats.registry import week_start
from printernizer_stats_tools.standin.app import create_standin_app
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, Clock
from tests.host.sender.receiver import FaultyReceiver
from tests.host.viewer.conftest import build_simulated_db
from tests.maintainers.analytics.conftest import build_sqlite, now_after
from tests.maintainers.analytics.population import Population
from tests.maintainers.server.live import serve_in_thread

DAY = date(2026, 11, 19)  # a Thursday: this week has three days
WEEKS = 8


def build(db: Path) -> None:
    build_simulated_db(db, today=DAY, weeks=WEEKS, seed=11, jobs_per_week=45)
    with FaultyReceiver() as receiver:  # a week ago: everything but last week went out
        week_ago = DAY - timedelta(weeks=1)
        client = StatsClient(db, environ={}, today=lambda: week_ago, sender=SenderConfig(endpoint=receiver.url))
        client.submit_now()
    population = Population(installations=200, weeks=3, seed=7, first_week=week_start(DAY) - timedelta(weeks=4))
    receiver_db = build_sqlite(db.with_name("receiver.db"), population)
    app = create_maintainers_app(ReceiverConfig(db_url=f"sqlite:///{receiver_db}"), AnalyticsConfig(k=5),
                                 now=lambda: now_after(population))
    with serve_in_thread(app) as url:  # the community summary, fetched by the scheduler's round
        client = StatsClient(db, environ={}, today=lambda: DAY, sender=SenderConfig(endpoint=url))
        client.services.community.refresh()


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "stats.db"
        build(db)
        app = create_standin_app(stats_db=db, stats_options={
            "environ": {}, "today": Clock(DAY).today, "export_interval_s": 3600,
            "sender": SenderConfig(endpoint="https://stats.example.org", first_check_jitter_s=3600)})
        with serve_in_thread(app, lifespan="on") as url, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page_url = f"{url}{MOUNT_PREFIX}/"
            light = browser.new_page(viewport={"width": 1280, "height": 900}, device_scale_factor=1)
            light.goto(page_url)
            light.screenshot(path=str(out / "viewer.png"), full_page=True)
            light.locator("#community").screenshot(path=str(out / "viewer-community.png"))
            light.get_by_role("button", name="Delete all…").click()
            light.wait_for_timeout(200)
            light.screenshot(path=str(out / "viewer-delete-dialog.png"))
            dark = browser.new_page(viewport={"width": 1280, "height": 900}, color_scheme="dark")
            dark.goto(page_url)
            dark.get_by_text("Show the exact payload").click()
            dark.locator("#statistics").screenshot(path=str(out / "viewer-statistics-dark.png"))
            dark.locator("#sending").screenshot(path=str(out / "viewer-next-batch-dark.png"))
            phone = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True)
            phone.goto(page_url)
            phone.screenshot(path=str(out / "viewer-phone.png"))
            browser.close()
    print(f"screenshots written to {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots"))
