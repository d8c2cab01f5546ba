"""PostgreSQL: `date_part('epoch', …)` for durations and an exact number of seconds for interval
arithmetic, grouping sets and percentile_cont; a batch is loaded by binary COPY (psycopg 3) —
rows encoded where they are made (`row_encoder`, in any process) and COPYed as bytes
(`copy_bytes`), or COPYed row by row (`copy_rows`) — and a large load into empty ticket tables
builds their indexes after the load, the way PostgreSQL's "Populating a Database" advises (and
so does an UPDATE of most rows); the upsert is `INSERT … ON CONFLICT`."""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta

import sqlalchemy as sa

from kpi_engine.sql.dialects.base import SERVER_POOL, Backend
from kpi_engine.storage.schema import Timestamp


class PostgresqlBackend(Backend):
    name = "postgresql"
    has_grouping_sets = True
    reads_tag_lists = True
    pool_options = SERVER_POOL
    driver_extra = "postgres"
    bulk_loads = True
    # A load straight into empty tables (the helpdesk import): `write` the real tables' rows by
    # COPY between `drop_for_load` and `rebuild_after_load`.
    direct_loads = True

    def _seconds_between(self, later: sa.ColumnElement,
                         earlier: sa.ColumnElement) -> sa.ColumnElement:
        # date_part returns double precision.
        return sa.func.date_part("epoch", later - earlier)

    def plus_interval(self, timestamp: sa.ColumnElement, interval: timedelta) -> sa.ColumnElement:
        # An exact number of seconds: '7 days' on a timestamptz follows the session zone's
        # calendar and is 167 or 169 hours across a daylight-saving change.
        seconds = sa.func.make_interval(0, 0, 0, 0, 0, 0, interval.total_seconds())
        return sa.type_coerce(timestamp + seconds, Timestamp())

    def before_explaining(self, connection: sa.Connection, *, answers_joined: bool) -> None:
        # Two periods' survey answers are a small share of the tickets, each joined to its
        # ticket by the key: lookups in the key's index. The planner's estimate prefers hashing
        # the whole tickets table (on a million tickets, 290 ms against 75 ms for a week's CSAT).
        if answers_joined:
            connection.exec_driver_sql("SET LOCAL enable_hashjoin = off")

    def tag_list_elements(self, rows: sa.FromClause, tag_list: sa.ColumnElement
                          ) -> tuple[sa.FromClause, sa.ColumnElement]:
        from sqlalchemy.dialects.postgresql import JSONB

        each = sa.func.jsonb_array_elements_text(sa.cast(tag_list, JSONB)) \
            .table_valued("value").alias("each_tag")
        return rows.join(each, sa.true()), each.c.value

    def begin_import(self, connection: sa.Connection) -> None:
        connection.exec_driver_sql("SET LOCAL work_mem = '256MB'")

    def write(self, connection: sa.Connection, table: sa.Table, rows: list[tuple]) -> None:
        """Binary COPY through psycopg 3 (its C dumpers write aware datetimes as timestamptz)."""
        with self.copy_rows(connection, table) as write_row:
            for row in rows:
                write_row(row)

    @contextmanager
    def copy_rows(self, connection: sa.Connection, table: sa.Table) -> Iterator[Callable]:
        """A binary COPY into `table` (every column, in order) held open while the caller makes
        its rows: yields `write_row`. Rows leave as psycopg's buffer fills, so the server takes
        them while the next ones are made; the COPY ends (and is waited for) with the block,
        and is cancelled when the block raises."""
        driver = connection.connection.driver_connection
        names = ", ".join(table.c.keys())
        with driver.cursor() as cursor, cursor.copy(
            f"COPY {table.name} ({names}) FROM STDIN (FORMAT BINARY)"
        ) as copy:
            copy.set_types([_postgres_type(column.type) for column in table.columns])
            yield copy.write_row

    def row_encoder(self, table: sa.Table) -> Callable[[Sequence, bytearray], object]:
        """`encode(row, buffer)`: one row of `table` (every column, in order) appended to
        `buffer` in COPY's binary format, as `copy_bytes` takes it. No connection needed, so a
        process that only reads can encode what this one COPYs."""
        from psycopg import postgres
        from psycopg.adapt import Transformer
        from psycopg.pq import Format

        transformer = Transformer()
        transformer.set_dumper_types(
            [postgres.types[_postgres_type(column.type)].oid for column in table.columns],
            Format.BINARY)
        format_row = _format_row_binary()
        return lambda row, buffer: format_row(row, transformer, buffer)

    @contextmanager
    def copy_bytes(self, connection: sa.Connection,
                   table: sa.Table) -> Iterator[Callable[[bytes], None]]:
        """A binary COPY into `table` fed with rows `row_encoder` encoded: yields `write`,
        which takes any number of whole rows at once. Ended (and waited for) with the block,
        cancelled when it raises."""
        driver = connection.connection.driver_connection
        names = ", ".join(table.c.keys())
        with driver.cursor() as cursor, cursor.copy(
            f"COPY {table.name} ({names}) FROM STDIN (FORMAT BINARY)"
        ) as copy:
            copy.write(_BINARY_SIGNATURE)
            yield copy.write
            copy.write(_BINARY_TRAILER)

    def prepare_for_queries(self, connection: sa.Connection,
                            keys: Sequence[tuple[sa.Table, tuple[str, ...]]]) -> None:
        """Fresh statistics on each staging table."""
        for table, _ in keys:
            connection.exec_driver_sql(f"ANALYZE {table.name}")

    def insert(self, table: sa.Table):
        from sqlalchemy.dialects.postgresql import insert

        return insert(table)

    def load_into_empty(self, connection: sa.Connection, load: Callable[[], None], *,
                        tickets: sa.Table, ticket_tags: sa.Table) -> bool:
        """Drop the secondary indexes of `tickets` and the indexes and constraints of
        `ticket_tags`, run `load`, then re-create them from their own definitions and analyse
        both. All in the import's transaction, so a failure rolls the drop back too; the tables
        stay locked until it ends. False (nothing dropped, `load` not run) when the database
        user may not."""
        recreate = self.drop_for_load(connection, indexes=[tickets], everything=[ticket_tags])
        if recreate is None:
            return False
        load()
        self.rebuild_after_load(connection, recreate, [tickets, ticket_tags])
        return True

    def drop_for_load(self, connection: sa.Connection, *, indexes: Sequence[sa.Table] = (),
                      everything: Sequence[sa.Table] = ()) -> list[str] | None:
        """Before a large load into empty tables: drop the secondary indexes of `indexes` (their
        primary keys stay) and every index and constraint of `everything`, in the caller's
        transaction (which then holds the tables locked); the statements that build them again
        from their own definitions (`rebuild_after_load`). None, with nothing dropped, when the
        database user may not."""
        return _drop_for_bulk_load(connection, indexes, everything)

    @staticmethod
    def references_apart(statements: Sequence[str]) -> tuple[list[str], list[str]]:
        """`drop_for_load`'s statements as (indexes and keys, foreign keys): the keys can be
        built first and used (deletes, updates by key) before the references are checked."""
        keys = [statement for statement in statements if _FOREIGN_KEY not in statement]
        return keys, [statement for statement in statements if _FOREIGN_KEY in statement]

    def rebuild_after_load(self, connection: sa.Connection, statements: Sequence[str],
                           tables: Sequence[sa.Table]) -> None:
        """Run `drop_for_load`'s statements with room to sort, then analyse `tables` (if
        any)."""
        connection.exec_driver_sql("SET LOCAL maintenance_work_mem = '512MB'")
        for statement in statements:
            connection.exec_driver_sql(statement)
        if tables:
            connection.exec_driver_sql(f"ANALYZE {', '.join(table.name for table in tables)}")

    def rewrite(self, connection: sa.Connection, table: sa.Table,
                update: Callable[[], None]) -> None:
        """Every updated row is a new row version with an entry in every index: drop the
        secondary indexes of `table` (those no constraint owns), run `update` with room to
        hash its join, and build them again from their own definitions — in the caller's
        transaction, as the bulk load does. Run as is when the user may not drop them."""
        connection.exec_driver_sql("SET LOCAL work_mem = '256MB'")
        indexes = connection.exec_driver_sql(
            "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid "
            f"WHERE i.indrelid = '{table.name}'::regclass "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)"
        ).all()
        quote = connection.dialect.identifier_preparer.quote
        try:
            with connection.begin_nested():
                for name, _ in indexes:
                    connection.exec_driver_sql(f"DROP INDEX {quote(name)}")
        except sa.exc.DBAPIError:  # not the table's owner: update with the indexes in place
            update()
            return
        update()
        connection.exec_driver_sql("SET LOCAL maintenance_work_mem = '512MB'")
        for _, definition in indexes:
            connection.exec_driver_sql(definition)
        connection.exec_driver_sql(f"ANALYZE {table.name}")


