""""How your setup compares": GET /community and the page's card, over a real client and a real socket."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from printernizer_stats.host.client import StatsClient
from printernizer_stats.host.sender import SenderConfig
from printernizer_stats.host.viewer import MOUNT_PREFIX
from printernizer_stats.host.viewer._community import ENGLISH_SENTENCES, compare
from printernizer_stats.host.viewer._i18n import translate
from tests.host.sender.summary_server import SummaryServer
from tests.host.viewer.conftest import call_api, make_client, privacy_app

P = MOUNT_PREFIX


def _group(value: str, installations: int, share: float) -> dict[str, Any]:
    return {"value": value, "installations": installations, "share": share, "low": round(max(share - 0.07, 0), 4),
            "high": round(min(share + 0.07, 1), 4)}


def summary_for(yours: dict[str, Any]) -> dict[str, Any]:
    """A community summary in which this installation's deployment mode and fleet size are published, its
    version is not (a rare version), and one of its features is."""
    feature = next(iter(yours["features"]))
    return {
        "schema": "printernizer-stats/summary/1", "week": "2026-11-02", "k": 5, "installations": 200,
        "deployment_modes": [_group(yours["deployment_mode"], 86, 0.43), _group("other-mode", 40, 0.2)],
        "versions": [_group("2.44.0", 180, 0.9)],
        "platforms": [_group("linux", 190, 0.95)],
        "printer_types": [_group("bambu_lab", 120, 0.6), _group("prusa_core", 80, 0.4)],
        "fleet_sizes": [_group(yours["fleet_size"], 90, 0.45), _group("11+", 10, 0.05)],
        "features": [_group(feature, 150, 0.8)],
        "uptime_days": [_group("7", 100, 0.5)],
        "errors_per_1000_jobs": {"value": 207.34, "low": 182.66, "high": 232.02, "installations": 200},
    }


@pytest.fixture
def fetched(db: Path) -> Iterator[tuple[StatsClient, SummaryServer]]:
    """The simulated installation with a receiver serving a summary, fetched by one scheduler round."""
    yours = make_client(db).community_summary()["yours"]
    with SummaryServer(summary_for(yours)) as server:
        client = make_client(db, sender=SenderConfig(endpoint=server.url, timeout_s=2))
        client.services.rounds.tick()
        yield client, server


def test_the_api_returns_the_summary_and_yours(fetched: tuple[StatsClient, SummaryServer]) -> None:
    client, server = fetched
    [response] = call_api(privacy_app(client), [("GET", f"{P}/community")])
    body = response.json()
    assert response.status_code == 200 and body["available"] and body["reason"] is None
    assert body["summary"]["schema"] == "printernizer-stats/summary/1" and body["week"] == "2026-11-02"
    assert body["yours"]["deployment_mode"] == client.services.facts.current()["printernizer.deployment_mode"]
    assert body["yours"]["app_version"] == "2.42.0" and body["yours"]["jobs"] > 0
    assert len(server.requests) == 1


def test_the_card_marks_you_in_each_group(fetched: tuple[StatsClient, SummaryServer]) -> None:
    """Headings, a captioned table per group with "You" marked, the sentence saying where you stand, k,
    and the bars as decoration beside the figures they draw."""
    client, server = fetched
    [response] = call_api(privacy_app(client), [("GET", f"{P}/")])
    text = html.unescape(response.text)
    card = text[text.index('id="community"'):text.index('id="sending"')]
    yours = client.community_summary()["yours"]
    assert "How your setup compares" in card and "week of 2026-11-02" in card
    assert "Groups under 5 installations are not published" in card
    assert re.search(r"You: [^<]+ — 43 % of 200 installations run [^<]+ \(95 % CI 36–50 %\)\.", card)
    assert "You: 2.42.0 — not published: fewer than 5 installations were in this group that week." in card
    on = [name for name, switched_on in yours["features"].items() if switched_on]
    assert "switched on." in card and len(on) >= 1
    assert f"installations have {yours['fleet_size']} printer(s)" in card
    assert card.count('class="yours"') >= 3 and card.count("<caption") == 7
    assert card.count('class="share-bar"') == card.count('aria-hidden="true" focusable="false"') >= 10
    assert "Community: 207.3 errors per 1,000 jobs, 95 % CI 182.7–232 (200 installations)." in card
    mine = re.search(r"You: ([\d,.]+) in 2026-W45 \((\d+) errors in (\d+) jobs\)\.", card)
    assert mine, "the errors line says where you stand"
    shown, errors, jobs = float(mine[1].replace(",", "")), int(mine[2]), int(mine[3])
    assert shown == pytest.approx(yours["errors_per_1000_jobs"], rel=1e-3)
    assert yours["errors_per_1000_jobs"] == pytest.approx(1000 * errors / jobs, abs=0.005)  # published to 0.01
    assert len(server.requests) == 1  # rendering reads the cache only


@pytest.mark.parametrize(("environ", "opted_in", "says"), [
    ({}, False, "Turn sharing on to see how your setup compares"),
    ({"DO_NOT_TRACK": "1"}, True, "DO_NOT_TRACK is set: the community summary is not fetched"),
    ({}, True, "Nothing to compare with yet: not fetched yet"),
])
def test_without_a_summary_the_card_says_why_and_nothing_is_fetched(
    db: Path, environ: dict[str, str], opted_in: bool, says: str,
) -> None:
    with SummaryServer(summary_for(make_client(db).community_summary()["yours"])) as server:
        client = make_client(db, environ=environ, sender=SenderConfig(endpoint=server.url, timeout_s=2))
        if not opted_in:
            client.opt_out()
        api, page = call_api(privacy_app(client), [("GET", f"{P}/community"), ("GET", f"{P}/")])
        assert api.status_code == 200 and api.json()["available"] is False and api.json()["reason"]
        text = html.unescape(page.text)
        assert 'id="community-empty"' in text and says in " ".join(text.split())
        assert server.connections == 0


def test_compare_without_a_summary_is_empty() -> None:
    assert compare({"available": False, "summary": None, "yours": None}) == []


def _fragments(template: str) -> list[str]:
    """The fixed words of an English sentence template (between its ``{fields}``), long enough to be telling
    and not the same in German ("Community")."""
    parts = (part.strip(" ,.;:()—") for part in re.split(r"\{\w*\}", template))
    return [part for part in parts if len(part) >= 6 and part not in translate("de", template)]


def test_the_card_in_german_has_no_english_sentence_left(fetched: tuple[StatsClient, SummaryServer]) -> None:
    """Every sentence the card composes in code is German on the German page, figures with a decimal comma;
    a new sentence without its German text fails here (and in test_i18n's catalogue check)."""
    client, _server = fetched
    [response] = call_api(privacy_app(client), [("GET", f"{P}/?lang=de")])
    text = html.unescape(response.text)
    card = " ".join(text[text.index('id="community"'):text.index('id="sending"')].split())
    shown = re.sub(r"<[^>]+>", " ", card)  # what is read, not ids such as compare-printer_types
    assert re.search(r"Sie: [^<]+ — 43 % von 200 Installationen laufen als [^<]+ \(95-%-KI 36–50 %\)\.", card)
    assert "Sie: 2.42.0 — nicht veröffentlicht: weniger als 5 Installationen" in card
    assert "Community: 207,3 Fehler pro 1.000 Aufträge, 95-%-KI 182,7–232 (200 Installationen)." in card
    assert re.search(r"Sie: [\d.]+(,\d)? in 2026-W45 \(\d+ Fehler in [\d.]+ Aufträgen\)\.", card)
    left = sorted({fragment for template in ENGLISH_SENTENCES for fragment in _fragments(template)
                   if fragment in shown})
    assert left == []
