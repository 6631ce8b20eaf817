"""printernizer-stats: privacy-first, opt-in usage statistics for Printernizer, built on OpenTelemetry.

Two sides, which never import each other: ``host`` (inside Printernizer: instrumentation -> exporter ->
sender, the viewer, the client that wires them) and ``maintainers`` (the collector's config and build, the
receiver, analytics). Both read ``registry`` (what may be collected) and ``contract`` (the wire's names); ``cli``
holds both sides' commands. This module imports nothing up front, so importing any part stays cheap;
``printernizer_stats.install`` (the one-call integration, see README) is imported on first use.
"""

from typing import TYPE_CHECKING, Any

from printernizer_stats._version import __version__

__all__ = ["__version__", "install"]

if TYPE_CHECKING:
    from printernizer_stats.host.client._install import install


def __getattr__(name: str) -> Any:
    if name == "install":
        from printernizer_stats.host.client._install import install  # noqa: PLC0415

        return install
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
