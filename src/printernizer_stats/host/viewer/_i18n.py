"""The page's languages: English and German (Printernizer's two), chosen per request.

Order: ``?lang=`` (Printernizer's panel links with its own language setting), then ``Accept-Language``,
then English. The German texts live in ``translations/de.yaml`` keyed by the English message; a test fails
on a message of the templates or the script without its German text. The registry's descriptions come
from the registry's own translation (``registry/metrics.de.yaml``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from functools import cache
from importlib import resources
from typing import Any

import yaml
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

LANGUAGES = ("en", "de")
DEFAULT = "en"


def _accepted(header: str) -> list[tuple[float, str]]:
    ranked = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        ranked.append((-quality, position, tag.strip().lower().split("-")[0]))
    return [(q, tag) for q, _, tag in sorted(ranked)]


def choose_language(query: str | None, accept_language: str | None) -> str:
    """``query`` if it names a language of the page, else the best of ``Accept-Language``, else English."""
    if query and query.strip().lower() in LANGUAGES:
        return query.strip().lower()
    for quality, tag in _accepted(accept_language or ""):
        if tag in LANGUAGES and quality < 0:
            return tag
    return DEFAULT


@cache
def catalog(language: str) -> Mapping[str, str]:
    """English message -> its text in ``language`` (empty for English)."""
    if language == DEFAULT:
        return {}
    folder = resources.files("printernizer_stats.host.viewer").joinpath("translations")
    text = folder.joinpath(f"{language}.yaml").read_text("utf-8")
    return {" ".join(k.split()): " ".join(str(v).split()) for k, v in (yaml.safe_load(text) or {}).items()}


def translate(language: str, message: str) -> str:
    """``message`` in ``language`` (itself when there is no translation)."""
    return catalog(language).get(" ".join(message.split()), message)


_GERMAN_SEPARATORS = str.maketrans(",.", ".,")


def number(language: str, text: str) -> str:
    """A figure formatted in English (``1,234.5``) as ``language`` writes it (German: ``1.234,5``)."""
    if language != "de":
        return text
    return text.translate(_GERMAN_SEPARATORS)


def template_callables(language: str) -> dict[str, Callable[..., Any]]:
    """``gettext``/``ngettext``/``_`` for one render, as Jinja's i18n extension calls them (new style):
    the message is trusted template text, the variables are escaped."""

    @pass_context
    def gettext(context: Context, message: str, /, **variables: Any) -> str:
        text = translate(language, message)
        # The message is our template text (or its reviewed translation), never input: markup is meant.
        result = Markup(text) if context.eval_ctx.autoescape else text  # noqa: S704
        return result % variables if variables else result

    @pass_context
    def ngettext(context: Context, singular: str, plural: str, number: int, /, **variables: Any) -> str:
        return gettext(context, singular if number == 1 else plural, **{"num": number, **variables})

    return {"gettext": gettext, "ngettext": ngettext, "_": gettext}


SCRIPT_MESSAGES = (
    "The request failed (HTTP {status}).",
    "{accepted} of {total} batch(es) accepted by the receiver.",
    "Nothing was due to be sent.",
    "Settings saved.",
    "Enter a whole number of weeks from {min} to {max}.",
)
"""What viewer.js says itself (its other messages are the API's answers)."""


def script_messages(language: str) -> str:
    """The script's messages in ``language``, as JSON for the page's ``data-messages``."""
    return json.dumps({message: translate(language, message) for message in SCRIPT_MESSAGES}, ensure_ascii=False)
