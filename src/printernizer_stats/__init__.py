"""printernizer-stats: privacy-first, opt-in usage statistics for Printernizer, built on OpenTelemetry.

Subpackages follow the data path: ``registry`` (what may be collected) -> ``instrumentation`` (OTel
instruments, event bus) -> ``exporter`` (privacy filter, local SQLite) -> ``sender`` (weekly batch, outbox,
OTLP/HTTP) -> ``server`` (receiver, SQL, analytics). ``viewer`` is the user's page; ``client`` wires the
Printernizer side together. This module imports nothing, so importing any part stays cheap.
"""

__version__ = "0.1.0"
