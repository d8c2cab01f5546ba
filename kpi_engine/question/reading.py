"""What the offline reader works on: `Word`, one word of a question with what the phrase index
says it is, and `Reading`, what the words of one question say before anything is checked
against the registry or the database (follow-ups use the parts it leaves empty).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kpi_engine.metrics import METRICS_BY_ID
from kpi_engine.question.draft import Assumption, FilterDraft, QueryDraft, ThresholdDraft
from kpi_engine.question.phrases import Entry
from kpi_engine.vocabulary import Dimension, Direction, Frame


@dataclass
class Word:
    """One word of the question (lower case), or a placeholder for a period expression."""

    text: str
    original: str
    start: int
    entry: Entry | None = None
    covered: bool = False  # part of a phrase that starts at an earlier word
    period: int | None = None
    used: bool = False  # consumed by a neighbour (a tier number, a name after "agent")
    corrected: bool = False  # a misspelling read as a known phrase
    threshold: tuple[str, float, str] | None = None  # (op, number, unit) of "under 80%"


@dataclass
class Reading:
    """What the words of one question say, before any of it is checked against the registry
    or the database. Follow-ups use the parts it leaves empty."""

    metrics: list[tuple[str, int, str]] = field(default_factory=list)  # (id, strength, words)
    concepts: list[tuple[Entry, Word]] = field(default_factory=list)  # what it is about
    frames: list[Frame] = field(default_factory=list)  # how it asks: a duration, count, share
    period: str | None = None
    compare: bool = False
    compare_to: str | None = None
    compare_words: list[Word] = field(default_factory=list)  # "vs", "compared" …
    filters: dict[Dimension, list[str]] = field(default_factory=dict)
    excluded: dict[Dimension, list[str]] = field(default_factory=dict)
    group_by: list[Dimension] = field(default_factory=list)
    single: list[Dimension] = field(default_factory=list)  # "which agent", "who": one row
    lone_dimensions: list[tuple[Dimension, Word]] = field(default_factory=list)
    describing: list[tuple[Dimension, Word]] = field(default_factory=list)  # "customers"
    several: set[Dimension] = field(default_factory=set)  # one name for several: "the Sams"
    grouping: bool = False  # "by", "per" seen
    who: bool = False  # "who": the agents, one with a ranking ("who closed the most")
    statistic: str | None = None  # median, p90, mean
    threshold: tuple[str, float, str] | None = None
    all_of: list[Dimension] = field(default_factory=list)  # "all tiers", "any channel"
    overall: bool = False
    also: bool = False
    rank: str | None = None  # best, worst, high, low
    limit: int | None = None
    default_limit: bool = False
    percentiles: bool = False
    trend: str | None = None  # day, week, month, or auto ("trend", "over time")
    survey: bool = False
    business_hours: bool | None = None  # "in business hours": True; "in calendar time": False
    explain: bool = False  # "why", "what drove": the change explained by segment
    assumptions: list[Assumption] = field(default_factory=list)
    understood: int = 0
    # Every word of the question is one of: read (an entry, a period, a consumed name or
    # number), corrected (said in `assumptions`), skipped as filler, or unread.
    words: list[Word] = field(default_factory=list)  # all of them, in order
    skipped: list[Word] = field(default_factory=list)  # filler words and stray numbers
    unread: list[Word] = field(default_factory=list)  # unknown even after spelling correction

    @property
    def metric(self) -> str | None:
        return self.metrics[0][0] if self.metrics else None

    def says_anything(self) -> bool:
        return bool(self.metrics or self.concepts or self.frames or self.period or self.compare
                    or self.filters or self.excluded or self.group_by or self.all_of
                    or self.overall or self.rank or self.limit or self.percentiles
                    or self.trend or self.statistic or self.threshold
                    or self.business_hours is not None or self.explain)

    def worst_first(self, metric_id: str) -> bool:
        """Whether the groups go worst first: "worst", or "highest" of a lower-is-better KPI,
        or "lowest" of any other."""
        lower_is_better = METRICS_BY_ID[metric_id].direction is Direction.LOWER
        return {"worst": True, "best": False, "high": lower_is_better,
                "low": not lower_is_better}.get(self.rank or "best", False)

    def draft(self, metric_id: str, threshold: ThresholdDraft | None = None) -> QueryDraft:
        return QueryDraft(
            metric=metric_id, period=self.period, compare=self.compare,
            compare_to=self.compare_to,
            filters=[FilterDraft(dimension=d.value, values=v) for d, v in self.filters.items()]
            + [FilterDraft(dimension=d.value, values=v, exclude=True)
               for d, v in self.excluded.items()],
            group_by=[d.value for d in self.group_by + self.all_of],
            order="worst" if self.worst_first(metric_id) else "best",
            limit=self.limit, percentiles=self.percentiles, trend=self.trend,
            statistic=self.statistic, threshold=threshold,
            business_hours=bool(self.business_hours),
            explain_change=self.explain,
        )
