"""The page in English and German: the language chosen per request, and every message with its German text."""

from __future__ import annotations

import html
import re
from datetime import date
from pathlib import Path

import pytest
from jinja2 import Environment

from printernizer_stats.host.client import StatsClient
from printernizer_stats.host.viewer._charts import COLUMNS, LARGEST, bar_chart, count_messages
from printernizer_stats.host.viewer._community import ENGLISH_SENTENCES, GROUPS, LABELS
from printernizer_stats.host.viewer._dashboard import JOB_SERIES, charts, features_used, key_figures
from printernizer_stats.host.viewer._i18n import SCRIPT_MESSAGES, catalog, choose_language, translate
from printernizer_stats.host.viewer._page import _environment
from printernizer_stats.pages import MORE
from printernizer_stats.registry import Kind, default_registry
from printernizer_stats_tools.standin.app import create_standin_app
from tests._asgi import call_app
from tests.host.viewer.conftest import privacy_app

PAGE = "/api/v1/usage-stats/"


@pytest.mark.parametrize(("query", "header", "expected"), [
    (None, None, "en"),
    ("de", None, "de"),
    ("DE", "en", "de"),
    ("en", "de-DE,de;q=0.9", "en"),
    ("fr", "de-AT, en;q=0.5", "de"),
    (None, "fr-FR, en;q=0.9, de;q=0.8", "en"),
    (None, "fr, de;q=0.3", "de"),
    (None, "de;q=0", "en"),
    (None, "de;q=oops, en", "en"),
])
def test_the_language_is_chosen_from_the_query_then_accept_language(
        query: str | None, header: str | None, expected: str) -> None:
    assert choose_language(query, header) == expected


def _template_messages(env: Environment) -> set[str]:
    messages: set[str] = set()
    for name in env.list_templates(extensions=["html"]):
        source = env.loader.get_source(env, name)[0]  # type: ignore[union-attr]
        for _line, _function, message in env.extract_translations(source):
            parts = message if isinstance(message, tuple) else (message,)
            messages.update(part for part in parts if isinstance(part, str))
    return messages


def test_every_message_of_the_templates_and_the_script_has_its_german_text() -> None:
    env = _environment()
    wanted = _template_messages(env) | set(SCRIPT_MESSAGES)
    assert len(wanted) > 100
    assert sorted(wanted - set(catalog("de"))) == []


def test_the_labels_the_code_produces_have_their_german_text() -> None:
    """Key figures, features, chart titles and series, metric kinds, community groups: computed, not templated."""
    registry = default_registry()
    labels = {tile.label for tile in key_figures(registry, {}, {})} | {f.label for f in features_used(registry, {})}
    drawn = charts({"weeks": [], "days": []}, date(2026, 11, 18))
    labels |= {c.title for c in drawn if " to " not in c.title} | {c.category.capitalize() for c in drawn}
    labels |= set(JOB_SERIES) | {kind.value for kind in Kind} | {title for _key, title, *_rest in GROUPS}
    assert sorted(label for label in labels if translate("de", label) == label and label != "MQTT"
                  and label not in {"Upload", "Slicing", "Version", "Route"}) == []


def test_the_page_in_german_from_the_query_or_the_browser(tmp_path: Path) -> None:
    app = create_standin_app(stats_db=tmp_path / "stats.db", stats_options={"environ": {}})
    german, english, asked, overridden = call_app(app, [
        ("GET", f"{PAGE}?lang=de"), ("GET", PAGE), ("GET", PAGE, {"headers": {"Accept-Language": "de-DE,de;q=0.9"}}),
        ("GET", f"{PAGE}?lang=en", {"headers": {"Accept-Language": "de"}}),
    ])
    for answer, lang in ((german, "de"), (english, "en"), (asked, "de"), (overridden, "en")):
        assert answer.status_code == 200
        assert re.search(r'<html lang="(\w+)"', answer.text)[1] == lang  # type: ignore[index]
        assert answer.headers["content-language"] == lang
    assert "<h1>Ihre Nutzungsstatistiken</h1>" in german.text and "<h1>Your usage statistics</h1>" in english.text
    # The registry's descriptions come from its own translation (registry/metrics.de.yaml).
    assert "Wie viele Druckaufträge angelegt" in german.text and "Rechnernamen, Benutzernamen" in german.text
    assert "How many print jobs were created" in english.text
    assert "Accept-Language" in german.headers["vary"]


