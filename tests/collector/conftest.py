"""The real collector's fixtures (tests/collector/otelcol.py) for the tests in this folder."""

from tests.collector.otelcol import certificates, collector_factory, otelcol_binary  # noqa: F401
