"""The shapes of questions, read once every word has been walked (see rules.py):

- which period is asked about and which is compared with ("October vs September", "this month
  vs last", "week over week"), and a comparison of two values instead of two periods
  ("tier 1 vs tier 2", "compare billing and technical": a breakdown of just those);
- a dimension named alone: the one-row ranking of "the slowest team", "lowest NPS agent", or
  the question back of "how's my team doing?";
- a threshold ("under 80%", "over 2 hours") in the unit of the KPI asked about;
- a why ("why did CSAT drop last week?", "what drove the FRT increase", "what changed in
  backlog since last week"): the change against the previous period (or the one named, or the
  one "since" names), explained by segment — the explanation ranks every segment itself, so
  "the top drivers" asks for nothing more; a why of two values compared ("why is tier 1 lower
  than tier 2") is not a change over time and is refused.
"""

from __future__ import annotations

import re
from datetime import timedelta

from kpi_engine.errors import QuestionRefused
from kpi_engine.metrics import get_metric
from kpi_engine.periods import Period, PeriodKind, previous_period
from kpi_engine.question.draft import Assumption, ThresholdDraft, Workspace
from kpi_engine.question.grammar import neighbour
from kpi_engine.question.phrases import Kind
from kpi_engine.question.reading import Reading, Word
from kpi_engine.vocabulary import Unit

# "vs the week before": the period before the one asked about, by the contract's rule
THE_ONE_BEFORE = re.compile(r"(?:the\s+)?(?:day|week|month|quarter|year)\s+before",
                             re.IGNORECASE)
_LAST_ALONE = ("last", "previous", "prior", "before")
# "week over week" with no period: this week against the previous one
_OVER_UNITS = {"week over week": "this week", "wow": "this week",
               "month over month": "this month", "mom": "this month"}
_PER_SECOND = {"": 60, "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1, "m": 60,
               "min": 60, "mins": 60, "minute": 60, "minutes": 60, "h": 3600, "hr": 3600,
               "hrs": 3600, "hour": 3600, "hours": 3600, "d": 86400, "day": 86400,
               "days": 86400, "w": 604800, "wk": 604800, "wks": 604800, "week": 604800,
               "weeks": 604800}
_PERCENT = ("%", "percent", "pct", "pt", "pts", "point", "points")


def place_periods(reading: Reading, words: list[Word], spans: list[tuple[int, int, str]],
                  workspace: Workspace) -> None:
    """The first period is the one asked about; one right after a comparison word ("vs last
    month"), or a second one, is the period compared with."""
    heads = [word for word in words if not word.covered]
    compared = {word.period for position, word in enumerate(heads) if word.period is not None
                and _after_compare(heads, position)}
    periods = [(number, words_) for number, (_, _, words_) in enumerate(spans)]
    main = [text for number, text in periods if number not in compared]
    rest = [text for number, text in periods if number in compared]
    if main:
        reading.period = main[0]
        rest = main[1:] + rest
    if rest:
        reading.compare = True
        if THE_ONE_BEFORE.fullmatch(rest[0]) and reading.period:
            reading.compare_to = None  # the period before, by the contract's rule
        elif not THE_ONE_BEFORE.fullmatch(rest[0]):
            reading.compare_to = rest[0]
    reading.understood += len(spans)
    _last_alone(reading, heads, workspace)
    _over_units(reading, words)
    _now_against(reading, heads, workspace)
    _same_weekday_before(reading, heads, spans, workspace)


def phrase_text(words: list[Word], position: int) -> str:
    """The words of the phrase starting at `position`: it and the words it covers."""
    parts = [words[position].original]
    for word in words[position + 1:]:
        if not word.covered:
            break
        parts.append(word.original)
    return " ".join(parts)


def _after_compare(heads: list[Word], position: int) -> bool:
    before = neighbour(heads, position, -1)
    return before is not None and before.entry is not None and before.entry.kind is Kind.COMPARE


def _last_alone(reading: Reading, heads: list[Word], workspace: Workspace) -> None:
    """"this month vs last": the whole previous unit of the period asked about."""
    for position, word in enumerate(heads):
        if word.entry is None and word.text in _LAST_ALONE and _after_compare(heads, position) \
                and reading.period and not reading.compare_to:
            period = workspace.period(reading.period)
            if period.unit is not None:
                reading.compare_to = f"last {period.unit.value}"
                reading.compare = True
                word.used = True


_AGO = re.compile(r"(?:(?P<n>\d+|an?|one|two|three)\s+)?(?P<u>day|week)s?\s+ago", re.IGNORECASE)
_SMALL_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3}


