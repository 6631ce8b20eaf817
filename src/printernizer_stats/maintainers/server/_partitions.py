"""PostgreSQL: ``daily_stats`` and ``events_summary`` partitioned by week (RANGE on ``period``).

At a million installations these two tables gain ~30 million rows a week; one partition per week keeps
each week's rows, indexes and vacuum work apart, and retention drops a whole week (``DROP TABLE`` of
its partition: no row-by-row DELETE, no bloat) instead of deleting it. Partition ``<table>_wYYYYMMDD``
holds the week starting that Monday; ``<table>_default`` catches any row whose week has no partition
yet (a writer other than the receiver, a creation that timed out), so no insert ever fails for want
of a partition. The receiver creates a week's partitions the first time it stores that week
(``WeekPartitions``), and ``migrate`` creates those of every week the receiver accepts and a few
weeks ahead; creating one moves that week's
rows out of the default partition, so the default partition stays empty in normal operation.

Creation is race-safe across receiver processes: ``LOCK ... SHARE UPDATE EXCLUSIVE`` on the parent (the
mode ``ATTACH PARTITION`` takes, which does not block inserts or reads) serialises creators; the second
one then finds the partition and does nothing. The partition is made as a plain table and attached,
since ``CREATE TABLE ... PARTITION OF`` would take an ACCESS EXCLUSIVE lock on the parent, stalling
every reader and writer. SQLite and SQL Server keep plain tables (see migration 0006).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from datetime import date, timedelta

import sqlalchemy as sa
import structlog
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from printernizer_stats.maintainers.server._config import ReceiverConfig
from printernizer_stats.registry import week_start

_log = structlog.get_logger(__name__)
PARTITIONED_TABLES = ("daily_stats", "events_summary")
WEEKS_AHEAD = 4
"""Weeks after the current one whose partitions ``migrate`` creates in advance (with the accepted ones)."""
LOCK_TIMEOUT = "2s"
"""How long a creation waits for its locks: a long query on the default partition must not queue ingest."""
RETRY_AFTER_S = 60.0
_PARTITION = re.compile(rf"^(?:{'|'.join(PARTITIONED_TABLES)})_(?:w\d{{8}}|default)$")
_BOUND = re.compile(r"^FOR VALUES FROM \('(\d{4}-\d{2}-\d{2})'\) TO \('(\d{4}-\d{2}-\d{2})'\)$")


def partition_name(table: str, week: date) -> str:
    return f"{table}_w{week:%Y%m%d}"


def default_partition(table: str) -> str:
    return f"{table}_default"


def is_partition(name: str) -> bool:
    """Whether ``name`` is one of the weekly or default partitions (not a table of the metadata)."""
    return _PARTITION.match(name) is not None


def include_name(name: str | None, type_: str, _parents: object) -> bool:
    """Alembic's ``include_name`` filter: autogenerate compares the partitioned tables, not their partitions."""
    return not (type_ == "table" and name is not None and is_partition(name))


def is_partitioned(connection: Connection, table: str) -> bool:
    """Whether ``table`` is a partitioned table (PostgreSQL after migration 0006)."""
    if connection.dialect.name != "postgresql":
        return False
    kind = connection.execute(sa.text("SELECT relkind FROM pg_class WHERE oid = to_regclass(:t)"),
                              {"t": table}).scalar_one_or_none()
    return kind == "p"


def week_partitions(connection: Connection, table: str) -> dict[date, str]:
    """The partitions of ``table`` that hold exactly one week, by that week's Monday."""
    found: dict[date, str] = {}
    for name, bound in connection.execute(sa.text(
            "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits AS i "
            "JOIN pg_class AS c ON c.oid = i.inhrelid WHERE i.inhparent = to_regclass(:t)"), {"t": table}):
        match = _BOUND.match(bound or "")
        if match:
            first, end = (date.fromisoformat(value) for value in match.groups())
            if end - first == timedelta(weeks=1):
                found[first] = name
    return found


def create_week_partition(connection: Connection, table: str, week: date) -> bool:
    """Make ``table``'s partition for ``week`` unless it exists, moving the week's rows out of the default
    partition; in the caller's transaction, which should commit soon (it holds the parent's lock).
    Whether it was created here."""
    name = partition_name(table, week)
    connection.exec_driver_sql(f"LOCK TABLE {table} IN SHARE UPDATE EXCLUSIVE MODE")
    if connection.execute(sa.text("SELECT to_regclass(:p)"), {"p": name}).scalar() is not None:
        return False
    default = default_partition(table)
    bounds = {"first": week, "end": week + timedelta(weeks=1)}
    connection.exec_driver_sql(f"CREATE TABLE {name} (LIKE {table} INCLUDING DEFAULTS)")
    connection.exec_driver_sql(f"LOCK TABLE {default} IN ACCESS EXCLUSIVE MODE")  # ATTACH takes it anyway
    moved = f"DELETE FROM {default} WHERE period >= :first AND period < :end RETURNING *"  # noqa: S608 - ours
    move = f"WITH moved AS ({moved}) INSERT INTO {name} SELECT * FROM moved"  # noqa: S608 - ours
    connection.execute(sa.text(move), bounds)
    connection.exec_driver_sql(
        f"ALTER TABLE {table} ATTACH PARTITION {name} "
        f"FOR VALUES FROM ('{bounds['first']:%Y-%m-%d}') TO ('{bounds['end']:%Y-%m-%d}')")
    return True


