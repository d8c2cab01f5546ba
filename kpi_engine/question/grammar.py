"""The walk over a question's words (step 4 of the offline reader, see rules.py): what each
known word means together with its neighbours — filters ("tier 1", "on chat", "agent Asha",
"the marketing team"), breakdowns ("by agent", "by tier and channel", "which team"), ranking
("top 3", "worst", "slowest"), comparison, percentiles, trends ("by day", "weekly", "over
time") — written into the `Reading`.
"""

from __future__ import annotations

from kpi_engine.errors import QuestionRefused
from kpi_engine.query import parse_dimension
from kpi_engine.question.draft import AUTO_TREND
from kpi_engine.question.phrases import FILLER, NUMBER_WORDS, Entry, Kind
from kpi_engine.question.reading import Reading, Word
from kpi_engine.vocabulary import Dimension

# The words that only switch something on in the reading.
_FLAGS = {Kind.COMPARE: "compare", Kind.CHANGE: "compare", Kind.PERCENTILE: "percentiles",
          Kind.OVERALL: "overall", Kind.ALSO: "also", Kind.SURVEY: "survey"}


def leading_words(words: list[Word]) -> list[Word]:
    """The words that start something: not covered by an earlier phrase."""
    return [word for word in words if not word.covered]


def _number(word: Word | None) -> int | None:
    if word is None or word.entry is not None:
        return None
    if word.text.isascii() and word.text.isdigit() and len(word.text) <= 4:
        return int(word.text)
    return NUMBER_WORDS.get(word.text)


def walk(words: list[Word], reading: Reading) -> list[Word]:
    """Apply every known word; return the unknown ones (not filler, not consumed)."""
    heads = leading_words(words)
    unknown: list[Word] = []
    for position, word in enumerate(heads):
        if word.used or word.period is not None:
            continue
        entry = word.entry
        before = neighbour(heads, position, -1)
        after = neighbour(heads, position, +1)
        if entry is None:
            if word.text.startswith("#") and len(word.text) > 1:
                add_filter(reading, Dimension.TAG, word.original[1:])
            elif "@" in word.text:
                add_filter(reading, Dimension.CUSTOMER, word.original)
            elif word.text in FILLER or _number(word) is not None:
                reading.skipped.append(word)
            else:
                unknown.append(word)
            continue
        _apply(entry, word, before, after, heads, position, reading)
    return unknown


def walk_corrected(words: list[Word], reading: Reading) -> None:
    """Apply the words that were read as misspellings (the rest were applied already)."""
    heads = leading_words(words)
    for position, word in enumerate(heads):
        if word.corrected and not word.used:
            _apply(word.entry, word, neighbour(heads, position, -1),
                   neighbour(heads, position, +1), heads, position, reading)


def neighbour(heads: list[Word], position: int, step: int) -> Word | None:
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
    if kind is Kind.METRIC:
        reading.metrics.append((entry.name, entry.strength, word.text))
    elif kind is Kind.VALUE:
        _refuse_exclusion(before, word)
        add_filter(reading, entry.dimension, entry.value)
    elif kind is Kind.DIMENSION:
        _dimension_word(entry, word, before, after, heads, position, reading)
    elif kind is Kind.GROUP:
        if after is not None and after.entry is None and after.period is None \
                and after.text not in FILLER and "@" not in after.text:
            parse_dimension(after.original)  # raises: "region is not something … group by"
    elif kind in (Kind.RANK, Kind.LIMIT_RANK):
        _rank(entry, before, after, reading)
    elif kind is Kind.TREND:
        _trend(entry, word, reading)
    elif kind in _FLAGS:
        setattr(reading, _FLAGS[kind], True)
    elif kind is Kind.NEGATION:
        _refuse_exclusion(word, after)
    else:  # which, all, cue: read by the words around them
        reading.understood -= 1


def _rank(entry: Entry, before: Word | None, after: Word | None, reading: Reading) -> None:
    """"best"/"worst"/"slowest" set the order ("best"/"worst" win over "highest"/"lowest");
    a number next to it ("top 3", "3 worst") is the limit; "top" alone asks for the default."""
    if not (reading.rank in ("best", "worst") and entry.name in ("high", "low")):
        reading.rank = entry.name
    for neighbour_word in (after, before):
        count = _number(neighbour_word)
        if count is not None:
            neighbour_word.used = True
            reading.limit = count
            return
    if entry.kind is Kind.LIMIT_RANK:
        reading.default_limit = True


def _trend(entry: Entry, word: Word, reading: Reading) -> None:
    """A step ("by week", "daily") wins over a plain "trend"; two different steps are asked
    back."""
    step = entry.name
    if step == AUTO_TREND:
        reading.trend = reading.trend or step
    elif reading.trend in (None, AUTO_TREND, step):
        reading.trend = step
    else:
        raise QuestionRefused(
            f"a trend takes one step — by {reading.trend} or by {step} ({word.original!r})?",
            [f"by {reading.trend}", f"by {step}"])


def add_filter(reading: Reading, dimension: Dimension, value: str) -> None:
    values = reading.filters.setdefault(dimension, [])
    if value not in values:
        values.append(value)


def _refuse_exclusion(negation: Word | None, value: Word | None) -> None:
    if negation is None or value is None or negation.entry is None \
            or negation.entry.kind is not Kind.NEGATION:
        return
    if value.entry is not None and value.entry.kind in (Kind.VALUE, Kind.DIMENSION):
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
                add_filter(reading, Dimension.TIER, value)
            return
        if word.text.startswith("level"):
            reading.understood -= 1  # "level" alone is just a word
            return
    named = _name_after(entry, word, after) or _name_before(entry, word, before)
    if named is not None:
        named.used = True
        add_filter(reading, dimension,
                    named.original.lstrip("#") if dimension is not Dimension.CUSTOMER
                    else named.original)
        return
    lead = before.entry.kind if before is not None and before.entry is not None else None
    if _continues_breakdown(heads, position, reading):
        lead = Kind.GROUP  # "by tier and channel"
    if lead is Kind.ALL:
        if dimension not in reading.all_of:
            reading.all_of.append(dimension)
    elif entry.plural or lead in (Kind.GROUP, Kind.WHICH, Kind.RANK, Kind.LIMIT_RANK) \
            or (before is not None and _number(before) is not None and before.used):
        if dimension not in reading.group_by:
            reading.group_by.append(dimension)
        if lead is Kind.WHICH and not entry.plural and reading.limit is None:
            reading.limit = 1
    else:
        reading.understood -= 1


def _continues_breakdown(heads: list[Word], position: int, reading: Reading) -> bool:
    """Whether the dimension word at `position` follows "and" after a grouped dimension."""
    if position < 2 or heads[position - 1].entry is not None \
            or heads[position - 1].text not in ("and", "plus"):
        return False
    earlier = heads[position - 2].entry
    return earlier is not None and earlier.kind is Kind.DIMENSION \
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
        if after.entry is None or after.entry.kind not in (Kind.DIMENSION, Kind.GROUP, Kind.COMPARE, Kind.CUE, Kind.METRIC):
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
