"""DuckDB: `date_diff` for durations, grouping sets and percentile_cont; its executemany is
slow, so a batch goes through a temporary CSV file that DuckDB's read_csv loads; the upsert is
PostgreSQL's `INSERT … ON CONFLICT` (DuckDB's SQLAlchemy dialect is PostgreSQL's)."""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from kpi_engine.sql.dialects.base import MICROSECONDS, Backend
from kpi_engine.storage.schema import Timestamp

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MICROSECOND = timedelta(microseconds=1)


class DuckDbBackend(Backend):
    """Timestamps travel to staging as integer microseconds since the epoch (UTC), which
    make_timestamp turns into the naive UTC TIMESTAMP that `Timestamp` stores there."""

    name = "duckdb"
    has_grouping_sets = True
    reads_tag_lists = True
    driver_extra = "duckdb"

    def __init__(self, name: str | None = None) -> None:
        super().__init__(name)
        self.path: Path | None = None  # the temporary CSV of an import's batches
        self.statements: dict[str, str] = {}

    def _seconds_between(self, later: sa.ColumnElement,
                         earlier: sa.ColumnElement) -> sa.ColumnElement:
        return sa.func.date_diff("microsecond", earlier, later) / float(MICROSECONDS)

    def tag_list_elements(self, rows: sa.FromClause, tag_list: sa.ColumnElement
                          ) -> tuple[sa.FromClause, sa.ColumnElement]:
        each = sa.func.unnest(sa.func.from_json(tag_list, '["VARCHAR"]')) \
            .table_valued("value").render_derived().alias("each_tag")
        return rows.join(each, sa.true()), each.c.value

    def encoder(self, connection: sa.Connection) -> Callable[[Any], Any]:
        return _epoch_microseconds

    def write(self, connection: sa.Connection, table: sa.Table, rows: list[tuple]) -> None:
        if self.path is None:
            handle, name = tempfile.mkstemp(prefix="kpibot-import-", suffix=".csv")
            os.close(handle)
            self.path = Path(name)
        with open(self.path, "w", newline="", encoding="utf-8") as out:
            csv.writer(out).writerows(self.encoded(connection, table, rows))
        connection.exec_driver_sql(self._insert(connection, table))

    def _insert(self, connection: sa.Connection, table: sa.Table) -> str:
        if table.name not in self.statements:
            dialect = connection.dialect
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
        if self.path is not None:
            self.path.unlink(missing_ok=True)

    def insert(self, table: sa.Table):
        from sqlalchemy.dialects.postgresql import insert

        return insert(table)


def _epoch_microseconds(value: datetime) -> int:
    return (value - _EPOCH) // _MICROSECOND
