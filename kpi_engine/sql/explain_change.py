"""The statements of a change explained (query/explanation/): the records of both periods,
each aggregate taken with a CASE on the period the record falls in, grouped by each dimension
examined — so one row per segment leaves the database, carrying both periods, and no ticket
row does.

- `segments_statement`: the totals and the segments of every dimension but tag, from one read
  of the records, summed first by every combination of the dimensions' values (one grouping,
  which PostgreSQL splits among its parallel workers: some five hundred rows of a week's
  hundred thousand records), then those rows summed by each dimension: `GROUP BY GROUPING SETS
  ((team), (channel), …, ())` where the backend has grouping sets (PostgreSQL, DuckDB), else
  the combinations as a materialized CTE grouped once per dimension in a UNION ALL (SQLite).
- `tag_statement`: the segments by tag — each ticket in the segment of each of its tags (a
  join), none when it has no tag.

Reading the records once rather than once per dimension, and grouping them once rather than
once per dimension, is what keeps an explanation over all six dimensions within a few times
the comparison it explains (benchmarks/why.py: on a million tickets the segments statement
went from 179 to 78 ms on PostgreSQL for a week's FCR, 593 to 336 ms on SQLite for its FRT);
the tags need a join of their own — now the larger cost — so they are a second statement the
engine may run beside the first.

Each row names its `dimension` (NULL for the totals) and segment `g0` (as text; NULL for
records without a value), and for the later period (suffix `_now`) and the earlier one
(`_before`): `n`, the records the value stands on (a ratio's eligible records, a mean's
measured ones, a count's records), `successes` (a ratio's, a count's with a condition) and a
mean's `total` and `total_sq` (as doubles: squares of large integers cannot overflow). A record
is placed in a period by the timestamp its KPI names, as `run` places it (a level, the backlog,
at each period's end); the two periods may overlap, and a record in both counts in both.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from kpi_engine.metrics import Metric
from kpi_engine.periods import Period
from kpi_engine.query import KpiQuery
from kpi_engine.sql.sources import CompileContext, filter_condition, group_key, source_of
from kpi_engine.vocabulary import Aggregation, Dimension

PERIODS = (("now", "in_now"), ("before", "in_before"))
_KEY = "k_"  # a dimension's value in the records: k_team, k_channel, …


def segments_statement(metric: Metric, query: KpiQuery, current: Period, previous: Period,
                       dimensions: Sequence[Dimension], context: CompileContext
                       ) -> sa.Select | sa.CompoundSelect:
    """The totals (the row whose `dimension` is NULL) and the segments of `dimensions` (tag
    excepted), both periods in each row: the records summed by every combination of the
    dimensions' values first (`_combinations`: one grouping, which a server can split among
    its workers, leaving a few thousand rows of a hundred thousand records), and those rows
    summed again by each dimension."""
    dimensions = [d for d in dimensions if d is not Dimension.TAG]
    records = _records(metric, query, current, previous, context, dimensions)
    if not dimensions:
        return _aggregate(metric, records.subquery("records"), None, None)
    if context.backend.has_grouping_sets:
        combos = _combinations(metric, records, dimensions).subquery("combos")
        keys = [combos.c[_key(d)] for d in dimensions]
        named = [(sa.func.grouping(key) == 0, d, key) for d, key in zip(dimensions, keys)]
        dimension = sa.case(*[(test, sa.literal(d.value)) for test, d, _ in named],
                            else_=sa.cast(sa.null(), sa.String))
        segment = sa.case(*[(test, sa.cast(key, sa.String)) for test, _, key in named],
                          else_=sa.cast(sa.null(), sa.String))
        return (sa.select(dimension.label("dimension"), segment.label("g0"),
                          *_resums(combos))
                .group_by(sa.func.grouping_sets(*[sa.tuple_(key) for key in keys],
                                                sa.tuple_())))
    combos = _combinations(metric, records, dimensions).cte("combos") \
        .prefix_with("MATERIALIZED")
    return sa.union_all(_regroup(combos, None, None),
                        *[_regroup(combos, d, combos.c[_key(d)]) for d in dimensions])


def _combinations(metric: Metric, records: sa.Select, dimensions: Sequence[Dimension]
                  ) -> sa.Select:
    """The records' sums (`_sums`) by every combination of the dimensions' values."""
    rows = records.subquery("records")
    keys = [rows.c[_key(d)] for d in dimensions]
    return sa.select(*keys, *_sums(metric, rows)).group_by(*keys)


def _resums(combos) -> list[sa.ColumnElement]:
    """The sums of `_sums` summed again, over `_combinations`' rows (a sum of counts cast back
    to a count: a server would make it a numeric)."""
    return [(sa.cast(sa.func.sum(column), column.type) if isinstance(column.type, sa.Integer)
             else sa.func.sum(column)).label(column.name)
            for column in combos.c if not column.name.startswith(_KEY)]


def _regroup(combos, dimension: Dimension | None,
             key: sa.ColumnElement | None) -> sa.Select:
    """`_aggregate` over the combinations' rows: their sums summed by `key`."""
    columns = [*_labels(dimension, key), *_resums(combos)]
    statement = sa.select(*columns).select_from(combos)
    return statement.group_by(key) if key is not None else statement


