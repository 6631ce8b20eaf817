"""The installation's facts (version, platform, country...): as detected now, else as the host last stored.

The host's process detects them and stores them beside the consent, so a process that only inspects the
DB (the CLI, the viewer) shows what the next batch's resource will say.
"""

from __future__ import annotations

from collections.abc import Mapping

from printernizer_stats.host.exporter import LocalStore, StoreUnavailable

FACT_PREFIX = "resource."
"""Settings-key prefix of the stored installation facts (what the next batch's resource will say)."""


class InstallationFacts:
    """The resource fields of one installation; ``detected`` is None in a process that only inspects."""

    def __init__(self, store: LocalStore, detected: Mapping[str, str] | None) -> None:
        self._store = store
        self._detected = dict(detected) if detected is not None else None

    def current(self) -> dict[str, str]:
        """As detected now, else as stored (``{}`` when the store cannot be read)."""
        if self._detected is not None:
            return dict(self._detected)
        try:
            settings = self._store.settings()
        except StoreUnavailable:
            return {}
        return {key.removeprefix(FACT_PREFIX): value for key, value in settings.items() if key.startswith(FACT_PREFIX)}

    def save(self) -> None:
        """Store the detected facts for inspecting processes (collection starts)."""
        if self._detected is not None:
            self._store.update_settings({f"{FACT_PREFIX}{key}": value for key, value in self._detected.items()})

    def forget(self) -> None:
        """Delete the stored facts (delete all)."""
        settings = self._store.settings()
        self._store.update_settings({key: None for key in settings if key.startswith(FACT_PREFIX)})
