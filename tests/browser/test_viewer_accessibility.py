"""axe-core over the privacy page in every state a user meets, light and dark, inside the stand-in Printernizer.

Each state is audited in the light and the dark scheme (``prefers-color-scheme`` emulated on the same page).
No serious or critical violation in any; moderate and minor findings are listed at the end of the run
(``tests/conftest.py``). Everything that folds is unfolded first (what is collected, the chart tables, the
payload), so axe sees every element a user can bring on screen.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from printernizer_stats.host.client import viewer_app
from printernizer_stats.host.sender import SenderConfig
from printernizer_stats.host.viewer import MOUNT_PREFIX
from printernizer_stats_tools.standin.app import create_standin_app
from tests.browser import screenshots
from tests.browser.axe import assert_accessible, chart_names
from tests.browser.conftest import BROWSER, Clock
from tests.maintainers.server.live import serve_in_thread

pytestmark = BROWSER

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
SWITCH = "Share anonymous usage statistics"


@contextmanager
def printernizer(db: Path, **options: Any) -> Iterator[str]:
    """The stand-in Printernizer with statistics installed; yields the page's URL."""
    app = create_standin_app(stats_db=db, stats_options={
        "environ": {}, "today": Clock(screenshots.DAY).today, "export_interval_s": 3600,
        "sender": SenderConfig(endpoint="https://stats.example.org", first_check_jitter_s=3600), **options})
    with serve_in_thread(app, lifespan="on") as url:
        yield f"{url}{MOUNT_PREFIX}/"


@pytest.fixture(scope="module")
def rich_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """README's screenshot installation: eight weeks, seven sent with receipts, a community summary cached."""
    path = tmp_path_factory.mktemp("a11y") / "stats.db"
    screenshots.build(path)
    return path


@pytest.fixture
def own_db(rich_db: Path, tmp_path: Path) -> Path:
    """A copy of :func:`rich_db` a test may change."""
    path = tmp_path / "stats.db"
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{rich_db}{suffix}").exists():
            shutil.copy(f"{rich_db}{suffix}", f"{path}{suffix}")
    return path


