"""Follow-ups in a conversation: "and tier 2?", "what about last month?", "by agent", "vs the
week before", "now for email", "for all tiers", "overall", "top 3", "by week", "daily" — read
with the same rules as a question, then laid over the previous query: what the follow-up names
replaces the same part of the previous query, everything else is kept. A trend and a breakdown
replace each other ("daily" after "by team" drops the breakdown, "by team" after a trend ends
it); "overall" ends either.
"""

from __future__ import annotations

from dataclasses import replace

from kpi_engine.errors import QuestionRefused
from kpi_engine.query import Filter, KpiQuery
from kpi_engine.question.draft import (
    AUTO_TREND,
    DEFAULT_PERIOD_ASSUMPTION,
    DEFAULT_TOP,
    Workspace,
    ordered_comparison,
    percentiles_for,
    resolve_values,
    top_assumption,
    trend_step,
    trend_with_breakdown,
)
from kpi_engine.question.reading import Reading
from kpi_engine.question.rules import read
from kpi_engine.vocabulary import Dimension, SurveyKind

SURVEY_KINDS = {kind.value for kind in SurveyKind}

FOLLOW_UP_EXAMPLES = ("and tier 2?", "what about last month?", "by agent", "vs the week before",
                      "now for email", "for all tiers", "by week")


def follow_up(previous: KpiQuery, text: str, workspace: Workspace) -> KpiQuery:
    """The query a follow-up asks, given the previous query of the conversation."""
    reading = read(text, workspace)
    if not reading.says_anything():
        raise QuestionRefused("I could not tell what to change in the previous question",
                              list(FOLLOW_UP_EXAMPLES))
    notes = list(reading.assumptions)
    if previous.metric == "survey_response_rate" and reading.metric in SURVEY_KINDS \
            and reading.survey:  # "for csat surveys": the kind of the survey response rate
        reading.filters.setdefault(Dimension.KIND, []).append(reading.metric)
        reading.metrics = []
    metric = reading.metric or previous.metric
    period, comparison = previous.period, previous.previous
    touched: set[str] = set()
    if reading.period:
        period, comparison = workspace.period(reading.period), None
        touched.add("period")
    if reading.compare_to:
        comparison = workspace.period(reading.compare_to)
        touched.add("period")
    period, comparison = ordered_comparison(period, comparison, notes)
    filters = {f.dimension: f for f in previous.filters}
    group_by = list(previous.group_by)
    for dimension in reading.all_of:
        if dimension in filters:
            del filters[dimension]
        elif dimension not in group_by:
            group_by.append(dimension)
        touched.add(dimension.value)
    for dimension, spellings in reading.filters.items():
        values, note = resolve_values(dimension, spellings, workspace.lexicon)
        filters[dimension] = Filter(dimension=dimension, values=values)
        touched.add(dimension.value)
        if note:
            notes.append(note)
    if reading.overall:
        group_by = []
    elif reading.group_by:
        group_by = ([d for d in group_by if d not in reading.group_by] if reading.also else [])
        group_by += reading.group_by
    group_by = [d for d in group_by if not (d in filters and len(filters[d].values) == 1)]
    trend = _trend(previous, reading, metric, group_by, period, touched, notes)
    if trend is not None:
        group_by = []
    limit, worst_first = _ranking(previous, reading, metric, group_by, notes)
    kept = [note for note in previous.assumptions
            if getattr(note, "topic", None) not in touched
            and not (note == DEFAULT_PERIOD_ASSUMPTION and "period" in touched)
            and (metric == previous.metric or getattr(note, "topic", None) != "spelling")]
    return replace(
        previous,
        metric=metric,
        period=period,
        previous=comparison,
        compare=previous.compare or reading.compare or comparison is not None,
        filters=tuple(filters.values()),
        group_by=tuple(group_by),
        limit=limit if group_by else None,
        worst_first=worst_first if group_by else False,
        trend=trend,
        percentiles=percentiles_for(metric, previous.percentiles or reading.percentiles,
                                    asked=reading.percentiles, notes=notes),
        assumptions=tuple(dict.fromkeys([*kept, *notes])),
    )


def _trend(previous: KpiQuery, reading: Reading, metric: str, group_by: list, period,
           touched: set[str], notes: list):
    """The step of the trend: the follow-up's ("by week", "daily"); else the previous one
    while nothing ends it — a breakdown or "overall" does. A step kpibot chose itself is
    chosen again for a new period."""
    if reading.trend is not None:
        if reading.group_by:
            raise trend_with_breakdown(metric, reading.trend, reading.group_by[0], period)
        touched.add("trend")
        return trend_step(reading.trend, period, notes)
    if previous.trend is None or reading.overall or group_by:
        if previous.trend is not None:
            touched.add("trend")
        return None
    chosen = any(getattr(note, "topic", None) == "trend" for note in previous.assumptions)
    if chosen and "period" in touched:
        touched.add("trend")
        return trend_step(AUTO_TREND, period, notes)
    return previous.trend


def _ranking(previous: KpiQuery, reading: Reading, metric: str, group_by: list,
             notes: list) -> tuple[int | None, bool]:
    """The limit and order: the follow-up's when it names them; the previous ones while the
    breakdown is the same."""
    same_breakdown = tuple(group_by) == previous.group_by
    limit = previous.limit if same_breakdown else None
    worst_first = previous.worst_first if same_breakdown else False
    if reading.rank is not None:
        worst_first = reading.worst_first(metric)
    if reading.limit is not None:
        limit = reading.limit
    elif reading.default_limit:
        limit = DEFAULT_TOP
        notes.append(top_assumption())
    if limit is not None and limit < 1:
        raise QuestionRefused("a ranking shows at least one group", ["top 3", "top 5"])
    return limit, worst_first
