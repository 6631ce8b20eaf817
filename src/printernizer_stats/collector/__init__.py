"""The maintainers' OTel Collector: the production otelcol-contrib config and a runnable local collector
(rotel), both filtering by the registry. Imports only the registry."""

from printernizer_stats.collector._local import LocalCollector
from printernizer_stats.collector._otelcol import metric_names_regex, render_otelcol_config
from printernizer_stats.collector._policy import (
    BLOCKED_VALUE_PATTERNS,
    MASK,
    CollectorPolicy,
    collector_policy,
)
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
    "MASK",
    "CollectorError",
    "CollectorPolicy",
    "LocalCollector",
    "RotelSettings",
    "collector_policy",
    "find_rotel_agent",
    "free_port",
    "metric_names_regex",
    "render_otelcol_config",
    "render_processor_source",
    "render_rotel_processor",
    "rotel_command",
]
