"""PostgreSQL for tests: the machine's server at 127.0.0.1:5432 (trust auth), one fresh database per use.

Unreachable, the tests that need it skip, or fail when ``PRINTERNIZER_STATS_REQUIRE_POSTGRES=1`` (CI).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
REQUIRE_POSTGRES = "PRINTERNIZER_STATS_REQUIRE_POSTGRES"


def postgres_or_skip() -> None:
    try:
        engine = sa.create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
    except sa.exc.OperationalError as exc:
        message = f"PostgreSQL at 127.0.0.1:5432 is unreachable ({type(exc).__name__})"
        if os.environ.get(REQUIRE_POSTGRES) == "1":
            pytest.fail(f"{message}, and {REQUIRE_POSTGRES}=1")
        pytest.skip(message)


@contextmanager
def fresh_database(prepare: Callable[[str], None] | None = None) -> Iterator[str]:
    """The URL of a new, uniquely named database (``prepare``d, e.g. migrated), dropped on exit."""
    postgres_or_skip()
    name = f"pstats_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    try:
        if prepare is not None:
            prepare(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
