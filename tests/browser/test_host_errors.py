"""Refusals stay readable inside Printernizer, whose exception handlers rewrite every error body.

Printernizer (``src/utils/errors.py:http_exception_handler``, ``src/main.py:841``) answers every
``HTTPException`` as ``{"status": "error", "message": ...}`` and request validation errors as
``{"message": "Request validation failed", "details": {"validation_errors": [...]}}``. The page must show
the reason either way, never only "The request failed (HTTP 4xx)".
"""

from __future__ import annotations

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
from tests.maintainers.server.live import serve_in_thread

pytestmark = BROWSER

SWITCH = "Share anonymous usage statistics"


@contextmanager
def printernizer(db: Path) -> Iterator[str]:
    """The stand-in Printernizer, with its exception handlers (printernizer_stats_tools/standin/_errors.py)."""
    app = create_standin_app(
        stats_db=db, stats_options={"environ": {}, "export_interval_s": 3600, "sender": SenderConfig()})
    with serve_in_thread(app, lifespan="on") as url:
        yield f"{url}{MOUNT_PREFIX}/"


def test_the_host_rewrites_our_refusals(tmp_path: Path) -> None:
    """The premise: inside the host our ``detail`` is gone, the reason is in ``message``."""
    with printernizer(tmp_path / "stats.db") as page_url:
        answer = httpx.post(f"{page_url}rotate-id", headers=SCRIPT)
    assert answer.status_code == 409
    assert "detail" not in answer.json()
    assert answer.json()["message"] == "not opted in: there is no installation id to rotate"


def test_a_conflict_shows_the_hosts_message(page: Any, tmp_path: Path) -> None:
    """Opted out in another tab, then "New id now" here: the 409's reason is announced."""
    with printernizer(tmp_path / "stats.db") as page_url:
        httpx.post(f"{page_url}opt-in", headers=SCRIPT).raise_for_status()
        page.goto(page_url)
        rotate = page.get_by_role("button", name="New id now")
        expect(rotate).to_be_enabled()
        httpx.post(f"{page_url}opt-out", headers=SCRIPT).raise_for_status()
        rotate.click()
        toast = page.locator("#toast")
        expect(toast).to_have_text("not opted in: there is no installation id to rotate")
        expect(toast).to_have_class("toast error")


def test_an_out_of_range_value_shows_the_hosts_message(page: Any, tmp_path: Path) -> None:
    """A value past the page's own check (its limits changed under it) is refused with the server's reason."""
    with printernizer(tmp_path / "stats.db") as page_url:
        page.goto(page_url)
        weeks = page.get_by_label("Keep statistics on this machine for")
        expect(weeks).to_be_enabled()
        weeks.evaluate("(input) => { input.max = '100000'; }")
        weeks.fill("5000")
        page.get_by_role("button", name="Save settings").click()
        toast = page.locator("#toast")
        expect(toast).to_contain_text("retention")
        expect(toast).not_to_contain_text("The request failed")


def test_field_errors_are_listed_from_the_hosts_details(page: Any, tmp_path: Path) -> None:
    """A request FastAPI refuses field by field: the host keeps the list under ``details``; the page reads it."""
    with printernizer(tmp_path / "stats.db") as page_url:
        page.goto(page_url)
        expect(page.get_by_role("button", name="Save settings")).to_be_enabled()
        page.locator("#rotate-yearly").evaluate("(box) => { box.checked = true; }")
        # A value of the wrong type, as a stale or foreign script might send.
        page.route("**/settings", lambda route: route.continue_(post_data='{"rotate_yearly": "maybe"}'))
        page.get_by_role("button", name="Save settings").click()
        toast = page.locator("#toast")
        expect(toast).to_contain_text("boolean")
        expect(toast).not_to_contain_text("Request validation failed")
