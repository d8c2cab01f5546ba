"""The backend every dialect starts from: `Backend`, the generic fallback — enough for the read
path on any SQLAlchemy dialect (portable SQL, `date_part('epoch', …)` for durations, an
interval literal for arithmetic, no grouping sets) — with the hooks each backend of this
package overrides (its SQL fragments, its bulk-load path, its connection settings), and
`MySqlBackend`, MySQL's and MariaDB's duration function for reading.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from kpi_engine.storage.schema import Timestamp

MICROSECONDS = 1_000_000
# A server database serves the Slack app's listener threads, its scheduler and its
# after-acknowledgement work at once: more connections than SQLAlchemy's 5 + 10.
SERVER_POOL = {"pool_size": 10, "max_overflow": 30}


class Backend:
    """One database backend: its SQL fragments, its bulk-load path and its connection settings.

    This base class is the generic fallback for any other SQLAlchemy dialect: the read path
    (portable SQL, `date_part('epoch', …)` for durations, an interval literal for arithmetic,
    no grouping sets) works there; importing needs one of the backends of this package."""

    name = ""
    has_grouping_sets = False  # `GROUP BY GROUPING SETS` (and `grouping()`): one scan for all
    has_percentile_cont = True  # `percentile_cont(p) WITHIN GROUP (ORDER BY x)`
    pool_options: dict[str, Any] = {}  # for create_engine
    driver_extra: str | None = None  # the kpibot extra that installs the driver
    bulk_loads = False  # whether `load_into_empty` builds the indexes after a large load
    reads_tag_lists = False  # whether `tag_list_elements` reads `tickets.tag_list`

    def __init__(self, name: str | None = None) -> None:
        if name is not None:
            self.name = name

    @classmethod
    def imports(cls) -> bool:
        """Whether an import can write through this backend: it has its own bulk load
        (`write`) and upsert (`insert`)."""
        return cls.write is not Backend.write and cls.insert is not Backend.insert

    # -- SQL fragments ------------------------------------------------------------------------

    def seconds_between(self, later: sa.ColumnElement,
                        earlier: sa.ColumnElement) -> sa.ColumnElement:
        """`later - earlier` in seconds, as a float (NULL when either is NULL)."""
        return sa.type_coerce(self._seconds_between(later, earlier), sa.Float())

    def _seconds_between(self, later: sa.ColumnElement,
                         earlier: sa.ColumnElement) -> sa.ColumnElement:
        # PostgreSQL and its kin: date_part returns double precision.
        return sa.func.date_part("epoch", later - earlier)

    def plus_interval(self, timestamp: sa.ColumnElement, interval: timedelta) -> sa.ColumnElement:
        """`timestamp + interval`, typed as a timestamp so it compares with timestamp columns."""
        return sa.type_coerce(timestamp + sa.literal(interval, sa.Interval()), Timestamp())

    def percentile(self, fraction: float, value: sa.ColumnElement) -> sa.ColumnElement:
        """The interpolated percentile of `value` (an aggregate), where the dialect has one."""
        return sa.func.percentile_cont(fraction).within_group(value)

    def before_explaining(self, connection: sa.Connection, *, answers_joined: bool) -> None:
        """Before a statement of a change explained, in its transaction; `answers_joined`: its
        records are survey answers joined to their tickets (nothing by default)."""

    def tag_list_elements(self, rows: sa.FromClause, tag_list: sa.ColumnElement
                          ) -> tuple[sa.FromClause, sa.ColumnElement]:
        """`rows` joined to each element of their `tag_list` (`tickets.tag_list`'s JSON array
        of text), and that element; where `reads_tag_lists`."""
        raise NotImplementedError(f"{self.name or 'this database'} reads no JSON arrays")

    # -- connections --------------------------------------------------------------------------

    def tune(self, engine: sa.Engine) -> None:
        """Set up `engine`'s connections for kpibot (nothing by default)."""

    # -- bulk load: an import's batches into its staging tables, then the merge -------------

    def begin_import(self, connection: sa.Connection) -> None:
        """Before an import stages anything, in its transaction (nothing by default)."""

    def encoder(self, connection: sa.Connection) -> Callable[[Any], Any]:
        """How a timestamp travels in a batch: as `schema.Timestamp` binds it on the backend."""
        return functools.partial(Timestamp().process_bind_param, dialect=connection.dialect)

    def encoded(self, connection: sa.Connection, table: sa.Table, rows: list[tuple]) -> list:
        """`rows` with each timestamp as `self.encoder` makes it."""
        positions = [i for i, column in enumerate(table.columns)
                     if isinstance(column.type, Timestamp)]
        if not positions:
            return rows
        encode = self.encoder(connection)
        out = []
        for row in rows:
            row = list(row)
            for i in positions:
                if row[i] is not None:
                    row[i] = encode(row[i])
            out.append(row)
        return out

    def write(self, connection: sa.Connection, table: sa.Table, rows: list[tuple]) -> None:
        """Load a batch of validated rows into the staging table `table`, fast."""
        raise NotImplementedError(f"import does not write to {self.name}")

    def prepare_for_queries(self, connection: sa.Connection,
                            keys: Sequence[tuple[sa.Table, tuple[str, ...]]]) -> None:
        """After all files are staged: make the checks and merges on the staging tables fast
        (`keys`: each table and the columns it is looked up by)."""

    def close(self) -> None:
        """The import is over: release what `write` held (nothing by default)."""

    def insert(self, table: sa.Table):
        """The INSERT construct with `on_conflict_do_update` (an upsert) for `table`."""
        raise NotImplementedError(f"import does not write to {self.name}")

    def load_into_empty(self, connection: sa.Connection, load: Callable[[], None], *,
                        tickets: sa.Table, ticket_tags: sa.Table) -> bool:
        """Run `load` (plain INSERTs into the empty ticket tables) the backend's fast way;
        False, with nothing run, when it has none (see `bulk_loads`)."""
        return False

    def rewrite(self, connection: sa.Connection, table: sa.Table,
                update: Callable[[], None]) -> None:
        """Run `update`, an UPDATE of most rows of `table` (business clock readings after a
        calendar change), the backend's fast way: as it is by default."""
        update()


class MySqlBackend(Backend):
    """MySQL and MariaDB, for reading: their duration function, no percentile_cont."""

    has_percentile_cont = False
    pool_options = SERVER_POOL

    def _seconds_between(self, later: sa.ColumnElement,
                         earlier: sa.ColumnElement) -> sa.ColumnElement:
        return sa.func.timestampdiff(sa.text("MICROSECOND"), earlier, later) / float(MICROSECONDS)
