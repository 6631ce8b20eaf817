"""Collectors as child processes, for the tests, the benches and the demo: the built OpenTelemetry Collector
running the shipped ``otelcol.yaml`` (:class:`OtelcolCollector`), and rotel, the quick fallback from PyPI,
with a Python processor generated from the registry in place of otelcol's filters (:class:`LocalCollector`).
"""

from printernizer_stats_tools._ports import free_port
from printernizer_stats_tools.collectors._local import LocalCollector
from printernizer_stats_tools.collectors._otelcol_process import OtelcolCollector, OtelcolSettings
from printernizer_stats_tools.collectors._process import CollectorError
from printernizer_stats_tools.collectors._rotel import BINARY_NAME, RotelSettings, find_rotel_agent, rotel_command
from printernizer_stats_tools.collectors._rotel_processor import render_processor_source, render_rotel_processor

__all__ = [
    "BINARY_NAME",
    "CollectorError",
    "LocalCollector",
    "OtelcolCollector",
    "OtelcolSettings",
    "RotelSettings",
    "find_rotel_agent",
    "free_port",
    "render_processor_source",
    "render_rotel_processor",
    "rotel_command",
]
