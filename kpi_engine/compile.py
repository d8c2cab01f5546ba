"""KpiQuery → SQL: one SELECT per period that aggregates in the database.

The statement returns the total over the period (`is_total = 1`) and, for a breakdown, one row
per group (`is_total = 0`); for a trend, one row per bucket that has records, keyed by the
bucket's number (see buckets.py) — for backlog, one per bucket, the level at its end. It
aggregates a row source — the filtered records of the period with their group keys and
per-record value. Only aggregates leave the database: `n`, the value, the sums a significance
test needs, details and percentiles.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from kpi_engine.buckets import Bucket, bucket_number, bucket_numbers
from kpi_engine.dialects import SqlDialect
from kpi_engine.metrics import Metric, Scope
from kpi_engine.periods import Period
from kpi_engine.query import Filter, KpiQuery
from kpi_engine.schema import survey_requests, survey_responses, ticket_tags, tickets
from kpi_engine.vocabulary import Aggregation, Anchor, Dimension, Population

PERCENTILES: tuple[tuple[str, float], ...] = (("median", 0.5), ("p90", 0.9))
_CASE_INSENSITIVE = (Dimension.TEAM, Dimension.AGENT, Dimension.CUSTOMER)


@dataclass(frozen=True, kw_only=True)
class TargetRule:
    """A first-response target for tickets of a channel and/or priority."""

    seconds: int
    channel: str | None = None
    priority: str | None = None


@dataclass(frozen=True, kw_only=True)
class CompileContext:
    dialect: SqlDialect
    now: datetime
    default_target_seconds: int
    target_rules: tuple[TargetRule, ...] = ()


@dataclass(frozen=True)
class _Source:
    """The FROM clause of a metric's records and the tables in it."""

    from_clause: sa.FromClause
    scope: Scope
    anchor: sa.ColumnElement | None


def compile_statement(
    metric: Metric, query: KpiQuery, period: Period, context: CompileContext, *,
    buckets: Sequence[Bucket] = (),
) -> sa.Select:
    """The one statement that measures `metric` over `period` under the query's filters.

    With a breakdown or a trend (whose `buckets` the caller cuts) it returns the total
    (`is_total = 1`) and the groups together: by GROUPING SETS where the dialect has them,
    else by UNION ALL of two aggregates. A tag breakdown always takes UNION ALL, because a
    ticket with two tags is in two groups but once in the total; so does a backlog trend,
    where a ticket open for a week is in the backlog at the end of each of its days (see
    `_levels_by_bucket`).
    """
    if query.trend is not None and not buckets:
        raise ValueError("a trend query is compiled with its buckets")
    if not (query.group_by or query.trend):
        return _aggregate(metric, query, period, context, grouped=False, total_too=False)
    level_trend = query.trend is not None and metric.anchor is Anchor.PERIOD_END
    if context.dialect.has_grouping_sets and Dimension.TAG not in query.group_by \
            and not level_trend:
        return _aggregate(metric, query, period, context, grouped=True, total_too=True,
                          buckets=buckets)
    total = _aggregate(metric, query, period, context, grouped=False, total_too=False)
    if level_trend:
        return sa.union_all(total, _levels_by_bucket(metric, query, period, context, buckets))
    grouped = _aggregate(metric, query, period, context, grouped=True, total_too=False,
                         buckets=buckets)
    return sa.union_all(total, grouped)


def key_count(query: KpiQuery) -> int:
    """How many group-key columns (g0, g1 …) the statement has: one for a trend's bucket."""
    return 1 if query.trend is not None else len(query.group_by)


