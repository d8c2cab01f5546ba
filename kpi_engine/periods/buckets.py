"""Trend buckets: the local days, weeks or months a period is cut into for a trend, and the SQL
that puts a record in its bucket.

The boundaries are computed here, in Python, in the workspace zone — local midnights, weeks
from the workspace's first day, first days of months — and clipped to the period [start,
end): a rolling "last 30 days" starts and ends with a partial day. The database only sees
them as bound instants: `bucket_number` compares a record's anchor timestamp with them in a
CASE, which is exact across daylight-saving changes (a 23- or 25-hour day is whatever lies
between two local midnights) and portable to every dialect. `bucket_numbers` is the small
table of bucket numbers a level KPI (backlog at the end of each bucket) is read out over.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from itertools import islice

import sqlalchemy as sa

from kpi_engine.errors import UserError
from kpi_engine.periods.calendar import CalendarUnit, Period, unit_starts
from kpi_engine.vocabulary import Granularity

MAX_BUCKETS = 400
_LINEAR_CASE = 16  # up to this many buckets one flat CASE; beyond, a balanced tree of them


@dataclass(frozen=True, kw_only=True)
class Bucket:
    """One step of a trend: [start, end) within the period, and its first local day."""

    start: datetime
    end: datetime
    day: date  # the local date of `start` (the clipped start for a partial first bucket)


def trend_buckets(period: Period, granularity: Granularity, *, tz: str | tzinfo,
                  week_start: str | int = "monday", metric: str = "fcr") -> tuple[Bucket, ...]:
    """The buckets of `period`, in time order; a UserError when there would be more than
    MAX_BUCKETS (`metric` names the KPI in the suggested coarser questions)."""
    unit = CalendarUnit(granularity.value)
    starts = list(islice(unit_starts(period.start, period.end, unit, tz=tz,
                                     week_start=week_start), MAX_BUCKETS + 1))
    if len(starts) > MAX_BUCKETS:
        raise _too_many(period, granularity, metric)
    zone = starts[0].tzinfo
    edges = [period.start, *starts[1:], period.end]
    return tuple(Bucket(start=first, end=last, day=first.astimezone(zone).date())
                 for first, last in zip(edges, edges[1:]))


def _too_many(period: Period, granularity: Granularity, metric: str) -> UserError:
    steps = list(Granularity)
    coarser = steps[steps.index(granularity) + 1:]
    suggestions = [f"{metric} by {g.value} {period.label}" for g in coarser]
    if not suggestions:
        suggestions = [f"{metric} by month this year", f"{metric} by month in 2025"]
    return UserError(
        f"a trend by {granularity.value} over {period.label} has more than {MAX_BUCKETS} "
        f"points; ask for a coarser step or a shorter period", suggestions)


def bucket_number(anchor: sa.ColumnElement, buckets: Sequence[Bucket]) -> sa.ColumnElement:
    """The 0-based number of the bucket that holds `anchor` (already known to lie within the
    period): `CASE WHEN anchor < :start_of_1 THEN 0 WHEN anchor < :start_of_2 THEN 1 … END`,
    nested as a balanced tree beyond a few buckets so a record takes a handful of
    comparisons, not hundreds."""
    return _case(anchor, [bucket.start for bucket in buckets[1:]], 0)


def _case(anchor: sa.ColumnElement, starts: list[datetime], first: int) -> sa.ColumnElement:
    """The bucket number among len(starts) + 1 buckets numbered from `first`, where
    `starts` are the starts of all but the first of them."""
    count = len(starts) + 1
    if count == 1:
        return _number(first)
    if count <= _LINEAR_CASE:
        whens = [(anchor < start, _number(first + i)) for i, start in enumerate(starts)]
        return sa.case(*whens, else_=_number(first + count - 1))
    middle = count // 2  # buckets [first, first + middle) on the left
    left = _case(anchor, starts[:middle - 1], first)
    right = _case(anchor, starts[middle:], first + middle)
    return sa.case((anchor < starts[middle - 1], left), else_=right)


def _number(value: int) -> sa.ColumnElement:
    """A bucket number: a constant of the code, typed so every dialect reads an integer."""
    return sa.literal_column(str(int(value)), sa.Integer())


def bucket_numbers(count: int) -> sa.Subquery:
    """The bucket numbers 0 … count − 1 as a derived table (`bucket`), for a KPI that needs
    a row for every bucket whether records fall in it or not."""
    selects = [sa.select(_number(i).label("bucket")) for i in range(count)]
    table = selects[0] if len(selects) == 1 else sa.union_all(*selects)
    return table.subquery("buckets")
