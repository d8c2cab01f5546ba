"""`QueryDraft`: what a question asks, still in words — the one schema both readers fill (the
offline rules and, through `with_structured_output`, a language model) — and `resolve_draft`,
the one validation that turns a draft into a `KpiQuery` against the registry, the period
grammar and the known values. Whatever reads a question, nothing else becomes a query.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from kpi_engine.errors import QuestionRefused, UnknownNameError, UserError
from kpi_engine.metrics import get_metric, nearest
from kpi_engine.periods import Period, default_period, parse_period
from kpi_engine.query import MAX_GROUP_BY, Filter, KpiQuery, Threshold, parse_dimension
from kpi_engine.question.lexicon import Lexicon
from kpi_engine.vocabulary import Dimension, Granularity, Statistic

DEFAULT_PERIOD_ASSUMPTION = "no period given: last 7 days"
DEFAULT_TOP = 5  # groups shown for "top agents" with no number
MAX_LIMIT = 100
AUTO_TREND = "auto"
# "trend" with no step: by day up to 31 days, by week up to 26 weeks, else by month
AUTO_STEPS = ((timedelta(days=31), Granularity.DAY), (timedelta(weeks=26), Granularity.WEEK))


class Assumption(str):
    """One line of `assumptions`, with the part of the query it is about (`topic`: "period",
    "metric", "limit", a dimension's name), so a follow-up that changes that part drops it."""

    topic: str

    def __new__(cls, text: str, topic: str) -> Assumption:
        made = super().__new__(cls, text)
        made.topic = topic
        return made


class FilterDraft(BaseModel):
    """Keep only records whose dimension has one of the values (with `exclude`: none of them)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    dimension: str = Field(description="one of: tier, team, agent, channel, priority, tag, "
                                        "customer, kind")
    values: list[str] = Field(description="the values as the question names them, e.g. ['1'] "
                                          "for tier 1, ['chat', 'email'], ['Asha']")
    exclude: bool = Field(False, description="true when the question leaves these values out "
                                             "('excluding chat', 'except tier 1', 'other than "
                                             "billing')")


class ThresholdDraft(BaseModel):
    """Only the groups of a breakdown past a threshold ("agents with CSAT under 80%")."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    op: Literal["<", "<=", ">", ">="] = Field(description="'under 80%' -> '<', 'over 2 "
                                                           "hours' -> '>', 'at least' -> '>='")
    value: float = Field(description="in the KPI's unit: a rate as a fraction (80% -> 0.8), a "
                                     "time in seconds (2 hours -> 7200), a count or score as is")


