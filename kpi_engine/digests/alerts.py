"""Alerts: each digest KPI with a threshold or a change alert, read over a recent window (the
last 24 hours by default), and the state that makes a crossing alert once.

- A threshold is the healthy condition ("fcr >= 65%"): it is crossed when it no longer holds.
- A change alert is crossed when the window is worse than the 7 days before it by at least
  its amount and the change is larger than noise (95%). Counts compare their rates (tickets,
  or escalated tickets, an hour), so a day is not held against a week.
- Either needs enough data: at least `min_n` records in the window (and in the 7 days before,
  for a change) — a count is its own data. Without enough, the reading is "unknown" and the
  state does not move: a quiet night neither fires nor recovers an alert.

`AlertStates` keeps, per (digest, KPI, rule), whether it is firing and how many times it has
fired. A crossing turns it on and starts a new episode — one post, claimed like any other
(see storage/claims.py) under `alert_claim_key`; further crossings in the same episode post nothing;
a reading inside the healthy side turns it off, so the next crossing alerts again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import Enum

import sqlalchemy as sa

from kpi_engine.digests.definitions import DigestDefinition, DigestKpi
from kpi_engine.engine import KpiEngine
from kpi_engine.formatting import count_noun, describe_filters, format_count, format_value
from kpi_engine.periods import Period, PeriodKind, parse_period
from kpi_engine.query import KpiQuery, KpiResult
from kpi_engine.query.measurements import events
from kpi_engine.storage.schema import alert_states
from kpi_engine.vocabulary import Aggregation

BASELINE_DAYS = 7


class AlertRule(Enum):
    THRESHOLD = "threshold"
    CHANGE = "change"


@dataclass(frozen=True, kw_only=True)
class AlertReading:
    """One rule of one KPI, read now: `crossed` is None when there is not enough data."""

    definition: DigestDefinition
    kpi: DigestKpi
    rule: AlertRule
    result: KpiResult  # over the window; for a change, compared with the 7 days before
    crossed: bool | None
    worse_by: float | None = None  # a change: how much worse (points, unit or share)

    @property
    def value(self) -> float | None:
        """The window's value (a count with no records is 0: it is a count of nothing)."""
        if self.result.value is None and self.result.metric.aggregation is Aggregation.COUNT:
            return 0.0
        return self.result.value


def alert_window(engine: KpiEngine, hours: int, now: datetime) -> Period:
    return parse_period(f"last {hours} hours", now=now, tz=engine.settings.zone)


def read_alerts(engine: KpiEngine, definition: DigestDefinition, *, now: datetime,
                window_hours: int, min_n: int) -> list[AlertReading]:
    """Every alert rule of the digest, read over the window ending at `now`."""
    engine = engine.in_zone(definition.tz)
    window = alert_window(engine, window_hours, now)
    baseline = Period(start=window.start - timedelta(days=BASELINE_DAYS), end=window.start,
                      label=f"the {BASELINE_DAYS} days before", kind=PeriodKind.RANGE)
    readings = []
    for kpi in definition.kpis:
        if kpi.threshold is not None:
            result = engine.run(KpiQuery(metric=kpi.metric, period=window,
                                         filters=definition.filters,
                                         business_hours=kpi.business_hours))
            reading = AlertReading(definition=definition, kpi=kpi, rule=AlertRule.THRESHOLD,
                                   result=result, crossed=None)
            if _enough(result.metric, result.n, min_n):
                reading = replace(reading, crossed=not kpi.threshold.holds(reading.value))
            readings.append(reading)
        if kpi.change_alert is not None:
            result = engine.run(KpiQuery(metric=kpi.metric, period=window, previous=baseline,
                                         filters=definition.filters,
                                         business_hours=kpi.business_hours))
            readings.append(_change_reading(definition, kpi, result, min_n))
    return readings


def _enough(metric, n: int, min_n: int) -> bool:
    return metric.aggregation is Aggregation.COUNT or n >= min_n


