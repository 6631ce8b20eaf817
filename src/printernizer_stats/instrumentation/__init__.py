"""OpenTelemetry instrumentation for a Printernizer host: registry instruments, event bus, environment."""

from printernizer_stats.instrumentation._environment import (
    Probe,
    configured_timezone,
    country_from_timezone,
    deployment_mode,
    installation_facts,
    platform_family,
)
from printernizer_stats.instrumentation._event_bus import (
    EVENT_HANDLERS,
    EventBus,
    EventBusAdapter,
    record_error,
)
from printernizer_stats.instrumentation._instruments import GaugeSource, UsageInstruments
from printernizer_stats.instrumentation._setup import Pipeline, registry_views, start_pipeline

__all__ = [
    "EVENT_HANDLERS",
    "EventBus",
    "EventBusAdapter",
    "GaugeSource",
    "Pipeline",
    "Probe",
    "UsageInstruments",
    "configured_timezone",
    "country_from_timezone",
    "deployment_mode",
    "installation_facts",
    "platform_family",
    "record_error",
    "registry_views",
    "start_pipeline",
]
