"""Misspellings: a word the reader does not know is read as a known phrase (a KPI name, an
agent, a team, a channel) when exactly one is within a small edit distance — one edit for
short words, two for long ones, a swap of two letters counting as one. When two different
things are equally close, the question is asked back; nothing is guessed.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

from kpi_engine.errors import QuestionRefused
from kpi_engine.periods.words import MONTH_NAMES, WEEKDAY_NAMES, find_all
from kpi_engine.question.draft import Assumption
from kpi_engine.question.lexicon import closest
from kpi_engine.question.phrases import Kind

MAX_WINDOW = 3  # a misspelt phrase spans at most three words


def _target(entry) -> tuple:
    return (entry.kind, entry.name, entry.dimension, entry.value)


# Real words about things kpibot does not hold: never read as a misspelling of a name or a KPI
# ("cost" is not "Costa", "sales" not "Sam"), so the question is asked back naming them.
NOT_MISSPELT = frozenset("""
cost costs price prices pricing budget budgets revenue profit profits margin margins salary
salaries pay payroll sales deal deals churn online offline shift shifts staffing weather
invoice invoices order orders stock plan plans segment segments region regions country
countries language languages bonus bonuses
""".split())


def correct_typos(words: list, unknown: list, index, assumptions: list) -> list:
    """Read unknown words (with the words next to them) as misspelt known phrases, before the
    walk reads any of them. A corrected word gets the phrase's entry and `corrected` (the
    others of its window are covered); returns the words still unknown."""
    heads = [word for word in words if not word.covered]
    texts = _phrase_texts(words)
    still_unknown = []
    for word in unknown:
        if word.covered or word.entry is not None:
            continue
        if word.text in NOT_MISSPELT:
            still_unknown.append(word)
            continue
        if not _correct(word, heads, texts, index, assumptions):
            still_unknown.append(word)
    return still_unknown


def _phrase_texts(words: list) -> dict[int, str]:
    """Each leading word's text with the words its phrase covers: "response time"."""
    texts: dict[int, str] = {}
    lead = None
    for word in words:
        if word.covered and lead is not None:
            texts[id(lead)] += " " + word.text
        else:
            lead = word
            texts[id(word)] = word.text
    return texts


def _correct(word, heads: list, texts: dict[int, str], index, assumptions: list) -> bool:
    position = next(i for i, head in enumerate(heads) if head is word)
    for length in range(MAX_WINDOW, 0, -1):
        for offset in range(length):
            start = position - offset
            window = heads[start:start + length]
            if start < 0 or len(window) < length or not all(map(_free, window)):
                continue
            text = " ".join(texts[id(head)] for head in window)
            matches = [match for match in index.misspelt(text)
                       if len(text) >= MIN_CLOSED_WORD
                       or index.fuzzy_entries[match].kind not in _CLOSED_KINDS]
            targets = _preferred({_target(index.fuzzy_entries[m]): m for m in matches}, index)
            if len(targets) > 1:
                shown = " or ".join(repr(match) for match in targets.values())
                raise QuestionRefused(f"did you mean {shown}?", list(targets.values()))
            if targets:
                match = next(iter(targets.values()))
                first = window[0]
                first.entry, first.corrected = index.fuzzy_entries[match], True
                for other in window[1:]:
                    other.covered = True
                    other.entry = None
                original = " ".join(head.original for head in window)
                shown = index.shown.get(match, match)
                assumptions.append(Assumption(f"read {original!r} as {shown!r}", "spelling"))
                return True
    return False


# The closed words of questions ("most", "top", "median") are read from a misspelling only
# when it is long enough not to be another word ("cost" is not "most").
_CLOSED_KINDS = (Kind.RANK, Kind.LIMIT_RANK, Kind.NEGATION, Kind.TREND, Kind.STATISTIC,
                 Kind.FRAME)
MIN_CLOSED_WORD = 6


def _preferred(targets: dict, index) -> dict:
    """Between a KPI name and something else equally close ("csta": CSAT or Costa?), the KPI:
    a question is about a KPI first."""
    metrics = {key: match for key, match in targets.items()
               if index.fuzzy_entries[match].kind is Kind.METRIC}
    return metrics if len(metrics) == 1 and len(targets) > 1 else targets


def _free(word) -> bool:
    """A word a misspelt phrase may span: any word but a period, a threshold or one already
    read as part of another phrase."""
    return word.period is None and word.threshold is None and not word.used \
        and not word.covered


# --- misspelt period words: read before the period grammar looks for periods ---------------

_PERIOD_WORDS = (
    "yesterday", "today", "week", "weeks", "weekend", "month", "months", "quarter", "quarters",
    "year", "years", "last", "this", "past", "since", "between", "days", "hours", "previous",
    "fortnight", "tonight", *(name.lower() for name in MONTH_NAMES[1:]),
    *(name.lower() for name in WEEKDAY_NAMES),
)
_TOKEN = re.compile(r"[A-Za-z]+")


def correct_period_words(question: str, known: Callable[[str], bool],
                         assumptions: list) -> str:
    """`question` with misspelt period words read as meant ("last wek", "yestrday",
    "octobr", "firday"), each said in `assumptions`. A word is corrected only when it is no
    known word, exactly one period word is close, and the corrected word then stands in a
    period expression (so "hear" never becomes "year"); a three-letter word only next to
    another period word ("lst week")."""
    tokens = list(_TOKEN.finditer(question))
    words = [token.group().lower() for token in tokens]
    for index in reversed(range(len(tokens))):
        word = words[index]
        if known(word) or word in _PERIOD_WORDS or len(word) < 3 \
                or _inside_a_name(question, tokens[index]):
            continue
        if len(word) == 3:
            near = {words[i] for i in (index - 1, index + 1) if 0 <= i < len(words)}
            if not near & set(_PERIOD_WORDS):
                continue
            found = process.extract(word, _PERIOD_WORDS, scorer=DamerauLevenshtein.distance,
                                    score_cutoff=1, limit=4)
            matches = [choice for choice, _, _ in found]
        else:
            matches = closest(word, _PERIOD_WORDS)
        if len(matches) != 1:
            continue
        token = tokens[index]
        corrected = question[:token.start()] + matches[0] + question[token.end():]
        if any(span.start() <= token.start() < span.end() for span in find_all(corrected)):
            question = corrected
            assumptions.append(Assumption(f"read {token.group()!r} as {matches[0]!r}",
                                          "spelling"))
    return question


def _inside_a_name(question: str, token: re.Match) -> bool:
    """Whether the letters are part of an email, an id or a #tag ("jane.doe@…", "cust-12")."""
    before = question[token.start() - 1] if token.start() else " "
    after = question[token.end()] if token.end() < len(question) else " "
    return before in ".@_-#+" or after in ".@_-+" or before.isdigit() or after.isdigit()