def test_the_apis_messages_answer_in_the_requested_language(tmp_path: Path) -> None:
    """The page's script sends its language; the toast then reads in it. Every message has its German text."""
    from printernizer_stats.host.viewer import _api
    from tests.host.viewer.conftest import SCRIPT

    messages = [_api.OPTED_IN, _api.ALREADY_ON, _api.OPTED_OUT, _api.DELETION_QUEUED, _api.DELETED_ALL, _api.ROTATED,
                _api.DELETION_SENT_LATER, _api.DELETION_ACCEPTED]
    assert [m for m in messages if translate("de", m) == m] == []
    app = create_standin_app(stats_db=tmp_path / "stats.db", stats_options={"environ": {}})
    german, again, english = call_app(app, [
        ("POST", f"{PAGE}opt-in", {"headers": {**SCRIPT, "Accept-Language": "de"}}),
        ("POST", f"{PAGE}opt-in", {"headers": {**SCRIPT, "Accept-Language": "de"}}),
        ("POST", f"{PAGE}opt-out", {"headers": SCRIPT}),
    ])
    assert german.json()["message"] == translate("de", _api.OPTED_IN)
    assert again.json()["message"].startswith("Nutzungsstatistiken waren schon an")
    assert english.json()["message"] == _api.OPTED_OUT


def test_the_charts_titles_and_axis_labels_in_german() -> None:
    summary = {"weeks": [{"week": "2026-W46", "start": "2026-11-09", "metrics": {}}], "days": []}
    english = charts(summary, date(2026, 11, 18))
    german = charts(summary, date(2026, 11, 18), lambda message: translate("de", message))
    titles = {c.ident: translate("de", c.title) for c in german}  # as the template shows them
    assert titles["errors-by-type"] == "Fehler nach Art, 2026-W46 bis 2026-W47"
    assert all(titles[c.ident] != c.title for c in english), titles
    by_day = next(c for c in german if c.ident == "jobs-this-week")
    assert [name for name, _values in by_day.rows] == ["Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"]
    assert next(c for c in german if c.ident == "jobs-by-week").rows[-1][0] == "jetzt"


def test_the_sentences_composed_in_code_have_their_german_text() -> None:
    """The community card's sentences and the charts' summaries are built in Python, not templated: each of
    their sentence templates (every chart's counting nouns too) has its German text."""
    drawn = charts({"weeks": [], "days": []}, date(2026, 11, 18))
    wanted = {*ENGLISH_SENTENCES, MORE, LARGEST, COLUMNS, *(m for c in drawn for m in count_messages(c.category)),
              *(name for c in drawn for name in c.series), *(text for text in LABELS.values() if text.islower())}
    assert sorted(message for message in wanted if translate("de", message) == message) == []


def test_the_chart_summaries_in_german(client: StatsClient) -> None:
    """The screen-reader line of every chart on the German page is German, its figures with German separators."""
    page = call_app(privacy_app(client), [("GET", f"{PAGE}?lang=de")])[0].text
    summaries = [html.unescape(d) for d in re.findall(r'<desc id="[\w-]+-summary">([^<]*)</desc>', page)]
    assert len(summaries) >= 4, summaries
    english = ("largest first", " to ", "most:", "weeks", "days,", "more", "error type", "printer type", "routes")
    assert [s for s in summaries if any(word in s for word in english)] == []
    assert any(s.startswith("4 Wochen,") and " bis jetzt; jetzt: beendet " in s for s in summaries), summaries
    assert any("größte zuerst:" in s for s in summaries), summaries
    bars = bar_chart("e", "Errors", "error type", "errors", [("a", 1234.5), ("b", 3), ("c", 2), ("d", 1)])
    assert bars.describe("de") == "4 Fehlerarten, größte zuerst: a 1.234,5, b 3, c 2, dazu 1 weitere"
    # Titles and series in the charts' macros are translated too (the macros see the page's language).
    assert "Druckaufträge pro Woche" in page and "Print jobs per week" not in page
