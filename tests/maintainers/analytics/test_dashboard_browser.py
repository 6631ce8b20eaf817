"""The dashboard in real headless Chromium: sign-in, charts, highlighted anomalies, nothing from elsewhere.

Set ``PRINTERNIZER_STATS_SCREENSHOTS=docs/screenshots`` to refresh the screenshot in the docs.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from printernizer_stats.maintainers.analytics import AnalyticsConfig, create_maintainers_app
from printernizer_stats.maintainers.server import ReceiverConfig
from tests.browser.axe import require
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.maintainers.analytics.conftest import STANDARD, K, now_after
from tests.maintainers.server.live import serve_in_thread

TOKEN = "browser-test-token"

pytestmark = pytest.mark.browser


@pytest.fixture
def chromium() -> object:
    require(CHROMIUM.exists(), f"{CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def test_dashboard_in_chromium(chromium: object, standard_url: str, tmp_path: Path) -> None:
    """Chromium signs in with the token, sees the tiles, every chart drawn, the planted anomalies listed and
    ringed in the charts, no console error (CSP included), and asks nothing of any other host."""
    app = create_maintainers_app(ReceiverConfig(db_url=standard_url, token=TOKEN), AnalyticsConfig(k=K),
                                 now=lambda: now_after(STANDARD))
    with serve_in_thread(app) as base:
        page = chromium.new_page(viewport={"width": 1400, "height": 900})  # type: ignore[attr-defined]
        requests: list[str] = []
        problems: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        # The sign-in form is answered with 401 on purpose; Chromium logs that status as a console error.
        page.on("console", lambda message: message.type == "error" and "status of 401" not in message.text
                and problems.append(message.text))
        page.on("pageerror", lambda error: problems.append(str(error)))

        page.goto(f"{base}/dashboard")
        assert page.locator("input#token[type=password]").count() == 1
        page.fill("#token", "wrong")
        page.click("button[type=submit]")
        assert "not right" in page.locator(".error").inner_text()
        page.fill("#token", TOKEN)
        page.click("button[type=submit]")
        page.wait_for_selector("#anomalies")

        assert page.url == f"{base}/dashboard"
        assert page.locator(".tile").count() == 4
        anomalies = page.locator("#anomalies li")
        assert "alert" in (page.locator("#anomalies").get_attribute("class") or "")
        kinds = {anomalies.nth(i).get_attribute("class") for i in range(anomalies.count())}
        assert {"anomaly kind-installations_drop", "anomaly kind-version_error_rate", "anomaly kind-new_error_type",
                "anomaly kind-error_type_surge"} <= kinds
        assert page.locator("svg.chart").count() >= 12
        assert page.locator("svg.chart circle.flag").count() >= 4
        assert page.locator("svg.chart path.whisker").count() > 20
        body = page.locator("main").inner_text()
        assert "n = " in body and "week of 2026-06-29" in body
        screenshot = tmp_path / "dashboard.png"
        page.screenshot(path=str(screenshot), full_page=True)
        assert screenshot.stat().st_size > 50_000
        page.emulate_media(color_scheme="dark")  # the dark scheme follows prefers-color-scheme
        assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(13, 17, 23)"
        dark = tmp_path / "dashboard-dark.png"
        page.screenshot(path=str(dark), full_page=True)
        page.emulate_media(color_scheme="light")

        page.click("header form button")
        page.wait_for_selector("#token")
        page.close()
    assert problems == []
    assert requests and all(url.startswith(base) for url in requests)
    target = os.environ.get("PRINTERNIZER_STATS_SCREENSHOTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copy(screenshot, Path(target) / "dashboard.png")
        shutil.copy(dark, Path(target) / "dashboard-dark.png")
