"""The maintainers' OTel Collector: production otelcol-contrib config and a runnable local collector."""

from printernizer_stats.collector._otelcol import BLOCKED_VALUES, render_otelcol_config

__all__ = ["BLOCKED_VALUES", "render_otelcol_config"]
