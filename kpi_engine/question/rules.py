"""The offline reader: an English question → `Reading` → `QueryDraft` → `KpiQuery`, by rules.

No model and no network. The steps, each cheap:
1. clean the text and refuse code and instructions outright (`text.py`);
2. read misspelt period words as meant ("last wek"), then find the period expressions with
   the period grammar and the thresholds ("under 80%");
3. split the rest into words and match the longest known phrase at each word (`phrase_index.py`:
   KPI names and concepts from the registry, dimension words and values from the lexicon,
   the words of frames, rankings, comparisons, statistics and exclusions);
4. walk the words (`grammar.py`), and read what is left over as a misspelling of a known
   phrase when exactly one is close (`typos.py`), asking back when two are;
5. read the shapes (`shapes.py`: which period is compared with, a comparison of values, a
   ranking of one, a threshold, a why) and choose the KPI (`frames.py`);
6. account for every word: a word that is neither read, nor corrected (and said), nor filler
   is asked back, naming it — a question is never answered with a word silently dropped.
"""

from __future__ import annotations

from kpi_engine.errors import QuestionRefused, UnknownNameError
from kpi_engine.query import KpiQuery, parse_dimension
from kpi_engine.question.draft import (
    DEFAULT_TOP,
    EXAMPLE_QUESTIONS,
    Workspace,
    resolve_draft,
    top_assumption,
)
from kpi_engine.question.frames import choose_metric
from kpi_engine.question.grammar import add_value, leading_words, neighbour, number_of, walk
from kpi_engine.question.phrase_index import PhraseIndex, phrase_index
from kpi_engine.question.phrases import BARE_PRIORITIES, FILLER, Kind
from kpi_engine.question.reading import Reading, Word
from kpi_engine.question.shapes import (
    check_ranks_something,
    explained_change,
    period_of_compare,
    place_periods,
    ranking_limit,
    resolve_comparisons,
    resolve_lone_dimensions,
    since_a_period,
    threshold_draft,
    why_of_what,
)
from kpi_engine.question.text import clean, period_spans, threshold_spans, words_of
from kpi_engine.question.typos import correct_period_words, correct_typos
from kpi_engine.vocabulary import Dimension


def read_question(text: str, workspace: Workspace) -> KpiQuery:
    """The query a question asks; a UserError with suggestions when there is none."""
    reading = read(text, workspace)
    if reading.metric is None:
        raise why_of_what() if reading.explain else no_kpi(reading)
    if reading.explain:
        explained_change(reading)
    check_ranks_something(reading)
    return resolve_reading(reading, workspace)


def resolve_reading(reading: Reading, workspace: Workspace) -> KpiQuery:
    """The validated query of a reading that has its KPI."""
    if reading.compare_to and not reading.period:
        reading.period = period_of_compare(reading, workspace)
    if reading.default_limit and reading.limit is None:
        reading.limit = DEFAULT_TOP
        reading.assumptions.append(top_assumption())
    draft = reading.draft(reading.metric, threshold_draft(reading, reading.metric))
    return resolve_draft(draft, workspace, tuple(reading.assumptions))


def read(text: str, workspace: Workspace, *, follow_up: bool = False) -> Reading:
    """What the question says, as a `Reading`. Refuses (QuestionRefused, UnknownNameError,
    PeriodError) what cannot be read: code, impossible periods, unknown names, words it
    cannot account for. A `follow_up` may name a priority level alone ("what about high?")."""
    index = phrase_index(workspace.lexicon)
    notes: list = []
    question = correct_period_words(clean(text), index.knows, notes)
    spans = period_spans(question, workspace)
    thresholds = threshold_spans(question, spans)
    words = words_of(question, spans, thresholds)
    _match_phrases(words, index)
    reading = Reading(words=words, assumptions=notes)
    if thresholds:
        reading.threshold = thresholds[0][2]
    misspelt = [word for word in leading_words(words) if _unknown(word)]
    if misspelt:
        correct_typos(words, misspelt, index, reading.assumptions)
    place_periods(reading, words, spans, workspace)
    unknown = walk(words, reading)
    since_a_period(reading, words, spans, workspace)
    if follow_up:
        unknown = _bare_levels(unknown, reading)
    reading.unread = [word for word in unknown if not word.used]
    _account_for_every_word(words, reading, workspace)
    choose_metric(reading)
    resolve_comparisons(reading, workspace)
    resolve_lone_dimensions(reading)
    ranking_limit(reading)
    return reading


