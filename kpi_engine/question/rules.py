"""The offline reader: an English question → `Reading` → `QueryDraft` → `KpiQuery`, by rules.

No model and no network. The steps, each cheap:
1. clean the text (length, control characters) and refuse instructions and SQL outright;
2. find the period expressions with the period grammar (`periods.find_periods`); the one after a
   comparison word ("vs last month") is the comparison period;
3. split the rest into words and match the longest known phrase at each word (`phrases.py`: KPI
   names from the registry, dimension words and values from the lexicon, question words);
4. walk the words (`grammar.py`): filters ("tier 1", "on chat", "for Asha"), breakdowns ("by
   agent", "which team"), ranking ("top 3", "worst"), comparison, percentiles, trends ("by
   day", "weekly", "over time");
5. read what is left over as a misspelling of a known phrase when exactly one is close
   (`typos.py`), ask back when two are, and refuse a name nobody has ("for Bob", "tier 9").
"""

from __future__ import annotations

import re

from kpi_engine.errors import NotAQuestion, QuestionRefused, UnknownNameError
from kpi_engine.metrics import get_metric
from kpi_engine.periods import PeriodKind, find_periods
from kpi_engine.query import KpiQuery
from kpi_engine.question.draft import (
    DEFAULT_TOP,
    EXAMPLE_QUESTIONS,
    Assumption,
    Workspace,
    resolve_draft,
    top_assumption,
)
from kpi_engine.question.grammar import add_filter, leading_words, neighbour, walk, walk_corrected
from kpi_engine.question.phrases import TOKEN, Kind, phrase_index
from kpi_engine.question.reading import Reading, Word
from kpi_engine.question.typos import correct_typos
from kpi_engine.vocabulary import Dimension, SurveyKind

MAX_QUESTION_CHARS = 500
MAX_PERIODS = 2

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")
_INSTRUCTION = re.compile(
    r"\b(?:ignore|disregard|forget)\b.{0,30}\b(?:instructions?|prompts?|rules|above)\b"
    r"|\bsystem\s+prompt\b|\byou\s+are\s+now\b|\bact\s+as\b"
    r"|\b(?:drop|truncate|alter)\s+table\b|\bdelete\s+from\b|\binsert\s+into\b"
    r"|\bupdate\s+\w+\s+set\b|\bunion\s+(?:all\s+)?select\b|;\s*--|\bselect\s+\*"
    # more SQL: "TRUNCATE tickets", "select count(*) from tickets", "SELECT AVG(score) FROM …"
    r"|\btruncate\b|(?:^|;)\s*select\b|\b(?:count|avg|sum|min|max)\s*\(\s*[\w*]"
    # and shell: "rm -rf / tickets", "sudo …", "$(…)", "`…`", "&& …", "| sh"
    r"|\brm\s+-\w|\bsudo\s|\$\(|`|&&|\|\s*(?:ba)?sh\b|\bchmod\s|\bcurl\s+-?\w",
    re.IGNORECASE)
_SURVEY_KINDS = {kind.value for kind in SurveyKind}
# "vs the week before": the period before the one asked about, by the contract's rule
_THE_ONE_BEFORE = re.compile(r"(?:the\s+)?(?:day|week|month|quarter|year)\s+before",
                             re.IGNORECASE)


def read_question(text: str, workspace: Workspace) -> KpiQuery:
    """The query a question asks; a UserError with suggestions when there is none."""
    reading = read(text, workspace)
    if reading.metric is None:
        raise no_kpi(reading)
    if reading.compare_to and not reading.period:
        reading.period = _current_of(reading.compare_to, workspace, reading)
    if reading.default_limit and reading.limit is None:
        reading.limit = DEFAULT_TOP
        reading.assumptions.append(top_assumption())
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
    reading = Reading(words=words)
    _place_periods(reading, question, words, spans)
    unknown = walk(words, reading)
    if unknown:
        unknown = correct_typos(leading_words(words), unknown, index, reading.assumptions)
        walk_corrected(words, reading)
    _check_leftovers(words, unknown, reading, workspace)
    reading.unread = [word for word in unknown if not word.used]
    _choose_metric(reading)
    return reading


# --- 1. cleaning ---------------------------------------------------------------------------


def _clean(text: str) -> str:
    if len(text) > MAX_QUESTION_CHARS:
        raise NotAQuestion(
            f"that question is {len(text):,} characters long; I read questions of up to "
            f"{MAX_QUESTION_CHARS} characters — ask one short question", list(EXAMPLE_QUESTIONS))
    question = _CONTROL.sub(" ", text).replace("\u2019", "'").replace("\u2018", "'")
    if not any(character.isalnum() for character in question):
        raise NotAQuestion("ask me about a support KPI, for example "
                              f"{EXAMPLE_QUESTIONS[0]!r}", list(EXAMPLE_QUESTIONS))
    if _INSTRUCTION.search(question):
        raise NotAQuestion("that reads like an instruction or code, not a question about a "
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
    cue = next((w.start for w in words if w.entry is not None and w.entry.kind is Kind.COMPARE),
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
        words[position].entry = entry
        for covered in words[position + 1:position + length]:
            covered.covered = True
        position += length


# --- 5. leftovers and the KPI --------------------------------------------------------------


def _check_leftovers(words: list[Word], unknown: list[Word], reading: Reading,
                     workspace: Workspace) -> None:
    """Refuse an unknown name after "for/in/on" and a question mostly made of unknown words."""
    unknown = [word for word in unknown if not word.used]
    if not unknown:
        return
    heads = leading_words(words)
    positions = {id(word): index for index, word in enumerate(heads)}
    if len(unknown) >= 3 and len(unknown) > reading.understood:
        shown = " ".join(word.original for word in unknown[:6])
        raise QuestionRefused(
            f"I could not read {shown!r}; I understand English questions about support KPIs",
            list(EXAMPLE_QUESTIONS))
    if reading.metric is None and not reading.metrics:
        return  # the missing KPI is the better message
    for word in unknown:
        before = neighbour(heads, positions[id(word)], -1)
        if before is not None and before.entry is not None and before.entry.kind is Kind.CUE:
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
            add_filter(reading, Dimension.KIND, kind)
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