def _change_reading(definition: DigestDefinition, kpi: DigestKpi, result: KpiResult,
                    min_n: int) -> AlertReading:
    metric, change, rule = result.metric, result.change, kpi.change_alert
    reading = AlertReading(definition=definition, kpi=kpi, rule=AlertRule.CHANGE,
                           result=result, crossed=None)
    previous = change.previous if change is not None else None
    if previous is None or change.significant is None or not (
            _enough(metric, result.n, min_n) and _enough(metric, previous.n, min_n)):
        return reading
    if metric.aggregation is Aggregation.COUNT:  # compare rates: a day against a week
        now_rate = events(metric, result.current) / _hours(result.period)
        before_rate = events(metric, previous) / _hours(result.previous_period)
        if before_rate == 0:
            return reading
        worse = metric.worse_by(now_rate - before_rate) / before_rate
    elif rule.relative:
        if not previous.value:
            return reading
        worse = metric.worse_by(change.difference) / abs(previous.value)
    else:
        worse = metric.worse_by(change.difference)
    return replace(reading, worse_by=worse,
                 crossed=bool(change.significant) and worse >= rule.amount)


def _hours(period: Period) -> float:
    return max((period.end - period.start).total_seconds() / 3600, 1e-9)


def alert_claim_key(definition: DigestDefinition, reading: AlertReading, episode: int) -> str:
    return f"alert:{definition.id}:{reading.kpi.metric}:{reading.rule.value}:{episode}"


def alert_text(reading: AlertReading) -> str:
    """What the alert says, in one or two sentences with the value, n and the rule."""
    metric, result = reading.result.metric, reading.result
    shown = format_value(metric, reading.value)
    n = format_count(result.n, count_noun(metric))
    filters = reading.definition.filters
    where = f" ({describe_filters(filters)})" if filters else ""
    if reading.rule is AlertRule.THRESHOLD:
        return (f"{metric.label}{where} is {shown} over the {result.period.label} (n = {n}), "
                f"outside its threshold of {reading.kpi.threshold.describe(metric)}.")
    previous = result.change.previous
    before = format_value(metric, previous.value)
    return (f"{metric.label}{where} is {shown} over the {result.period.label} (n = {n}), "
            f"against {before} over the {result.previous_period.label} (n = {previous.n:,}): "
            f"worse by more than the {reading.kpi.change_alert.describe(metric)} the alert "
            "is set at, and larger than noise.")


@dataclass(frozen=True)
class AlertState:
    firing: bool
    episode: int


class AlertStates:
    """The firing state of each alert rule, moved by readings."""

    def __init__(self, db: sa.Engine, clock: Callable[[], datetime]) -> None:
        self.db = db
        self.clock = clock

    def apply(self, reading: AlertReading) -> AlertState:
        """Move the rule's state by the reading: a crossing turns it on (a new episode) unless
        it is on already; a healthy reading turns it off; an unknown one leaves it."""
        key = (alert_states.c.digest_id == reading.definition.id,
               alert_states.c.metric == reading.kpi.metric,
               alert_states.c.rule == reading.rule.value)
        now = self.clock()
        try:
            with self.db.begin() as connection:
                connection.execute(sa.insert(alert_states).values(
                    digest_id=reading.definition.id, metric=reading.kpi.metric,
                    rule=reading.rule.value, firing=False, episode=0, changed_at=now))
        except sa.exc.IntegrityError:
            pass  # the rule has a state already
        with self.db.begin() as connection:
            if reading.crossed is True:  # compare-and-set: one process starts the episode
                connection.execute(sa.update(alert_states).where(*key, ~alert_states.c.firing)
                                   .values(firing=True, episode=alert_states.c.episode + 1,
                                           changed_at=now))
            elif reading.crossed is False:
                connection.execute(sa.update(alert_states).where(*key, alert_states.c.firing)
                                   .values(firing=False, changed_at=now))
            row = connection.execute(sa.select(alert_states.c.firing, alert_states.c.episode)
                                     .where(*key)).one()
        return AlertState(firing=bool(row.firing), episode=int(row.episode))
