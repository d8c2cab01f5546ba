"""What a KPI is: `Metric` (with its `Variant`s and `Detail`s, and for a time measured per
ticket how it is counted in business hours: `BusinessHours`), the `Scope` its SQL is written
against, and the SQL helpers the registry's entries are built from.

Each `Metric` says what the KPI is called (label, synonyms), what it measures (unit, direction,
population, the timestamp that places a record in a period, how records aggregate), the SQL of
its per-record value, and the one-line definition every answer carries. The entries themselves
are in registry.py, which also declares how a metric pickles (by reference to its entry).

The SQL is written against a `Scope`: the aliased tables of the query and the dialect's
helpers. A MEAN metric gives `measure`, the number to average (NULL = left out). A SHARE metric
gives `condition`, what a record must satisfy to count as a success, and optionally `eligible`,
which records count at all (default: every record of the period) — "the share of eligible
records where the condition holds". A COUNT metric counts the records of the period, or with a
`condition` only those where it holds (the escalated tickets).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

import sqlalchemy as sa

from kpi_engine.errors import UnknownNameError, UserError
from kpi_engine.vocabulary import (
    Aggregation,
    Anchor,
    Direction,
    Frame,
    Population,
    SurveyKind,
    Unit,
)


@dataclass(frozen=True, kw_only=True)
class Scope:
    """What a metric's SQL is written against, for one compiled statement."""

    tickets: sa.FromClause  # aliased as t
    responses: sa.FromClause | None  # survey responses, when the population has them
    requests: sa.FromClause | None  # survey requests, when the population has them
    seconds_between: Callable[[sa.ColumnElement, sa.ColumnElement], sa.ColumnElement]
    plus_interval: Callable[[sa.ColumnElement, timedelta], sa.ColumnElement]
    response_target_seconds: sa.ColumnElement  # per ticket: the first-response target
    now: datetime
    tagged: Callable[[str], sa.ColumnElement]  # EXISTS: the ticket carries this tag
    # per ticket: the reading of `now` on the ticket's business clock (business hours only)
    business_now: sa.ColumnElement | None = None


Measure = Callable[[Scope], sa.ColumnElement]
Condition = Callable[[Scope], sa.ColumnElement]  # a boolean SQL expression


@dataclass(frozen=True, kw_only=True)
class Variant:
    """A documented alternative definition (a setting), e.g. Zendesk's one-touch FCR."""

    name: str
    definition: str
    measure: Measure | None = None
    condition: Condition | None = None
    eligible: Condition | None = None
    aggregation: Aggregation | None = None
    unit: Unit | None = None


@dataclass(frozen=True, kw_only=True)
class BusinessHours:
    """How a time KPI is counted in business hours: the same records, its per-record value
    (MEAN) or condition and eligibility (SHARE) on the tickets' business clock readings
    (`created_business`, …: business seconds from the calendar's epoch, see calendars/), and
    its definition. A query's `business_hours` flag switches a metric to it."""

    definition: str
    measure: Measure | None = None
    condition: Condition | None = None
    eligible: Condition | None = None


@dataclass(frozen=True, kw_only=True)
class Detail:
    """An extra figure returned beside the value: the mean of a per-record expression."""

    name: str
    expression: Measure


