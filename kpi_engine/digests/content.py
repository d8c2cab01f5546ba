"""What a digest says: `build_digest(engine, definition, due)` → `DigestReport`. Slack-free:
the command line prints it (text.py), the Slack app posts it (bot/blocks/digest.py).

For each KPI of the digest, over the period its schedule covers (yesterday, say):

- the value and its `n`, judged against the target (met / missed; never judged on no data);
- the period before ("the day before") and the change, with whether it is larger than noise;
- the pooled average of the 7 periods before (pooling.py) and the change against it;
- the last 14 periods, one value each, for a small trend chart;
- beside CSAT and CES, the survey response rate of that kind, so a score on few answers
  shows as such;
- for a time counted in business hours (the KPI's `business_hours`), the calendar it was
  counted on;
- for a KPI that missed its target or whose alert is firing, the top driver of its change from
  the period before, in one line (`KpiEngine.explain_change`).

Every figure comes from one trend query per KPI — the 14 periods in one statement, shared by
the KPIs that measure the same records (`KpiEngine.run_together`) — so the period's own value
is exactly what `kpibot kpi` gives for it. Then the guardrails: an
efficiency KPI that improved against the 7-period average while its quality partner (the
registry's `quality_partners`) worsened, at least one of the two by more than noise — the way
teams fool themselves. A partner the digest does not show is measured for the check anyway.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from kpi_engine.digests.definitions import DigestDefinition, DigestKpi
from kpi_engine.digests.pooling import pooled_measurement
from kpi_engine.digests.schedules import schedule_note
from kpi_engine.engine import KpiEngine
from kpi_engine.errors import UserError
from kpi_engine.metrics import Metric, get_metric
from kpi_engine.periods import Period, parse_period, units_before
from kpi_engine.query import Change, KpiQuery, Measurement, filters_json
from kpi_engine.query.explanation import driver_line
from kpi_engine.query.measurements import compare, counts_successes, empty_measurement
from kpi_engine.storage.schema import alert_states
from kpi_engine.vocabulary import Aggregation, Dimension, Granularity, SurveyKind

TREND_STEPS = 14
BASELINE_STEPS = 7


@dataclass(frozen=True, kw_only=True)
class TrendPoint:
    day: date  # the first local day of the step
    value: float | None
    n: int


@dataclass(frozen=True, kw_only=True)
class DigestLine:
    """One KPI of a digest, measured."""

    kpi: DigestKpi
    metric: Metric
    current: Measurement
    previous: Measurement  # the period before (the day before)
    change: Change  # current against previous
    baseline: Measurement  # the 7 periods before, pooled
    baseline_change: Change  # current against baseline
    trend: tuple[TrendPoint, ...]
    definition: str
    response_rate: Measurement | None = None  # CSAT, CES: the survey response rate of the kind
    calendar: str | None = None  # in business hours: the calendars it was counted on
    # missed its target or its alert is firing: the top driver of its change from the period
    # before, in one line (query/explanation/)
    driver: str | None = None

    @property
    def target_met(self) -> bool | None:
        """Whether the value meets the target; None without a target or without data."""
        if self.kpi.target is None or self.current.value is None:
            return None
        return self.kpi.target.holds(self.current.value)


@dataclass(frozen=True, kw_only=True)
class Guardrail:
    """An efficiency KPI that improved while its quality partner worsened."""

    efficiency: Metric
    efficiency_change: Change
    partner: Metric
    partner_change: Change


@dataclass(frozen=True, kw_only=True)
class DigestReport:
    definition: DigestDefinition
    due: datetime  # the scheduled instant this report is for
    period: Period
    previous_period: Period
    baseline_period: Period
    lines: tuple[DigestLine, ...]
    guardrails: tuple[Guardrail, ...]
    # A monthly digest posted on another day than its own ("the 31st" in April) says so.
    schedule_note: str | None = None

    @property
    def no_data(self) -> bool:
        """Nothing at all in the period: the digest says so instead of showing zeros."""
        return all(line.current.n == 0 for line in self.lines)

    def to_json(self) -> dict[str, Any]:
        return {
            "digest": self.definition.name,
            "channel": self.definition.channel_id,
            "due": self.due.isoformat(timespec="minutes"),
            "period": self.period.to_json(),
            "previous_period": self.previous_period.to_json(),
            "baseline_period": self.baseline_period.to_json(),
            **filters_json(self.definition.filters),
            "no_data": self.no_data,
            "kpis": [_line_json(line) for line in self.lines],
            "guardrails": [{"efficiency": g.efficiency.id, "partner": g.partner.id,
                            "efficiency_change": g.efficiency_change.difference,
                            "partner_change": g.partner_change.difference}
                           for g in self.guardrails],
            **({"schedule_note": self.schedule_note} if self.schedule_note else {}),
        }


def _line_json(line: DigestLine) -> dict[str, Any]:
    metric, kpi = line.metric, line.kpi
    data: dict[str, Any] = {
        "metric": metric.id, "label": metric.label, "unit": metric.unit.value,
        **line.current.to_json(),
        "target": None if kpi.target is None else {
            "condition": kpi.target.to_text(metric), "met": line.target_met},
        "previous": _compared_json(line.previous, line.change),
        "baseline": _compared_json(line.baseline, line.baseline_change),
        "trend": [{"day": point.day.isoformat(), "value": point.value, "n": point.n}
                  for point in line.trend],
        "definition": line.definition,
    }
    if line.response_rate is not None:
        data["survey_response_rate"] = line.response_rate.to_json()
    if line.kpi.business_hours:
        data["business_hours"] = {"calendar": line.calendar}
    if line.driver is not None:
        data["driver"] = line.driver
    return data


def _compared_json(measurement: Measurement, change: Change) -> dict[str, Any]:
    return {**measurement.to_json(), "change": change.difference,
            "significant": change.significant}


def covered_period(definition: DigestDefinition, due: datetime, *,
                   week_start: str = "monday") -> Period:
    """The period a digest due at `due` covers: yesterday (or last week, last month) then."""
    return parse_period(definition.period, now=due, tz=definition.zone, week_start=week_start)


def build_digest(engine: KpiEngine, definition: DigestDefinition, due: datetime) -> DigestReport:
    """Measure every KPI of `definition` for the period it covers when due at `due`."""
    engine = engine.in_zone(definition.tz)
    week_start = engine.settings.week_start
    period = covered_period(definition, due, week_start=week_start)
    span = dict(tz=definition.zone, week_start=week_start)
    trend_period = units_before(period, TREND_STEPS - 1, **span)
    trend_period = Period(start=trend_period.start, end=period.end, kind=trend_period.kind,
                          label=f"the last {TREND_STEPS} {period.unit.value}s")
    previous_period = units_before(period, 1, label=f"the {period.unit.value} before", **span)
    baseline_period = units_before(period, BASELINE_STEPS,
                                   label=f"the {BASELINE_STEPS} {period.unit.value}s before",
                                   **span)
    step = Granularity(period.unit.value)
    trends = engine.run_together([KpiQuery(metric=kpi.metric, period=trend_period,
                                           filters=definition.filters, trend=step,
                                           business_hours=kpi.business_hours)
                                  for kpi in definition.kpis])
    response_rates = _response_rates(engine, definition, period)
    lines = []
    for kpi, trend in zip(definition.kpis, trends):
        metric = trend.metric
        steps = [row.current for row in trend.rows]
        current, previous = steps[-1], steps[-2]
        baseline = pooled_steps(metric, steps[-1 - BASELINE_STEPS:-1])
        lines.append(DigestLine(
            kpi=kpi, metric=metric, current=current, previous=previous,
            change=compare(metric, current, period, previous, previous_period),
            baseline=baseline,
            baseline_change=compare(metric, current, period, baseline, baseline_period),
            trend=tuple(TrendPoint(day=date.fromisoformat(row.group[0][1]),
                                   value=row.current.value, n=row.current.n)
                        for row in trend.rows),
            definition=trend.definition,
            response_rate=response_rates.get(metric.survey_kind) if metric.survey_kind else None,
            calendar=trend.calendar,
        ))
    report_lines = _with_drivers(engine, definition, tuple(lines), period, previous_period)
    return DigestReport(
        definition=definition, due=due, period=period, previous_period=previous_period,
        baseline_period=baseline_period, lines=report_lines,
        guardrails=_guardrails(engine, definition, report_lines, period, baseline_period),
        schedule_note=schedule_note(definition, due),
    )


def pooled_steps(metric: Metric, steps: Sequence[Measurement]) -> Measurement:
    """The steps pooled (pooling.py); a count with a condition (escalations) pooled by what it
    counts: the average of its escalated tickets a step, their total for the change test, the
    records of every step as `n`."""
    pooled = pooled_measurement(metric, steps)
    if metric.aggregation is not Aggregation.COUNT or not counts_successes(metric) \
            or pooled.n == 0:
        return pooled
    successes = sum(step.successes or 0 for step in steps)
    return replace(pooled, value=successes / len(steps), successes=successes)


def _response_rates(engine: KpiEngine, definition: DigestDefinition,
                    period: Period) -> dict[SurveyKind, Measurement]:
    """The survey response rate of each kind over the period, when the digest shows a survey
    KPI (one statement for every kind)."""
    if not any(get_metric(kpi.metric).survey_kind for kpi in definition.kpis):
        return {}
    result = engine.run(KpiQuery(metric="survey_response_rate", period=period,
                                 filters=definition.filters, group_by=(Dimension.KIND,)))
    rates = {kind: empty_measurement(result.metric) for kind in SurveyKind}
    for row in result.rows:
        kind = dict(row.group)[Dimension.KIND.value]
        if kind in {k.value for k in SurveyKind}:
            rates[SurveyKind(kind)] = row.current
    return rates


def _guardrails(engine: KpiEngine, definition: DigestDefinition, lines: tuple[DigestLine, ...],
                period: Period, baseline_period: Period) -> tuple[Guardrail, ...]:
    improved = [line for line in lines if _improved(line.metric, line.baseline_change)]
    shown = {line.metric.id: (line.metric, line.baseline_change) for line in lines}
    unshown = sorted({partner for line in improved for partner in line.metric.quality_partners
                      if partner not in shown})
    measured = engine.run_together([KpiQuery(metric=partner, period=period,
                                             previous=baseline_period,
                                             filters=definition.filters)
                                    for partner in unshown])
    partners = shown | {result.metric.id: (result.metric, result.change) for result in measured}
    found = []
    for line in improved:
        efficiency = line.metric
        for partner_id in efficiency.quality_partners:
            partner, partner_change = partners[partner_id]
            if _worsened(partner, partner_change) and (
                    line.baseline_change.significant or partner_change.significant):
                found.append(Guardrail(efficiency=efficiency,
                                       efficiency_change=line.baseline_change,
                                       partner=partner, partner_change=partner_change))
    return tuple(found)


def _improved(metric: Metric, change: Change) -> bool:
    return change.difference is not None and metric.worse_by(change.difference) < 0


def _worsened(metric: Metric, change: Change) -> bool:
    return change.difference is not None and metric.worse_by(change.difference) > 0


def _with_drivers(engine: KpiEngine, definition: DigestDefinition,
                  lines: tuple[DigestLine, ...], period: Period,
                  previous_period: Period) -> tuple[DigestLine, ...]:
    """A KPI that missed its target, or whose alert is firing, names the top driver of its
    change from the period before in one line (`KpiEngine.explain_change`)."""
    firing = _firing_alerts(engine, definition)
    named = []
    for line in lines:
        if (line.target_met is False or line.kpi.metric in firing) and line.current.n:
            try:
                explanation = engine.explain_change(KpiQuery(
                    metric=line.kpi.metric, period=period, previous=previous_period,
                    filters=definition.filters, business_hours=line.kpi.business_hours,
                    explain_change=True))
                line = replace(line, driver=driver_line(explanation))
            except UserError:  # not explained (no data to compare): the line says the rest
                pass
        named.append(line)
    return tuple(named)


def _firing_alerts(engine: KpiEngine, definition: DigestDefinition) -> set[str]:
    """The KPIs of the digest whose alert is firing now."""
    if not getattr(definition, "id", None):
        return set()
    with engine.db.connect() as connection:
        return set(connection.execute(
            sa.select(alert_states.c.metric).where(alert_states.c.digest_id == definition.id,
                                                   alert_states.c.firing)).scalars())

