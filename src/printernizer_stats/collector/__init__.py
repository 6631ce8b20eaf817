"""The maintainers' OTel Collector: its configuration generated from the registry, the distribution built
from Go modules and run as a process, and the quick fallback (rotel). Imports only the registry."""

from printernizer_stats.collector._build import BuildError, build_otelcol, cached_binary, find_otelcol
from printernizer_stats.collector._local import LocalCollector
from printernizer_stats.collector._otelcol import metric_names_regex, render_otelcol_config
from printernizer_stats.collector._otelcol_process import OtelcolCollector, OtelcolSettings
from printernizer_stats.collector._policy import (
    BLOCKED_VALUE_PATTERNS,
    MASK,
    CollectorPolicy,
    collector_policy,
)
from printernizer_stats.collector._release import COLLECTOR_RELEASE, COLLECTOR_STABLE_RELEASE, DISTRIBUTION_NAME
from printernizer_stats.collector._rotel import (
    BINARY_NAME,
    CollectorError,
    RotelSettings,
    find_rotel_agent,
    free_port,
    rotel_command,
)
from printernizer_stats.collector._rotel_processor import render_processor_source, render_rotel_processor

__all__ = [
    "BINARY_NAME",
    "BLOCKED_VALUE_PATTERNS",
    "COLLECTOR_RELEASE",
    "COLLECTOR_STABLE_RELEASE",
    "DISTRIBUTION_NAME",
    "MASK",
    "BuildError",
    "CollectorError",
    "CollectorPolicy",
    "LocalCollector",
    "OtelcolCollector",
    "OtelcolSettings",
    "RotelSettings",
    "build_otelcol",
    "cached_binary",
    "collector_policy",
    "find_otelcol",
    "find_rotel_agent",
    "free_port",
    "metric_names_regex",
    "render_otelcol_config",
    "render_processor_source",
    "render_rotel_processor",
    "rotel_command",
]