def ensure_week_partitions(connection: Connection, weeks: Iterable[date]) -> int:
    """Every partitioned table's partition for each of ``weeks`` (a no-op on plain tables); how many made."""
    made = 0
    for table in PARTITIONED_TABLES:
        if is_partitioned(connection, table):
            for week in sorted({week_start(w) for w in weeks}):
                made += create_week_partition(connection, table, week)
    return made


def accepted_weeks(today: date, ahead: int = WEEKS_AHEAD) -> list[date]:
    """Every week the receiver accepts batches for today, and the ``ahead`` weeks after this one
    (``migrate`` creates their partitions)."""
    oldest = week_start(today) - timedelta(weeks=ReceiverConfig().max_age_weeks + 1)
    return [oldest + timedelta(weeks=n) for n in range(ReceiverConfig().max_age_weeks + 2 + ahead)]


class WeekPartitions:
    """The receiver's hook: before a group of batches is stored, the partitions of their weeks exist.

    Each process remembers the weeks it has made sure of, so a stored batch costs one set difference;
    the first batch of a new week pays one short transaction. A creation that fails (lock timeout, an
    unexpected catalog state) is logged and retried after ``RETRY_AFTER_S``; meanwhile the week's rows
    go to the default partition, which the next creation empties.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._enabled = engine.dialect.name == "postgresql"
        self._known: set[date] = set()
        self._failed_at: dict[date, float] = {}

    def ensure(self, weeks: set[date]) -> None:
        if not self._enabled:
            return
        missing = weeks - self._known
        if not missing:
            return
        with self.engine.connect() as connection:  # usually made ahead by ``migrate``: no write needed
            if not is_partitioned(connection, PARTITIONED_TABLES[0]):
                self._enabled = False  # a database before migration 0006
                return
            self._known |= {week for week in missing if all(connection.execute(
                sa.text("SELECT to_regclass(:p)"), {"p": partition_name(table, week)}).scalar() is not None
                for table in PARTITIONED_TABLES)}
        now = time.monotonic()
        for week in sorted(missing - self._known):
            if now - self._failed_at.get(week, -RETRY_AFTER_S) < RETRY_AFTER_S:
                continue
            try:
                with self.engine.begin() as connection:
                    connection.execute(sa.text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
                    ensure_week_partitions(connection, [week])
            except SQLAlchemyError as exc:
                self._failed_at[week] = now
                _log.warning("receiver.partition_not_created", week=week.isoformat(), error=type(exc).__name__)
                continue
            self._known.add(week)


def partitioned_weeks_before(connection: Connection, table: str, cutoff: date) -> set[date] | None:
    """Weeks before ``cutoff`` with rows in ``table``, from its partitions (``None``: a plain table): the
    non-empty weekly partitions, and the weeks of any rows in the default partition."""
    if not is_partitioned(connection, table):
        return None
    found = {week for week, name in week_partitions(connection, table).items()
             if week < cutoff and _has_rows(connection, name)}
    return found | set(connection.execute(sa.text(
        f"SELECT DISTINCT period FROM {default_partition(table)} WHERE period < :cutoff"),  # noqa: S608 - ours
        {"cutoff": cutoff}).scalars())


def _has_rows(connection: Connection, name: str) -> bool:
    return bool(connection.execute(sa.text(f"SELECT EXISTS (SELECT 1 FROM {name})")).scalar())  # noqa: S608 - ours


def drop_week_partition(connection: Connection, table: str, week: date) -> int | None:
    """Drop ``table``'s partition of ``week`` in the caller's transaction; the rows it held. ``None`` when
    there is none, or when its lock is not granted within ``LOCK_TIMEOUT`` (a long query on the table:
    dropping waits for the parent's ACCESS EXCLUSIVE lock and would queue ingest behind it); the caller
    deletes whatever is left of the week then, as on a plain table."""
    name = week_partitions(connection, table).get(week) if is_partitioned(connection, table) else None
    if name is None:
        return None
    previous = connection.execute(sa.text("SELECT current_setting('lock_timeout')")).scalar_one()
    savepoint = connection.begin_nested()
    try:
        connection.execute(sa.text("SELECT set_config('lock_timeout', :t, true)"), {"t": LOCK_TIMEOUT})
        rows = int(connection.execute(sa.text(f"SELECT count(*) FROM {name}")).scalar_one())  # noqa: S608 - ours
        connection.exec_driver_sql(f"DROP TABLE {name}")
    except SQLAlchemyError as exc:
        savepoint.rollback()
        _log.warning("retention.partition_kept", table=table, week=week.isoformat(), error=type(exc).__name__)
        return None
    finally:
        connection.execute(sa.text("SELECT set_config('lock_timeout', :t, true)"), {"t": previous})
    savepoint.commit()
    return rows


def drop_empty_partitions_before(connection: Connection, cutoff: date) -> int:
    """Drop the weekly partitions before ``cutoff`` that hold no row (made ahead, or emptied by deletion
    requests); how many. Retention has dropped the others already."""
    dropped = 0
    for table in PARTITIONED_TABLES:
        if is_partitioned(connection, table):
            for week, name in week_partitions(connection, table).items():
                if week < cutoff and not _has_rows(connection, name):
                    dropped += drop_week_partition(connection, table, week) is not None
    return dropped