def tag_statement(metric: Metric, query: KpiQuery, current: Period, previous: Period,
                  context: CompileContext) -> sa.Select:
    """The segments by tag: a ticket in the segment of each of its tags. Where the backend
    reads `tickets.tag_list` (a JSON array), the records are summed by their ticket's list of
    tags — a desk has a few hundred distinct lists — and each list's sums counted for each of
    its tags: no join of the tag rows. Elsewhere each record is joined to its tag rows."""
    backend = context.backend
    by_list = backend.reads_tag_lists
    records = _records(metric, query, current, previous, context, (Dimension.TAG,),
                       tag_list=by_list)
    key = _key(Dimension.TAG)
    if not by_list:
        rows = records.subquery("records")
        return _aggregate(metric, rows, Dimension.TAG, rows.c[key])
    combos = _combinations(metric, records, (Dimension.TAG,)).subquery("combos")
    joined, tag = backend.tag_list_elements(combos, combos.c[key])
    return (sa.select(*_labels(Dimension.TAG, tag), *_resums(combos))
            .select_from(joined).group_by(tag))


def _key(dimension: Dimension) -> str:
    return f"{_KEY}{dimension.value}"


def _aggregate(metric: Metric, rows, dimension: Dimension | None,
               key: sa.ColumnElement | None) -> sa.Select:
    statement = sa.select(*_labels(dimension, key), *_sums(metric, rows)).select_from(rows)
    return statement.group_by(key) if key is not None else statement


def _labels(dimension: Dimension | None, key: sa.ColumnElement | None
            ) -> list[sa.ColumnElement]:
    """A row's `dimension` and segment `g0` (NULL and NULL for the totals)."""
    return [
        (sa.literal(dimension.value) if dimension is not None
         else sa.cast(sa.null(), sa.String)).label("dimension"),
        (sa.cast(key, sa.String) if key is not None
         else sa.cast(sa.null(), sa.String)).label("g0"),
    ]


