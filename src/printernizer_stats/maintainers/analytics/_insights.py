"""Insights: the published figures of a window plus the anomalies found in them, and how to say them.

``Insights`` is what the ``insights`` command prints, ``GET /v1/analytics/insights`` returns and the
dashboard draws. Everything in it has passed ``publish`` (k-anonymous).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from printernizer_stats.maintainers.analytics import _figures as f
from printernizer_stats.maintainers.analytics._anomaly import Anomaly, AnomalyKind, DetectorConfig, detect
from printernizer_stats.maintainers.analytics._model import Figure, Proportion, PublishedRow, Rate
from printernizer_stats.maintainers.analytics._queries import Window


@dataclass(frozen=True, slots=True)
class Insights:
    window: Window
    k: int
    figures: Mapping[str, Figure]
    anomalies: tuple[Anomaly, ...]
    detector: DetectorConfig = field(default_factory=DetectorConfig)

    @property
    def latest(self) -> date:
        return self.window.last

    def to_json(self) -> dict[str, object]:
        return {
            "window": self.window.to_json(), "k": self.k,
            "anomalies": [{**anomaly.to_json(), "message": describe(anomaly)} for anomaly in self.anomalies],
            "figures": {name: figure.to_json() for name, figure in self.figures.items()},
        }


def build_insights(figures: Mapping[str, Figure], window: Window, k: int,
                   config: DetectorConfig | None = None) -> Insights:
    config = config or DetectorConfig()
    return Insights(window, k, dict(figures), tuple(detect(figures, config)), config)


def group_label(group: tuple[str, ...]) -> str:
    return " / ".join(group) if group else "all"


def percent(value: float) -> str:
    return f"{value * 100:.1f} %"


def format_share(share: Proportion) -> str:
    return f"{percent(share.value)} [{share.low * 100:.1f}–{share.high * 100:.1f}]"


def format_rate(rate: Rate) -> str:
    interval = f" [{rate.low:.1f}–{rate.high:.1f}]" if rate.low is not None and rate.high is not None else ""
    return f"{rate.value:.1f}{interval}"


def describe(anomaly: Anomaly) -> str:
    """One sentence a maintainer can act on."""
    span = (f"week of {anomaly.first_week}" if anomaly.first_week == anomaly.last_week
            else f"weeks {anomaly.first_week} to {anomaly.last_week}")
    n = f"n = {anomaly.installations} installations"
    z = "" if anomaly.score == float("inf") else f", z = {anomaly.score:.1f}"
    group = group_label(anomaly.group)
    match anomaly.kind:
        case AnomalyKind.INSTALLATIONS_DROP:
            return (f"Active installations dropped to {anomaly.value:.0f} (baseline {anomaly.baseline:.0f}) "
                    f"in the {span}{z}.")
        case AnomalyKind.INSTALLATIONS_SURGE:
            return (f"Active installations rose to {anomaly.value:.0f} (baseline {anomaly.baseline:.0f}) "
                    f"in the {span}{z}.")
        case AnomalyKind.ERROR_RATE_SPIKE:
            return (f"Errors per 1,000 jobs across all installations rose to {anomaly.value:.1f} "
                    f"(baseline {anomaly.baseline:.1f}) in the {span} ({n}{z}).")
        case AnomalyKind.VERSION_ERROR_RATE:
            return (f"Version {group}: {anomaly.value:.1f} errors per 1,000 jobs (baseline "
                    f"{anomaly.baseline:.1f}) from the {span} ({n}{z}).")
        case AnomalyKind.NEW_ERROR_TYPE:
            return (f"New error type {group}: reported by {percent(anomaly.value)} of active installations in "
                    f"the {span}, by too few to show (or none) in every earlier week ({n}{z}).")
        case AnomalyKind.ERROR_TYPE_SURGE:
            return (f"Error type {group} reported by {percent(anomaly.value)} of active installations "
                    f"(baseline {percent(anomaly.baseline)}) in the {span} ({n}{z}).")
    raise ValueError(anomaly.kind)  # pragma: no cover - every kind is handled above


def _row_text(figure: Figure, row: PublishedRow) -> str:
    parts = [f"{group_label(row.group)} {format_share(row.share)}" if row.share else group_label(row.group)]
    if row.rate is not None:
        parts.append(f"{format_rate(row.rate)} per 1,000 jobs")
    parts.append(f"n = {row.installations}")
    return "  ".join(parts)


def render_text(insights: Insights, top: int = 12) -> str:
    """The readable report ``printernizer-stats insights`` prints."""
    window, k = insights.window, insights.k
    lines = [
        f"printernizer-stats insights: weeks {window.first} to {window.last} "
        f"({len(window.weeks)} complete weeks), k = {k}",
        f"Every figure describes at least {k} installations; smaller groups are merged into 'other' or left "
        "out. Shares: % [95 % Wilson interval]; rates: per 1,000 jobs [95 % interval over installations].",
        "",
    ]
    active = insights.figures.get(f.ACTIVE.name)
    latest_active = active.week(insights.latest) if active else ()
    if latest_active:
        row = latest_active[0]
        rate = f", {format_rate(row.rate)} errors per 1,000 jobs" if row.rate else ""
        lines.append(f"Active installations in the week of {insights.latest}: {row.installations}{rate}.")
    else:
        lines.append(f"No week with at least {k} installations in the week of {insights.latest}.")
    lines += ["", f"Anomalies ({len(insights.anomalies)}):"]
    lines += [f"  ! {describe(anomaly)}" for anomaly in insights.anomalies] or ["  none"]
    for name, figure in insights.figures.items():
        if name == f.ACTIVE.name:
            continue
        rows = sorted(figure.week(insights.latest),
                      key=lambda r: (-(r.share.value if r.share else 0), -r.installations, r.group))
        lines += ["", f"{figure.spec.title} (week of {insights.latest}):"]
        lines += [f"  {_row_text(figure, row)}" for row in rows[:top]] or ["  nothing to show at this k"]
        if len(rows) > top:
            lines.append(f"  ... {len(rows) - top} more")
    return "\n".join(lines) + "\n"