def _now_against(reading: Reading, heads: list[Word], workspace: Workspace) -> None:
    """"backlog now vs a week ago": today so far against the same hours a week (or N days)
    before — for a level such as the backlog, the two instants."""
    if reading.period or not reading.compare_to:
        return
    for position, word in enumerate(heads):
        following = heads[position + 1] if position + 1 < len(heads) else None
        if word.text == "now" and following is not None and following.entry is not None \
                and following.entry.kind is Kind.COMPARE:
            ago = _AGO.fullmatch(reading.compare_to)
            if ago is None:
                return
            count = _SMALL_NUMBERS.get((ago["n"] or "a").lower()) or int(ago["n"])
            days = count * (7 if ago["u"].lower() == "week" else 1)
            now = workspace.period("right now")
            before = Period(start=now.start - timedelta(days=days),
                            end=now.end - timedelta(days=days),
                            label=f"the same time {reading.compare_to}",
                            kind=PeriodKind.RANGE)
            workspace.remember(before.label, before)
            reading.period, reading.compare_to = "right now", before.label
            return


def _same_weekday_before(reading: Reading, heads: list[Word],
                         spans: list[tuple[int, int, str]], workspace: Workspace) -> None:
    """"last Friday vs the Friday before": the same weekday a week earlier."""
    if not reading.period or not reading.compare_to:
        return
    for position, word in enumerate(heads):
        following = heads[position + 1] if position + 1 < len(heads) else None
        if word.period is not None and spans[word.period][2] == reading.compare_to \
                and following is not None and following.text == "before":
            main = workspace.period(reading.period)
            if main.unit is None or main.unit.value != "day":
                return
            before = Period(start=main.start - timedelta(days=7),
                            end=main.end - timedelta(days=7),
                            label=f"the {main.start:%A} before", kind=PeriodKind.CALENDAR,
                            unit=main.unit)
            workspace.remember(before.label, before)
            reading.compare_to = before.label
            following.used = True
            return


def _over_units(reading: Reading, words: list[Word]) -> None:
    if reading.period:
        return
    for position, word in enumerate(words):
        if word.entry is None or word.entry.kind is not Kind.CHANGE:
            continue
        key = phrase_text(words, position).lower()
        if key in _OVER_UNITS:
            reading.period = _OVER_UNITS[key]
            reading.compare = True
            reading.assumptions.append(Assumption(f"{key}: {_OVER_UNITS[key]} so far against "
                                                  "the one before, to the same point", "period"))


def resolve_comparisons(reading: Reading, workspace: Workspace) -> None:
    """A comparison word between two values of one dimension compares the values (a
    breakdown of just those), not two periods; "vs the week before" names the previous
    period explicitly."""
    if reading.compare_words and not reading.compare_to and not reading.compare:
        several = [d for d, values in reading.filters.items()
                   if len(values) >= 2 or d in reading.several]
        if several:
            dimension = several[0]
            if dimension not in reading.group_by:
                reading.group_by.insert(0, dimension)
        else:
            reading.compare = True  # "CSAT vs before": the previous period by the rule
    if reading.compare and not reading.compare_to and reading.period and any(
            THE_ONE_BEFORE.fullmatch(word.original) for word in reading.words
            if word.period is not None):
        period = workspace.period(reading.period)
        before = previous_period(period, now=workspace.now, tz=workspace.tz,
                                 week_start=workspace.week_start)
        workspace.remember(before.label, before)
        reading.compare_to = before.label


def resolve_lone_dimensions(reading: Reading) -> None:
    """A dimension word naming no value: with a ranking or a threshold it is the breakdown
    ("the slowest team": one row); beside a value of its own it only describes it ("the
    billing team"); otherwise the question is asked back ("which team?")."""
    for dimension, _word in reading.describing:  # "customers with more than 5 tickets"
        if (reading.threshold is not None or reading.rank) and not reading.group_by:
            reading.group_by.append(dimension)
    for dimension, _word in reading.lone_dimensions:
        if dimension in reading.filters or dimension in reading.excluded \
                or dimension in reading.group_by:
            continue
        if reading.rank or reading.limit or reading.default_limit:
            reading.group_by.append(dimension)
            reading.single.append(dimension)
        elif reading.threshold is not None:
            reading.group_by.append(dimension)
        else:
            raise QuestionRefused(
                f"which {dimension.value}? Name one, or ask by {dimension.value}",
                [f"by {dimension.value}"])


def ranking_limit(reading: Reading) -> None:
    """One row for a ranking of one: "which agent", "the slowest team", "who … the most"."""
    if reading.limit is not None or reading.default_limit:
        return
    if any(d in reading.group_by for d in reading.single) or (reading.who and reading.rank):
        reading.limit = 1


