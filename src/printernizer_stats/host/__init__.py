"""The host side: what runs inside Printernizer.

Along the data path: ``instrumentation`` (OTel instruments, the event bus, routes) -> ``exporter`` (the privacy
filter, day rollups in the local SQLite file of ``localdb``) -> ``sender`` (the weekly batch, outbox, OTLP/HTTP).
``viewer`` is the user's page and privacy API; ``client`` wires them together (``printernizer_stats.install``).
None of it imports the maintainers' side (import-linter).
"""
