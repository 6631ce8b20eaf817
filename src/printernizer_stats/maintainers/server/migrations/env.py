"""Alembic environment: online on the connection ``migrate`` passes in, offline as SQL for one dialect."""

from __future__ import annotations

from alembic import context

from printernizer_stats.maintainers.server._partitions import include_name
from printernizer_stats.maintainers.server._tables import registry_metadata
from printernizer_stats.registry import default_registry

config = context.config
target_metadata = registry_metadata(config.attributes.get("registry") or default_registry())

if context.is_offline_mode():
    context.configure(
        dialect_name=config.attributes["dialect_name"], target_metadata=target_metadata, literal_binds=True,
        output_buffer=config.output_buffer, transactional_ddl=False,
    )
    with context.begin_transaction():
        context.run_migrations()
else:
    connection = config.attributes["connection"]
    # SQLite cannot ALTER most things: later migrations use batch mode (copy and move) there.
    context.configure(connection=connection, target_metadata=target_metadata, include_name=include_name,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()
