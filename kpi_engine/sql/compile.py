"""KpiQuery → SQL: one SELECT per period that aggregates in the database.

The statement returns the total over the period (`is_total = 1`) and, for a breakdown, one row
per group (`is_total = 0`); for a trend, one row per bucket that has records, keyed by the
bucket's number (see periods/buckets.py) — for backlog, one per bucket, the level at its end. It
aggregates a row source — the filtered records of the period with their group keys and
per-record value. Only aggregates leave the database: `n`, the value, the sums a significance
test needs, details and percentiles (also when a median or p90 is the value). A count with a
condition (escalations) counts the period's records as `n` and those where it holds beside.

`compile_measures` measures several metrics in that one scan when they share their records —
the same population, the same timestamp placing them in the period, the same survey kind (a
digest's FCR, resolution time and reopen rate are all tickets by `solved_at`). Each metric's
aggregates are then labelled with its own prefix (`m0_n`, `m1_value` …; a lone metric has
none), so one row carries every metric's figures.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from kpi_engine.metrics import Metric, Scope
from kpi_engine.periods import Period
from kpi_engine.periods.buckets import Bucket, bucket_number, bucket_numbers
from kpi_engine.query import PERCENTILES, KpiQuery
from kpi_engine.sql.sources import (
    CompileContext,
    Source,
    filter_condition,
    group_key,
    source_of,
)
from kpi_engine.vocabulary import Aggregation, Anchor, Dimension


def compile_statement(
    metric: Metric, query: KpiQuery, period: Period, context: CompileContext, *,
    buckets: Sequence[Bucket] = (),
) -> sa.Select:
    """The one statement that measures `metric` over `period` under the query's filters."""
    return compile_measures((metric,), query, period, context, buckets=buckets)


def scan_key(metric: Metric) -> tuple | None:
    """What a metric's records are: metrics with equal keys can share one statement; None for
    a metric that needs a statement of its own (a level such as the backlog)."""
    if metric.anchor is Anchor.PERIOD_END:
        return None
    return (metric.population, metric.anchor, metric.survey_kind)


def column_prefix(index: int, count: int) -> str:
    """The label prefix of the `index`-th of `count` metrics measured together."""
    return "" if count == 1 else f"m{index}_"


def compile_measures(
    metrics: Sequence[Metric], query: KpiQuery, period: Period, context: CompileContext, *,
    buckets: Sequence[Bucket] = (),
) -> sa.Select:
    """The one statement that measures `metrics` (one, or several sharing a `scan_key`) over
    `period` under the query's filters.

    With a breakdown or a trend (whose `buckets` the caller cuts) it returns the total
    (`is_total = 1`) and the groups together: by GROUPING SETS where the dialect has them,
    else by UNION ALL of two aggregates. A tag breakdown always takes UNION ALL, because a
    ticket with two tags is in two groups but once in the total; so does a backlog trend,
    where a ticket open for a week is in the backlog at the end of each of its days (see
    `_levels_by_bucket`).
    """
    if query.trend is not None and not buckets:
        raise ValueError("a trend query is compiled with its buckets")
    if len(metrics) > 1 and (percentiles_asked(query) or len({scan_key(m) for m in metrics}) > 1
                             or scan_key(metrics[0]) is None):
        raise ValueError("only metrics of the same records, without percentiles, share a scan")
    if not (query.group_by or query.trend):
        return _aggregate(metrics, query, period, context, grouped=False, total_too=False)
    level_trend = query.trend is not None and metrics[0].anchor is Anchor.PERIOD_END
    if context.backend.has_grouping_sets and Dimension.TAG not in query.group_by \
            and not level_trend:
        return _aggregate(metrics, query, period, context, grouped=True, total_too=True,
                          buckets=buckets)
    total = _aggregate(metrics, query, period, context, grouped=False, total_too=False)
    if level_trend:
        return sa.union_all(total, _levels_by_bucket(metrics[0], query, period, context,
                                                     buckets))
    grouped = _aggregate(metrics, query, period, context, grouped=True, total_too=False,
                         buckets=buckets)
    return sa.union_all(total, grouped)


def key_count(query: KpiQuery) -> int:
    """How many group-key columns (g0, g1 …) the statement has: one for a trend's bucket."""
    return 1 if query.trend is not None else len(query.group_by)