def _drop_for_bulk_load(connection: sa.Connection, indexes_of: Sequence[sa.Table],
                        everything_of: Sequence[sa.Table]) -> list[str] | None:
    """Drop the secondary indexes of `indexes_of` and the indexes and constraints of
    `everything_of` (with the foreign keys of other tables that reference them); return the
    statements that re-create them from their own definitions, the foreign keys last. None
    (nothing dropped) when the database user may not."""
    def regclasses(tables: Sequence[sa.Table]) -> str:
        return ", ".join(f"'{table.name}'::regclass" for table in tables) or "NULL"

    constraints = connection.exec_driver_sql(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        f"WHERE conrelid IN ({regclasses(everything_of)}) AND contype IN ('p', 'u', 'f') "
        f"OR contype = 'f' AND confrelid IN ({regclasses(everything_of)}) "
        "ORDER BY contype = 'f', conrelid::regclass::text, conname"
    ).all()
    indexes = connection.exec_driver_sql(
        "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "JOIN pg_class c ON c.oid = i.indexrelid "
        f"WHERE i.indrelid IN ({regclasses([*indexes_of, *everything_of])}) "
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


_FOREIGN_KEY = " FOREIGN KEY ("  # in the statement that adds one (pg_get_constraintdef's)
_BINARY_SIGNATURE = b"PGCOPY\n\xff\r\n\0" + bytes(8)  # the signature, no flags, no extension
_BINARY_TRAILER = b"\xff\xff"
_int2, _int4 = struct.Struct("!h").pack, struct.Struct("!i").pack


def _format_row_binary() -> Callable:
    """psycopg's own encoder of a binary COPY row (C, with psycopg's binary package), else
    the same from its public dumpers."""
    try:
        from psycopg._copy_base import format_row_binary
    except ImportError:  # pragma: no cover - a psycopg that moved it
        from psycopg.pq import Format

        def format_row_binary(row, transformer, buffer):
            buffer += _int2(len(row))
            for value in transformer.dump_sequence(row, [Format.BINARY] * len(row)):
                if value is None:
                    buffer += b"\xff\xff\xff\xff"
                else:
                    buffer += _int4(len(value))
                    buffer += value
            return buffer
    return format_row_binary


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
