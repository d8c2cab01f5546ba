"""Follow-ups in a conversation: "and tier 2?", "what about last month?", "by agent", "vs the
week before", "now for email", "for all tiers", "overall", "top 3", "by week", "daily", "in
business hours" — read with the same rules as a question, then laid over the previous query:
what the follow-up names replaces the same part of the previous query, everything else is
kept. A trend and a breakdown replace each other ("daily" after "by team" drops the breakdown,
"by team" after a trend ends it); "overall" ends either.
"""

from __future__ import annotations

from dataclasses import replace

from kpi_engine.errors import NotAFollowUp, QuestionRefused, UserError
from kpi_engine.metrics import METRICS, get_metric
from kpi_engine.periods import previous_period
from kpi_engine.query import Filter, KpiQuery, Threshold
from kpi_engine.question.draft import (
    AUTO_TREND,
    DEFAULT_PERIOD_ASSUMPTION,
    DEFAULT_TOP,
    Assumption,
    Workspace,
    ordered_comparison,
    percentiles_for,
    resolve_values,
    statistic_for,
    top_assumption,
    trend_step,
    trend_with_breakdown,
)
from kpi_engine.question.phrases import MOVEMENT, Kind
from kpi_engine.question.reading import Reading
from kpi_engine.question.rules import read
from kpi_engine.question.shapes import THE_ONE_BEFORE, threshold_draft
from kpi_engine.vocabulary import Dimension, SurveyKind

SURVEY_KINDS = {kind.value for kind in SurveyKind}

FOLLOW_UP_EXAMPLES = ("and tier 2?", "what about last month?", "by agent", "vs the week before",
                      "now for email", "for all tiers", "by week")


# What may stand in a follow-up besides what it changes: "and", "what about", "same for",
# "now", "pls". Kept short on purpose: in a thread where people talk to each other, a reply is
# read as addressed to kpibot only when every other word of it is one of these.
FOLLOW_UP_WORDS = frozenset("""
a about again also an and as at but by can could did do does for give had has have how how's
hows i in instead is it just me now of ok okay on only or please plz pls same show that the
then this to too us versus vs was what what's whats with you
""".split())
# Words the phrase index reads as KPI language that people mostly type as interjections.
INTERJECTIONS = frozenset({"wow", "mom"})
MIN_QUIET_CORRECTION = 5  # a shorter word read as a misspelling is more likely chatter


def follow_up(previous: KpiQuery, text: str, workspace: Workspace, *,
              strict: bool = False) -> KpiQuery:
    """The query a follow-up asks, given the previous query of the conversation. `strict` is
    for a reply nobody addressed to kpibot: it is a follow-up only when every word of it is
    read, or is one of FOLLOW_UP_WORDS; anything else is people talking (NotAFollowUp)."""
    if not strict:
        return _follow_up(previous, text, workspace, strict=False)
    try:
        return _follow_up(previous, text, workspace, strict=True)
    except NotAFollowUp:
        raise
    except UserError as refused:  # whatever it is, it is not a follow-up to answer
        raise NotAFollowUp(f"not a follow-up: {refused.message}") from refused


def _follow_up(previous: KpiQuery, text: str, workspace: Workspace, *,
               strict: bool) -> KpiQuery:
    reading = read(text, workspace, follow_up=True)
    if strict:
        _check_addressed(reading)
    if not reading.says_anything():
        raise QuestionRefused("I could not tell what to change in the previous question",
                              list(FOLLOW_UP_EXAMPLES))
    notes = list(reading.assumptions)
    if previous.metric == "survey_response_rate" and reading.metric in SURVEY_KINDS \
            and reading.survey:  # "for csat surveys": the kind of the survey response rate
        reading.filters.setdefault(Dimension.KIND, []).append(reading.metric)
        reading.metrics = []
    metric = reading.metric or _same_concept_in_frame(previous.metric, reading) \
        or previous.metric
    period, comparison = previous.period, previous.previous
    touched: set[str] = set()
    if reading.period:
        period, comparison = workspace.period(reading.period), None
        touched.add("period")
    if reading.compare_to:
        comparison = workspace.period(reading.compare_to)
        touched.add("period")
    elif reading.compare and _names_the_one_before(reading):  # "vs the week before"
        comparison = previous_period(period, now=workspace.now, tz=workspace.tz,
                                     week_start=workspace.week_start)
    period, comparison = ordered_comparison(period, comparison, notes)
    filters = {f.dimension: f for f in previous.filters}
    group_by = list(previous.group_by)
    for dimension in reading.all_of:
        if dimension in filters:
            del filters[dimension]
        elif dimension not in group_by:
            group_by.append(dimension)
        touched.add(dimension.value)
    for exclude, named in ((False, reading.filters), (True, reading.excluded)):
        for dimension, spellings in named.items():
            values, note = resolve_values(dimension, spellings, workspace.lexicon)
            kept = filters.get(dimension)
            if reading.also and kept is not None and kept.exclude == exclude:  # "high too"
                values = tuple(dict.fromkeys((*kept.values, *values)))
            filters[dimension] = Filter(dimension=dimension, values=values, exclude=exclude)
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
    limit, worst_first = _ranking(previous, reading, metric, group_by, notes)
    threshold = previous.threshold if tuple(group_by) == previous.group_by else None
    if reading.threshold is not None:
        drafted = threshold_draft(reading, metric)
        threshold = Threshold(op=drafted.op, value=drafted.value)
    statistic = previous.statistic
    if reading.statistic is not None:
        statistic = statistic_for(metric, reading.statistic, notes)
    elif metric != previous.metric and statistic is not None:
        statistic = statistic_for(metric, statistic.value, notes)
    business_hours = _business_hours(previous, reading, metric, notes)
    explain = _explains(previous, reading, metric, statistic)
    if explain:  # the explanation examines the dimensions the why names, else every one
        group_by = list(reading.group_by) if reading.explain and not previous.explain_change \
            else group_by
        trend, limit, threshold = None, None, None
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
        threshold=threshold if group_by else None,
        statistic=statistic,
        percentiles=percentiles_for(metric, previous.percentiles or reading.percentiles,
                                    asked=reading.percentiles, notes=notes),
        assumptions=tuple(dict.fromkeys([*kept, *notes])),
        business_hours=business_hours,
        explain_change=explain,
    )


