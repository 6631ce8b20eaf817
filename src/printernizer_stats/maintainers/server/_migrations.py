"""Schema migrations with Alembic, shipped inside the package and run programmatically.

``migrate(engine)`` brings a database to the newest revision (``serve`` does it at start-up unless told
not to); ``schema_sql("mssql")`` renders the same migrations as a SQL script for DBAs.
"""

from __future__ import annotations

import io

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from printernizer_stats.maintainers.server._partitions import accepted_weeks, ensure_week_partitions
from printernizer_stats.registry import Registry, default_registry, utc_today

SCRIPT_LOCATION = "printernizer_stats.maintainers.server:migrations"


def alembic_config(registry: Registry | None = None) -> Config:
    config = Config(output_buffer=io.StringIO())
    config.set_main_option("script_location", SCRIPT_LOCATION)
    config.attributes["registry"] = registry or default_registry()
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError("the receiver ships no migrations")
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (``None``: never migrated)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def migrate(engine: Engine, revision: str = "head", registry: Registry | None = None) -> None:
    """Upgrade the database to ``revision`` (default: the newest), in one transaction where the dialect
    can; on PostgreSQL, the partitions of every week the receiver accepts and of the next few weeks are
    made ahead (_partitions.py)."""
    config = alembic_config(registry)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
        ensure_week_partitions(connection, accepted_weeks(utc_today()))


def schema_sql(dialect_name: str, registry: Registry | None = None) -> str:
    """Every migration as one SQL script for ``dialect_name`` (offline mode), as a DBA would run it."""
    config = alembic_config(registry)
    config.attributes["dialect_name"] = dialect_name
    command.upgrade(config, "head", sql=True)
    buffer = config.output_buffer
    assert isinstance(buffer, io.StringIO)
    header = (f"-- The printernizer-stats receiver's schema for {dialect_name}, generated from its Alembic migrations\n"
              f"-- by `printernizer-stats migrate --sql {dialect_name}`. DO NOT EDIT: a test keeps it in sync.\n\n")
    return header + buffer.getvalue()
