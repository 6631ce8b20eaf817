"""The maintainers' side: what runs behind the collector, never inside Printernizer.

``collector`` generates and builds the OpenTelemetry Collector that fronts it; ``server`` is the receiver (OTLP
validation, exactly-once storage in SQLite, PostgreSQL or SQL Server); ``analytics`` the k-anonymous figures,
dashboard, community summary and Grafana SQL. Needs the ``server`` extra; never imports the host side.
"""