class QueryDraft(BaseModel):
    """A question about one support KPI, read into its parts. Leave a part empty (null, false,
    []) when the question does not say it: never invent a value."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    metric: str | None = Field(None, description="the KPI id from the list; null when the "
                                                 "question names no KPI")
    period: str | None = Field(None, description="the period in words of the period grammar, "
                                                 "e.g. 'last week', 'last 30 days', 'in October',"
                                                 " 'between 2026-10-01 and 2026-10-15'; null "
                                                 "when the question names none")
    compare: bool = Field(False, description="true when the question asks for a comparison "
                                             "with an earlier period or how a KPI changed")
    compare_to: str | None = Field(None, description="the period compared with, in words, when "
                                                     "the question names it ('last month')")
    filters: list[FilterDraft] = Field(default_factory=list)
    group_by: list[str] = Field(default_factory=list, description="dimensions to break down by "
                                                                  "(at most two)")
    order: Literal["best", "worst"] = Field("best", description="'worst' when the question asks "
                                                                "for the worst groups first")
    limit: int | None = Field(None, description="how many groups to show ('top 3' -> 3; 'which "
                                                "agent had the best' -> 1)")
    percentiles: bool = Field(False, description="true when the question asks for the "
                                                 "percentiles (the distribution) of a time KPI")
    statistic: Literal["mean", "median", "p90"] | None = Field(
        None, description="the statistic the question asks for as the value of a time KPI: "
                          "'median' (also 'typical'), 'p90' (90th percentile), 'mean' "
                          "('average'); null when it names none")
    threshold: ThresholdDraft | None = Field(
        None, description="only the groups past a threshold, for a breakdown ('agents with "
                          "CSAT under 80%', 'teams with FRT over 2 hours')")
    trend: Literal["day", "week", "month", "auto"] | None = Field(
        None, description="one value per day, week or month of the period ('by day', "
                          "'daily', 'per week', 'monthly'); 'auto' for a trend or 'over time' "
                          "without a step; null when the question asks for no trend")
    business_hours: bool = Field(False, description="true when the question counts a time in "
                                                    "business hours ('in business hours', "
                                                    "'during office hours', 'working hours')")
    explain_change: bool = Field(False, description="true when the question asks why a KPI "
                                                    "changed or what drove a change ('why did "
                                                    "CSAT drop', 'what drove the FRT increase', "
                                                    "'what changed in backlog'); the change is "
                                                    "against the previous period unless "
                                                    "compare_to names another")


@dataclass(frozen=True)
class Workspace:
    """What resolving needs besides the draft: the known values and the clock and calendar."""

    lexicon: Lexicon
    now: datetime
    tz: object  # a tzinfo or an IANA name
    week_start: str = "monday"
    # periods already read in a question, by their words: resolving does not read them twice
    _periods: dict[str, Period] = field(default_factory=dict, compare=False, repr=False)

    def period(self, words: str) -> Period:
        known = self._periods.get(words)
        if known is not None:
            return known
        return parse_period(words, now=self.now, tz=self.tz, week_start=self.week_start)

    def remember(self, words: str, period: Period) -> None:
        """Note the period that `words`, found alone in a question, stand for."""
        if len(self._periods) > 64:
            self._periods.clear()
        self._periods[words] = period

    def default_period(self) -> Period:
        return default_period(now=self.now, tz=self.tz, week_start=self.week_start)


def resolve_draft(draft: QueryDraft, workspace: Workspace,
                  assumptions: tuple[Assumption, ...] = ()) -> KpiQuery:
    """The validated query a draft stands for; a UserError (with suggestions) when it names
    no KPI, an unknown one, an unreadable period or an unknown value."""
    if draft.metric is None:
        raise UserError("which KPI do you mean?", example_questions())
    metric = get_metric(draft.metric)
    notes = list(assumptions)
    if draft.period:
        period = workspace.period(draft.period)
    else:
        period = workspace.default_period()
        notes.append(Assumption(DEFAULT_PERIOD_ASSUMPTION, "period"))
    previous = workspace.period(draft.compare_to) if draft.compare_to else None
    period, previous = ordered_comparison(period, previous, notes)
    filters = []
    for item in draft.filters:
        dimension = parse_dimension(item.dimension)
        values, note = resolve_values(dimension, item.values, workspace.lexicon)
        filters.append(Filter(dimension=dimension, values=values, exclude=item.exclude))
        if note:
            notes.append(note)
    group_by = tuple(dict.fromkeys(parse_dimension(name) for name in draft.group_by))
    if len(group_by) > MAX_GROUP_BY:
        raise UserError(f"I can break a KPI down by at most {MAX_GROUP_BY} things at once",
                        [f"{metric.id} by {group_by[0].value}"])
    if draft.limit is not None and not 1 <= draft.limit <= MAX_LIMIT:
        raise UserError(f"I can show between 1 and {MAX_LIMIT} groups, not {draft.limit}",
                        [f"top 3 {group_by[0].value}s by {metric.id}" if group_by
                         else f"top 3 agents by {metric.id}"])
    percentiles = percentiles_for(metric.id, draft.percentiles, asked=draft.percentiles,
                                  notes=notes)
    statistic = statistic_for(metric.id, draft.statistic, notes)
    trend = None
    if draft.trend is not None:
        if group_by:
            raise trend_with_breakdown(metric.id, draft.trend, group_by[0], period)
        trend = trend_step(draft.trend, period, notes)
    return KpiQuery(
        metric=metric.id,
        period=period,
        filters=tuple(filters),
        group_by=group_by,
        compare=draft.compare or previous is not None,
        previous=previous,
        percentiles=percentiles,
        # an explanation ranks every segment by its contribution: no top N of its own
        limit=draft.limit if group_by and not draft.explain_change else None,
        worst_first=draft.order == "worst" and trend is None,
        trend=trend,
        threshold=(Threshold(op=draft.threshold.op, value=draft.threshold.value)
                   if draft.threshold is not None else None),
        statistic=statistic,
        assumptions=tuple(notes),
        business_hours=draft.business_hours,
        explain_change=draft.explain_change,
    )


def statistic_for(metric_id: str, asked: str | None, notes: list) -> Statistic | None:
    """The statistic that is the value: a median or p90 for time KPIs; asked of another KPI,
    the answer gives its usual value and says why."""
    if asked is None or asked == Statistic.MEAN.value:
        return None
    metric = get_metric(metric_id)
    if not metric.has_percentiles:
        notes.append(Assumption(f"a {asked} exists for time KPIs only; {metric.label} is shown "
                                "as usual", "statistic"))
        return None
    return Statistic(asked)


def trend_step(step: str, period: Period, notes: list) -> Granularity:
    """The step of a trend; "auto" ("CSAT trend", "FRT over time") follows the length of the
    period in local wall time, and the answer says which step it took."""
    if step != AUTO_TREND:
        return Granularity(step)
    length = period.end.replace(tzinfo=None) - period.start.astimezone(
        period.end.tzinfo).replace(tzinfo=None)
    chosen = next((g for longest, g in AUTO_STEPS if length <= longest), Granularity.MONTH)
    notes.append(Assumption(f"trend by {chosen.value}", "trend"))
    return chosen


def trend_with_breakdown(metric_id: str, step: str, dimension: Dimension,
                         period: Period) -> UserError:
    """The refusal of a trend and a breakdown in one question, with each on its own."""
    shown = "day" if step == AUTO_TREND else step
    return UserError(
        f"I can show a trend over time or a breakdown by {dimension.value}, not both at once",
        [f"{metric_id} by {shown} {period.label}", f"{metric_id} by {dimension.value} "
                                                    f"{period.label}"])


def ordered_comparison(period: Period, previous: Period | None,
                       notes: list) -> tuple[Period, Period | None]:
    """The period asked about and the one compared with, as the question named them: the same
    period twice ("last week vs the previous week") leaves the comparison to the contract's
    rule (None); a later one named second is swapped in front, and the answer says so."""
    if previous is None or (previous.start, previous.end) == (period.start, period.end):
        return period, None
    if previous.start > period.start:
        notes.append(Assumption(f"compared {previous.label} with {period.label} (the earlier "
                                "one is the previous period)", "period"))
        return previous, period
    return period, previous


def percentiles_for(metric_id: str, wanted: bool, *, asked: bool, notes: list) -> bool:
    """Whether the query carries median and p90: only time KPIs have them; when this question
    `asked` for them on another KPI, the answer says why they are missing."""
    metric = get_metric(metric_id)
    if wanted and not metric.has_percentiles:
        if asked:
            notes.append(Assumption(f"median and p90 exist for time KPIs only; {metric.label} "
                                    "is shown as usual", "metric"))
        return False
    return wanted


def top_assumption() -> Assumption:
    """What a ranking without a number ("top agents") shows, said in the answer."""
    return Assumption(f"no number given for the ranking: the first {DEFAULT_TOP} shown", "limit")


def resolve_values(dimension: Dimension, spellings: list[str] | tuple[str, ...],
                   lexicon: Lexicon) -> tuple[tuple[str, ...], Assumption | None]:
    """The stored values the spellings name, and the assumption made when a name stood for
    several agents. Customers are passed through: they are not listed in the lexicon."""
    if dimension is Dimension.CUSTOMER:
        return tuple(spellings), None
    named: list[tuple[str, tuple[str, ...]]] = []
    note = None
    for spelling in spellings:
        found = lexicon.lookup(dimension, spelling)
        if not found:
            found, note = _misspelt(dimension, spelling, lexicon)
        named.append((spelling, found))
    values: list[str] = []
    for spelling, found in named:
        if len(found) > 1 and any(set(other) < set(found) for _, other in named):
            continue  # "Sam" beside "Okafor": the one both name
        if len(found) > 1 and not _names_several(spelling, found):
            shown = " or ".join(found)
            raise QuestionRefused(f"{spelling.strip()!r} could be {shown} — which one? (say "
                                  f"“both” to count them together)", list(found))
        if len(found) > 1:
            together = "both are" if len(found) == 2 else f"all {len(found)} are"
            note = Assumption(f"{', '.join(found[:-1])} and {found[-1]}: {together} counted "
                              "together", dimension.value)
        values.extend(found)
    return tuple(dict.fromkeys(values)), note


def _names_several(spelling: str, found: tuple[str, ...]) -> bool:
    """Whether a name shared by several agents was meant for all of them: "the Sams",
    "both Sams" (a plural of the shared name)."""
    word = spelling.strip().lower()
    return word.endswith("s") and all(word[:-1] in value.lower().split() for value in found)


def _misspelt(dimension: Dimension, spelling: str,
              lexicon: Lexicon) -> tuple[tuple[str, ...], Assumption]:
    """The values a misspelt name stands for, when exactly one known spelling is close."""
    candidates = lexicon.misspelt(dimension, spelling)
    if not candidates:
        raise unknown_value(dimension, spelling, lexicon)
    if len(candidates) > 1:
        raise UserError(f"did you mean {' or '.join(map(repr, candidates))}?", candidates)
    return (lexicon.lookup(dimension, candidates[0]),
            Assumption(f"read {spelling.strip()!r} as {candidates[0]!r}", dimension.value))


def unknown_value(dimension: Dimension, spelling: str, lexicon: Lexicon) -> UnknownNameError:
    """The refusal for a value that does not exist, naming the nearest known ones."""
    known = lexicon.values(dimension)
    name = dimension.value
    if not known:
        return UnknownNameError(f"there is no {name} {spelling!r}: no {name} is known yet "
                                "(import tickets first)", example_questions())
    close = nearest(spelling, list(known))
    if len(known) <= 12:
        listing = ", ".join(known)
        named = [f"{name} {value}" for value in known] if dimension is Dimension.TIER \
            else list(known)
        return UnknownNameError(f"there is no {name} {spelling!r}: the {name}s are {listing}",
                                named if dimension is Dimension.TIER else close or named)
    return UnknownNameError(f"there is no {name} {spelling!r}", close or list(known[:5]))


def example_questions() -> list[str]:
    """Questions that show what kpibot answers."""
    return list(EXAMPLE_QUESTIONS)


EXAMPLE_QUESTIONS = (
    "what was FCR last week for tier 1?",
    "CSAT by agent this month vs last month",
    "first response time on chat, last 30 days",
    "how many tickets did we resolve yesterday?",
    "top 3 teams by resolution time in October",
)
