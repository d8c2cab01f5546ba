"""The phrase index the reader matches: the closed vocabulary of phrases.py, the KPI names and
concepts of the metric registry (with their plural and third-person forms) and the dimension
values of the lexicon, by first word and longest first, with the spellings a misspelling may be
read as (`FUZZY_KINDS`); and `TOKEN`, what a word of a question is.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

from kpi_engine.metrics import METRICS
from kpi_engine.question.lexicon import Lexicon, allowed_edits, closest
from kpi_engine.question.phrases import (
    CHANNEL_SPELLINGS,
    CLOSED_VOCABULARY,
    DESCRIPTIVE_NAMES,
    DIMENSION_WORDS,
    FILLER,
    FRAME_PHRASES,
    NUMBER_WORDS,
    PRIORITY_SPELLINGS,
    TIER_SPELLINGS,
    WEAK_CONCEPTS,
    WEAK_METRIC_PHRASES,
    Entry,
    Kind,
)
from kpi_engine.vocabulary import Dimension


def _inflections(phrase: str) -> tuple[str, ...]:
    """A concept and its plural or third-person form: "reply", "replies"; "fix", "fixes"."""
    if " " in phrase or phrase.endswith(("s", "ed", "ing")):
        return (phrase,)
    if phrase.endswith(("sh", "ch", "x")):
        return phrase, phrase + "es"
    if phrase.endswith("y") and phrase[-2:-1] not in "aeiou":
        return phrase, phrase[:-1] + "ies"
    return phrase, phrase + "s"


def _base(words: tuple[str, ...]) -> str:
    """A one-word concept without its plural or third-person ending: "gets" -> "get"."""
    if len(words) != 1:
        return " ".join(words)
    word = words[0]
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith("es") and word[:-2].endswith(("sh", "ch", "x")):
        return word[:-2]
    return word[:-1] if word.endswith("s") else word


def _words(phrase: str) -> tuple[str, ...]:
    return tuple(phrase.lower().replace("-", " ").split())


@lru_cache(maxsize=1)
def _fixed_phrases() -> dict[tuple[str, ...], Entry]:
    """The phrases that do not depend on the database, built once."""
    phrases: dict[tuple[str, ...], Entry] = {}
    for phrase, entry in CLOSED_VOCABULARY.items():
        phrases[_words(phrase)] = entry
    for dimension, words in DIMENSION_WORDS.items():
        for word in words:
            phrases[_words(word)] = Entry(Kind.DIMENSION, dimension=dimension,
                                          plural=word.endswith("s") and not word.endswith("ss"))
    phrases[("tagged",)] = Entry(Kind.DIMENSION, dimension=Dimension.TAG)
    for spelling, channel in CHANNEL_SPELLINGS.items():
        phrases[_words(spelling)] = Entry(Kind.VALUE, dimension=Dimension.CHANNEL, value=channel)
    for spelling, level in PRIORITY_SPELLINGS.items():
        phrases[_words(spelling)] = Entry(Kind.VALUE, dimension=Dimension.PRIORITY, value=level)
    for spelling, tier in TIER_SPELLINGS.items():
        phrases[(spelling,)] = Entry(Kind.VALUE, dimension=Dimension.TIER, value=tier)
    for frame, frame_phrases in FRAME_PHRASES.items():
        for phrase in frame_phrases:
            phrases[_words(phrase)] = Entry(Kind.FRAME, frame=frame)
    concepts: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for metric in METRICS:
        for phrase in metric.concepts:
            for form in _inflections(phrase):
                if metric.id not in concepts[_words(form)]:
                    concepts[_words(form)].append(metric.id)
    for words, metric_ids in concepts.items():
        weak = " ".join(words) in WEAK_CONCEPTS or _base(words) in WEAK_CONCEPTS
        phrases[words] = Entry(Kind.CONCEPT, metrics=tuple(metric_ids), strength=0 if weak else 1)
    for metric in METRICS:
        names = (metric.id.replace("_", " "), *metric.synonyms)
        for phrase in names:
            words = _words(phrase)
            if words in concepts and phrase == metric.id and metric.condition is not None:
                continue  # "escalations": a concept (a count or a rate, as the question asks)
            phrases[words] = Entry(Kind.METRIC, metric.id,
                                   strength=1 if phrase in DESCRIPTIVE_NAMES else 2)
    for phrase, (metric_id, strength) in WEAK_METRIC_PHRASES.items():
        phrases[_words(phrase)] = Entry(Kind.METRIC, metric_id, strength=strength)
    return phrases


@dataclass(frozen=True)
class PhraseIndex:
    """Phrases by their first word, longest first; and the fuzzy-matchable spellings."""

    by_first_word: dict[str, tuple[tuple[tuple[str, ...], Entry], ...]]
    fuzzy_choices: tuple[str, ...]  # phrases a misspelling may be read as
    fuzzy_entries: dict[str, Entry]
    shown: dict[str, str]  # how a fuzzy choice is named to people ("asha" -> "Asha Rao")
    vocabulary: frozenset[str]  # every word of every phrase
    by_length: dict[int, tuple[str, ...]]  # the fuzzy choices by their length

    def misspelt(self, text: str) -> list[str]:
        """The fuzzy choices `text` may be a misspelling of (`lexicon.closest`), looked for
        only among choices of a length within the edits allowed."""
        edits = allowed_edits(text)
        if not edits:
            return []
        near = [choice for length in range(len(text) - edits, len(text) + edits + 1)
                for choice in self.by_length.get(length, ())]
        return closest(text, near)

    def knows(self, word: str) -> bool:
        """Whether `word` is a word the reader knows: of a phrase, filler, or a number."""
        return word in self.vocabulary or word in FILLER or word in NUMBER_WORDS

    def longest_match(self, words: list[str], start: int) -> tuple[int, Entry] | None:
        """(length, entry) of the longest phrase at `start`, or None."""
        for phrase, entry in self.by_first_word.get(words[start], ()):
            end = start + len(phrase)
            if tuple(words[start:end]) == phrase:
                return len(phrase), entry
        return None


def _by_length(choices) -> dict[int, tuple[str, ...]]:
    grouped: dict[int, list[str]] = defaultdict(list)
    for choice in choices:
        grouped[len(choice)].append(choice)
    return {length: tuple(found) for length, found in grouped.items()}


_INDEXES: dict[int, tuple[Lexicon, PhraseIndex]] = {}


def phrase_index(lexicon: Lexicon) -> PhraseIndex:
    """The index for a lexicon (cached per lexicon object)."""
    cached = _INDEXES.get(id(lexicon))
    if cached is not None and cached[0] is lexicon:
        return cached[1]
    phrases = dict(_fixed_phrases())
    for dimension in (Dimension.TEAM, Dimension.AGENT, Dimension.TAG):
        for spelling in lexicon.spellings(dimension):
            words = _words(spelling)
            if not words:
                continue
            known = phrases.get(words)
            if known is None:
                shared = dimension is Dimension.AGENT and spelling.endswith("s") \
                    and len(lexicon.lookup(dimension, spelling[:-1])) > 1  # "sams"
                phrases[words] = Entry(Kind.VALUE, dimension=dimension, value=spelling,
                                       plural=shared)
            elif known.kind is Kind.CONCEPT and dimension is Dimension.TAG:
                # "complaint": what the complaints KPIs are about, and a tag to filter by
                phrases[words] = Entry(Kind.CONCEPT, metrics=known.metrics,
                                       strength=known.strength, dimension=dimension,
                                       value=spelling)
            if dimension is Dimension.TAG and words[-1] + "s" not in phrases:
                plural = (*words[:-1], words[-1] + "s")  # "refunds", "bugs"
                phrases.setdefault(plural, Entry(Kind.VALUE, dimension=dimension,
                                                 value=spelling))
    grouped: dict[str, list[tuple[tuple[str, ...], Entry]]] = defaultdict(list)
    for words, entry in phrases.items():
        grouped[words[0]].append((words, entry))
    by_first = {first: tuple(sorted(found, key=lambda item: -len(item[0])))
                for first, found in grouped.items()}
    fuzzy = {" ".join(words): entry for words, entry in phrases.items()
             if entry.kind in FUZZY_KINDS and len(" ".join(words)) >= 3}
    shown = {choice: " or ".join(lexicon.lookup(entry.dimension, entry.value)) or choice
             for choice, entry in fuzzy.items() if entry.kind is Kind.VALUE}
    index = PhraseIndex(by_first_word=by_first, fuzzy_choices=tuple(fuzzy), fuzzy_entries=fuzzy,
                        shown=shown,
                        vocabulary=frozenset(word for words in phrases for word in words),
                        by_length=_by_length(fuzzy))
    if len(_INDEXES) > 16:
        _INDEXES.clear()
    _INDEXES[id(lexicon)] = (lexicon, index)
    return index


# What a misspelling may be read as: names of KPIs and of what they are about, values and
# dimension words ("chanel"), the ways of asking ("percentge") and the shapes ("medain").
FUZZY_KINDS = (Kind.METRIC, Kind.VALUE, Kind.CONCEPT, Kind.DIMENSION, Kind.FRAME,
               Kind.STATISTIC, Kind.RANK, Kind.NEGATION, Kind.TREND)

# A word: an email address, a #tag, an id such as cust-000123, letters and digits (with an
# apostrophe: "asha's"), or a sign that means something: "%", "#".
TOKEN = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|#[\w-]+|[^\W\d_]+-\d{2,}"
                   r"|[^\W_]+(?:'[^\W_]+)?|[%#]", re.UNICODE)
