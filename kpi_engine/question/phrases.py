"""The words the offline reader knows, as a phrase index: KPI names from the metric registry,
dimension words and values from the lexicon, and the small closed vocabulary of questions
(breakdown, comparison, ranking, percentile and filler words). Each phrase maps to an `Entry`
saying what it is; the reader matches the longest phrase at each position.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache

from kpi_engine.metrics import METRICS
from kpi_engine.question.draft import AUTO_TREND
from kpi_engine.question.lexicon import Lexicon
from kpi_engine.vocabulary import Dimension


class Kind(Enum):
    """What a known phrase is to the reader."""

    METRIC = "metric"  # a KPI name: "FCR", "time to first reply"
    VALUE = "value"  # a dimension value: "chat", "urgent", "billing", "Asha"
    DIMENSION = "dimension"  # a dimension word: "agent", "teams", "tier"
    GROUP = "group"  # a breakdown word: "by", "per", "each"
    COMPARE = "compare"  # a comparison with the period named next: "vs", "compared"
    CHANGE = "change"  # a comparison with the period before: "change", "improved"
    TREND = "trend"  # one value per step: "by day", "weekly", "monthly"; "trend" (auto step)
    RANK = "rank"  # "best", "worst", "highest", "fastest"
    LIMIT_RANK = "limit_rank"  # "top", "bottom": a ranking that shows only the first few
    WHICH = "which"  # "which": one group ("which agent")
    PERCENTILE = "percentile"  # "median", "p90"
    OVERALL = "overall"  # "overall", "no breakdown"
    ALL = "all"  # "all", "any": "for all tiers" lifts a filter
    ALSO = "also"  # "also by channel" adds to the breakdown
    NEGATION = "negation"  # "excluding", "not": refused, never read as inclusion
    SURVEY = "survey"  # "survey(s)": "response rate of csat surveys"
    CUE = "cue"  # "for", "in", "on": a name is expected next


@dataclass(frozen=True, slots=True)
class Entry:
    """What a phrase is, and for metrics and values which one."""

    kind: Kind
    name: str = ""  # metric id, rank direction (best, worst, high, low), or a trend's step
    dimension: Dimension | None = None
    value: str = ""  # for values: the spelling looked up in the lexicon
    strength: int = 2  # metrics: 2 named, 1 a verb or generic word, 0 "tickets"
    plural: bool = False  # dimension words: "agents" asks for a breakdown


# KPI words beyond the registry's synonyms, and how strongly each names its KPI: a generic word
# ("tickets") gives way to any other KPI named in the same question.
WEAK_METRIC_PHRASES = {
    "tickets": ("ticket_volume", 0), "ticket": ("ticket_volume", 0),
    "how many tickets": ("ticket_volume", 0), "volume": ("ticket_volume", 0),
    "contacts": ("ticket_volume", 0), "how many": ("ticket_volume", 0),
    "conversations": ("ticket_volume", 0), "chats handled": ("ticket_volume", 1),
    "resolve": ("resolved", 1), "resolved": ("resolved", 1), "resolving": ("resolved", 1),
    "solve": ("resolved", 1), "solved": ("resolved", 1), "close": ("resolved", 1),
    "closed": ("resolved", 1), "closes": ("resolved", 1), "resolves": ("resolved", 1),
    "open": ("backlog", 1), "still open": ("backlog", 1), "unresolved": ("backlog", 1),
    "escalated": ("escalation_rate", 1), "escalations": ("escalation_rate", 1),
    "reopened": ("reopen_rate", 1), "reopens": ("reopen_rate", 1),
    "complaints": ("complaint_rate", 1), "satisfaction": ("csat", 1), "effort": ("ces", 1),
    "queue": ("backlog", 1),
}

DIMENSION_WORDS = {
    Dimension.AGENT: ("agent", "agents", "rep", "reps", "assignee", "assignees"),
    Dimension.TEAM: ("team", "teams"),
    Dimension.TIER: ("tier", "tiers", "level", "levels"),
    Dimension.CHANNEL: ("channel", "channels"),
    Dimension.PRIORITY: ("priority", "priorities"),
    Dimension.TAG: ("tag", "tags", "tagged", "label", "labels", "labelled", "labeled"),
    Dimension.CUSTOMER: ("customer", "customers", "requester", "requesters", "client",
                         "clients"),
    Dimension.KIND: ("kind", "kinds", "survey type", "survey types", "survey kind",
                     "survey kinds"),
}

CHANNEL_SPELLINGS = {
    "chat": "chat", "chats": "chat", "live chat": "chat", "email": "email", "emails": "email",
    "e mail": "email", "e mails": "email", "mail": "email", "phone": "phone",
    "phone calls": "phone", "calls": "phone", "call": "phone", "voice": "phone",
    "phones": "phone", "slack": "slack", "web": "web", "web form": "web", "webform": "web",
    "social": "social", "social media": "social",
}

PRIORITY_SPELLINGS = {"urgent": "urgent"} | {
    spelling: level
    for level in ("low", "normal", "high", "urgent")
    for spelling in (f"{level} priority", f"priority {level}", f"{level} prio", f"prio {level}")
}

TIER_SPELLINGS = {f"{prefix}{n}": str(n) for n in (1, 2, 3) for prefix in ("tier", "l", "t")}

TREND_PHRASES = {
    step: (step + "ly" if step != "day" else "daily", f"by {step}", f"per {step}",
           f"each {step}", f"every {step}", f"{step} by {step}", f"by the {step}")
    for step in ("day", "week", "month")
} | {AUTO_TREND: ("trend", "trends", "trend line", "trendline", "over time", "time series",
                 "evolution")}

CLOSED_VOCABULARY: dict[str, Entry] = {
    **dict.fromkeys(("by", "per", "each", "every", "across"), Entry(Kind.GROUP)),
    # a comparison with the period named next ("vs last month") ...
    **dict.fromkeys(("vs", "v", "versus", "compared", "compare", "comparison", "against",
                     "than"), Entry(Kind.COMPARE)),
    # ... or with the period before, by the contract's rule ("how did CSAT change")
    **dict.fromkeys(("change", "changed", "changes", "changing", "trending",
                     "difference", "delta", "week over week", "month over month", "wow", "mom",
                     "up or down", "improve", "improved", "improving", "evolve", "evolved"),
                    Entry(Kind.CHANGE)),
    # a trend: one value per day, week or month ("auto": the step follows the period's length)
    **{phrase: Entry(Kind.TREND, step) for step, phrases in TREND_PHRASES.items()
       for phrase in phrases},
    **dict.fromkeys(("best", "greatest"), Entry(Kind.RANK, "best")),
    **dict.fromkeys(("worst",), Entry(Kind.RANK, "worst")),
    "top": Entry(Kind.LIMIT_RANK, "best"), "bottom": Entry(Kind.LIMIT_RANK, "worst"),
    **dict.fromkeys(("highest", "most", "longest", "slowest", "largest", "biggest", "max",
                     "maximum"), Entry(Kind.RANK, "high")),
    **dict.fromkeys(("lowest", "least", "fewest", "fastest", "shortest", "smallest", "min",
                     "minimum", "quickest"), Entry(Kind.RANK, "low")),
    **dict.fromkeys(("which", "whose"), Entry(Kind.WHICH)),
    **dict.fromkeys(("median", "p50", "p90", "p95", "p99", "percentile", "percentiles",
                     "distribution", "90th percentile"), Entry(Kind.PERCENTILE)),
    **dict.fromkeys(("overall", "total", "in total", "no breakdown", "without breakdown",
                     "without a breakdown", "not broken down", "altogether"), Entry(Kind.OVERALL)),
    **dict.fromkeys(("all", "any"), Entry(Kind.ALL)),
    **dict.fromkeys(("also", "too", "as well", "additionally"), Entry(Kind.ALSO)),
    **dict.fromkeys(("not", "excluding", "except", "exclude", "without", "other than", "non",
                     "apart from", "besides"), Entry(Kind.NEGATION)),
    **dict.fromkeys(("survey", "surveys"), Entry(Kind.SURVEY)),
    # words after which a name is expected: an unknown word there is an unknown value
    **dict.fromkeys(("for", "in", "on", "from", "at", "of", "with", "via", "about"),
                    Entry(Kind.CUE)),
}

NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                "eight": 8, "nine": 9, "ten": 10, "twenty": 20}

# Words that carry no meaning for the query (read, then ignored). Also the guard that keeps
# ordinary English words from being "corrected" into a KPI or a name.
FILLER = frozenset("""
a an the and or but so to is are was were be been being am do does did done doing has have
had having what what's whats how how's hows who when where why which that this these those it
its it's me my mine we our ours us you your yours i i'm im they their them he she his her
please pls plz thanks thank hey hi hello kpibot bot can could would should will shall may
might must show give tell get got find see look let lets let's know want need like just
quickly quick now currently current value number numbers rate rates score scores level
average avg mean metric metrics kpi kpis stats statistics figure figures report reporting
data there here then than as if into onto off out up down over under again also only
same other another more less much many some few very really pretty quite about around
across after before during between through since until while within without per each every
all any both either neither no yes nor not did was were had had our team's agent's
overall time times period periods day days week weeks month months year years quarter
quarters so-far far far-so ago new happen happened happening looking looks look like doing
going go went been look lately recent recently latest been our support desk helpdesk service
customers' tickets' ticket's handled handle handling received receive got getting get made
make made was were is be compared is it how's did we what's hows going number of rate
percentage percent pct share ratio count counts total amount figure split broken breakdown
grouped group down one ones whole entire everything everyone people person staff
""".split())


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
    for metric in METRICS:
        for phrase in (metric.id.replace("_", " "), *metric.synonyms):
            phrases[_words(phrase)] = Entry(Kind.METRIC, metric.id)
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

    def longest_match(self, words: list[str], start: int) -> tuple[int, Entry] | None:
        """(length, entry) of the longest phrase at `start`, or None."""
        for phrase, entry in self.by_first_word.get(words[start], ()):
            end = start + len(phrase)
            if tuple(words[start:end]) == phrase:
                return len(phrase), entry
        return None


_INDEXES: dict[int, tuple[Lexicon, PhraseIndex]] = {}


def phrase_index(lexicon: Lexicon) -> PhraseIndex:
    """The index for a lexicon (cached per lexicon object)."""
    cached = _INDEXES.get(id(lexicon))
    if cached is not None and cached[0] is lexicon:
        return cached[1]
    phrases = dict(_fixed_phrases())
    for dimension in (Dimension.TEAM, Dimension.AGENT):
        for spelling in lexicon.spellings(dimension):
            words = _words(spelling)
            if words and words not in phrases:
                phrases[words] = Entry(Kind.VALUE, dimension=dimension, value=spelling)
    grouped: dict[str, list[tuple[tuple[str, ...], Entry]]] = defaultdict(list)
    for words, entry in phrases.items():
        grouped[words[0]].append((words, entry))
    by_first = {first: tuple(sorted(found, key=lambda item: -len(item[0])))
                for first, found in grouped.items()}
    fuzzy = {" ".join(words): entry for words, entry in phrases.items()
             if entry.kind in (Kind.METRIC, Kind.VALUE) and len(" ".join(words)) >= 4
             and entry.strength > 0}
    shown = {choice: " or ".join(lexicon.lookup(entry.dimension, entry.value)) or choice
             for choice, entry in fuzzy.items() if entry.kind is Kind.VALUE}
    index = PhraseIndex(by_first_word=by_first, fuzzy_choices=tuple(fuzzy), fuzzy_entries=fuzzy,
                        shown=shown)
    if len(_INDEXES) > 16:
        _INDEXES.clear()
    _INDEXES[id(lexicon)] = (lexicon, index)
    return index


# A word: an email address, a #tag, or letters and digits (with an apostrophe: "asha's").
TOKEN = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|#[\w-]+|[^\W_]+(?:'[^\W_]+)?", re.UNICODE)
