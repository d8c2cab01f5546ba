"""The walk over a question's words (step 4 of the offline reader, see rules.py): what each
known word means together with its neighbours — filters ("tier 1", "on chat", "agent Asha",
"refund tickets"), exclusions ("excluding chat and email", "except tier 1"), breakdowns ("by
agent", "by tier and channel", "which team", "who"), ranking ("top 3", "worst", "slowest"),
comparison, the statistic ("median", "p90"), trends ("by day", "weekly", "over time"), a time
in business hours ("during office hours"), a why ("why", "what drove"), and what the question
is about and how it asks it (concepts and frames, which pick the KPI in frames.py) — written
into the `Reading`.
"""

from __future__ import annotations

from kpi_engine.errors import QuestionRefused
from kpi_engine.question.draft import AUTO_TREND
from kpi_engine.question.phrases import BARE_PRIORITIES, FILLER, NUMBER_WORDS, Entry, Kind
from kpi_engine.question.reading import Reading, Word
from kpi_engine.vocabulary import Dimension

# The words that only switch something on in the reading.
_FLAGS = {Kind.CHANGE: "compare", Kind.PERCENTILE: "percentiles",
          Kind.OVERALL: "overall", Kind.ALSO: "also", Kind.SURVEY: "survey",
          Kind.EXPLAIN: "explain"}
# Words a list of excluded values may run through: "excluding chat, email and phone tickets".
_LIST_WORDS = frozenset({"and", "or", "nor", "the", "a", "an", "any"})
_GENERIC_TICKET_WORDS = frozenset({"tickets", "ticket", "issues", "cases", "requests",
                                   "conversations", "contacts"})
_SMALL_FILLER = ("the", "a", "an", "our", "my", "of")


def leading_words(words: list[Word]) -> list[Word]:
    """The words that start something: not covered by an earlier phrase."""
    return [word for word in words if not word.covered]


def number_of(word: Word | None) -> int | None:
    if word is None or word.entry is not None or word.period is not None:
        return None
    if word.text.isascii() and word.text.isdigit() and len(word.text) <= 4:
        return int(word.text)
    return NUMBER_WORDS.get(word.text)


def walk(words: list[Word], reading: Reading) -> list[Word]:
    """Apply every known word; return the unknown ones (not filler, not consumed)."""
    heads = leading_words(words)
    unknown: list[Word] = []
    negated = False
    for position, word in enumerate(heads):
        if word.used or word.period is not None or word.threshold is not None:
            negated = False if word.period is not None else negated
            continue
        entry = word.entry
        before = neighbour(heads, position, -1)
        after = neighbour(heads, position, +1)
        if entry is None:
            negated = _unknown_or_filler(word, before, reading, unknown, negated)
            continue
        if entry.kind is Kind.NEGATION:
            negated = True
            reading.understood += 1
            continue
        if negated and _excludes(entry, word, heads, position, reading):
            continue
        negated = negated and entry.kind is Kind.METRIC and entry.strength == 0
        _apply(entry, word, before, after, heads, position, reading)
    return unknown


def _unknown_or_filler(word: Word, before: Word | None, reading: Reading,
                       unknown: list[Word], negated: bool) -> bool:
    """A word with no entry: a #tag, an email or a customer id, filler, a number, or unknown.
    Returns whether an exclusion list goes on past it."""
    if word.text.startswith("#") and len(word.text) > 1:
        add_value(reading, Dimension.TAG, word.original[1:], exclude=negated)
        word.used = True
        return negated
    if "@" in word.text or _is_customer_id(word.text):
        add_value(reading, Dimension.CUSTOMER, word.original, exclude=negated)
        word.used = True
        return negated
    if word.text in FILLER or number_of(word) is not None:
        reading.skipped.append(word)
        return negated and word.text in _LIST_WORDS
    unknown.append(word)
    return False


def _is_customer_id(text: str) -> bool:
    """An id such as cust-000123 (letters, a dash, digits)."""
    letters, dash, digits = text.partition("-")
    return (bool(dash) and letters.isalpha() and digits.isdigit()
            and letters not in ("tier", "l", "t"))


def neighbour(heads: list[Word], position: int, step: int) -> Word | None:
    """The nearest word in direction `step` that is not a small filler word."""
    index = position + step
    while 0 <= index < len(heads):
        word = heads[index]
        if not (word.entry is None and word.text in _SMALL_FILLER):
            return word
        index += step
    return None