def _sums(metric: Metric, rows) -> list[sa.ColumnElement]:
    """Each period's aggregates, by a CASE on the record's period flag."""
    c = rows.c
    columns: list[sa.ColumnElement] = []
    for suffix, flag in PERIODS:
        inside = c[flag] == 1
        match metric.aggregation:
            case Aggregation.COUNT:
                columns.append(sa.func.count(c[flag]).label(f"n_{suffix}"))
                if metric.condition is not None:
                    columns.append(sa.func.count(sa.case((sa.and_(inside, c.success == 1), 1)))
                                   .label(f"successes_{suffix}"))
            case Aggregation.MEAN:
                x = sa.cast(c.x, sa.Double())  # FLOAT would be 4 bytes on DuckDB
                columns += [
                    sa.func.count(sa.case((inside, c.x))).label(f"n_{suffix}"),
                    sa.func.sum(sa.case((inside, x))).label(f"total_{suffix}"),
                    sa.func.sum(sa.case((inside, x * x))).label(f"total_sq_{suffix}"),
                ]
            case Aggregation.SHARE:
                counted = sa.and_(inside, c.eligible == 1) if "eligible" in c else inside
                columns += [
                    sa.func.count(sa.case((counted, 1))).label(f"n_{suffix}"),
                    sa.func.count(sa.case((sa.and_(inside, c.success == 1), 1)))
                    .label(f"successes_{suffix}"),
                ]
    return columns


def _records(metric: Metric, query: KpiQuery, current: Period, previous: Period,
             context: CompileContext, dimensions: Sequence[Dimension], *,
             tag_list: bool = False) -> sa.Select:
    """The records of either period: each dimension's value (by tag, one row per tag of the
    ticket; with `tag_list`, one row per ticket with tags, its `tag_list` the value), a flag
    per period, and the per-record columns the metric aggregates."""
    source = source_of(metric, context)
    scope = source.scope
    t = scope.tickets
    if source.anchor is None:  # a level: open at each period's end
        def within(period: Period) -> sa.ColumnElement:
            return sa.and_(t.c.created_at < period.end,
                           sa.or_(t.c.solved_at.is_(None), t.c.solved_at >= period.end))
        span = sa.and_(t.c.created_at < max(current.end, previous.end),
                       sa.or_(t.c.solved_at.is_(None),
                              t.c.solved_at >= min(current.end, previous.end)))
    else:
        anchor = source.anchor

        def within(period: Period) -> sa.ColumnElement:
            return sa.and_(anchor >= period.start, anchor < period.end)
        # the whole span, so an index on the timestamp bounds the scan
        span = sa.and_(anchor >= min(current.start, previous.start),
                       anchor < max(current.end, previous.end))
    in_now, in_before = within(current), within(previous)
    from_clause = source.from_clause
    columns: list[sa.ColumnElement] = []
    for dimension in dimensions:
        if dimension is Dimension.TAG and tag_list:
            key = scope.tickets.c.tag_list
        else:
            key, from_clause = group_key(dimension, source, from_clause)
        columns.append(key.label(_key(dimension)))
    columns += [sa.case((in_now, 1)).label("in_now"), sa.case((in_before, 1)).label("in_before")]
    match metric.aggregation:
        case Aggregation.COUNT:
            if metric.condition is not None:
                columns.append(sa.case((metric.condition(scope), 1)).label("success"))
        case Aggregation.MEAN:
            columns.append(metric.measure(scope).label("x"))
        case Aggregation.SHARE:
            success = metric.condition(scope)
            if metric.eligible is not None:
                eligible = metric.eligible(scope)
                success = sa.and_(eligible, success)
                columns.append(sa.case((eligible, 1)).label("eligible"))
            columns.append(sa.case((success, 1)).label("success"))
    statement = sa.select(*columns).select_from(from_clause).where(span)
    if tag_list:
        statement = statement.where(scope.tickets.c.tag_list.is_not(None))
    if source.anchor is None or not _adjacent(current, previous):
        statement = statement.where(sa.or_(in_now, in_before))  # a gap between the periods
    if metric.survey_kind is not None:
        statement = statement.where(scope.responses.c.kind == metric.survey_kind.value)
    for condition in query.filters:
        statement = statement.where(filter_condition(condition, source))
    return statement


def _adjacent(current: Period, previous: Period) -> bool:
    """Whether the two periods leave no gap in their span (then the span is exactly them)."""
    first, second = sorted((current, previous), key=lambda period: period.start)
    return second.start <= first.end
