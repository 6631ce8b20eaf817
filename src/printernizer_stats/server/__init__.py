"""The maintainers' receiver: OTLP/HTTP in, validated against the registry, into SQL (issue 6)."""
