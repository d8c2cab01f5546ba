"""The staging side of an import: the TEMPORARY tables validated rows are loaded into (each
keeps its rows' line numbers), and how each backend loads a batch fast — binary COPY on
PostgreSQL, a temporary CSV read by read_csv on DuckDB, executemany on SQLite — plus
PostgreSQL's bulk path for a large load into empty tables (indexes built after the load).
ingest.py drives an import; this module is what it stages into.
"""

from __future__ import annotations

import csv
import functools
import os
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import sqlalchemy as sa

from kpi_engine.ingest_rows import STAGED_SURVEY_COLUMNS, STAGED_TICKET_COLUMNS
from kpi_engine.schema import Timestamp, ticket_tags, tickets

# --- staging tables: the real tables' column types, so each backend binds timestamps its way --

staging_metadata = sa.MetaData()


def _temporary(name: str, *columns: sa.Column) -> sa.Table:
    return sa.Table(name, staging_metadata, *columns, prefixes=["TEMPORARY"])


def _line() -> sa.Column:
    return sa.Column("line", sa.Integer(), nullable=False)


staged_tickets = _temporary(
    "kpibot_staged_tickets", _line(), *(sa.Column(c.name, c.type) for c in tickets.columns)
)
staged_tags = _temporary(
    "kpibot_staged_tags", _line(), *(sa.Column(c.name, c.type) for c in ticket_tags.columns)
)
staged_surveys = _temporary(
    "kpibot_staged_surveys", _line(),
    sa.Column("source", sa.String(64)), sa.Column("ticket_id", sa.String(128)),
    sa.Column("kind", sa.String(8)), sa.Column("sent_at", Timestamp()),
    sa.Column("score", sa.SmallInteger()), sa.Column("responded_at", Timestamp()),
    sa.Column("comment", sa.Text()),
)
# Lines found bad by SQL: `first_line` of a duplicate, or the ticket a survey names in vain.
bad_lines = _temporary(
    "kpibot_bad_lines", sa.Column("file", sa.SmallInteger()), _line(),
    sa.Column("first_line", sa.Integer()), sa.Column("source", sa.String(64)),
    sa.Column("ticket_id", sa.String(128)),
)
removed_tags = _temporary(
    "kpibot_removed_tags", *(sa.Column(c.name, c.type) for c in ticket_tags.columns)
)
added_tags = _temporary(
    "kpibot_added_tags", *(sa.Column(c.name, c.type) for c in ticket_tags.columns)
)
assert tuple(staged_tickets.c.keys()) == STAGED_TICKET_COLUMNS
assert tuple(staged_surveys.c.keys()) == STAGED_SURVEY_COLUMNS


def postgres_drop_for_bulk_load(connection: sa.Connection) -> list[str] | None:
    """Prepare empty ticket tables for a large load the way PostgreSQL's "Populating a
    Database" advises: drop the secondary indexes of `tickets` and the indexes and constraints
    of `ticket_tags`; return the statements that re-create them from their own definitions.
    All in the import's transaction, so a failure rolls the drop back too; the tables stay
    locked until it ends. None (nothing dropped) when the database user may not."""
    constraints = connection.exec_driver_sql(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        f"WHERE conrelid = '{ticket_tags.name}'::regclass AND contype IN ('p', 'u', 'f') "
        "ORDER BY contype = 'f'"
    ).all()
    indexes = connection.exec_driver_sql(
        "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "JOIN pg_class c ON c.oid = i.indexrelid "
        f"WHERE i.indrelid IN ('{tickets.name}'::regclass, '{ticket_tags.name}'::regclass) "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)"
    ).all()
    quote = connection.dialect.identifier_preparer.quote
    try:
        with connection.begin_nested():
            for table, name, _ in reversed(constraints):
                connection.exec_driver_sql(f"ALTER TABLE {table} DROP CONSTRAINT {quote(name)}")
            for name, _ in indexes:
                connection.exec_driver_sql(f"DROP INDEX {quote(name)}")
    except sa.exc.DBAPIError:  # not the tables' owner: load with the indexes in place
        return None
    return [definition for _, definition in indexes] + [
        f"ALTER TABLE {table} ADD CONSTRAINT {quote(name)} {definition}"
        for table, name, definition in constraints
    ]


# --- per backend: loading a batch of validated rows into a staging table ----------------------


class Stager:
    """Loads batches into staging tables; by default timestamps are bound as
    `schema.Timestamp` binds them on the backend."""

    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection
        self.encode = functools.partial(Timestamp().process_bind_param, dialect=connection.dialect)

    def encoded(self, table: sa.Table, rows: list[tuple]) -> list:
        """`rows` with each timestamp as `self.encode` makes it."""
        positions = [i for i, column in enumerate(table.columns)
                     if isinstance(column.type, Timestamp)]
        if not positions:
            return rows
        encode = self.encode
        out = []
        for row in rows:
            row = list(row)
            for i in positions:
                if row[i] is not None:
                    row[i] = encode(row[i])
            out.append(row)
        return out

    def write(self, table: sa.Table, rows: list[tuple]) -> None:
        raise NotImplementedError

    def prepare_for_queries(self) -> None:
        """After all files: make the checks and merges fast."""

    def close(self) -> None:
        pass


