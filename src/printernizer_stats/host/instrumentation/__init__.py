"""OpenTelemetry instrumentation for a Printernizer host: registry instruments, event bus, routes, environment."""

from printernizer_stats.host.instrumentation._asgi import RouteMetricsMiddleware
from printernizer_stats.host.instrumentation._environment import (
    Probe,
    configured_timezone,
    country_from_timezone,
    deployment_mode,
    installation_facts,
    platform_family,
)
from printernizer_stats.host.instrumentation._event_bus import (
    EventBus,
    EventBusAdapter,
    event_handlers,
    increments,
    record_error,
)
from printernizer_stats.host.instrumentation._instruments import GaugeSource, UsageInstruments
from printernizer_stats.host.instrumentation._request_durations import HTTP_SERVER_DURATION, UNMATCHED, RequestDurations
from printernizer_stats.host.instrumentation._route_table import RouteTable
from printernizer_stats.host.instrumentation._routes import (
    DEFAULT_ROUTE_MODE,
    ROUTE_MODES,
    RouteMode,
    RouteTemplates,
    instrument_app,
)
from printernizer_stats.host.instrumentation._setup import (
    Pipeline,
    ProducingMetricReader,
    registry_views,
    start_pipeline,
    with_metrics,
)

__all__ = [
    "DEFAULT_ROUTE_MODE",
    "HTTP_SERVER_DURATION",
    "ROUTE_MODES",
    "UNMATCHED",
    "EventBus",
    "EventBusAdapter",
    "GaugeSource",
    "Pipeline",
    "Probe",
    "ProducingMetricReader",
    "RequestDurations",
    "RouteMetricsMiddleware",
    "RouteMode",
    "RouteTable",
    "RouteTemplates",
    "UsageInstruments",
    "configured_timezone",
    "country_from_timezone",
    "deployment_mode",
    "event_handlers",
    "increments",
    "installation_facts",
    "instrument_app",
    "platform_family",
    "record_error",
    "registry_views",
    "start_pipeline",
    "with_metrics",
]
