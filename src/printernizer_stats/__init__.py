"""printernizer-stats: privacy-first, opt-in usage statistics for Printernizer, built on OpenTelemetry.

Subpackages follow the data path: ``registry`` (what may be collected) -> ``instrumentation`` (OTel
instruments, event bus) -> ``exporter`` (privacy filter, local SQLite) -> ``sender`` (weekly batch, outbox,
OTLP/HTTP) -> ``server`` (receiver, SQL, analytics). ``viewer`` is the user's page; ``client`` wires the
Printernizer side together. This module imports nothing up front, so importing any part stays cheap;
``printernizer_stats.install`` (the one-call integration, see README) is imported on first use.
"""

from typing import TYPE_CHECKING, Any

from printernizer_stats._version import __version__

__all__ = ["__version__", "install"]

if TYPE_CHECKING:
    from printernizer_stats.client._install import install


def __getattr__(name: str) -> Any:
    if name == "install":
        from printernizer_stats.client._install import install  # noqa: PLC0415

        return install
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