class _PostgresStager(Stager):
    """Binary COPY through psycopg 3 (its C dumpers write aware datetimes as timestamptz)."""

    def write(self, table: sa.Table, rows: list[tuple]) -> None:
        driver = self.connection.connection.driver_connection
        names = ", ".join(table.c.keys())
        with driver.cursor() as cursor, cursor.copy(
            f"COPY {table.name} ({names}) FROM STDIN (FORMAT BINARY)"
        ) as copy:
            copy.set_types([_postgres_type(column.type) for column in table.columns])
            write_row = copy.write_row
            for row in rows:
                write_row(row)

    def prepare_for_queries(self) -> None:
        for table in (staged_tickets, staged_tags, staged_surveys):
            self.connection.exec_driver_sql(f"ANALYZE {table.name}")


class _SqliteStager(Stager):
    """executemany on the sqlite3 connection, timestamps as integer microseconds."""

    def write(self, table: sa.Table, rows: list[tuple]) -> None:
        cursor = self.connection.connection.driver_connection.cursor()
        marks = ", ".join("?" * len(table.columns))
        cursor.executemany(f"INSERT INTO {table.name} VALUES ({marks})", self.encoded(table, rows))
        cursor.close()

    def prepare_for_queries(self) -> None:
        for table, columns in ((staged_tickets, "source, id"),
                               (staged_tags, "source, ticket_id, tag"),
                               (staged_surveys, "source, ticket_id, kind")):
            name = f"{table.name}_{columns.replace(', ', '_')}"
            self.connection.exec_driver_sql(
                f"CREATE INDEX IF NOT EXISTS {name} ON {table.name} ({columns})")


class _DuckdbStager(Stager):
    """DuckDB's executemany is slow: each batch goes through a temporary CSV file that
    DuckDB's read_csv loads. Timestamps travel as integer microseconds since the epoch (UTC),
    which make_timestamp turns into the naive UTC TIMESTAMP that `Timestamp` stores there."""

    def __init__(self, connection: sa.Connection) -> None:
        super().__init__(connection)
        self.encode = _epoch_microseconds
        handle, name = tempfile.mkstemp(prefix="kpibot-import-", suffix=".csv")
        os.close(handle)
        self.path = Path(name)
        self.statements: dict[str, str] = {}

    def write(self, table: sa.Table, rows: list[tuple]) -> None:
        with open(self.path, "w", newline="", encoding="utf-8") as out:
            csv.writer(out).writerows(self.encoded(table, rows))
        self.connection.exec_driver_sql(self._insert(table))

    def _insert(self, table: sa.Table) -> str:
        if table.name not in self.statements:
            dialect = self.connection.dialect
            is_timestamp = [isinstance(column.type, Timestamp) for column in table.columns]
            values = ", ".join(f"make_timestamp({column.name})" if timestamp else column.name
                               for column, timestamp in zip(table.columns, is_timestamp))
            types = ", ".join(
                f"'{column.name}': '{'BIGINT' if timestamp else column.type.compile(dialect)}'"
                for column, timestamp in zip(table.columns, is_timestamp))
            path = str(self.path).replace("'", "''")
            self.statements[table.name] = (
                f"INSERT INTO {table.name} SELECT {values} FROM read_csv('{path}', header = false, "
                f"auto_detect = false, columns = {{{types}}}, delim = ',', quote = '\"', "
                "escape = '\"', nullstr = '')"
            )
        return self.statements[table.name]

    def close(self) -> None:
        self.path.unlink(missing_ok=True)


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MICROSECOND = timedelta(microseconds=1)


def _epoch_microseconds(value: datetime) -> int:
    return (value - _EPOCH) // _MICROSECOND


def _postgres_type(column_type: sa.types.TypeEngine) -> str:
    """The PostgreSQL type whose binary format COPY writes for a staging column."""
    if isinstance(column_type, Timestamp):
        return "timestamptz"
    if isinstance(column_type, sa.Boolean):
        return "bool"
    if isinstance(column_type, sa.SmallInteger):
        return "int2"
    if isinstance(column_type, sa.BigInteger):
        return "int8"
    if isinstance(column_type, sa.Integer):
        return "int4"
    return "text"  # varchar and text share their binary format


STAGERS = {"postgresql": _PostgresStager, "sqlite": _SqliteStager, "duckdb": _DuckdbStager}