def _aggregate(
    metric: Metric,
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
    source = _source(metric, context)
    from_clause = source.from_clause
    group_keys: list[sa.ColumnElement] = []
    if grouped and query.trend is not None:
        group_keys.append(bucket_number(source.anchor, buckets))
    elif grouped:
        for dimension in query.group_by:
            key, from_clause = _group_key(dimension, source, from_clause)
            group_keys.append(key)
    rows = _row_source(metric, query, period, context, source, from_clause, group_keys)
    key_columns = [rows.c[f"g{i}"] for i in range(len(group_keys))]
    if total_too:
        is_total = sa.func.grouping(key_columns[0])
    else:
        is_total = sa.literal(0 if grouped else 1)
    columns: list[sa.ColumnElement] = [is_total.label("is_total")]
    for i in range(key_count(query)):
        columns.append(key_columns[i] if grouped else sa.null().label(f"g{i}"))
    columns.extend(_aggregates(metric, query, context, rows))
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
    source = _source(metric, context)
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
        .where(*(_filter_condition(condition, source) for condition in query.filters))
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


def _source(metric: Metric, context: CompileContext) -> _Source:
    t = tickets.alias("t")
    responses = requests = None
    anchor: sa.ColumnElement | None
    match metric.population:
        case Population.TICKETS:
            from_clause: sa.FromClause = t
        case Population.SURVEY_RESPONSES:
            responses = survey_responses.alias("r")
            from_clause = responses.join(
                t, sa.and_(responses.c.source == t.c.source, responses.c.ticket_id == t.c.id)
            )
        case Population.SURVEY_REQUESTS:
            requests = survey_requests.alias("q")
            responses = survey_responses.alias("r")
            from_clause = requests.join(
                t, sa.and_(requests.c.source == t.c.source, requests.c.ticket_id == t.c.id)
            ).outerjoin(
                responses,
                sa.and_(
                    responses.c.source == requests.c.source,
                    responses.c.ticket_id == requests.c.ticket_id,
                    responses.c.kind == requests.c.kind,
                ),
            )
    match metric.anchor:
        case Anchor.CREATED:
            anchor = t.c.created_at
        case Anchor.SOLVED:
            anchor = t.c.solved_at
        case Anchor.RESPONDED:
            anchor = responses.c.responded_at
        case Anchor.SENT:
            anchor = requests.c.sent_at
        case Anchor.PERIOD_END:
            anchor = None
    scope = Scope(
        tickets=t,
        responses=responses,
        requests=requests,
        seconds_between=context.dialect.seconds_between,
        plus_interval=context.dialect.plus_interval,
        response_target_seconds=_response_target(t, context),
        now=context.now,
        tagged=lambda tag: _tagged(t, (tag,)),
    )
    return _Source(from_clause=from_clause, scope=scope, anchor=anchor)


def _response_target(t: sa.FromClause, context: CompileContext) -> sa.ColumnElement:
    """The first-response target of each ticket: the most specific rule, else the default."""
    if not context.target_rules:
        return sa.literal(context.default_target_seconds)
    rules = sorted(context.target_rules, key=lambda r: (r.channel is None) + (r.priority is None))
    whens = []
    for rule in rules:
        conditions = []
        if rule.channel is not None:
            conditions.append(t.c.channel == rule.channel)
        if rule.priority is not None:
            conditions.append(t.c.priority == rule.priority)
        whens.append((sa.and_(*conditions), rule.seconds))
    return sa.case(*whens, else_=context.default_target_seconds)


def _tagged(t: sa.FromClause, tags: tuple[str, ...]) -> sa.ColumnElement:
    """EXISTS: the ticket carries any of `tags` (case-insensitive, like every name filter)."""
    match = sa.func.lower(ticket_tags.c.tag).in_([tag.lower() for tag in tags])
    return (
        sa.select(sa.literal(1))
        .select_from(ticket_tags)
        .where(ticket_tags.c.source == t.c.source, ticket_tags.c.ticket_id == t.c.id, match)
        .exists()
    )


def _group_key(
    dimension: Dimension, source: _Source, from_clause: sa.FromClause
) -> tuple[sa.ColumnElement, sa.FromClause]:
    t = source.scope.tickets
    match dimension:
        case Dimension.TAG:
            tags = ticket_tags.alias("group_tag")
            joined = from_clause.join(
                tags, sa.and_(tags.c.source == t.c.source, tags.c.ticket_id == t.c.id)
            )
            return tags.c.tag, joined
        case Dimension.KIND:
            return _survey_kind(source), from_clause
        case _:
            return t.c[dimension.value], from_clause


def _survey_kind(source: _Source) -> sa.ColumnElement:
    """The survey kind of a record: the request's where there is one, else the response's."""
    scope = source.scope
    return (scope.requests if scope.requests is not None else scope.responses).c.kind


def _filter_condition(condition: Filter, source: _Source) -> sa.ColumnElement:
    t = source.scope.tickets
    match condition.dimension:
        case Dimension.TAG:
            return _tagged(t, condition.values)
        case Dimension.TIER:
            return t.c.tier.in_([int(value) for value in condition.values])
        case Dimension.KIND:
            return _survey_kind(source).in_(condition.values)
        case dimension if dimension in _CASE_INSENSITIVE:
            return sa.func.lower(t.c[dimension.value]).in_([v.lower() for v in condition.values])
        case dimension:
            return t.c[dimension.value].in_(condition.values)


def _row_source(
    metric: Metric,
    query: KpiQuery,
    period: Period,
    context: CompileContext,
    source: _Source,
    from_clause: sa.FromClause,
    group_keys: list[sa.ColumnElement],
) -> sa.Subquery:
    scope = source.scope
    t = scope.tickets
    columns = [key.label(f"g{i}") for i, key in enumerate(group_keys)]
    value = None
    match metric.aggregation:
        case Aggregation.COUNT:
            columns.append(sa.literal_column("1").label("record"))
        case Aggregation.MEAN:
            value = metric.measure(scope)
            columns.append(value.label("x"))
        case Aggregation.SHARE:
            # Each of these appears once in the aggregate, so an expensive condition (a
            # correlated EXISTS) is evaluated once per record even where the planner inlines.
            eligible = metric.eligible(scope) if metric.eligible is not None else None
            success = metric.condition(scope)
            if eligible is not None:
                success = sa.and_(eligible, success)
                columns.append(sa.case((eligible, 1)).label("eligible"))
            columns.append(sa.case((success, 1)).label("success"))
    columns.extend(detail.expression(scope).label(f"d_{detail.name}") for detail in metric.details)
    if _wants_percentiles(metric, query) and not context.dialect.has_percentile_cont:
        columns.extend(_rank_columns(value, group_keys))
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
        statement = statement.where(_filter_condition(condition, source))
    return statement.subquery("records")


def _wants_percentiles(metric: Metric, query: KpiQuery) -> bool:
    return query.percentiles and metric.has_percentiles


def _rank_columns(value: sa.ColumnElement, group_keys: list[sa.ColumnElement]) -> list[sa.ColumnElement]:
    """Rank and count of each value within its group, for percentiles without percentile_cont."""
    return [
        sa.func.row_number()
        .over(partition_by=[*group_keys, value.is_(None)], order_by=value)
        .label("rank"),
        sa.func.count(value).over(partition_by=group_keys or None).label("ranked"),
    ]


def _aggregates(
    metric: Metric, query: KpiQuery, context: CompileContext, rows: sa.Subquery
) -> list[sa.ColumnElement]:
    match metric.aggregation:
        case Aggregation.COUNT:
            columns = [sa.func.count().label("n")]
        case Aggregation.MEAN:
            x = rows.c.x
            columns = [sa.func.count(x).label("n"), sa.func.avg(x).label("value"),
                       # the spread, for Welch's test of a change between any two measurements
                       sa.func.sum(_as_float(x) * _as_float(x)).label("sum_sq")]
        case Aggregation.SHARE:
            n = sa.func.count(rows.c.eligible) if "eligible" in rows.c else sa.func.count()
            columns = [n.label("n"), sa.func.count(rows.c.success).label("successes")]
    columns.extend(
        sa.func.avg(rows.c[f"d_{detail.name}"]).label(f"d_{detail.name}") for detail in metric.details
    )
    if _wants_percentiles(metric, query):
        for name, fraction in PERCENTILES:
            if context.dialect.has_percentile_cont:
                percentile = context.dialect.percentile(fraction, x)
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
