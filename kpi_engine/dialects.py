"""Where the SQL dialects differ: durations, interval arithmetic, percentiles.

Everything else the engine writes is portable SQLAlchemy Core. Timestamps are stored by
`schema.Timestamp`: integer microseconds on SQLite, native timestamps elsewhere.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from kpi_engine.schema import Timestamp

_MICROSECONDS = 1_000_000


class SqlDialect:
    """The dialect-specific SQL fragments for one database backend."""

    def __init__(self, name: str) -> None:
        self.name = name

    def seconds_between(self, later: sa.ColumnElement, earlier: sa.ColumnElement) -> sa.ColumnElement:
        """`later - earlier` in seconds, as a float (NULL when either is NULL)."""
        return sa.type_coerce(self._seconds_between(later, earlier), sa.Float())

    def _seconds_between(self, later: sa.ColumnElement, earlier: sa.ColumnElement) -> sa.ColumnElement:
        if self.name == "sqlite":
            # Coerce the difference, not the operands: a bound timestamp keeps its conversion.
            return sa.type_coerce(later - earlier, sa.BigInteger()) / float(_MICROSECONDS)
        if self.name == "duckdb":
            return sa.func.date_diff("microsecond", earlier, later) / float(_MICROSECONDS)
        if self.name in ("mysql", "mariadb"):
            return sa.func.timestampdiff(sa.text("MICROSECOND"), earlier, later) / float(_MICROSECONDS)
        # PostgreSQL and its kin: date_part returns double precision.
        return sa.func.date_part("epoch", later - earlier)

    def plus_interval(self, timestamp: sa.ColumnElement, interval: timedelta) -> sa.ColumnElement:
        """`timestamp + interval`, typed as a timestamp so it compares with timestamp columns."""
        if self.name == "sqlite":
            micros = int(interval.total_seconds() * _MICROSECONDS)
            shifted = sa.type_coerce(timestamp, sa.BigInteger()) + sa.literal(micros, sa.BigInteger())
            return sa.type_coerce(shifted, Timestamp())
        if self.name == "postgresql":
            # An exact number of seconds: '7 days' on a timestamptz follows the session zone's
            # calendar and is 167 or 169 hours across a daylight-saving change.
            seconds = sa.func.make_interval(0, 0, 0, 0, 0, 0, interval.total_seconds())
            return sa.type_coerce(timestamp + seconds, Timestamp())
        return sa.type_coerce(timestamp + sa.literal(interval, sa.Interval()), Timestamp())

    @property
    def has_grouping_sets(self) -> bool:
        """Whether `GROUP BY GROUPING SETS` (and `grouping()`) exist: one scan for total + groups."""
        return self.name in ("postgresql", "duckdb")

    @property
    def has_percentile_cont(self) -> bool:
        """Whether `percentile_cont(p) WITHIN GROUP (ORDER BY x)` exists."""
        return self.name not in ("sqlite", "mysql", "mariadb")

    def percentile(self, fraction: float, value: sa.ColumnElement) -> sa.ColumnElement:
        """The interpolated percentile of `value` (an aggregate), where the dialect has one."""
        return sa.func.percentile_cont(fraction).within_group(value)
