"""Misspellings: a word the reader does not know is read as a known phrase (a KPI name, an
agent, a team, a channel) when exactly one is within a small edit distance — one edit for
short words, two for long ones, a swap of two letters counting as one. When two different
things are equally close, the question is asked back; nothing is guessed.
"""

from __future__ import annotations

from kpi_engine.errors import QuestionRefused
from kpi_engine.question.draft import Assumption
from kpi_engine.question.lexicon import closest
from kpi_engine.question.phrases import Kind

MAX_WINDOW = 3  # a misspelt phrase spans at most three words


def _target(entry) -> tuple:
    return (entry.kind, entry.name, entry.dimension, entry.value)


def correct_typos(heads: list, unknown: list, index, assumptions: list) -> list:
    """Read unknown words (with the filler words next to them) as misspelt known phrases.
    A corrected word gets the phrase's entry and `corrected`; returns the words still unknown."""
    still_unknown = []
    for word in unknown:
        if word.covered or word.entry is not None:
            continue
        if not _correct(word, heads, index, assumptions):
            still_unknown.append(word)
    return still_unknown


def _correct(word, heads: list, index, assumptions: list) -> bool:
    position = next(i for i, head in enumerate(heads) if head is word)
    for length in range(MAX_WINDOW, 0, -1):
        for offset in range(length):
            start = position - offset
            window = heads[start:start + length]
            if start < 0 or len(window) < length or not all(map(_free, window)):
                continue
            text = " ".join(head.text for head in window)
            matches = closest(text, index.fuzzy_choices)
            targets = {_target(index.fuzzy_entries[match]): match for match in matches}
            if len(targets) > 1:
                shown = " or ".join(repr(match) for match in targets.values())
                raise QuestionRefused(f"did you mean {shown}?", list(targets.values()))
            if targets:
                match = next(iter(targets.values()))
                first = window[0]
                first.entry, first.corrected = index.fuzzy_entries[match], True
                for other in window[1:]:
                    other.covered = True
                original = " ".join(head.original for head in window)
                shown = index.shown.get(match, match)
                assumptions.append(Assumption(f"read {original!r} as {shown!r}", "spelling"))
                return True
    return False


def _free(word) -> bool:
    """A word a misspelt phrase may span: unknown, filler, a bare dimension word, "survey"."""
    if word.period is not None or word.used or word.covered:
        return False
    return word.entry is None or word.entry.kind in (Kind.DIMENSION, Kind.SURVEY)
