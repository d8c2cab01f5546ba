"""The text of a question before its words are read (steps 1–3 of the offline reader, see
rules.py): cleaning it (length, control characters; code and instructions refused outright),
finding its period expressions with the period grammar and its thresholds ("under 80%", "over
2 hours", "more than 50"), and splitting the rest into `Word`s, each span standing as one
placeholder word.
"""

from __future__ import annotations

import re

from kpi_engine.errors import NotAQuestion, QuestionRefused
from kpi_engine.periods import find_periods
from kpi_engine.question.draft import EXAMPLE_QUESTIONS, Workspace
from kpi_engine.question.phrase_index import TOKEN
from kpi_engine.question.reading import Word

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

# "under 80%", "over 2 hours", "more than 50", "at least 4.5", "> 10%": a threshold on the
# groups of a breakdown. The unit is read against the KPI once it is known (rules.py).
THRESHOLD = re.compile(
    r"(?<![\w.])(?P<op>under|below|beneath|less\s+than|lower\s+than|fewer\s+than|"
    r"no\s+more\s+than|at\s+most|up\s+to|over|above|more\s+than|greater\s+than|"
    r"higher\s+than|exceeding|exceeds|at\s+least|no\s+less\s+than|<=|>=|<|>)\s*"
    r"(?P<n>\d+(?:\.\d+)?)\s*"
    r"(?P<unit>%|percent|pct|pts?|points?|hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s"
    r"|days?|d|weeks?|wks?)?(?![\w%])", re.IGNORECASE)
_OPERATORS = {
    "under": "<", "below": "<", "beneath": "<", "less than": "<", "lower than": "<",
    "fewer than": "<", "no more than": "<=", "at most": "<=", "up to": "<=", "over": ">",
    "above": ">", "more than": ">", "greater than": ">", "higher than": ">", "exceeding": ">",
    "exceeds": ">", "at least": ">=", "no less than": ">=", "<": "<", "<=": "<=", ">": ">",
    ">=": ">=",
}
_THRESHOLD_MARK = "\x01"
_PERIOD_MARK = "\x00"


def clean(text: str) -> str:
    """The question on one line, apostrophes straight; NotAQuestion for what is no question."""
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


def period_spans(question: str, workspace: Workspace) -> list[tuple[int, int, str]]:
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


def threshold_spans(question: str, periods: list[tuple[int, int, str]]
                    ) -> list[tuple[int, int, tuple[str, float, str]]]:
    """The (start, end, (op, number, unit)) of each threshold outside the periods."""
    taken = [(start, end) for start, end, _ in periods]
    found = []
    for match in THRESHOLD.finditer(question):
        if any(start < match.end() and match.start() < end for start, end in taken):
            continue
        op = _OPERATORS[" ".join(match["op"].lower().split())]
        found.append((match.start(), match.end(),
                      (op, float(match["n"]), (match["unit"] or "").lower())))
    return found


def words_of(question: str, periods: list[tuple[int, int, str]],
             thresholds: list[tuple[int, int, tuple[str, float, str]]]) -> list[Word]:
    """The question's words in order; each period and each threshold is one placeholder."""
    masked = list(question.lower())
    for start, end, *_ in (*periods, *thresholds):
        masked[start:end] = " " * (end - start)
    masked_text = "".join(masked)
    words = [Word(text=_plain(found.group()), original=question[found.start():found.end()],
                  start=found.start()) for found in TOKEN.finditer(masked_text)
             if not _possessive_end(question, found)]
    for number, (start, _end, text) in enumerate(periods):
        words.append(Word(text=_PERIOD_MARK, original=text, start=start, period=number))
    for start, end, threshold in thresholds:
        words.append(Word(text=_THRESHOLD_MARK, original=question[start:end], start=start,
                          threshold=threshold))
    words.sort(key=lambda word: word.start)
    return words


def _possessive_end(question: str, found: re.Match) -> bool:
    """The "s" of "yesterday's", left once the period is masked."""
    return found.group() == "s" and found.start() > 0 and question[found.start() - 1] in "'’"


def _plain(token: str) -> str:
    """'asha's' -> 'asha', 'what's' -> 'what'."""
    return token[:-2] if token.endswith("'s") else token