def check_ranks_something(reading: Reading) -> None:
    """A question (not a follow-up) that ranks nothing ("the most CSAT") is asked back."""
    if (reading.rank or reading.limit or reading.default_limit) and not reading.group_by \
            and not reading.trend:
        raise QuestionRefused("the best or worst of what? Name what to rank: agents, teams, "
                              "channels, tiers, priorities or tags",
                              ["which agent …", "top 3 teams by …"])


def threshold_draft(reading: Reading, metric_id: str) -> ThresholdDraft | None:
    """The threshold in the KPI's unit: "under 80%" of a rate is 0.8, "over 2 hours" of a
    time is 7200 s (a bare number of a time is minutes, and the answer says so)."""
    if reading.threshold is None:
        return None
    op, number, unit = reading.threshold
    metric = get_metric(metric_id)
    match metric.unit:
        case Unit.RATIO:
            if unit in _PERCENT or (not unit and number > 1):
                number /= 100
            elif unit:
                raise _unit_mismatch(metric.label, unit)
        case Unit.SECONDS:
            if unit in _PERCENT:
                raise _unit_mismatch(metric.label, unit)
            if not unit:
                reading.assumptions.append(Assumption(f"read {number:g} as {number:g} minutes",
                                                      "threshold"))
            number *= _PER_SECOND[unit]
        case _:
            if unit in _PERCENT or unit in _PER_SECOND and unit:
                raise _unit_mismatch(metric.label, unit)
    return ThresholdDraft(op=op, value=number)


def _unit_mismatch(label: str, unit: str) -> QuestionRefused:
    return QuestionRefused(f"{label} is not measured in {unit!r}: give the threshold in its "
                           "own unit", [f"{label} under …"])


def period_of_compare(reading: Reading, workspace: Workspace) -> str | None:
    """For "FCR vs last week": the current unit so far ("this week"); else the default."""
    previous = workspace.period(reading.compare_to)
    if previous.kind is PeriodKind.CALENDAR and previous.unit is not None:
        words = "today" if previous.unit.value == "day" else f"this {previous.unit.value}"
        reading.assumptions.append(Assumption(f"compared {words} so far with "
                                              f"{reading.compare_to}", "period"))
        return words
    return None


def since_a_period(reading: Reading, words: list[Word], spans: list[tuple[int, int, str]],
                   workspace: Workspace) -> None:
    """"what changed since last week", "how has CSAT moved since yesterday": in a change or a
    why, a whole calendar period after "since" is the one compared with — the period asked
    about is the current one so far (as for "FCR vs last week")."""
    if not (reading.explain or reading.compare) or not reading.period or reading.compare_to:
        return
    heads = [word for word in words if not word.covered]
    for position, word in enumerate(heads):
        if word.period is None or spans[word.period][2] != reading.period or position == 0:
            continue
        before = heads[position - 1]
        if before.entry is not None or before.text != "since":
            return
        period = workspace.period(reading.period)
        if period.kind is PeriodKind.CALENDAR and period.unit is not None \
                and period.end <= workspace.now:
            reading.compare_to, reading.period = reading.period, None
            reading.compare = True
            before.used = True
        return


def explained_change(reading: Reading) -> None:
    """A why: the explanation ranks every segment by its contribution, so a ranking word
    ("the top drivers", "biggest") asks for nothing more; two values compared ("why is tier 1
    lower than tier 2") are a difference, not a change over time, and are refused."""
    if reading.compare_words and not reading.compare_to and not reading.compare:
        compared = [d for d, values in reading.filters.items()
                    if len(values) >= 2 or d in reading.several]
        if compared:
            dimension = compared[0].value
            raise QuestionRefused(
                f"kpibot explains how a KPI changed between two periods, not why two "
                f"{dimension}s differ: ask why it changed for one {dimension}",
                [f"why did {reading.metric or 'CSAT'} change last week for {dimension} "
                 f"{reading.filters[compared[0]][0]}",
                 f"{reading.metric or 'CSAT'} by {dimension} last week"])
    reading.rank, reading.limit, reading.default_limit = None, None, False
    reading.single.clear()
    reading.who = False


def why_of_what() -> QuestionRefused:
    """The refusal of a why that names no KPI ("why?" with nothing to explain)."""
    return QuestionRefused(
        "why did what change? Name the KPI (“why did CSAT drop last week?”), or ask “why?” in "
        "the thread of an answer that compares two periods",
        ["why did CSAT drop last week?", "what drove the FRT increase this month?",
         "what changed in backlog since last week?"])