@dataclass(frozen=True, kw_only=True)
class Metric:
    id: str
    label: str
    synonyms: tuple[str, ...]
    unit: Unit
    direction: Direction
    population: Population
    anchor: Anchor
    aggregation: Aggregation
    definition: str
    measure: Measure | None = None  # MEAN: the per-record value
    condition: Condition | None = None  # SHARE: what makes a record a success
    eligible: Condition | None = None  # SHARE: which records count (None: all of the period)
    survey_kind: SurveyKind | None = None
    scale: tuple[int, int] | None = None  # for SCORE units: the scale shown beside the value
    details: tuple[Detail, ...] = ()
    variants: Mapping[str, Variant] = field(default_factory=dict)
    default_variant: str = "default"  # the name of the definition above, for settings
    variant: str | None = None  # set when a variant replaced the definition above
    business_hours: BusinessHours | None = None  # how it is counted in business hours, if it can
    in_business_hours: bool = False  # set when `business_hours` replaced the definition above
    has_percentiles: bool = False  # median and p90 on request
    # Quality KPIs that must not worsen while this efficiency KPI improves: the guardrails a
    # digest checks, because faster handling that brings customers back is no improvement.
    quality_partners: tuple[str, ...] = ()
    # What the KPI is about, in the words people ask with ("reply", "close", "waiting"): with
    # the way a question asks (its `frame`: "how long", "how many", "what share"), they pick
    # the KPI when no name of it is used — "how long does it take us to close tickets" is the
    # resolution time, "how many tickets did we close" the resolved count.
    concepts: tuple[str, ...] = ()

    @property
    def frame(self) -> Frame:
        """How a question asks for this KPI: a duration, a count, or a share (scores too)."""
        match self.unit:
            case Unit.SECONDS:
                return Frame.DURATION
            case Unit.COUNT:
                return Frame.COUNT
            case Unit.RATIO | Unit.SCORE:
                return Frame.SHARE

    @property
    def has_wilson_interval(self) -> bool:
        """Survey rates carry a 95% Wilson interval."""
        return self.aggregation is Aggregation.SHARE and self.population is not Population.TICKETS

    def worse_by(self, difference: float) -> float:
        """How much worse a change of `difference` is, by the direction (negative when it is
        better); for a KPI where neither way is better, a move either way counts."""
        match self.direction:
            case Direction.HIGHER:
                return -difference
            case Direction.LOWER:
                return difference
            case Direction.NEUTRAL:
                return abs(difference)

    def with_business_hours(self) -> Metric:
        """This metric counted in business hours (its `business_hours` measure); a UserError
        naming the KPIs that can be, for one that cannot."""
        if self.in_business_hours:
            return self
        business = self.business_hours
        if business is None:
            raise UserError(
                f"{self.label} is not counted in business hours: business hours apply to "
                "first response time, resolution time and service level",
                ["first response time in business hours", "business-hours resolution time",
                 "service level in business hours"])
        return replace(
            self,
            label=f"{self.label} in business hours",
            definition=business.definition,
            measure=business.measure or self.measure,
            condition=business.condition or self.condition,
            eligible=business.eligible or self.eligible,
            in_business_hours=True,
        )

    def with_variant(self, name: str) -> Metric:
        """This metric under the named variant definition (`self` for the default)."""
        if name in ("", self.default_variant):
            return self
        variant = self.variants.get(name)
        if variant is None:
            raise UnknownNameError(
                f"{self.id} has no variant {name!r}", [self.default_variant, *self.variants]
            )
        return replace(
            self,
            unit=variant.unit or self.unit,
            aggregation=variant.aggregation or self.aggregation,
            definition=variant.definition,
            measure=variant.measure,
            condition=variant.condition,
            eligible=variant.eligible,
            variants={},
            variant=variant.name,
        )


def _share(condition: sa.ColumnElement) -> sa.ColumnElement:
    """1 where `condition` holds, else 0: the mean of it is a share (for details)."""
    return sa.case((condition, 1), else_=0)


def _t(scope: Scope):
    return scope.tickets.c


def _score(scope: Scope) -> sa.ColumnElement:
    return scope.responses.c.score


def _one_touch(scope: Scope) -> sa.ColumnElement:
    t = _t(scope)
    return sa.and_(t.agent_replies == 1, t.reopens == 0, sa.not_(t.escalated))


def _answered_or_due(scope: Scope) -> sa.ColumnElement:
    """Service level counts answered tickets, and unanswered ones once their target passed."""
    t = _t(scope)
    now = sa.literal(scope.now, t.created_at.type)
    due = scope.seconds_between(now, t.created_at) >= scope.response_target_seconds
    return sa.or_(t.first_response_at.is_not(None), due)


def _answered_in_time(scope: Scope) -> sa.ColumnElement:
    t = _t(scope)
    response = scope.seconds_between(t.first_response_at, t.created_at)
    return response <= scope.response_target_seconds


def _business_seconds(later: sa.ColumnElement, earlier: sa.ColumnElement) -> sa.ColumnElement:
    """Business seconds between two business clock readings, as a double (NULL when either
    is NULL): averaged and interpolated like any duration."""
    return sa.cast(later - earlier, sa.Double())


def _business_frt(scope: Scope) -> sa.ColumnElement:
    t = _t(scope)
    return _business_seconds(t.first_response_business, t.created_business)


def _business_resolution(scope: Scope) -> sa.ColumnElement:
    t = _t(scope)
    return _business_seconds(t.solved_business, t.created_business)


def _answered_or_due_in_business_hours(scope: Scope) -> sa.ColumnElement:
    """Service level in business hours: answered tickets, and unanswered ones once their
    target has passed in business time (the reading of now minus the creation's)."""
    t = _t(scope)
    if scope.business_now is None:
        raise ValueError("a business-hours service level is compiled with business_now")
    due = scope.business_now - t.created_business >= scope.response_target_seconds
    return sa.or_(t.first_response_at.is_not(None), due)


def _answered_in_business_time(scope: Scope) -> sa.ColumnElement:
    t = _t(scope)
    response = t.first_response_business - t.created_business
    return response <= scope.response_target_seconds


def _no_next_issue(scope: Scope) -> sa.ColumnElement:
    t = _t(scope)
    later = scope.tickets.alias("later")
    next_issue = (
        sa.select(sa.literal(1))
        .where(later.c.customer == t.customer)
        .where(later.c.created_at > t.solved_at)
        .where(later.c.created_at <= scope.plus_interval(t.solved_at, timedelta(days=7)))
        .exists()
    )
    return sa.not_(next_issue)


def _nps_points(scope: Scope) -> sa.ColumnElement:
    score = _score(scope)
    return sa.case((score >= 9, 100), (score <= 6, -100), else_=0)