def _aggregate(
    metrics: Sequence[Metric],
    query: KpiQuery,
    period: Period,
    context: CompileContext,
    *,
    grouped: bool,
    total_too: bool,
    buckets: Sequence[Bucket] = (),
) -> sa.Select:
    """One aggregate over the period's records: the total, the groups (or buckets), or
    (total_too) both."""
    source = source_of(metrics[0], context)
    from_clause = source.from_clause
    group_keys: list[sa.ColumnElement] = []
    if grouped and query.trend is not None:
        group_keys.append(bucket_number(source.anchor, buckets))
    elif grouped:
        for dimension in query.group_by:
            key, from_clause = group_key(dimension, source, from_clause)
            group_keys.append(key)
    rows = _row_source(metrics, query, period, context, source, from_clause, group_keys)
    key_columns = [rows.c[f"g{i}"] for i in range(len(group_keys))]
    if total_too:
        is_total = sa.func.grouping(key_columns[0])
    else:
        is_total = sa.literal(0 if grouped else 1)
    columns: list[sa.ColumnElement] = [is_total.label("is_total")]
    for i in range(key_count(query)):
        columns.append(key_columns[i] if grouped else sa.null().label(f"g{i}"))
    for index, metric in enumerate(metrics):
        columns.extend(_aggregates(metric, query, context, rows,
                                   column_prefix(index, len(metrics))))
    statement = sa.select(*columns).select_from(rows)
    if total_too:
        statement = statement.group_by(sa.func.grouping_sets(sa.tuple_(*key_columns), sa.tuple_()))
    elif key_columns:
        statement = statement.group_by(*key_columns)
    return statement


def _levels_by_bucket(
    metric: Metric, query: KpiQuery, period: Period, context: CompileContext,
    buckets: Sequence[Bucket],
) -> sa.Select:
    """A level KPI (backlog) at the end of each bucket, in one scan: a ticket is open at the
    ends of the buckets from the one it was created in (`opens`) up to, not including, the
    one it was solved in (`closes`; past the last when still open). The backlog at a bucket's
    end is the running sum of the tickets opening minus those closing up to that bucket."""
    source = source_of(metric, context)
    t = source.scope.tickets
    past_last = len(buckets)
    closes = sa.case(
        (sa.or_(t.c.solved_at.is_(None), t.c.solved_at >= period.end), past_last),
        else_=bucket_number(t.c.solved_at, buckets),
    )
    spans = (
        sa.select(bucket_number(t.c.created_at, buckets).label("opens"), closes.label("closes"))
        .select_from(source.from_clause)
        .where(t.c.created_at < period.end)
        .where(sa.or_(t.c.solved_at.is_(None), t.c.solved_at >= buckets[0].end))
        # solved before it was created: never open (and no closing before its opening)
        .where(sa.or_(t.c.solved_at.is_(None), t.c.solved_at >= t.c.created_at))
        .where(*(filter_condition(condition, source) for condition in query.filters))
        .cte("open_spans")
    )
    changes = sa.union_all(
        sa.select(spans.c.opens.label("bucket"), sa.literal_column("1").label("delta")),
        sa.select(spans.c.closes.label("bucket"), sa.literal_column("-1").label("delta")),
    ).subquery("changes")
    by_bucket = (
        sa.select(changes.c.bucket, sa.func.sum(changes.c.delta).label("change"))
        .group_by(changes.c.bucket)
        .subquery("by_bucket")
    )
    numbers = bucket_numbers(len(buckets))
    level = sa.func.sum(sa.func.coalesce(by_bucket.c.change, 0)).over(
        order_by=numbers.c.bucket, rows=(None, 0))
    return sa.select(
        sa.literal(0).label("is_total"), numbers.c.bucket.label("g0"), level.label("n")
    ).select_from(numbers.outerjoin(by_bucket, by_bucket.c.bucket == numbers.c.bucket))


def _row_source(
    metrics: Sequence[Metric],
    query: KpiQuery,
    period: Period,
    context: CompileContext,
    source: Source,
    from_clause: sa.FromClause,
    group_keys: list[sa.ColumnElement],
) -> sa.Subquery:
    scope = source.scope
    t = scope.tickets
    columns = [key.label(f"g{i}") for i, key in enumerate(group_keys)]
    for index, metric in enumerate(metrics):
        columns.extend(_record_columns(metric, query, context, scope, group_keys,
                                       column_prefix(index, len(metrics))))
    metric = metrics[0]  # they share their records: one WHERE for all
    statement = sa.select(*columns).select_from(from_clause)
    if source.anchor is None:  # backlog: open at the period's end
        statement = statement.where(
            t.c.created_at < period.end,
            sa.or_(t.c.solved_at.is_(None), t.c.solved_at >= period.end),
        )
    else:
        statement = statement.where(source.anchor >= period.start, source.anchor < period.end)
    if metric.survey_kind is not None:
        statement = statement.where(scope.responses.c.kind == metric.survey_kind.value)
    for condition in query.filters:
        statement = statement.where(filter_condition(condition, source))
    return statement.subquery("records")


