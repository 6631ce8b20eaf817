"""Reading Printernizer's settings object: which optional features are on.

Printernizer's ``PrinternizerSettings`` (pydantic-settings) has one attribute per environment variable,
named in lower case (``LIBRARY_ENABLED`` -> ``library_enabled``). Attributes are read with ``getattr`` on
every collection, so ``PUT /api/v1/settings/application`` changing the settings in memory shows up; a
setting the object does not have is left out (not guessed).

Not the time zone: Printernizer's ``timezone`` defaults to Europe/Berlin when ``TIMEZONE`` is unset, so a
Docker user who set only ``TZ`` would be counted in Germany. The country comes from the environment
instead: ``TIMEZONE``, then ``TZ``, then none (``instrumentation.configured_timezone``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from printernizer_stats.registry.names import Feature

FEATURE_FLAGS: dict[str, str] = {
    Feature.LIBRARY: "library_enabled",
    Feature.LIBRARY_SEARCH: "library_search_enabled",
    Feature.TIMELAPSE: "timelapse_enabled",
    Feature.AUTO_JOB_CREATION: "job_creation_auto_create",
    Feature.GERMAN_COMPLIANCE: "enable_german_compliance",
    Feature.WATCH_FOLDERS: "watch_folders_enabled",
    Feature.UPLOAD: "enable_upload",
    Feature.WEBSOCKETS: "enable_websockets",
}
"""Registry feature -> Printernizer boolean setting."""
FEATURE_SERVICES: dict[str, str] = {Feature.SLICING: "slicer_service_url", Feature.MQTT: "mqtt_host"}
"""Registry feature -> Printernizer setting that switches the feature off when empty."""
_TRUE = {"1", "true", "yes", "on"}
_MISSING = object()


def read_setting(settings: Any, name: str) -> Any:
    """``settings.name`` (or ``settings.NAME``); a sentinel when it has neither. Never raises."""
    for attribute in (name, name.upper()):
        try:
            value = getattr(settings, attribute, _MISSING)
        except Exception:  # a property of the host's object failing must not reach the reader thread
            value = _MISSING
        if value is not _MISSING:
            return value
    return _MISSING


def _flag(value: Any) -> bool:
    return value if isinstance(value, bool) else str(value).strip().lower() in _TRUE


def features_from_settings(settings: Any) -> Callable[[], dict[str, bool]]:
    """A gauge source: the registry's features, on or off, as ``settings`` says right now."""

    def features_enabled() -> dict[str, bool]:
        enabled: dict[str, bool] = {}
        for feature, name in FEATURE_FLAGS.items():
            value = read_setting(settings, name)
            if value is not _MISSING and value is not None:
                enabled[feature] = _flag(value)
        for feature, name in FEATURE_SERVICES.items():
            value = read_setting(settings, name)
            if value is not _MISSING:
                enabled[feature] = bool(str(value or "").strip())
        return enabled

    return features_enabled
