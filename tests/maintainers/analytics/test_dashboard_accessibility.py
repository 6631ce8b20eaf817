"""axe-core over the maintainers' dashboard in real Chromium: the sign-in form, the dashboard with planted
anomalies and with nothing published, light and dark, desktop and phone width.

Each state is audited in the light and the dark scheme (``prefers-color-scheme`` emulated on the same page).
No serious or critical violation in any; moderate and minor findings are listed at the end of the run.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from printernizer_stats.maintainers.analytics import AnalyticsConfig, create_maintainers_app
from printernizer_stats.maintainers.server import ReceiverConfig
from tests.browser.axe import assert_accessible, chart_names, require
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.maintainers.analytics.conftest import STANDARD, K, now_after
from tests.maintainers.server.live import serve_in_thread

pytestmark = pytest.mark.browser

TOKEN = "accessibility-test-token"
DESKTOP = {"width": 1400, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    require(CHROMIUM.exists(), f"{CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@contextmanager
def receiver(db_url: str) -> Iterator[str]:
    app = create_maintainers_app(ReceiverConfig(db_url=db_url, token=TOKEN), AnalyticsConfig(k=K),
                                 now=lambda: now_after(STANDARD))
    with serve_in_thread(app) as base:
        yield base


@pytest.fixture(scope="module")
def standard_base(standard_sqlite: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The receiver on the STANDARD population (400 installations, 26 weeks, four planted anomalies)."""
    path = tmp_path_factory.mktemp("a11y") / "standard.db"
    shutil.copy(standard_sqlite, path)
    with receiver(f"sqlite:///{path}") as base:
        yield base


@contextmanager
def dashboard(chromium: Any, base: str, viewport: dict[str, int] = DESKTOP, token: str | None = TOKEN) -> Iterator[Any]:
    """The dashboard page, signed in with ``token`` through the form (``None``: the form itself)."""
    context = chromium.new_context(viewport=viewport, is_mobile=viewport is PHONE)
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        page.goto(f"{base}/dashboard")
        if token is not None:
            page.fill("#token", token)
            page.click("button[type=submit]")
            page.wait_for_load_state()
        yield page
    finally:
        context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_sign_in_form(chromium: Any, standard_base: str, viewport: dict[str, int]) -> None:
    with dashboard(chromium, standard_base, viewport, token=None) as page:
        assert page.locator("input#token").count() == 1
        assert_accessible(page, f"dashboard sign-in form, {viewport['width']} px")


def test_sign_in_refused(chromium: Any, standard_base: str) -> None:
    with dashboard(chromium, standard_base, token="wrong") as page:
        assert "not right" in page.locator(".error").inner_text()
        assert_accessible(page, "dashboard sign-in refused")


def test_signed_in(chromium: Any, standard_base: str) -> None:
    with dashboard(chromium, standard_base) as page:
        names = chart_names(page)
        assert len(names) >= 12
        assert "Active installations per week: 26 weeks; last, week of 2026-06-29: " in names[0]
        assert page.locator("#anomalies li").count() >= 4
        page.evaluate("document.querySelectorAll('details').forEach((d) => { d.open = true; })")
        assert_accessible(page, "dashboard signed in, anomalies flagged, every table unfolded")


def test_phone_width(chromium: Any, standard_base: str) -> None:
    with dashboard(chromium, standard_base, PHONE) as page:
        assert page.locator("svg.chart").count() >= 12
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # nothing scrolls sideways
        assert_accessible(page, "dashboard signed in, phone width")


def test_nothing_published(chromium: Any, empty_url: str) -> None:
    """An empty receiver: every chart says there is nothing at this k, the anomalies panel is calm."""
    with receiver(empty_url) as base, dashboard(chromium, base) as page:
        assert "calm" in (page.locator("#anomalies").get_attribute("class") or "")
        assert_accessible(page, "dashboard with nothing published")