def _explains(previous: KpiQuery, reading: Reading, metric: str, statistic) -> bool:
    """Whether the follow-up asks why (or continues a why: "and for tier 2?" after one). A
    follow-up that asks for a trend, a ranking, a threshold or a median ends the why; "why?"
    after an answer that compared nothing is asked back — there is no change to explain."""
    if not reading.explain:
        return previous.explain_change and not (
            reading.trend is not None or reading.threshold is not None or reading.rank
            or reading.limit is not None or reading.default_limit or reading.percentiles
            or (reading.statistic is not None and statistic is not None))
    if not (previous.compare or reading.compare or reading.compare_to or reading.period):
        label = get_metric(metric).label
        raise QuestionRefused(
            f"there is no change to explain: the answer above gives {label} "
            f"{previous.period.label} without comparing it — ask how it changed first, or "
            "why it changed",
            [f"vs {_the_one_before(previous.period.label)}", f"why did {metric} change "
                                                             f"{previous.period.label}?"])
    return True


def _the_one_before(label: str) -> str:
    """"the week before" for "last week"; "the period before" otherwise."""
    for unit in ("day", "week", "month", "quarter", "year"):
        if unit in label:
            return f"the {unit} before"
    return "the period before"


def _business_hours(previous: KpiQuery, reading: Reading, metric: str, notes: list) -> bool:
    """In business hours when the follow-up says so ("in calendar time" ends it), else as the
    previous question was; a KPI that is not a time per ticket drops it, and says so."""
    if reading.business_hours is not None:
        return reading.business_hours  # a KPI that cannot be is refused by KpiQuery
    if previous.business_hours and get_metric(metric).business_hours is None:
        notes.append(Assumption(f"{get_metric(metric).label} is not counted in business hours",
                                "business_hours"))
        return False
    return previous.business_hours


def _same_concept_in_frame(metric_id: str, reading: Reading) -> str | None:
    """"as a rate", "how many?": the KPI about the same thing, asked the other way —
    escalations ↔ escalation rate, reopened ↔ reopen rate, complaints ↔ complaint rate."""
    if not reading.frames or reading.concepts:
        return None
    frame = reading.frames[0]
    current = get_metric(metric_id)
    if current.frame is frame:
        return None
    siblings = [metric.id for metric in METRICS if metric.frame is frame
                and set(metric.concepts) & set(current.concepts)]
    return siblings[0] if len(siblings) == 1 else None


def _names_the_one_before(reading: Reading) -> bool:
    return any(word.period is not None and THE_ONE_BEFORE.fullmatch(word.original)
               for word in reading.words)


def _trend(previous: KpiQuery, reading: Reading, metric: str, group_by: list, period,
           touched: set[str], notes: list):
    """The step of the trend: the follow-up's ("by week", "daily"); else the previous one
    while nothing ends it — a breakdown or "overall" does. A step kpibot chose itself is
    chosen again for a new period."""
    if reading.trend is not None:
        if reading.group_by or (group_by and not reading.overall):
            # a trend of each group is not something kpibot draws: asked back, not dropped
            raise trend_with_breakdown(metric, reading.trend, (reading.group_by or group_by)[0],
                                       period)
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


def _check_addressed(reading: Reading) -> None:
    """Refuse (NotAFollowUp) a reply with any word the reader did not use, a follow-up word
    aside, or that needed a short word read as a misspelling ("haha" as "Hana"). People
    narrate in threads ("that csat dip is the outage", "the outage caused it"): a word of how
    a KPI moved counts only in a why, a why only as the reply's question ("why?", "and what
    drove that?", "which team drove it?"), and a "not" only when it leaves something out."""
    leftovers = [word.original for word in (*reading.unread, *reading.skipped)
                 if not word.used and word.text not in FOLLOW_UP_WORDS]
    leftovers += [word.original for word in reading.words
                  if word.entry is not None and not word.covered and word.text in INTERJECTIONS
                  or (word.corrected and len(word.text) < MIN_QUIET_CORRECTION)]
    heads = [word for word in reading.words if not word.covered]
    for position, word in enumerate(heads):
        kind = word.entry.kind if word.entry is not None else None
        if kind is Kind.CHANGE and word.entry.name == MOVEMENT and not reading.explain:
            leftovers.append(word.original)
        elif kind is Kind.EXPLAIN and not _asked(heads[:position]):
            leftovers.append(word.original)
        elif kind is Kind.NEGATION and not reading.excluded:
            leftovers.append(word.original)
    if leftovers:
        raise NotAFollowUp(f"not a follow-up: {', '.join(repr(w) for w in leftovers[:5])} "
                           "is not about the previous question")


def _asked(words) -> bool:
    """Whether the words before a why keep it the reply's question: follow-up words ("and what
    drove that?"), or asking which segment ("which team drove it?", "who drove that?") — not a
    statement of one ("billing drove that", "the team drove it")."""
    asking = False
    for word in words:
        kind = word.entry.kind if word.entry is not None else None
        if kind is Kind.WHICH or kind is Kind.WHO:
            asking = True
        elif not (word.entry is None and word.text in FOLLOW_UP_WORDS
                  or asking and kind is Kind.DIMENSION):
            return False
    return True