def _excludes(entry: Entry, word: Word, heads: list[Word], position: int,
              reading: Reading) -> bool:
    """Apply a word that follows "excluding"/"except"/"other than" as an exclusion; False when
    it is not something to leave out (then the list of exclusions ends)."""
    if entry.kind is Kind.VALUE or (entry.kind is Kind.CONCEPT and entry.dimension is not None):
        add_value(reading, entry.dimension, entry.value, exclude=True)
        reading.understood += 1
        word.used = True
        if entry.dimension is Dimension.PRIORITY:
            _bare_priorities(heads, position, reading, exclude=True)
        return True
    if entry.kind is Kind.DIMENSION and entry.dimension is Dimension.TIER:
        values = _tier_numbers(heads, position + 1)
        for value in values:
            add_value(reading, Dimension.TIER, value, exclude=True)
        if values:
            reading.understood += 1
            return True
    if entry.kind is Kind.DIMENSION:
        named = _name_after(entry, word, neighbour(heads, position, +1))
        if named is not None:
            named.used = True
            add_value(reading, entry.dimension, named.original.lstrip("#"), exclude=True)
            return True
    if entry.kind is Kind.METRIC and entry.strength == 0 and word.text in _GENERIC_TICKET_WORDS:
        return True  # "excluding refund tickets": the tickets of the excluded value
    if entry.kind is Kind.STATISTIC:
        word.used = True  # "the mean, not the median": read, and not asked for
        reading.understood += 1
        return True
    return False


def _apply(entry: Entry, word: Word, before: Word | None, after: Word | None,
           heads: list[Word], position: int, reading: Reading) -> None:
    kind = entry.kind
    reading.understood += 1
    if kind is Kind.METRIC:
        reading.metrics.append((entry.name, entry.strength, word.text))
    elif kind is Kind.CONCEPT:
        reading.concepts.append((_sense(entry, word, heads, position), word))
    elif kind is Kind.FRAME:
        reading.frames.append(entry.frame)
    elif kind is Kind.VALUE:
        add_value(reading, entry.dimension, _agents_meant(entry, heads, position, reading))
        if entry.dimension is Dimension.PRIORITY:
            _bare_priorities(heads, position, reading)
    elif kind is Kind.DIMENSION:
        _dimension_word(entry, word, before, after, heads, position, reading)
    elif kind is Kind.GROUP:
        reading.grouping = True
    elif kind in (Kind.RANK, Kind.LIMIT_RANK):
        _rank(entry, before, after, reading)
    elif kind is Kind.TREND:
        _trend(entry, word, reading)
    elif kind is Kind.STATISTIC:
        if entry.name != "mean" or reading.statistic is None:
            reading.statistic = entry.name
    elif kind is Kind.WHO:
        _group(reading, Dimension.AGENT, one=False)
        reading.who = True
    elif kind is Kind.COMPARE:  # periods or values compared: decided in shapes.py
        reading.compare_words.append(word)
    elif kind in _FLAGS:
        setattr(reading, _FLAGS[kind], True)
    elif kind is Kind.BUSINESS_HOURS:  # "in business hours"; "in calendar time" turns it off
        reading.business_hours = entry.name == "on"
    else:  # which, all, cue: read by the words around them
        reading.understood -= 1


_DETERMINERS = frozenset({"the", "both", "two", "all", "three"})
# A concept word that, as a verb after "did"/"do", is an event rather than a state: "how many
# tickets did she open" is the volume, "how many tickets are open" the backlog.
_AS_A_VERB = {"open": ("ticket_volume",)}
_AUXILIARIES = frozenset({"did", "do", "does", "will"})


def _sense(entry: Entry, word: Word, heads: list[Word], position: int) -> Entry:
    metrics = _AS_A_VERB.get(word.text)
    if metrics and any(head.entry is None and head.text in _AUXILIARIES
                       for head in heads[:position]):
        return Entry(Kind.CONCEPT, metrics=metrics, strength=entry.strength)
    return entry


def _agents_meant(entry: Entry, heads: list[Word], position: int, reading: Reading) -> str:
    """A name several agents share, in the plural ("the Sams", "both Sams"), means all of
    them; without a determiner ("sams backlog") it is someone's, and stays ambiguous."""
    spelling = entry.value
    if entry.dimension is not Dimension.AGENT or not entry.plural:
        return spelling
    before = heads[position - 1] if position else None
    if before is not None and before.entry is None and before.text in _DETERMINERS:
        before.used = True  # "the two Sams": read
        reading.several.add(Dimension.AGENT)
        return spelling
    return spelling[:-1] if len(spelling) > 2 else spelling


def _group(reading: Reading, dimension: Dimension, *, one: bool) -> None:
    """Break down by `dimension`; `one`: the question asks for one group ("which agent",
    "who", "the slowest team"), so a ranking shows one row unless a number is given."""
    if dimension not in reading.group_by:
        reading.group_by.append(dimension)
    if one and dimension not in reading.single:
        reading.single.append(dimension)


