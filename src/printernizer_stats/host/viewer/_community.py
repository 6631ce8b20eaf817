""""How your setup compares": the response model of ``GET /community`` and what the page's card shows.

The community figures come from the receiver's public summary (k-anonymous, cached by the client); "you"
is this installation's own position, computed on this machine. Pure functions from the backend's answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from printernizer_stats.contract import SummaryDocument, SummaryList
from printernizer_stats.host.viewer._charts import figure
from printernizer_stats.host.viewer._dashboard import humanize
from printernizer_stats.host.viewer._i18n import number, translate
from printernizer_stats.registry import OTHER
from printernizer_stats.registry.names import DeploymentMode, Platform, PrinterType


class YourSetup(BaseModel):
    """This installation in the summary's terms, computed on this machine (sent nowhere)."""

    deployment_mode: str | None
    app_version: str | None
    platform: str | None
    printer_types: dict[str, int] = Field(description="Printers by type (latest week reporting them).")
    printers: int | None
    fleet_size: str = Field(examples=["3-5"])
    features: dict[str, bool]
    uptime_days: int | None = Field(description="Days running in the last complete week.")
    week: str = Field(description="The last complete ISO week, which jobs and errors describe.")
    jobs: int
    errors: int
    errors_per_1000_jobs: float | None


class Community(BaseModel):
    """How this installation compares with the community, or why there is nothing to compare with."""

    available: bool
    reason: str | None = Field(description="Why there is no summary (not opted in, DO_NOT_TRACK, not fetched yet).")
    week: date | None
    fetched_day: date | None = Field(description="When the summary was last fetched or confirmed unchanged.")
    summary: SummaryDocument | None = Field(description="The receiver's public summary, as cached on this machine "
                                                      "(the contract's shape, checked when it was fetched).")
    yours: YourSetup | None


LABELS = {PrinterType.BAMBU_LAB: "Bambu Lab", PrinterType.PRUSA_CORE: "Prusa", PrinterType.OCTOPRINT: "OctoPrint",
          DeploymentMode.HOMEASSISTANT: "Home Assistant", DeploymentMode.DOCKER: "Docker",
          DeploymentMode.STANDALONE: "standalone", DeploymentMode.PI: "Raspberry Pi", Platform.LINUX: "Linux",
          Platform.WINDOWS: "Windows", Platform.DARWIN: "macOS", OTHER: "other", PrinterType.UNKNOWN: "unknown"}
_L = SummaryList
GROUPS = (
    (_L.DEPLOYMENT_MODES, "Deployment", "deployment_mode", "{share} of {n} installations run {value}"),
    (_L.VERSIONS, "Version", "app_version", "{share} of {n} installations are on {value}"),
    (_L.PLATFORMS, "Operating system", "platform", "{share} of {n} installations run on {value}"),
    (_L.PRINTER_TYPES, "Printer types", "printer_types", "{share} of {n} installations have a {value} printer"),
    (_L.FLEET_SIZES, "Printers per installation", "fleet_size", "{share} of {n} installations have {value} printer(s)"),
    (_L.UPTIME_DAYS, "Days running a week", "uptime_days", "{share} of {n} installations ran on {value} day(s)"),
    (_L.FEATURES, "Features switched on", "features", ""),
)
"""Summary list, title, the matching field of ``yours``, the sentence for your group (features: a list)."""

YOU_ON = "You: {values} switched on."
YOU_NONE = "You: none of these switched on."
NOT_PUBLISHED = "You: {value} — not published: fewer than {k} installations were in this group that week."
WHERE = "You: {value} — {said} ({interval})."
INTERVAL = "95 % CI {low}–{high} %"
SPREAD = ", 95 % CI {low}–{high}"
COMMUNITY_RATE = "Community: {rate} errors per 1,000 jobs{spread} ({n} installations)."
YOUR_RATE = "You: {rate} in {week} ({errors} errors in {jobs} jobs)."
NO_JOBS = "You: no print jobs recorded in {week}."
ENGLISH_SENTENCES = (*(sentence for *_rest, sentence in GROUPS if sentence), YOU_ON, YOU_NONE, NOT_PUBLISHED, WHERE,
                     INTERVAL, SPREAD, COMMUNITY_RATE, YOUR_RATE, NO_JOBS)
"""What the card composes in code, each translated (``translations/de.yaml``) and filled in with ``str.format``."""


