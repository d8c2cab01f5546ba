"""SQLite: timestamps as integer microseconds (schema.Timestamp), so durations and interval
arithmetic are integer arithmetic; no grouping sets, no percentile_cont; a batch is loaded by
executemany on the sqlite3 connection; each connection is tuned for a local workspace
database (WAL, foreign keys on, a busy timeout)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import sqlalchemy as sa

from kpi_engine.sql.dialects.base import MICROSECONDS, Backend
from kpi_engine.storage.schema import Timestamp


class SqliteBackend(Backend):
    name = "sqlite"
    has_percentile_cont = False
    reads_tag_lists = True

    def _seconds_between(self, later: sa.ColumnElement,
                         earlier: sa.ColumnElement) -> sa.ColumnElement:
        # Coerce the difference, not the operands: a bound timestamp keeps its conversion.
        return sa.type_coerce(later - earlier, sa.BigInteger()) / float(MICROSECONDS)

    def plus_interval(self, timestamp: sa.ColumnElement, interval: timedelta) -> sa.ColumnElement:
        micros = int(interval.total_seconds() * MICROSECONDS)
        shifted = sa.type_coerce(timestamp, sa.BigInteger()) + sa.literal(micros, sa.BigInteger())
        return sa.type_coerce(shifted, Timestamp())

    def tag_list_elements(self, rows: sa.FromClause, tag_list: sa.ColumnElement
                          ) -> tuple[sa.FromClause, sa.ColumnElement]:
        each = sa.func.json_each(tag_list).table_valued("value").alias("each_tag")
        return rows.join(each, sa.true()), each.c.value

    def tune(self, engine: sa.Engine) -> None:
        sa.event.listen(engine, "connect", _tune_sqlite)

    def write(self, connection: sa.Connection, table: sa.Table, rows: list[tuple]) -> None:
        """executemany on the sqlite3 connection, timestamps as integer microseconds."""
        cursor = connection.connection.driver_connection.cursor()
        marks = ", ".join("?" * len(table.columns))
        cursor.executemany(f"INSERT INTO {table.name} VALUES ({marks})",
                           self.encoded(connection, table, rows))
        cursor.close()

    def prepare_for_queries(self, connection: sa.Connection,
                            keys: Sequence[tuple[sa.Table, tuple[str, ...]]]) -> None:
        """An index on each staging table's key."""
        for table, columns in keys:
            name = f"{table.name}_{'_'.join(columns)}"
            connection.exec_driver_sql(
                f"CREATE INDEX IF NOT EXISTS {name} ON {table.name} ({', '.join(columns)})")

    def insert(self, table: sa.Table):
        from sqlalchemy.dialects.sqlite import insert

        return insert(table)


def _tune_sqlite(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.execute("PRAGMA busy_timeout = 5000")
    cursor.close()
