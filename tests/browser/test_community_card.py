"""The "How your setup compares" card in headless Chromium, inside the stand-in Printernizer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from printernizer_stats.host.sender import SenderConfig
from printernizer_stats.host.viewer import MOUNT_PREFIX
from printernizer_stats_tools.standin.app import create_standin_app
from tests.browser.conftest import BROWSER, Clock
from tests.host.sender.summary_server import SummaryServer
from tests.host.viewer.conftest import DAY, build_simulated_db, make_client
from tests.host.viewer.test_community import summary_for
from tests.maintainers.server.live import serve_in_thread

pytestmark = BROWSER


def test_opted_in_user_sees_the_card_with_their_group_marked(page: Any, tmp_path: Path) -> None:
    """After a scheduler round fetched the summary, the card is visible: a heading, one table per group with
    "You" marked, the sentence for the deployment mode; the page makes no request to the receiver."""
    db = tmp_path / "stats.db"
    build_simulated_db(db)
    with SummaryServer(summary_for(make_client(db).community_summary()["yours"])) as receiver:
        sender = SenderConfig(endpoint=receiver.url, timeout_s=2, first_check_jitter_s=3600)
        app = create_standin_app(stats_db=db, stats_options={
            "environ": {}, "today": Clock(DAY).today, "export_interval_s": 3600, "sender": sender})
        with serve_in_thread(app, lifespan="on") as url:
            app.state.usage_stats.services.rounds.tick()  # the round the scheduler would run
            fetched = len(receiver.requests)
            page.goto(f"{url}{MOUNT_PREFIX}/")
            card = page.locator("#community")
            expect(card.get_by_role("heading", name="How your setup compares")).to_be_visible()
            expect(card.get_by_role("table")).to_have_count(7)
            expect(card.get_by_role("row").filter(has_text="You").first).to_be_visible()
            expect(card).to_contain_text("43 % of 200 installations run")
            expect(card).to_contain_text("Groups under 5 installations are not published")
            assert len(receiver.requests) == fetched == 1
            assert page.console.errors == []
