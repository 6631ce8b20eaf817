"""The maintainers' OTel Collector in production: its configuration generated from the registry
(``templates/otelcol.yaml`` filled in with the registry's policy), and the distribution built from Go
modules. Imports only the registry. Running a collector as a child process (the built one, or rotel as the
quick fallback) is tooling for the tests and the demo: ``printernizer_stats_tools.collectors``.
"""

from printernizer_stats.maintainers.collector._build import BuildError, build_otelcol, cached_binary, find_otelcol
from printernizer_stats.maintainers.collector._otelcol import metric_names_regex, render_otelcol_config
from printernizer_stats.maintainers.collector._policy import (
    BLOCKED_VALUE_PATTERNS,
    MASK,
    CollectorPolicy,
    collector_policy,
)
from printernizer_stats.maintainers.collector._release import (
    COLLECTOR_RELEASE,
    COLLECTOR_STABLE_RELEASE,
    DISTRIBUTION_NAME,
)

__all__ = [
    "BLOCKED_VALUE_PATTERNS",
    "COLLECTOR_RELEASE",
    "COLLECTOR_STABLE_RELEASE",
    "DISTRIBUTION_NAME",
    "MASK",
    "BuildError",
    "CollectorPolicy",
    "build_otelcol",
    "cached_binary",
    "collector_policy",
    "find_otelcol",
    "metric_names_regex",
    "render_otelcol_config",
]