def _record_columns(metric: Metric, query: KpiQuery, context: CompileContext, scope: Scope,
                    group_keys: list[sa.ColumnElement], prefix: str) -> list[sa.ColumnElement]:
    """The per-record columns one metric aggregates, labelled with its prefix."""
    columns = []
    value = None
    match metric.aggregation:
        case Aggregation.COUNT:
            # every record of the period is counted in `n`; with a condition, the records
            # where it holds are counted beside it (the escalated among the created tickets)
            columns.append(sa.literal_column("1").label(f"{prefix}record"))
            if metric.condition is not None:
                columns.append(sa.case((metric.condition(scope), 1)).label(f"{prefix}success"))
        case Aggregation.MEAN:
            value = metric.measure(scope)
            columns.append(value.label(f"{prefix}x"))
        case Aggregation.SHARE:
            # Each of these appears once in the aggregate, so an expensive condition (a
            # correlated EXISTS) is evaluated once per record even where the planner inlines.
            eligible = metric.eligible(scope) if metric.eligible is not None else None
            success = metric.condition(scope)
            if eligible is not None:
                success = sa.and_(eligible, success)
                columns.append(sa.case((eligible, 1)).label(f"{prefix}eligible"))
            columns.append(sa.case((success, 1)).label(f"{prefix}success"))
    columns.extend(detail.expression(scope).label(f"{prefix}d_{detail.name}")
                   for detail in metric.details)
    if _wants_percentiles(metric, query) and not context.backend.has_percentile_cont:
        columns.extend(_rank_columns(value, group_keys))
    return columns


def percentiles_asked(query: KpiQuery) -> bool:
    """Whether the query needs the median and p90: asked beside the value, or as the value."""
    return query.percentiles or query.statistic is not None


def _wants_percentiles(metric: Metric, query: KpiQuery) -> bool:
    return percentiles_asked(query) and metric.has_percentiles


def _rank_columns(value: sa.ColumnElement,
                  group_keys: list[sa.ColumnElement]) -> list[sa.ColumnElement]:
    """Rank and count of each value within its group, for percentiles without percentile_cont."""
    return [
        sa.func.row_number()
        .over(partition_by=[*group_keys, value.is_(None)], order_by=value)
        .label("rank"),
        sa.func.count(value).over(partition_by=group_keys or None).label("ranked"),
    ]


def _aggregates(
    metric: Metric, query: KpiQuery, context: CompileContext, rows: sa.Subquery, prefix: str = ""
) -> list[sa.ColumnElement]:
    """One metric's aggregates over the records, labelled with its prefix."""
    c = rows.c
    match metric.aggregation:
        case Aggregation.COUNT:
            columns = [sa.func.count(c[f"{prefix}record"]).label(f"{prefix}n")]
            if metric.condition is not None:
                columns.append(sa.func.count(c[f"{prefix}success"]).label(f"{prefix}successes"))
        case Aggregation.MEAN:
            x = c[f"{prefix}x"]
            columns = [sa.func.count(x).label(f"{prefix}n"),
                       sa.func.avg(x).label(f"{prefix}value")]
            if query.compare or query.trend is not None:
                # the spread, for Welch's test of a change: against the previous period, or
                # between the steps of a trend (a digest's day against its 7-day average)
                columns.append(sa.func.sum(_as_float(x) * _as_float(x))
                               .label(f"{prefix}sum_sq"))
        case Aggregation.SHARE:
            eligible = f"{prefix}eligible"
            n = sa.func.count(c[eligible]) if eligible in c else sa.func.count()
            columns = [n.label(f"{prefix}n"),
                       sa.func.count(c[f"{prefix}success"]).label(f"{prefix}successes")]
    columns.extend(sa.func.avg(c[f"{prefix}d_{detail.name}"]).label(f"{prefix}d_{detail.name}")
                   for detail in metric.details)
    if _wants_percentiles(metric, query):
        for name, fraction in PERCENTILES:
            if context.backend.has_percentile_cont:
                percentile = context.backend.percentile(fraction, x)
            else:
                percentile = _ranked_percentile(fraction, rows)
            columns.append(percentile.label(f"p_{name}"))
    return columns


def _as_float(value: sa.ColumnElement) -> sa.ColumnElement:
    """`value` as a double, so squares of large integers cannot overflow."""
    return sa.cast(value, sa.Float())


def _ranked_percentile(fraction: float, rows: sa.Subquery) -> sa.ColumnElement:
    """percentile_cont from ranks: interpolate between the values at floor(h) and floor(h)+1,
    with h = (count - 1) × fraction over the 0-based ranks of the non-NULL values."""
    x, rank, ranked = rows.c.x, rows.c.rank - 1, rows.c.ranked
    position = (ranked - 1) * fraction
    below = sa.cast(position, sa.Integer)
    weight = position - below
    contribution = sa.case(
        (x.is_(None), 0.0),
        (rank == below, x * (1.0 - weight)),
        (rank == below + 1, x * weight),
        else_=0.0,
    )
    return sa.case((sa.func.count(x) == 0, sa.null()), else_=sa.func.sum(contribution))