def _bare_levels(unknown: list[Word], reading: Reading) -> list[Word]:
    """In a follow-up, "high", "low", "normal" named alone are priority levels."""
    left = []
    for word in unknown:
        if word.text in BARE_PRIORITIES:
            add_value(reading, Dimension.PRIORITY, word.text)
            word.used = True
            reading.understood += 1
        else:
            left.append(word)
    return left


def _unknown(word: Word) -> bool:
    """A word no phrase, filler or number stands for: maybe a misspelling."""
    return (word.entry is None and word.period is None and word.threshold is None
            and word.text not in FILLER and number_of(word) is None
            and not word.text.startswith("#") and "@" not in word.text and "-" not in word.text)


def _match_phrases(words: list[Word], index: PhraseIndex) -> None:
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


# --- 6. every word accounted for -----------------------------------------------------------


def _account_for_every_word(words: list[Word], reading: Reading,
                            workspace: Workspace) -> None:
    """Refuse a question with a word the reader did not use: an unknown name after "for",
    "in", "on" (with the nearest known names), an unknown breakdown after "by", a stray
    number, or any other word it cannot read."""
    heads = leading_words(words)
    positions = {id(word): index for index, word in enumerate(heads)}
    stray = [word for word in reading.skipped if not word.used and number_of(word) is not None
             and word.text not in FILLER]
    unread = sorted([*reading.unread, *stray], key=lambda word: word.start)
    if not unread:
        return
    if len(unread) >= 3 and len(unread) > reading.understood:
        shown = " ".join(word.original for word in unread[:6])
        raise QuestionRefused(
            f"I could not read {shown!r}; I understand English questions about support KPIs",
            list(EXAMPLE_QUESTIONS))
    if not reading.says_anything():
        raise no_kpi(reading)
    word = unread[0]
    before = neighbour(heads, positions[id(word)], -1)
    lead = before.entry.kind if before is not None and before.entry is not None else None
    if lead is Kind.GROUP:
        parse_dimension(word.original)  # raises: "region is not something … group by"
    if lead is Kind.CUE and number_of(word) is None:
        raise _unknown_name(word, workspace)
    raise QuestionRefused(
        f"I don't know {word.original!r} here — I read KPIs, periods, teams, agents, tiers, "
        "channels, priorities and tags; ask without it, or name what it stands for",
        _suggestions_for(word, workspace))


def _suggestions_for(word: Word, workspace: Workspace) -> list[str]:
    from kpi_engine.metrics import nearest

    lexicon = workspace.lexicon
    known = [*lexicon.agents, *lexicon.teams, *lexicon.tags]
    close = nearest(word.original, known) if known and number_of(word) is None else []
    return close or list(EXAMPLE_QUESTIONS)


def _unknown_name(word: Word, workspace: Workspace) -> UnknownNameError:
    from kpi_engine.metrics import nearest

    lexicon = workspace.lexicon
    known = [*lexicon.agents, *lexicon.teams, *lexicon.tags,
             *lexicon.values(Dimension.CHANNEL)]
    close = nearest(word.original, known) if known else []
    return UnknownNameError(
        f"I don't know {word.original!r}: it is not a KPI, agent, team, tier, channel, "
        "priority or tag I know", close or [*lexicon.teams[:3], "tier 1", "chat"])


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