def label(value: str, key: str = "", language: str = "en") -> str:
    """A group's name as people read it in ``language`` (feature names humanized; versions and counts as they
    are)."""
    return translate(language, LABELS.get(value) or (humanize(value) if key == SummaryList.FEATURES else value))


def percent(fraction: float) -> str:
    return f"{round(fraction * 100)} %"


def interval(low: float, high: float, language: str = "en") -> str:
    return translate(language, INTERVAL).format(low=round(low * 100), high=round(high * 100))


def _figure(language: str, value: float) -> str:
    return number(language, figure(value))


@dataclass(frozen=True, slots=True)
class Row:
    value: str
    label: str
    share: str
    interval: str
    installations: int
    bar: tuple[float, float, float]
    """Share, low and high in percent (the inline SVG bar and its interval whisker)."""
    yours: bool


@dataclass(frozen=True, slots=True)
class Comparison:
    key: str
    title: str
    rows: list[Row]
    you: list[str]
    """One sentence per value of yours: where you stand, or why your group is not published."""


def _your_values(key: str, yours: Mapping[str, Any]) -> list[str]:
    mine = yours.get(key)
    if key == "features":
        return sorted(name for name, on in (mine or {}).items() if on)
    if key == "printer_types":
        return sorted(mine or {})
    return [] if mine is None else [str(mine)]


def compare(view: Mapping[str, Any], language: str = "en") -> list[Comparison]:
    """Each summary list with its groups, "you" marked, and the sentences saying where you stand (in
    ``language``)."""
    summary, yours = view.get("summary"), view.get("yours") or {}
    if not summary:
        return []
    comparisons = []
    for key, title, field, sentence in GROUPS:
        mine = _your_values(field, yours)
        groups = summary[key]
        rows = [Row(g["value"], label(g["value"], key, language), percent(g["share"]),
                    interval(g["low"], g["high"], language),
                    g["installations"], (g["share"] * 100, g["low"] * 100, g["high"] * 100), g["value"] in mine)
                for g in groups]
        if key == SummaryList.FEATURES:  # one line: which of yours are on (the table marks them)
            you = [translate(language, YOU_ON).format(
                values=", ".join(label(v, key, language) for v in mine)) if mine else
                   translate(language, YOU_NONE)] if yours else []
        else:
            you = [_where(value, key, sentence, {g["value"]: g for g in groups}, summary, language)
                   for value in mine]
        comparisons.append(Comparison(key, title, rows, you))
    return comparisons


def _where(value: str, key: str, sentence: str, groups: Mapping[str, Any], summary: Mapping[str, Any],
           language: str) -> str:
    """Where your value stands in its group, or why its group is not published."""
    group, name = groups.get(value), label(value, key, language)
    if group is None:
        return translate(language, NOT_PUBLISHED).format(value=name, k=summary["k"])
    n = summary["installations"] or group["installations"]
    said = translate(language, sentence).format(share=percent(group["share"]), n=_figure(language, n), value=name)
    return translate(language, WHERE).format(
        value=name, said=said, interval=interval(group["low"], group["high"], language))


def errors_line(view: Mapping[str, Any], language: str = "en") -> tuple[str | None, str | None]:
    """The community's errors per 1,000 jobs and yours, as sentences in ``language`` (None where there is no
    figure)."""
    summary, yours = view.get("summary") or {}, view.get("yours") or {}
    rate, community = summary.get("errors_per_1000_jobs"), None

    def t(message: str, **values: Any) -> str:
        return translate(language, message).format(**values)

    def rounded(value: float) -> str:
        return _figure(language, round(value, 1))

    if rate:
        spread = t(SPREAD, low=rounded(rate["low"]), high=rounded(rate["high"])) \
            if rate["low"] is not None and rate["high"] is not None else ""
        community = t(COMMUNITY_RATE,
                      rate=rounded(rate["value"]), spread=spread, n=_figure(language, rate["installations"]))
    mine = None
    if yours.get("errors_per_1000_jobs") is not None:
        mine = t(YOUR_RATE, rate=rounded(yours["errors_per_1000_jobs"]),
                 week=yours["week"], errors=_figure(language, yours["errors"]), jobs=_figure(language, yours["jobs"]))
    elif yours:
        mine = t(NO_JOBS, week=yours["week"])
    return community, mine
