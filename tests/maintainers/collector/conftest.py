"""The real collector's fixtures (tests/maintainers/collector/otelcol.py) for the tests in this folder."""

from tests.maintainers.collector.otelcol import certificates, collector_factory, otelcol_binary  # noqa: F401
