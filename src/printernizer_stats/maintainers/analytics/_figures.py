"""The figures maintainers see: one ``FigureSpec`` each, in dashboard order.

The metrics they read are named once, by the receiver that rolls them up (``PRINTERS_METRIC`` ...); a test
checks each against the registry with the attribute the figure groups by. Group values come from the stored
rows, never from a list here.
"""

from __future__ import annotations

from printernizer_stats.maintainers import server as _rollups
from printernizer_stats.maintainers.analytics._model import FigureSpec, GroupKind, RateSpec
from printernizer_stats.registry import UNKNOWN_FLEET_SIZE

# Named by the receiver, which rolls these metrics up at ingest.
PRINTERS_METRIC = _rollups.PRINTERS_METRIC
PRINTER_TYPE = _rollups.PRINTER_TYPE
FEATURES_METRIC = _rollups.FEATURES_METRIC
FEATURE = _rollups.FEATURE
ERRORS_METRIC = _rollups.ERRORS_METRIC
ERROR_TYPE = _rollups.ERROR_TYPE
FACT_FIGURES = _rollups.FACT_FIGURES

_ERROR_RATE = RateSpec("errors", "jobs", per=1000.0, clustered=True)
_TYPE_RATE = RateSpec("errors", "jobs", per=1000.0)

ACTIVE = FigureSpec(
    "active_installations", "Active installations", (), GroupKind.PARTITION, rate=_ERROR_RATE,
    public_measures=("jobs", "errors"),
    description="Installations that sent a batch for the week, their print jobs and errors; errors per "
                "1,000 jobs with an interval over installations.",
)
DEPLOYMENT_MODES = FigureSpec(
    "deployment_modes", "Deployment modes", ("deployment_mode",), GroupKind.PARTITION,
    description="How Printernizer is deployed: share of the week's active installations.",
)
VERSIONS = FigureSpec(
    "versions", "Versions", ("app_version",), GroupKind.PARTITION,
    description="Share of the week's active installations on each Printernizer version (adoption curves).",
)
COUNTRIES = FigureSpec(
    "countries", "Countries", ("country_code",), GroupKind.PARTITION,
    description="Country from the configured time zone (XX: none, such as UTC).",
)
PLATFORMS = FigureSpec(
    "platforms", "Operating systems", ("platform",), GroupKind.PARTITION,
    description="Operating system family of the week's active installations.",
)
PYTHON_VERSIONS = FigureSpec(
    "python_versions", "Python versions", ("python_version",), GroupKind.PARTITION,
    description="Python version Printernizer runs on.",
)
FLEET_SIZES = FigureSpec(
    "fleet_sizes", "Printer fleet size", ("printers",), GroupKind.PARTITION,
    description="Installations by number of configured printers (largest number seen in the week).",
)
PRINTER_TYPES = FigureSpec(
    "printer_types", "Printer types", (PRINTER_TYPE,), GroupKind.OVERLAP, trials="active",
    description="Share of active installations with at least one printer of the type.",
)
FEATURES = FigureSpec(
    "features", "Feature adoption", (FEATURE,), GroupKind.OVERLAP, successes="enabled", trials="installations",
    public_measures=("enabled",),
    description="Share of installations reporting a feature that have it switched on.",
)
UPTIME = FigureSpec(
    "uptime", "Uptime (days a week)", ("days",), GroupKind.PARTITION,
    description="On how many days of the week Printernizer ran.",
)
ERRORS_BY_VERSION = FigureSpec(
    "errors_by_version", "Errors per 1,000 jobs by version", ("app_version",), GroupKind.PARTITION,
    rate=_ERROR_RATE, public_measures=("errors", "jobs"),
    description="Errors per 1,000 print jobs created, per version, with an interval over installations.",
)
ERROR_TYPES = FigureSpec(
    "error_types", "Error types", (ERROR_TYPE,), GroupKind.OVERLAP, trials="active", rate=_TYPE_RATE,
    public_measures=("errors",),
    description="Share of active installations that reported the error type, and its errors per 1,000 jobs "
                "of all active installations.",
)
ERROR_TYPES_BY_VERSION = FigureSpec(
    "error_types_by_version", "Error types by version", ("app_version", ERROR_TYPE), GroupKind.OVERLAP,
    trials="version_installations",
    description="Share of a version's installations that reported the error type (versions grouped as in "
                "'Versions').",
)

FIGURES: tuple[FigureSpec, ...] = (
    ACTIVE, DEPLOYMENT_MODES, VERSIONS, PRINTER_TYPES, FLEET_SIZES, FEATURES, ERRORS_BY_VERSION, ERROR_TYPES,
    ERROR_TYPES_BY_VERSION, UPTIME, COUNTRIES, PLATFORMS, PYTHON_VERSIONS,
)
FIGURES_BY_NAME = {spec.name: spec for spec in FIGURES}

UNKNOWN = UNKNOWN_FLEET_SIZE
"""Group of installations that reported no value that week (fleet size, days running)."""
