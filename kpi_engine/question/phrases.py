"""The words the offline reader knows: the small closed vocabulary of questions (frames,
breakdown, comparison, ranking, percentile, why and filler words, the spellings of channels,
priorities and tiers), each phrase with an `Entry` saying what it is. phrase_index.py builds
the index the reader matches from them, the metric registry's names and the lexicon's values.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from kpi_engine.question.draft import AUTO_TREND
from kpi_engine.vocabulary import Dimension, Frame


class Kind(Enum):
    """What a known phrase is to the reader."""

    METRIC = "metric"  # a KPI name: "FCR", "time to first reply"
    CONCEPT = "concept"  # what a KPI is about: "close", "waiting", "escalations", "happy"
    FRAME = "frame"  # how it is asked: "how long" (a duration), "how many", "what share"
    VALUE = "value"  # a dimension value: "chat", "urgent", "billing", "Asha", "refund"
    DIMENSION = "dimension"  # a dimension word: "agent", "teams", "tier"
    GROUP = "group"  # a breakdown word: "by", "per", "each"
    COMPARE = "compare"  # a comparison with what is named next: "vs", "compared"
    CHANGE = "change"  # a comparison with the period before: "change", "improved"
    TREND = "trend"  # one value per step: "by day", "weekly", "monthly"; "trend" (auto step)
    RANK = "rank"  # "best", "worst", "highest", "fastest"
    LIMIT_RANK = "limit_rank"  # "top", "bottom": a ranking that shows only the first few
    WHICH = "which"  # "which": one group ("which agent")
    WHO = "who"  # "who": which agent
    STATISTIC = "statistic"  # the value is this statistic: "median", "typical", "p90", "mean"
    PERCENTILE = "percentile"  # median and p90 beside the value: "percentiles", "distribution"
    OVERALL = "overall"  # "overall", "no breakdown"
    ALL = "all"  # "all", "any": "for all tiers" lifts a filter
    ALSO = "also"  # "also by channel" adds to the breakdown
    NEGATION = "negation"  # "excluding", "except", "other than": the values named next are left out
    SURVEY = "survey"  # "survey(s)": "response rate of csat surveys"
    CUE = "cue"  # "for", "in", "on": a name is expected next
    BUSINESS_HOURS = "business_hours"  # "in business hours" (on), "in calendar time" (off)
    EXPLAIN = "explain"  # "why", "what drove", "what changed": the change split by segment


@dataclass(frozen=True, slots=True)
class Entry:
    """What a phrase is, and for metrics, concepts and values which one."""

    kind: Kind
    name: str = ""  # metric id, rank direction (best, worst, high, low), step, statistic
    dimension: Dimension | None = None
    value: str = ""  # for values: the spelling looked up in the lexicon
    strength: int = 2  # metrics: 2 named, 1 a verb or generic word, 0 "tickets"; concepts too
    plural: bool = False  # dimension words: "agents" asks for a breakdown
    metrics: tuple[str, ...] = ()  # concepts: the KPIs the word is about
    frame: Frame | None = None  # frames: how the question asks


# Generic words for tickets: they name the ticket volume only when nothing else is named.
WEAK_METRIC_PHRASES = {
    "tickets": ("ticket_volume", 0), "ticket": ("ticket_volume", 0),
    "how many tickets": ("ticket_volume", 0), "contacts": ("ticket_volume", 0),
    "conversations": ("ticket_volume", 0), "cases": ("ticket_volume", 0),
    "issues": ("ticket_volume", 0), "requests": ("ticket_volume", 0),
    "chats handled": ("ticket_volume", 1), "queue": ("backlog", 1),
}
# Concept words that lean to a KPI only when nothing more telling is asked ("how many did we
# get" is the volume, "how many got escalated" is not).
WEAK_CONCEPTS = frozenset({"get", "got", "receive", "received", "new", "done", "handled",
                           "left", "response", "reply", "rating", "ratings", "talk", "came",
                           "come", "coming", "message", "messages", "resolve", "solve",
                           "close", "resolved", "solved", "closed"})
# The names of counts that also describe which tickets ("solved tickets"): they name their KPI
# only when no other is asked about ("what share of solved tickets didn't come back").
DESCRIPTIVE_NAMES = frozenset({"resolved", "solved", "resolved tickets", "solved tickets",
                               "closed tickets", "tickets resolved", "tickets solved",
                               "new tickets", "tickets created", "created tickets",
                               "incoming tickets", "open tickets", "unresolved tickets"})

FRAME_PHRASES = {
    Frame.DURATION: ("how long", "how fast", "how quickly", "how quick", "how slow",
                     "how slowly", "time to", "time it takes", "how much time", "take to",
                     "takes to", "took to", "taking to", "long to", "speed", "turnaround",
                     "time", "times", "wait time", "waiting time", "duration", "durations",
                     "minutes", "hours", "long"),
    Frame.COUNT: ("how many", "number of", "numbers of", "count of", "no of", "num of",
                  "count", "counts", "total number of", "amount of", "volume of", "how big",
                  "how large", "total", "totals"),
    Frame.SHARE: ("what %", "what percent", "what percentage", "%", "percent", "percentage",
                  "pct", "share", "rate", "ratio", "proportion", "portion", "fraction",
                  "how often", "how frequently", "what part", "likely"),
}

DIMENSION_WORDS = {
    Dimension.AGENT: ("agent", "agents", "rep", "reps", "assignee", "assignees"),
    Dimension.TEAM: ("team", "teams", "group", "groups", "queue name"),
    Dimension.TIER: ("tier", "tiers", "level", "levels"),
    Dimension.CHANNEL: ("channel", "channels"),
    Dimension.PRIORITY: ("priority", "priorities", "prio", "prios"),
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
    "social": "social", "social media": "social", "emailed": "email", "twitter": "social",
    "facebook": "social", "instagram": "social",
}

PRIORITY_SPELLINGS = {"urgent": "urgent"} | {
    spelling: level
    for level in ("low", "normal", "high", "urgent")
    for spelling in (f"{level} priority", f"priority {level}", f"{level} prio", f"prio {level}",
                     f"{level} pri", f"{level}-priority")
}
# A priority level named alone ("high and urgent tickets", "what about high") — "low" and
# "high" are also plain words, so they are values only next to other priority words or as a
# whole follow-up; the walk decides (see grammar.py).
BARE_PRIORITIES = ("low", "normal", "high")

TIER_SPELLINGS = {f"{prefix}{n}": str(n) for n in (1, 2, 3) for prefix in ("tier", "l", "t")}

TREND_PHRASES = {
    step: (step + "ly" if step != "day" else "daily", f"by {step}", f"per {step}",
           f"each {step}", f"every {step}", f"{step} by {step}", f"by the {step}",
           f"{step} on {step}", f"a {step}")
    for step in ("day", "week", "month")
} | {AUTO_TREND: ("trend", "trends", "trend line", "trendline", "over time", "time series",
                 "evolution")}

BUSINESS_HOURS_PHRASES = tuple(
    f"{lead}{hours}" for hours in ("business hours", "office hours", "working hours",
                                   "work hours", "business time", "business hrs")
    for lead in ("", "in ", "during ", "within ", "inside ", "counting ", "in terms of "))
CALENDAR_TIME_PHRASES = tuple(
    f"{lead}{time}" for time in ("calendar time", "calendar hours", "wall clock time",
                                 "wall clock", "clock time", "around the clock")
    for lead in ("", "in ", "counting ", "in terms of "))

# "why did CSAT drop", "what drove the FRT increase", "what changed in backlog": where a change
# came from (the change split into its segments' contributions)
EXPLAIN_PHRASES = (
    "why", "how come", "what drove", "drove", "driven", "driving", "driver", "drivers",
    "what caused", "caused", "cause", "causes", "causing", "reason", "reasons", "reason for",
    "behind", "explain", "explains", "explained", "explanation", "what changed",
    "what's changed", "whats changed", "what has changed", "contributed", "contributing",
    "contributors", "contributor", "contribution", "contributions",
)
# what moved, the way people say it ("CSAT dropped", "the FRT increase"): a comparison with the
# period before, like "change" (an Entry named MOVEMENT: in a thread, people narrate with these)
MOVEMENT = "movement"
MOVEMENT_PHRASES = (
    "drop", "drops", "dropped", "dropping", "dip", "dips", "dipped", "fall", "falls", "fell",
    "falling", "decline", "declines", "declined", "declining", "decrease", "decreases",
    "decreased", "decreasing", "increase", "increases", "increased", "increasing", "rise",
    "rises", "rose", "rising", "risen", "jump", "jumps", "jumped", "spike", "spikes", "spiked",
    "surge", "surged", "slip", "slipped", "climb", "climbed", "grew", "grow", "grows",
    "growing", "grown", "shrink", "shrinks", "shrank", "shrinking", "worsen", "worsened",
    "got worse", "gotten worse", "get worse", "getting worse", "got better", "gotten better",
)

CLOSED_VOCABULARY: dict[str, Entry] = {
    **dict.fromkeys(("by", "per", "each", "every", "across", "broken down by", "split by",
                     "grouped by", "breakdown by", "breakdown", "for each", "for every"),
                    Entry(Kind.GROUP)),
    # a comparison with what is named next: a period ("vs last month") or a value ("tier 1 vs
    # tier 2") ...
    **dict.fromkeys(("vs", "v", "versus", "compared", "compare", "comparison", "against",
                     "than", "compared to", "compared with", "relative to", "compare with",
                     "compare to", "compared against", "compare against", "vs."),
                    Entry(Kind.COMPARE)),
    # ... or with the period before, by the contract's rule ("how did CSAT change")
    **dict.fromkeys(("change", "changed", "changes", "changing", "trending", "difference", "delta",
                     "week over week", "month over month", "wow", "mom", "up or down",
                     "improve", "improved", "improving", "evolve", "evolved", "shift",
                     "moved", "trend vs", "go up", "went up", "go down", "went down"),
                    Entry(Kind.CHANGE)),
    **dict.fromkeys(MOVEMENT_PHRASES, Entry(Kind.CHANGE, MOVEMENT)),
    **dict.fromkeys(EXPLAIN_PHRASES, Entry(Kind.EXPLAIN)),
    # a trend: one value per day, week or month ("auto": the step follows the period's length)
    **{phrase: Entry(Kind.TREND, step) for step, phrases in TREND_PHRASES.items()
       for phrase in phrases},
    **dict.fromkeys(("best", "greatest", "top performing", "best performing"),
                    Entry(Kind.RANK, "best")),
    **dict.fromkeys(("worst", "worst performing"), Entry(Kind.RANK, "worst")),
    "top": Entry(Kind.LIMIT_RANK, "best"), "bottom": Entry(Kind.LIMIT_RANK, "worst"),
    **dict.fromkeys(("highest", "most", "largest", "biggest", "max", "maximum", "heaviest",
                     "busiest", "higher"), Entry(Kind.RANK, "high")),
    **dict.fromkeys(("lowest", "least", "fewest", "smallest", "min", "minimum", "lightest",
                     "lower"), Entry(Kind.RANK, "low")),
    # ranks of time: the question asks how long ("which channel resolves fastest")
    **dict.fromkeys(("slowest", "longest", "slower"),
                    Entry(Kind.RANK, "high", frame=Frame.DURATION)),
    **dict.fromkeys(("fastest", "quickest", "shortest", "faster", "quicker"),
                    Entry(Kind.RANK, "low", frame=Frame.DURATION)),
    **dict.fromkeys(("which", "whose"), Entry(Kind.WHICH)),
    "who": Entry(Kind.WHO),
    **dict.fromkeys(("median", "typical", "typically", "p50", "50th percentile", "middle"),
                    Entry(Kind.STATISTIC, "median")),
    **dict.fromkeys(("p90", "90th percentile", "90th pct", "90 percentile", "90th",
                     "90 pct", "p 90"), Entry(Kind.STATISTIC, "p90")),
    **dict.fromkeys(("mean", "average", "avg", "on average", "avg."),
                    Entry(Kind.STATISTIC, "mean")),
    **dict.fromkeys(("percentile", "percentiles", "distribution", "spread"),
                    Entry(Kind.PERCENTILE)),
    **dict.fromkeys(("overall", "in total", "no breakdown", "without breakdown",
                     "without a breakdown", "not broken down", "altogether", "all up",
                     "as a whole", "combined", "whole desk", "everyone"), Entry(Kind.OVERALL)),
    **dict.fromkeys(("all", "any"), Entry(Kind.ALL)),
    **dict.fromkeys(("also", "too", "as well", "additionally"), Entry(Kind.ALSO)),
    **dict.fromkeys(("excluding", "except", "exclude", "excludes", "without", "other than",
                     "apart from", "besides", "but not", "not", "non", "minus", "leaving out",
                     "ignoring", "ex", "outside"), Entry(Kind.NEGATION)),
    **dict.fromkeys(("survey", "surveys"), Entry(Kind.SURVEY)),
    # a time counted in business hours only ("FRT during office hours"), or in calendar time
    **{phrase: Entry(Kind.BUSINESS_HOURS, "on") for phrase in BUSINESS_HOURS_PHRASES},
    **{phrase: Entry(Kind.BUSINESS_HOURS, "off") for phrase in CALENDAR_TIME_PHRASES},
    # words after which a name is expected: an unknown word there is an unknown value
    **dict.fromkeys(("for", "in", "on", "from", "at", "of", "with", "via", "about", "handled by",
                     "assigned to", "owned by"), Entry(Kind.CUE)),
}

NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                "eight": 8, "nine": 9, "ten": 10, "twenty": 20}

# Words that carry no meaning for the query: a closed list of function words and the
# scaffolding of questions ("show me", "how are we doing on", "please"). Every other word of a
# question must be read, or read as a misspelling (and said), or the question is asked back.
FILLER = frozenset("""
a an the and or but so to is are was were be been being am do does did done doing has have had
having what what's whats how how's hows when where why that this these those it its it's
me my we we're were our ours us you your i i'm im they their them he she his her him
please pls plz kindly thanks thank thx ty hey hi hello kpibot bot can could would should will
shall may might must show give tell get got find see look let lets let's know want need like
just quickly quick now right there here then as if into onto off out up down again only same
some very really pretty quite about around after before during through since until while
within both either neither no yes nor far ago looking looks look looked doing going go
lately recent recently latest our support desk helpdesk service team's agent's customer's
customers' tickets' ticket's value values number numbers figure figures stat stats statistics
metric metrics kpi kpis data report reporting numbers performance perf doing been up-to-date
currently current so-far whole entire ok okay hmm well sure anything something everything
score scores people person folks staff end keep keeps kept making doing needs needed last
previous prior instead period periods spend spent spending didn't doesn't don't
isn't aren't wasn't weren't haven't hasn't won't can't cannot
""".split())