def _rank(entry: Entry, before: Word | None, after: Word | None, reading: Reading) -> None:
    """"best"/"worst"/"slowest" set the order ("best"/"worst" win over "highest"/"lowest";
    "top"/"bottom" only order when nothing else does: "the highest …, top 5" is the highest
    five); a number next to it ("top 3", "3 worst") is the limit; "top" alone asks for the
    default. "slowest"/"fastest" ask how long."""
    if entry.kind is Kind.LIMIT_RANK:
        reading.rank = reading.rank or entry.name
    elif not (reading.rank in ("best", "worst") and entry.name in ("high", "low")):
        reading.rank = entry.name
    if entry.frame is not None:
        reading.frames.append(entry.frame)
    for neighbour_word in (after, before):
        count = number_of(neighbour_word)
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


def add_value(reading: Reading, dimension: Dimension, value: str, *,
              exclude: bool = False) -> None:
    values = (reading.excluded if exclude else reading.filters).setdefault(dimension, [])
    if value not in values:
        values.append(value)


def _dimension_word(entry: Entry, word: Word, before: Word | None, after: Word | None,
                    heads: list[Word], position: int, reading: Reading) -> None:
    dimension = entry.dimension
    if dimension is Dimension.TIER:
        values = _tier_numbers(heads, position + 1)
        if values:
            for value in values:
                add_value(reading, Dimension.TIER, value)
            return
    if dimension is Dimension.PRIORITY and _bare_priorities(heads, position, reading):
        return
    named = _name_after(entry, word, after) or _name_before(entry, word, before)
    if named is not None:
        named.used = True
        add_value(reading, dimension,
                  named.original.lstrip("#") if dimension is not Dimension.CUSTOMER
                  else named.original)
        return
    lead = before.entry.kind if before is not None and before.entry is not None else None
    if _continues_breakdown(heads, position, reading):
        lead = Kind.GROUP  # "by tier and channel"
    if lead is Kind.ALL:
        if dimension not in reading.all_of:
            reading.all_of.append(dimension)
    elif lead is Kind.WHICH:
        _group(reading, dimension, one=not entry.plural)
    elif lead in (Kind.RANK, Kind.LIMIT_RANK):  # "the slowest team", "top agents"
        _group(reading, dimension, one=not entry.plural)
    elif (entry.plural and dimension is not Dimension.CUSTOMER) or lead is Kind.GROUP \
            or (before is not None and number_of(before) is not None and before.used):
        _group(reading, dimension, one=False)
    elif entry.plural:  # "keeps customers on hold": the customers of every ticket
        reading.describing.append((dimension, word))
    else:
        # A singular dimension word that names no value and asks for no breakdown: the
        # slowest team (a ranking, decided once the whole question is read), or unread.
        reading.lone_dimensions.append((dimension, word))


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
        count = number_of(word) if word.entry is None else None
        if count is not None:
            values.append(str(count))
            word.used = True
        elif not (values and word.entry is None and word.text in ("and", "or", "to")):
            break
        index += 1
    return values


def _bare_priorities(heads: list[Word], position: int, reading: Reading, *,
                     exclude: bool = False) -> list[str]:
    """"high and urgent priority", "low priority and normal": levels named alone next to a
    priority word or value are priority values too (consumed)."""
    levels = []
    for step in (-1, 1):
        index = position + step
        while 0 <= index < len(heads):
            word = heads[index]
            if word.entry is None and word.text in BARE_PRIORITIES and not word.used:
                levels.append(word.text)
                word.used = True
                add_value(reading, Dimension.PRIORITY, word.text, exclude=exclude)
            elif not (word.entry is None and word.text in ("and", "or", ",")) and not (
                    word.entry is not None and word.entry.kind is Kind.COMPARE) and not (
                    word.entry is not None and word.entry.kind is Kind.VALUE
                    and word.entry.dimension is Dimension.PRIORITY):
                break
            index += step
    return levels


def _name_after(entry: Entry, word: Word, after: Word | None) -> Word | None:
    """The name after a singular dimension word: "agent Asha", "customer jo@x", "tagged bug"."""
    if entry.plural and word.text not in ("tagged", "labelled", "labeled") or after is None:
        return None
    if after.period is not None or after.used or after.threshold is not None:
        return None
    if entry.dimension in (Dimension.TAG, Dimension.CUSTOMER):
        if after.entry is None or after.entry.kind not in (
                Kind.DIMENSION, Kind.GROUP, Kind.COMPARE, Kind.CUE, Kind.METRIC, Kind.CONCEPT,
                Kind.FRAME):
            return None if after.text in FILLER and after.entry is None else after
        return None
    if after.entry is None and after.text not in FILLER and number_of(after) is None \
            and entry.dimension in (Dimension.AGENT, Dimension.TEAM, Dimension.CHANNEL,
                                    Dimension.PRIORITY):
        return after
    return None


def _name_before(entry: Entry, word: Word, before: Word | None) -> Word | None:
    """The name before a singular dimension word: "marketing team", "the vip tag"."""
    if entry.plural or before is None or before.entry is not None or before.used:
        return None
    if before.period is not None or before.text in FILLER or number_of(before) is not None:
        return None
    if entry.dimension in (Dimension.TEAM, Dimension.TAG):
        return before
    return None
