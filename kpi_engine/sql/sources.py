"""The records a metric is measured over, as SQL: the FROM clause of its population (tickets,
survey responses with their tickets, survey requests with their responses), the timestamp
that places a record in a period, the `Scope` its registry entry's SQL is written against,
and the filters (kept or excluded values) and breakdown keys of a query on them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from kpi_engine.metrics import Metric, Scope
from kpi_engine.query import Filter
from kpi_engine.sql.dialects import Backend
from kpi_engine.sql.targets import TargetRule, response_target
from kpi_engine.storage.schema import survey_requests, survey_responses, ticket_tags, tickets
from kpi_engine.vocabulary import Anchor, Dimension, Population

_CASE_INSENSITIVE = (Dimension.TEAM, Dimension.AGENT, Dimension.CUSTOMER)


@dataclass(frozen=True, kw_only=True)
class CompileContext:
    backend: Backend
    now: datetime
    default_target_seconds: int
    target_rules: tuple[TargetRule, ...] = ()
    # business hours: each ticket's reading of now on its business clock (tickets → SQL)
    business_now: Callable[[sa.FromClause], sa.ColumnElement] | None = None


@dataclass(frozen=True)
class Source:
    """The FROM clause of a metric's records and the tables in it."""

    from_clause: sa.FromClause
    scope: Scope
    anchor: sa.ColumnElement | None


def source_of(metric: Metric, context: CompileContext) -> Source:
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
        seconds_between=context.backend.seconds_between,
        plus_interval=context.backend.plus_interval,
        response_target_seconds=response_target(t, context.target_rules,
                                                context.default_target_seconds),
        now=context.now,
        tagged=lambda tag: tagged(t, (tag,)),
        business_now=context.business_now(t) if context.business_now is not None else None,
    )
    return Source(from_clause=from_clause, scope=scope, anchor=anchor)


def tagged(t: sa.FromClause, tags: tuple[str, ...]) -> sa.ColumnElement:
    """EXISTS: the ticket carries any of `tags` (case-insensitive, like every name filter)."""
    match = sa.func.lower(ticket_tags.c.tag).in_([tag.lower() for tag in tags])
    return (
        sa.select(sa.literal(1))
        .select_from(ticket_tags)
        .where(ticket_tags.c.source == t.c.source, ticket_tags.c.ticket_id == t.c.id, match)
        .exists()
    )


def group_key(
    dimension: Dimension, source: Source, from_clause: sa.FromClause
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
            return survey_kind(source), from_clause
        case _:
            return t.c[dimension.value], from_clause


def survey_kind(source: Source) -> sa.ColumnElement:
    """The survey kind of a record: the request's where there is one, else the response's."""
    scope = source.scope
    return (scope.requests if scope.requests is not None else scope.responses).c.kind


def filter_condition(condition: Filter, source: Source) -> sa.ColumnElement:
    """The records a filter keeps: those whose dimension is any of its values (a ticket: carries
    any of its tags); with `exclude`, those whose dimension is none of them, a record without a
    value (no team, no agent) included (a ticket: carries none of its tags). A survey response
    or request is filtered by its ticket's attributes."""
    t = source.scope.tickets
    match condition.dimension:
        case Dimension.TAG:
            matches = tagged(t, condition.values)
            return sa.not_(matches) if condition.exclude else matches
        case Dimension.TIER:
            column = t.c.tier
            matches = column.in_([int(value) for value in condition.values])
        case Dimension.KIND:
            column = survey_kind(source)
            matches = column.in_(condition.values)
        case dimension if dimension in _CASE_INSENSITIVE:
            column = t.c[dimension.value]
            matches = sa.func.lower(column).in_([v.lower() for v in condition.values])
        case dimension:
            column = t.c[dimension.value]
            matches = column.in_(condition.values)
    if condition.exclude:
        return sa.or_(column.is_(None), sa.not_(matches))
    return matches
