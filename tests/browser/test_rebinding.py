"""In headless Chromium: a DNS-rebinding page and another site's form and script against the stand-in Printernizer.

Chromium resolves ``evil.example`` to 127.0.0.1 (``--host-resolver-rules``), which is what a rebinding attack
achieves; the attacker's own page at ``https://attacker.example`` is served by Playwright's router. The stand-in
answers CORS for any origin with credentials (as Printernizer does), so only the privacy API's checks stand
in the way. Afterwards the user is still opted out.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from printernizer_stats.host.client import StatsClient
from printernizer_stats.host.sender import SenderConfig
from printernizer_stats.host.viewer import MOUNT_PREFIX
from printernizer_stats_tools.standin.app import create_standin_app
from tests.browser.axe import require
from tests.browser.conftest import BROWSER, CHROMIUM, CHROMIUM_ARGS
from tests.maintainers.server.live import serve_in_thread

pytestmark = BROWSER

ATTACKER = "https://attacker.example/"


@pytest.fixture(scope="module")
def rebinding_browser() -> Iterator[Any]:
    require(CHROMIUM.exists(), f"{CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=[
            *CHROMIUM_ARGS, "--host-resolver-rules=MAP evil.example 127.0.0.1",
            # Chromium's own Local Network Access checks would block the attacker's requests before they
            # reach the API; off, as in other and older browsers, so the API's checks are what is tested.
            "--disable-features=LocalNetworkAccessChecks,BlockInsecurePrivateNetworkRequests,"
            "PrivateNetworkAccessSendPreflights,PrivateNetworkAccessRespectPreflightResults"])
        yield launched
        launched.close()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, StatsClient]]:
    app = create_standin_app(stats_db=tmp_path / "stats.db", stats_options={
        "environ": {}, "export_interval_s": 3600, "sender": SenderConfig()})
    with serve_in_thread(app, lifespan="on") as url:
        yield url, app.state.usage_stats


def _attack(url: str) -> str:
    """The attacker's page: a form auto-posting to opt-in, then a script trying opt-in with the custom header."""
    return f"""<!doctype html><title>cats</title>
<iframe name="sink"></iframe>
<form id="f" method="post" action="{url}{MOUNT_PREFIX}/opt-in" target="sink"><input name="a" value="1"></form>
<script>
document.getElementById("f").submit();
window.results = (async () => {{
  const out = [];
  for (const [method, path, headers] of [["POST", "opt-in", {{"X-Requested-With": "x"}}],
                                         ["GET", "status", {{}}]]) {{
    try {{
      const r = await fetch("{url}{MOUNT_PREFIX}/" + path, {{method, headers, credentials: "include"}});
      out.push(r.status + " " + (await r.text()));
    }} catch (e) {{ out.push("blocked " + e); }}
  }}
  return out;
}})();
</script>"""


def test_a_rebinding_page_gets_nothing(rebinding_browser: Any, served: tuple[str, StatsClient]) -> None:
    """``http://evil.example:PORT`` now reaches the user's machine: the page and the API answer 403, and the
    rebinding page's own same-origin script can neither read the id nor opt in."""
    url, client = served
    port = url.rsplit(":", 1)[1]
    context = rebinding_browser.new_context()
    page = context.new_page()
    response = page.goto(f"http://evil.example:{port}{MOUNT_PREFIX}/")
    assert response is not None and response.status == 403
    assert "host name Printernizer does not know (evil.example)" in page.content()
    answers = page.evaluate("""async (prefix) => {
        const optIn = await fetch(prefix + "/opt-in", {method: "POST", headers: {"X-Requested-With": "x"}});
        const status = await fetch(prefix + "/status");
        return [optIn.status, status.status, await status.text()];
    }""", MOUNT_PREFIX)
    context.close()
    assert answers[:2] == [403, 403] and "installation_id" not in answers[2]
    assert client.consent().opted_in is False


def test_another_sites_form_and_script_change_nothing(rebinding_browser: Any,
                                                     served: tuple[str, StatsClient]) -> None:
    """A page on another site posts a form to opt-in and fetches with the custom header (the host's CORS lets
    the preflight through): both refused, and it cannot read the status either."""
    url, client = served
    context = rebinding_browser.new_context()
    page = context.new_page()
    page.route(ATTACKER, lambda route: route.fulfill(body=_attack(url), content_type="text/html"))
    page.goto(ATTACKER)
    results = page.evaluate("window.results")
    page.wait_for_timeout(500)  # the form's navigation in the frame
    context.close()
    assert len(results) == 2
    assert results[0].startswith("403 ") and "another web page" in results[0]
    assert results[1].startswith("403 ") and "installation_id" not in results[1]
    assert client.consent().opted_in is False
