"""Hand-built KpiResults for the builder tests: every number is written here, none computed."""

from __future__ import annotations

from datetime import datetime, timezone

from kpi_engine.metrics import get_metric
from kpi_engine.periods import CalendarUnit, Period, PeriodKind
from kpi_engine.query import Change, Filter, GroupRow, KpiQuery, KpiResult, Measurement
from kpi_engine.query.stats import Interval
from kpi_engine.vocabulary import Dimension, Granularity

UTC = timezone.utc

LAST_WEEK = Period(start=datetime(2026, 11, 9, tzinfo=UTC), end=datetime(2026, 11, 16, tzinfo=UTC),
                   label="last week", kind=PeriodKind.CALENDAR, unit=CalendarUnit.WEEK)
WEEK_BEFORE = Period(start=datetime(2026, 11, 2, tzinfo=UTC),
                     end=datetime(2026, 11, 9, tzinfo=UTC), label="the week before",
                     kind=PeriodKind.CALENDAR, unit=CalendarUnit.WEEK)
LAST_30_DAYS = Period(start=datetime(2026, 10, 23, 14, 5, tzinfo=UTC),
                      end=datetime(2026, 11, 22, 14, 5, tzinfo=UTC), label="last 30 days",
                      kind=PeriodKind.ROLLING)
FCR_DEFINITION = ("share of tickets solved in the period, among those with an agent reply, "
                  "solved with exactly one agent reply, never reopened and not escalated")


def measurement(value, n, **extra) -> Measurement:
    return Measurement(value=value, n=n, **extra)


def change(previous_value, previous_n, difference, significant) -> Change:
    return Change(previous=Measurement(value=previous_value, n=previous_n),
                  difference=difference, significant=significant)


def result(metric="fcr", value=0.731, n=1204, *, period=LAST_WEEK, rows=(), groups_total=None,
           current=None, delta=None, definition=FCR_DEFINITION, notes=(), **query) -> KpiResult:
    """A result of `metric` over `period`; `query` holds KpiQuery fields (group_by, trend, …);
    `delta` is the Change of the whole and sets the previous period to the week before."""
    kpi_query = KpiQuery(metric=metric, period=period, **query)
    current = current if current is not None else measurement(value, n)
    return KpiResult(
        query=kpi_query, metric=get_metric(metric), current=current, period=period,
        rows=tuple(rows), groups_total=len(rows) if groups_total is None else groups_total,
        previous_period=WEEK_BEFORE if delta is not None else None, change=delta,
        definition=definition, notes=tuple(notes),
    )


def row(group: dict, value, n, delta=None, **extra) -> GroupRow:
    return GroupRow(group=tuple(group.items()), current=measurement(value, n, **extra),
                    change=delta)


def csat_result() -> KpiResult:
    """CSAT last week: 87.0% of 312 responses, 95% CI 82.8% – 90.3%, mean score 4.41."""
    current = measurement(0.87, 312, successes=271, interval=Interval(0.8281, 0.9033),
                          details=(("mean_score", 4.41),))
    return result("csat", current=current, definition="share of CSAT responses (1–5) scoring 4 "
                  "or 5; 95% Wilson interval")


def team_breakdown(compared: bool = False) -> KpiResult:
    """FCR by team last week: billing 81.0% (412), returns 73.1% (1,204), accounts 64.5% (93)."""
    deltas = ([change(0.752, 398, 0.058, True), change(0.726, 1180, 0.005, False),
               change(0.701, 88, -0.056, False)] if compared else [None, None, None])
    rows = [row({"team": "billing"}, 0.81, 412, deltas[0]),
            row({"team": "returns"}, 0.731, 1204, deltas[1]),
            row({"team": "accounts"}, 0.645, 93, deltas[2])]
    delta = change(0.72, 1666, 0.012, False) if compared else None
    return result(value=0.7346, n=1709, rows=rows, group_by=(Dimension.TEAM,), delta=delta,
                  compare=compared)


def agent_breakdown(groups: int) -> KpiResult:
    """FCR by agent with `groups` agents: "Agent 001" … with falling values."""
    rows = [row({"agent": f"Agent {i:03d}"}, 0.9 - i * 0.002, 100 + i) for i in range(groups)]
    return result(rows=rows, group_by=(Dimension.AGENT,))


def daily_trend(values) -> KpiResult:
    """FRT by day from Mon 9 Nov 2026, one bucket per value (None: an empty bucket)."""
    rows = [row({"day": f"2026-11-{9 + i:02d}"}, value, 0 if value is None else 50)
            for i, value in enumerate(values)]
    return result("frt", 1800.0, 50 * sum(v is not None for v in values), period=LAST_30_DAYS,
                  rows=rows, trend=Granularity.DAY, definition="mean time to the first reply")


def tier_one_filter() -> tuple[Filter, ...]:
    return (Filter(dimension=Dimension.TIER, values=("1",)),)
