"""Alembic migrations of the receiver's tables (run through ``printernizer_stats.maintainers.server.migrate``)."""
