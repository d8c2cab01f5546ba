"""The offline reader: an English question → `Reading` → `QueryDraft` → `KpiQuery`, by rules.

No model and no network. The steps, each cheap:
1. clean the text (length, control characters) and refuse instructions and SQL outright;
2. find the period expressions with the period grammar (`periods.find_period`); the one after a
   comparison word ("vs last month") is the comparison period;
3. split the rest into words and match the longest known phrase at each word (`phrases.py`: KPI
   names from the registry, dimension words and values from the lexicon, question words);
4. walk the words: filters ("tier 1", "on chat", "for Asha"), breakdowns ("by agent", "which
   team"), ranking ("top 3", "worst"), comparison, percentiles;
5. read what is left over as a misspelling of a known phrase when exactly one is close
   (`typos.py`), ask back when two are, and refuse a name nobody has ("for Bob", "tier 9").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kpi_engine.errors import QuestionRefused, UnknownNameError
from kpi_engine.metrics import METRICS_BY_ID, get_metric
from kpi_engine.periods import PeriodKind, find_periods
from kpi_engine.query import KpiQuery, parse_dimension
from kpi_engine.question.draft import (
    EXAMPLE_QUESTIONS,
    Assumption,
    FilterDraft,
    QueryDraft,
    Workspace,
    resolve_draft,
)
from kpi_engine.question.phrases import FILLER, NUMBER_WORDS, TOKEN, Entry, phrase_index
from kpi_engine.question.typos import correct_typos
from kpi_engine.vocabulary import Dimension, Direction, SurveyKind

MAX_QUESTION_CHARS = 500
MAX_PERIODS = 2
DEFAULT_TOP = 5

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")
_INSTRUCTION = re.compile(
    r"\b(?:ignore|disregard|forget)\b.{0,30}\b(?:instructions?|prompts?|rules|above)\b"
    r"|\bsystem\s+prompt\b|\byou\s+are\s+now\b|\bact\s+as\b"
    r"|\b(?:drop|truncate|alter)\s+table\b|\bdelete\s+from\b|\binsert\s+into\b"
    r"|\bupdate\s+\w+\s+set\b|\bunion\s+(?:all\s+)?select\b|;\s*--|\bselect\s+\*",
    re.IGNORECASE)
_SURVEY_KINDS = {kind.value for kind in SurveyKind}
# "vs the week before": the period before the one asked about, by the contract's rule
_THE_ONE_BEFORE = re.compile(r"(?:the\s+)?(?:day|week|month|quarter|year)\s+before",
                             re.IGNORECASE)


@dataclass
class Word:
    """One word of the question (lower case), or a placeholder for a period expression."""

    text: str
    original: str
    start: int
    entry: Entry | None = None
    span: int = 1  # how many words the entry covers (set on the first of them)
    covered: bool = False  # part of a phrase that starts at an earlier word
    period: int | None = None
    used: bool = False  # consumed by a neighbour (a tier number, a name after "agent")
    corrected: bool = False  # a misspelling read as a known phrase


@dataclass
class Reading:
    """What the words of one question say, before any of it is checked against the registry
    or the database. Follow-ups use the parts it leaves empty."""

    metrics: list[tuple[str, int, str]] = field(default_factory=list)  # (id, strength, words)
    period: str | None = None
    compare: bool = False
    compare_to: str | None = None
    filters: dict[Dimension, list[str]] = field(default_factory=dict)
    group_by: list[Dimension] = field(default_factory=list)
    all_of: list[Dimension] = field(default_factory=list)  # "all tiers", "any channel"
    overall: bool = False
    also: bool = False
    rank: str | None = None  # best, worst, high, low
    limit: int | None = None
    default_limit: bool = False
    percentiles: bool = False
    survey: bool = False
    assumptions: list[Assumption] = field(default_factory=list)
    understood: int = 0

    @property
    def metric(self) -> str | None:
        return self.metrics[0][0] if self.metrics else None

    def says_anything(self) -> bool:
        return bool(self.metrics or self.period or self.compare or self.filters or self.group_by
                    or self.all_of or self.overall or self.rank or self.limit
                    or self.percentiles)

    def worst_first(self, metric_id: str) -> bool:
        """Whether the groups go worst first: "worst", or "highest" of a lower-is-better KPI,
        or "lowest" of any other."""
        lower_is_better = METRICS_BY_ID[metric_id].direction is Direction.LOWER
        return {"worst": True, "best": False, "high": lower_is_better,
                "low": not lower_is_better}.get(self.rank or "best", False)

    def draft(self, metric_id: str) -> QueryDraft:
        return QueryDraft(
            metric=metric_id, period=self.period, compare=self.compare,
            compare_to=self.compare_to,
            filters=[FilterDraft(dimension=d.value, values=v) for d, v in self.filters.items()],
            group_by=[d.value for d in self.group_by + self.all_of],
            order="worst" if self.worst_first(metric_id) else "best",
            limit=self.limit, percentiles=self.percentiles,
        )


def read_question(text: str, workspace: Workspace) -> KpiQuery:
    """The query a question asks; a UserError with suggestions when there is none."""
    reading = read(text, workspace)
    if reading.metric is None:
        raise no_kpi(reading)
    if reading.compare_to and not reading.period:
        reading.period = _current_of(reading.compare_to, workspace, reading)
    if reading.default_limit and reading.limit is None:
        reading.limit = DEFAULT_TOP
        reading.assumptions.append(Assumption(
            f"no number given for the ranking: the first {DEFAULT_TOP} shown", "limit"))
    return resolve_draft(reading.draft(reading.metric), workspace, tuple(reading.assumptions))


def _current_of(compare_to: str, workspace: Workspace, reading: Reading) -> str | None:
    """For "FCR vs last week": the current unit so far ("this week"); else the default."""
    previous = workspace.period(compare_to)
    if previous.kind is PeriodKind.CALENDAR and previous.unit is not None:
        words = "today" if previous.unit.value == "day" else f"this {previous.unit.value}"
        reading.assumptions.append(Assumption(f"compared {words} so far with {compare_to}",
                                              "period"))
        return words
    return None


def read(text: str, workspace: Workspace) -> Reading:
    """What the question says, as a `Reading`. Refuses (QuestionRefused, UnknownNameError,
    PeriodError) what cannot be read: instructions, impossible periods, unknown names."""
    question = _clean(text)
    spans = _period_spans(question, workspace)
    words = _words(question, spans)
    index = phrase_index(workspace.lexicon)
    _match_phrases(words, index)
    reading = Reading()
    _place_periods(reading, question, words, spans)
    unknown = _walk(words, reading)
    if unknown:
        unknown = correct_typos(_heads(words), unknown, index, reading.assumptions)
        _walk_corrected(words, reading)
    _check_leftovers(question, words, unknown, reading, workspace)
    _choose_metric(reading)
    return reading


# --- 1. cleaning ---------------------------------------------------------------------------


def _clean(text: str) -> str:
    if len(text) > MAX_QUESTION_CHARS:
        raise QuestionRefused(
            f"that question is {len(text):,} characters long; I read questions of up to "
            f"{MAX_QUESTION_CHARS} characters — ask one short question", list(EXAMPLE_QUESTIONS))
    question = _CONTROL.sub(" ", text).replace("\u2019", "'").replace("\u2018", "'")
    if not any(character.isalnum() for character in question):
        raise QuestionRefused("ask me about a support KPI, for example "
                              f"{EXAMPLE_QUESTIONS[0]!r}", list(EXAMPLE_QUESTIONS))
    if _INSTRUCTION.search(question):
        raise QuestionRefused("that reads like an instruction or code, not a question about a "
                              "KPI; I only answer questions about support KPIs",
                              list(EXAMPLE_QUESTIONS))
    return question


# --- 2. periods ----------------------------------------------------------------------------


def _period_spans(question: str, workspace: Workspace) -> list[tuple[int, int, str]]:
    """The (start, end, words) of each period expression, in order of appearance."""
    found = find_periods(question, now=workspace.now, tz=workspace.tz,
                         week_start=workspace.week_start)
    if len(found) > MAX_PERIODS:
        raise QuestionRefused("that question names more than two periods; ask about one "
                              "(and, to compare, one more)", ["CSAT this month vs last month"])
    spans = []
    for period, (start, end) in found:
        words = " ".join(question[start:end].split())
        workspace.remember(words, period)
        spans.append((start, end, words))
    return spans


def _place_periods(reading: Reading, question: str, words: list[Word],
                   spans: list[tuple[int, int, str]]) -> None:
    """The first period is the one asked about; one after a comparison word (or a second one)
    is the period to compare with."""
    if not spans:
        return
    cue = next((w.start for w in words if w.entry is not None and w.entry.kind == "compare"),
               None)
    main = [s for s in spans if cue is None or s[0] < cue]
    after_cue = [s for s in spans if cue is not None and s[0] > cue]
    if main:
        reading.period = main[0][2]
        rest = main[1:] + after_cue
    else:
        rest = after_cue
    if rest:
        reading.compare = True
        if not _THE_ONE_BEFORE.fullmatch(rest[0][2]):
            reading.compare_to = rest[0][2]
    reading.understood += len(spans)


# --- 3. words and phrases ------------------------------------------------------------------


def _words(question: str, spans: list[tuple[int, int, str]]) -> list[Word]:
    masked = list(question.lower())
    for start, end, _ in spans:
        masked[start:end] = " " * (end - start)
    masked_text = "".join(masked)
    words = [Word(text=_plain(found.group()), original=question[found.start():found.end()],
                  start=found.start()) for found in TOKEN.finditer(masked_text)]
    for number, (start, _end, text) in enumerate(spans):
        words.append(Word(text="\x00", original=text, start=start, period=number))
    words.sort(key=lambda word: word.start)
    return words


def _plain(token: str) -> str:
    """'asha's' -> 'asha', 'what's' -> 'what'."""
    return token[:-2] if token.endswith("'s") else token


def _match_phrases(words: list[Word], index) -> None:
    texts = [word.text for word in words]
    position = 0
    while position < len(words):
        found = index.longest_match(texts, position)
        if found is None:
            position += 1
            continue
        length, entry = found
        words[position].entry, words[position].span = entry, length
        for covered in words[position + 1:position + length]:
            covered.covered = True
        position += length


# --- 4. the walk ---------------------------------------------------------------------------


def _heads(words: list[Word]) -> list[Word]:
    """The words that start something: not covered by an earlier phrase."""
    return [word for word in words if not word.covered]


def _number(word: Word | None) -> int | None:
    if word is None or word.entry is not None and word.entry.kind != "number":
        return None
    if word.text.isascii() and word.text.isdigit() and len(word.text) <= 4:
        return int(word.text)
    return NUMBER_WORDS.get(word.text)


def _walk(words: list[Word], reading: Reading) -> list[Word]:
    """Apply every known word; return the unknown ones (not filler, not consumed)."""
    heads = _heads(words)
    unknown: list[Word] = []
    for position, word in enumerate(heads):
        if word.used or word.period is not None:
            continue
        entry = word.entry
        before = _neighbour(heads, position, -1)
        after = _neighbour(heads, position, +1)
        if entry is None:
            if word.text.startswith("#") and len(word.text) > 1:
                _add_filter(reading, Dimension.TAG, word.original[1:])
            elif "@" in word.text:
                _add_filter(reading, Dimension.CUSTOMER, word.original)
            elif not (word.text in FILLER or _number(word) is not None):
                unknown.append(word)
            continue
        _apply(entry, word, before, after, heads, position, reading)
    return unknown


def _walk_corrected(words: list[Word], reading: Reading) -> None:
    """Apply the words that were read as misspellings (the rest were applied already)."""
    heads = _heads(words)
    for position, word in enumerate(heads):
        if word.corrected and not word.used:
            _apply(word.entry, word, _neighbour(heads, position, -1),
                   _neighbour(heads, position, +1), heads, position, reading)


def _neighbour(heads: list[Word], position: int, step: int) -> Word | None:
    """The nearest word in direction `step` that is not a small filler word."""
    index = position + step
    while 0 <= index < len(heads):
        word = heads[index]
        if not (word.entry is None and word.text in ("the", "a", "an", "our", "my", "of")):
            return word
        index += step
    return None


def _apply(entry: Entry, word: Word, before: Word | None, after: Word | None,
           heads: list[Word], position: int, reading: Reading) -> None:
    kind = entry.kind
    reading.understood += 1
    if kind == "metric":
        reading.metrics.append((entry.name, entry.strength, word.text))
    elif kind == "value":
        _refuse_exclusion(before, word)
        _add_filter(reading, entry.dimension, entry.value)
    elif kind == "dimension":
        _dimension_word(entry, word, before, after, heads, position, reading)
    elif kind == "group":
        if after is not None and after.entry is None and after.period is None \
                and after.text not in FILLER and "@" not in after.text:
            parse_dimension(after.original)  # raises: "region is not something … group by"
    elif kind in ("compare", "change"):
        reading.compare = True
    elif kind in ("rank", "limit_rank"):
        reading.rank = reading.rank if reading.rank in ("best", "worst") and \
            entry.name in ("high", "low") else entry.name
        count = _number(after) if after is not None else None
        if count is None and before is not None:
            count = _number(before)
            if count is not None:
                before.used = True
        elif count is not None:
            after.used = True
        if count is not None:
            reading.limit = count
        elif kind == "limit_rank":
            reading.default_limit = True
    elif kind == "percentile":
        reading.percentiles = True
    elif kind == "overall":
        reading.overall = True
    elif kind == "also":
        reading.also = True
    elif kind == "survey":
        reading.survey = True
    elif kind == "negation":
        _refuse_exclusion(word, after)
    else:  # which, all, cue: read by the words around them
        reading.understood -= 1


def _add_filter(reading: Reading, dimension: Dimension, value: str) -> None:
    values = reading.filters.setdefault(dimension, [])
    if value not in values:
        values.append(value)


def _refuse_exclusion(negation: Word | None, value: Word | None) -> None:
    if negation is None or value is None or negation.entry is None \
            or negation.entry.kind != "negation":
        return
    if value.entry is not None and value.entry.kind in ("value", "dimension"):
        raise QuestionRefused(
            f"I can't leave values out yet ({negation.original} {value.original}); name the "
            "ones to include instead", ["FCR for tier 2 and 3", "CSAT on chat and email"])


def _dimension_word(entry: Entry, word: Word, before: Word | None, after: Word | None,
                    heads: list[Word], position: int, reading: Reading) -> None:
    dimension = entry.dimension
    if dimension is Dimension.TIER:
        values = _tier_numbers(heads, position + 1)
        if values:
            _refuse_exclusion(before, word)
            for value in values:
                _add_filter(reading, Dimension.TIER, value)
            return
        if word.text.startswith("level"):
            reading.understood -= 1  # "level" alone is just a word
            return
    named = _name_after(entry, word, after) or _name_before(entry, word, before)
    if named is not None:
        named.used = True
        _add_filter(reading, dimension,
                    named.original.lstrip("#") if dimension is not Dimension.CUSTOMER
                    else named.original)
        return
    lead = before.entry.kind if before is not None and before.entry is not None else None
    if _continues_breakdown(heads, position, reading):
        lead = "group"  # "by tier and channel"
    if lead == "all":
        if dimension not in reading.all_of:
            reading.all_of.append(dimension)
    elif entry.plural or lead in ("group", "which", "rank", "limit_rank") \
            or (before is not None and _number(before) is not None and before.used):
        if dimension not in reading.group_by:
            reading.group_by.append(dimension)
        if lead == "which" and not entry.plural and reading.limit is None:
            reading.limit = 1
    else:
        reading.understood -= 1


def _continues_breakdown(heads: list[Word], position: int, reading: Reading) -> bool:
    """Whether the dimension word at `position` follows "and" after a grouped dimension."""
    if position < 2 or heads[position - 1].entry is not None \
            or heads[position - 1].text not in ("and", "plus"):
        return False
    earlier = heads[position - 2].entry
    return earlier is not None and earlier.kind == "dimension" \
        and earlier.dimension in reading.group_by


def _tier_numbers(heads: list[Word], start: int) -> list[str]:
    """'1', '1 and 2', 'one or two', '1 to 3' after a tier word (consumed)."""
    values: list[str] = []
    index = start
    while index < len(heads):
        word = heads[index]
        count = _number(word) if word.entry is None else None
        if count is not None:
            values.append(str(count))
            word.used = True
        elif not (values and word.entry is None and word.text in ("and", "or", "to")):
            break
        index += 1
    return values


def _name_after(entry: Entry, word: Word, after: Word | None) -> Word | None:
    """The name after a singular dimension word: "agent Asha", "customer jo@x", "tagged bug"."""
    if entry.plural and word.text not in ("tagged", "labelled", "labeled") or after is None:
        return None
    if after.period is not None or after.used:
        return None
    if entry.dimension in (Dimension.TAG, Dimension.CUSTOMER):
        if after.entry is None or after.entry.kind not in ("dimension", "group", "compare",
                                                           "cue", "metric"):
            return None if after.text in FILLER and after.entry is None else after
        return None
    if after.entry is None and after.text not in FILLER and _number(after) is None \
            and entry.dimension in (Dimension.AGENT, Dimension.TEAM, Dimension.CHANNEL,
                                    Dimension.PRIORITY):
        return after
    return None


def _name_before(entry: Entry, word: Word, before: Word | None) -> Word | None:
    """The name before a singular dimension word: "marketing team", "the vip tag"."""
    if entry.plural or before is None or before.entry is not None or before.used:
        return None
    if before.period is not None or before.text in FILLER or _number(before) is not None:
        return None
    if entry.dimension in (Dimension.TEAM, Dimension.TAG):
        return before
    return None


# --- 5. leftovers and the KPI --------------------------------------------------------------


def _check_leftovers(question: str, words: list[Word], unknown: list[Word], reading: Reading,
                     workspace: Workspace) -> None:
    """Refuse an unknown name after "for/in/on" and a question mostly made of unknown words."""
    unknown = [word for word in unknown if not word.used]
    if not unknown:
        return
    heads = _heads(words)
    positions = {id(word): index for index, word in enumerate(heads)}
    if len(unknown) >= 3 and len(unknown) > reading.understood:
        shown = " ".join(word.original for word in unknown[:6])
        raise QuestionRefused(
            f"I could not read {shown!r}; I understand English questions about support KPIs",
            list(EXAMPLE_QUESTIONS))
    if reading.metric is None and not reading.metrics:
        return  # the missing KPI is the better message
    for word in unknown:
        before = _neighbour(heads, positions[id(word)], -1)
        if before is not None and before.entry is not None and before.entry.kind == "cue":
            raise _unknown_name(word, workspace)


def _unknown_name(word: Word, workspace: Workspace) -> UnknownNameError:
    from kpi_engine.engine import nearest

    lexicon = workspace.lexicon
    known = [*lexicon.agents, *lexicon.teams, *lexicon.values(Dimension.CHANNEL)]
    close = nearest(word.original, known) if known else []
    return UnknownNameError(
        f"I don't know {word.original!r}: it is not a KPI, agent, team, tier, channel, "
        "priority or tag I know", close or [*lexicon.teams[:3], "tier 1", "chat"])


def _choose_metric(reading: Reading) -> None:
    """Keep one KPI: the most specific named; survey kinds named beside the survey response
    rate become its filter; two KPIs named as specifically are asked back."""
    if not reading.metrics:
        return
    named = {metric_id for metric_id, _, _ in reading.metrics}
    kinds = named & _SURVEY_KINDS
    if kinds and ("survey_response_rate" in named
                  or ("response_rate" in named and reading.survey)):
        for kind in sorted(kinds):
            _add_filter(reading, Dimension.KIND, kind)
        reading.metrics = [(m, s, w) for m, s, w in reading.metrics
                           if m not in kinds and m != "response_rate"]
        reading.metrics.insert(0, ("survey_response_rate", 2, "survey response rate"))
    strongest = max(strength for _, strength, _ in reading.metrics)
    top = list(dict.fromkeys(m for m, s, _ in reading.metrics if s == strongest))
    if len(top) > 1:
        labels = [get_metric(metric_id).label for metric_id in top]
        raise QuestionRefused(
            f"I answer one KPI at a time — which one: {' or '.join(labels)}?",
            [f"{metric_id}" for metric_id in top])
    reading.metrics = [next(item for item in reading.metrics if item[0] == top[0])]


KNOWN_KPIS_SHOWN = ("FCR", "CSAT", "CES", "NPS", "first response time", "resolution time",
                    "backlog", "service level", "reopen rate", "escalation rate")


def no_kpi(reading: Reading) -> QuestionRefused:
    """The refusal of a question that names no KPI, with what can be asked."""
    known = ", ".join(KNOWN_KPIS_SHOWN)
    if reading.says_anything():
        message = f"which KPI? I found none in that question (I know {known}, …)"
    else:
        message = f"I answer questions about support KPIs ({known}, …) and found none there"
    return QuestionRefused(message, list(EXAMPLE_QUESTIONS))
