"""Weekly anonymised batches, the persisted outbox and the OTLP/HTTP sender (issue 4)."""