@pytest.fixture(scope="module")
def rich_page(rich_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The page on a copy of :func:`rich_db`, for the states that change nothing."""
    path = tmp_path_factory.mktemp("rich") / "stats.db"
    shutil.copy(rich_db, path)
    with printernizer(path) as url:
        yield url


@pytest.fixture(scope="module")
def fresh_page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A new installation: nothing stored, sharing off."""
    with printernizer(tmp_path_factory.mktemp("fresh") / "stats.db") as url:
        yield url


@contextmanager
def shown(browser: Any, url: str, viewport: dict[str, int] = DESKTOP, locale: str = "en-GB",
          unfold: bool = True) -> Iterator[Any]:
    """The page at ``url`` in a new context; folded parts unfolded."""
    context = browser.new_context(viewport=viewport, locale=locale,
                                  is_mobile=viewport is PHONE, has_touch=viewport is PHONE)
    page = context.new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(url)
        expect(page.locator("fieldset.switch-field")).to_be_enabled()  # the script has run
        if unfold:
            page.evaluate("document.querySelectorAll('details').forEach((d) => { d.open = true; })")
        yield page
        assert errors == []
    finally:
        context.close()


def test_fresh_installation(browser: Any, fresh_page: str) -> None:
    with shown(browser, fresh_page) as page:
        expect(page.locator("#no-statistics")).to_be_visible()
        assert_accessible(page, "privacy page, fresh installation")


def test_opted_in_with_history_and_community(browser: Any, rich_page: str) -> None:
    with shown(browser, rich_page) as page:
        expect(page.locator("#community table").first).to_be_visible()
        expect(page.locator("#preview-json")).to_be_visible()
        names = chart_names(page)
        assert len(names) >= 5
        assert any(name.startswith("Print jobs per week: 9 weeks, W39 to now; now: completed") for name in names)
        assert_accessible(page, "privacy page, opted in, everything unfolded")


def test_phone_width(browser: Any, rich_page: str) -> None:
    with shown(browser, rich_page, PHONE, unfold=False) as page:
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # nothing scrolls sideways
        assert_accessible(page, "privacy page, opted in, phone width")


def test_german(browser: Any, rich_page: str) -> None:
    """``?lang=de`` (and a German browser): the German page, audited as such."""
    with shown(browser, f"{rich_page}?lang=de", locale="de-DE") as page:
        lang = page.evaluate("document.documentElement.lang")
        assert lang == "de"
        expect(page.get_by_role("heading", level=1)).to_have_text("Ihre Nutzungsstatistiken")
        # What a screen reader says for each chart: German title and summary, figures with German separators.
        names = chart_names(page)
        assert any(name.startswith("Druckaufträge pro Woche: 9 Wochen, W39 bis jetzt; jetzt: beendet")
                   for name in names), names
        assert not [name for name in names if "largest first" in name or " to now" in name], names
        assert_accessible(page, f"privacy page, ?lang=de (served lang={lang})")


def test_delete_dialog_open(browser: Any, rich_page: str) -> None:
    with shown(browser, rich_page, unfold=False) as page:
        page.get_by_role("button", name="Delete all…").click()
        expect(page.get_by_role("dialog", name="Delete all usage statistics?")).to_be_visible()
        assert_accessible(page, "privacy page, delete-all dialog open")
        page.keyboard.press("Escape")


def test_opt_out_dialog_open(browser: Any, rich_page: str) -> None:
    with shown(browser, rich_page, unfold=False) as page:
        page.get_by_role("switch", name=SWITCH).click()
        expect(page.get_by_role("dialog", name="Turn sharing off?")).to_be_visible()
        assert_accessible(page, "privacy page, opt-out dialog open")
        page.keyboard.press("Escape")  # kept sharing: the module's page stays as it was


def test_settings_field_error(browser: Any, rich_page: str) -> None:
    with shown(browser, rich_page, unfold=False) as page:
        page.get_by_label("Keep statistics on this machine for").fill("0")
        page.get_by_role("button", name="Save settings").click()
        expect(page.locator("#retention-error")).to_be_visible()
        assert_accessible(page, "privacy page, settings with a field error")


def rich_url(page: Any) -> str:
    return str(page.url).split("#")[0].split("?")[0]


def test_after_delete_all(browser: Any, own_db: Path) -> None:
    """Deleted through the dialog: the empty page, the announcement still showing."""
    with printernizer(own_db) as url, shown(browser, url, unfold=False) as page:
        for scheme in ("light", "dark"):  # deleted again: the announcement shows for a few seconds only
            page.get_by_role("button", name="Delete all…").click()
            # Wait for the page's own refresh after the deletion: the toast may still show the last round's text.
            with page.expect_response(lambda r: r.request.method == "GET" and r.url.split("?")[0] == rich_url(page)):
                page.get_by_role("button", name="Delete everything").click()
            expect(page.locator("#toast")).to_contain_text("has been deleted")
            expect(page.locator("#no-statistics")).to_be_visible()
            # The busy dimming fades out over .15 s: audited mid-fade, accent text would be measured too faint.
            expect(page.locator("#content")).to_have_css("opacity", "1")
            assert_accessible(page, "privacy page, after delete-all, announcement shown", (scheme,), "#toast")


def test_do_not_track(browser: Any, own_db: Path) -> None:
    with printernizer(own_db, environ={"DO_NOT_TRACK": "1"}) as url, shown(browser, url) as page:
        expect(page.locator("#dnt-banner")).to_be_visible()
        assert_accessible(page, "privacy page, DO_NOT_TRACK set")


def test_broken_database_and_an_error_announcement(browser: Any, tmp_path: Path) -> None:
    """The statistics file cannot be used: the page says why; turning sharing on is refused with a reason."""
    broken = tmp_path / "stats.db"
    broken.mkdir()
    with printernizer(broken) as url, shown(browser, url) as page:
        expect(page.locator("#off-banner")).to_be_visible()
        for scheme in ("light", "dark"):  # refused again: the announcement shows for a few seconds only
            page.get_by_role("switch", name=SWITCH).click()
            expect(page.locator("#toast.error")).to_contain_text("unavailable")
            assert_accessible(page, "privacy page, statistics DB unusable, error announced", (scheme,), "#toast")


def test_standalone_viewer(browser: Any, own_db: Path) -> None:
    """``printernizer-stats viewer``: the same page on its own, at ``/``."""
    app = viewer_app(own_db, environ={}, today=Clock(screenshots.DAY).today)
    with serve_in_thread(app) as url, shown(browser, f"{url}/") as page:
        assert page.locator("svg.svg-chart").count() >= 5
        assert_accessible(page, "privacy page, standalone viewer")


def test_the_page_follows_printernizers_language_setting(browser: Any, rich_page: str) -> None:
    """Printernizer keeps its language in localStorage (``printernizer_locale``): an English browser opening
    the page without ``?lang=`` gets it in German when Printernizer is set to German, and its toasts too."""
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    try:
        page.goto(rich_page)
        expect(page.get_by_role("heading", level=1)).to_have_text("Your usage statistics")
        page.evaluate("window.localStorage.setItem('printernizer_locale', 'de')")
        page.reload()
        expect(page).to_have_url(f"{rich_page}?lang=de")
        expect(page.get_by_role("heading", level=1)).to_have_text("Ihre Nutzungsstatistiken")
        assert page.evaluate("document.documentElement.lang") == "de"
        page.get_by_role("button", name="Einstellungen speichern").click()
        expect(page.locator("#toast")).to_have_text("Einstellungen gespeichert.")
    finally:
        context.close()
