"""Real headless Chromium (Debian's /usr/bin/chromium) driven by Playwright, against a real uvicorn server."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.axe import require

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
PRINTER = "bambu_x1c_workshop"

BROWSER = [pytest.mark.browser]
"""``pytestmark`` of every browser test module (the :func:`browser` fixture skips, or fails in CI, without Chromium)."""


@dataclass
class Clock:
    """The UTC day the app's statistics believe it is; tests move it to complete a week."""

    day: date

    def today(self) -> date:
        return self.day


@dataclass
class Console:
    """Console errors and failed requests of a page (a CSP violation shows up here)."""

    errors: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One Chromium per module: Playwright's sync API keeps an event loop running in this thread while it is
    open, which would break ``asyncio.run`` in the tests after it."""
    require(CHROMIUM.exists(), f"{CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    opened.set_default_timeout(20_000)
    console = Console()
    opened.on("console", lambda message: console.errors.append(message.text) if message.type == "error" else None)
    opened.on("pageerror", lambda error: console.errors.append(str(error)))
    opened.console = console
    yield opened
    context.close()


def use_printernizer(base_url: str, completed: int = 3, failed: int = 1) -> None:
    """Use the stand-in Printernizer over HTTP: jobs that complete or fail, a few reads (events and routes)."""
    with httpx.Client(base_url=base_url) as http:
        for n in range(completed + failed):
            job = http.post("/api/v1/jobs", json={"printer_id": PRINTER, "job_name": f"order_{n}.3mf"}).json()
            http.put(f"/api/v1/jobs/{job['id']}/status", json={"status": "printing"})
            http.put(f"/api/v1/jobs/{job['id']}/status", json={"status": "completed" if n < completed else "failed"})
        http.get("/api/v1/printers")
        http.get(f"/api/v1/printers/{PRINTER}/status")
