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

FEATURE_FLAGS: dict[str, str] = {
    "library": "library_enabled",
    "library_search": "library_search_enabled",
    "timelapse": "timelapse_enabled",
    "auto_job_creation": "job_creation_auto_create",
    "german_compliance": "enable_german_compliance",
    "watch_folders": "watch_folders_enabled",
    "upload": "enable_upload",
    "websockets": "enable_websockets",
}
"""Registry feature -> Printernizer boolean setting."""
FEATURE_SERVICES: dict[str, str] = {"slicing": "slicer_service_url", "mqtt": "mqtt_host"}
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
