"""What is asked and what is answered: `KpiQuery` in, `KpiResult` out, both frozen.

A query names a metric, a resolved period, filters (values to keep or to exclude), up to two
breakdown dimensions or a trend (one value per day, week or month), a threshold on the groups,
the statistic that is the value (the mean, or the median or p90 of a time KPI), whether to
compare with a previous period, and whether a time is counted in business hours. A result
carries the value with its `n`, the groups of a breakdown best first (a trend's buckets in time
order) — a ranking's groups with too few records listed apart —, the previous period's figures
and whether the change is larger than noise (and, in business hours, the calendars it was
counted on). `KpiResult.to_json()` is the JSON answer of kpi-definitions.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kpi_engine.errors import UnknownNameError, UserError
from kpi_engine.metrics import Metric, get_metric
from kpi_engine.periods import Period
from kpi_engine.query.stats import Interval
from kpi_engine.vocabulary import FIXED_VALUES, Dimension, Granularity, Population, Statistic

MAX_GROUP_BY = 2
# The dimensions a change is explained by, in the order an explanation lists them.
EXPLAIN_DIMENSIONS: tuple[Dimension, ...] = (Dimension.TEAM, Dimension.CHANNEL, Dimension.TIER,
                                             Dimension.PRIORITY, Dimension.AGENT, Dimension.TAG)
# The percentiles a time KPI gives on request, by name: the statistics a query may ask for.
PERCENTILES: tuple[tuple[str, float], ...] = (("median", 0.5), ("p90", 0.9))


def parse_dimension(name: str) -> Dimension:
    """The dimension called `name` ("agent", "agents", "Tier"), or an error listing them."""
    key = name.strip().lower()
    for dimension in Dimension:
        if key in (dimension.value, dimension.value + "s", dimension.value + "es"):
            return dimension
    raise UnknownNameError(
        f"{name!r} is not something kpibot can filter or group by",
        [dimension.value for dimension in Dimension],
    )


_GRANULARITY_WORDS = {"daily": Granularity.DAY, "days": Granularity.DAY,
                      "weekly": Granularity.WEEK, "weeks": Granularity.WEEK,
                      "monthly": Granularity.MONTH, "months": Granularity.MONTH}


def parse_granularity(name: str) -> Granularity:
    """The step of a trend called `name` ("day", "weekly", "Month"), or an error listing them."""
    key = name.strip().lower()
    for granularity in Granularity:
        if key == granularity.value:
            return granularity
    if key in _GRANULARITY_WORDS:
        return _GRANULARITY_WORDS[key]
    steps = [granularity.value for granularity in Granularity]
    raise UnknownNameError(
        f"{name!r} is not a step of a trend: the steps are {', '.join(steps)}", steps)


@dataclass(frozen=True, kw_only=True)
class Filter:
    """Records whose `dimension` is any of `values` (for tags: carry any of them); with
    `exclude`, records whose dimension is none of them — a missing value included — ("excluding
    chat": every other channel; for tags: carry none of them)."""

    dimension: Dimension
    values: tuple[str, ...]
    exclude: bool = False

    def __post_init__(self) -> None:
        values = tuple(dict.fromkeys(value.strip() for value in self.values if value.strip()))
        if not values:
            raise UserError(f"no value given for {self.dimension.value}")
        fixed = FIXED_VALUES.get(self.dimension)
        if fixed is not None:
            values = tuple(value.lower() for value in values)
            unknown = [value for value in values if value not in fixed]
            if unknown:
                raise UnknownNameError(
                    f"{self.dimension.value} {unknown[0]!r} does not exist: "
                    f"{self.dimension.value} is one of {', '.join(fixed)}",
                    list(fixed),
                )
        object.__setattr__(self, "values", values)

    @classmethod
    def parse(cls, text: str) -> Filter:
        """`DIM=VALUE[,VALUE...]` as the command line takes it; `DIM!=VALUE[,…]` leaves those
        values out."""
        name, sep, values = text.partition("=")
        if not sep:
            raise UserError(f"{text!r} is not DIM=VALUE or DIM!=VALUE",
                            ["tier=1", "channel=chat,email", "channel!=chat"])
        exclude = name.endswith("!")
        return cls(dimension=parse_dimension(name.removesuffix("!")),
                   values=tuple(values.split(",")), exclude=exclude)


THRESHOLD_OPERATORS = ("<", "<=", ">", ">=")


@dataclass(frozen=True, kw_only=True)
class Threshold:
    """Keep only the groups of a breakdown whose value is `op` `value` ("agents with CSAT
    under 80%": < 0.8); the value is in the KPI's unit (a ratio as a fraction, seconds)."""

    op: str
    value: float

    def __post_init__(self) -> None:
        if self.op not in THRESHOLD_OPERATORS:
            raise UserError(f"a threshold compares with one of {', '.join(THRESHOLD_OPERATORS)}")

    def holds(self, value: float | None) -> bool:
        """Whether a group of `value` passes (a group with no data never does)."""
        if value is None:
            return False
        match self.op:
            case "<":
                return value < self.value
            case "<=":
                return value <= self.value
            case ">":
                return value > self.value
            case ">=":
                return value >= self.value


@dataclass(frozen=True, kw_only=True)
class KpiQuery:
    """One KPI over one period, filtered, optionally broken down and compared."""

    metric: str
    period: Period
    filters: tuple[Filter, ...] = ()
    group_by: tuple[Dimension, ...] = ()
    compare: bool = False
    previous: Period | None = None  # the comparison period when the question names one
    percentiles: bool = False  # median and p90 for time KPIs
    limit: int | None = None  # keep the first N groups (refused with a trend)
    worst_first: bool = False  # order the groups worst first (a trend ignores it)
    # one row per day/week/month of the period, in time order; percentiles, when asked, are
    # given for each bucket as for each group of a breakdown; a comparison is of the total
    trend: Granularity | None = None
    # only the groups past this (a breakdown only)
    threshold: Threshold | None = None
    # the statistic that is the value: the median or p90 of a time KPI when asked (None: mean)
    statistic: Statistic | None = None
    assumptions: tuple[str, ...] = ()
    # a time counted in business hours (frt, resolution_time, service_level): only the time
    # within the working intervals of each ticket's business calendar
    business_hours: bool = False
    # "why did it change?": the change to the previous period split into the contributions of
    # the segments of each dimension (`KpiEngine.explain_change`); `group_by` then names the
    # dimensions to examine (none: all of EXPLAIN_DIMENSIONS)
    explain_change: bool = False

    def __post_init__(self) -> None:
        metric = get_metric(self.metric)
        object.__setattr__(self, "metric", metric.id)
        if len(self.group_by) > MAX_GROUP_BY:
            raise UserError(f"a breakdown takes at most {MAX_GROUP_BY} dimensions")
        if len(set(self.group_by)) != len(self.group_by):
            raise UserError("the same dimension is named twice in the breakdown")
        dimensions = [*self.group_by, *(f.dimension for f in self.filters)]
        if Dimension.KIND in dimensions and metric.population is not Population.SURVEY_REQUESTS:
            raise UserError(
                f"kind (csat, ces, nps) applies to survey_response_rate, not {metric.id}",
                ["survey_response_rate"],
            )
        if len({f.dimension for f in self.filters}) != len(self.filters):
            raise UserError("a dimension is filtered twice; give its values once, comma-separated")
        if self.trend is not None and self.group_by:
            raise UserError("a trend is over time alone: ask for it without a breakdown",
                            [f"{metric.id} by day last 30 days"])
        if self.limit is not None and self.limit < 1:
            raise UserError("a limit must be at least 1")
        if self.trend is not None and self.limit is not None:
            raise UserError(f"a trend shows every {self.trend.value} of the period: a limit "
                            "applies to a breakdown only",
                            [f"{metric.id} by {self.trend.value} last 30 days",
                             f"top 3 agents by {metric.id}"])
        if self.previous is not None:
            object.__setattr__(self, "compare", True)
        if self.threshold is not None and not self.group_by:
            raise UserError("a threshold picks groups of a breakdown: say by what",
                            [f"agents with {metric.id} under …", f"{metric.id} by team"])
        if self.statistic is Statistic.MEAN:
            object.__setattr__(self, "statistic", None)
        if self.statistic is not None and not metric.has_percentiles:
            raise UserError(f"{metric.label} has no {self.statistic.value}: it is not a time "
                            "measured per ticket", [f"{metric.id}"])
        if self.business_hours:
            metric.with_business_hours()  # refuses a KPI that is not counted in business hours
        if self.explain_change:
            self._check_explainable(metric)

    def _check_explainable(self, metric: Metric) -> None:
        """An explained change compares two periods, by the dimensions of EXPLAIN_DIMENSIONS;
        a trend, a threshold, a ranking and a median or p90 are refused in one sentence."""
        object.__setattr__(self, "compare", True)
        object.__setattr__(self, "percentiles", False)
        why = f"why did {metric.id} change"
        if self.trend is not None:
            raise UserError("a why explains one change between two periods, not a trend: ask "
                            "without the step", [why, f"{metric.id} by {self.trend.value}"])
        if self.statistic is not None:
            raise UserError(f"a change of the {self.statistic.value} cannot be split into the "
                            "segments' contributions: kpibot explains a change of the "
                            f"{'mean' if metric.has_percentiles else 'value'}", [why])
        if self.threshold is not None or self.limit is not None:
            raise UserError("a why ranks every segment by its contribution to the change: ask "
                            "without a threshold or a top N", [why])
        unexplained = [d.value for d in self.group_by if d not in EXPLAIN_DIMENSIONS]
        if unexplained:
            known = ", ".join(d.value for d in EXPLAIN_DIMENSIONS)
            raise UserError(f"a change is explained by {known}, not by {unexplained[0]}",
                            [f"{why} by {d.value}" for d in EXPLAIN_DIMENSIONS[:3]])

    @property
    def metric_entry(self) -> Metric:
        return get_metric(self.metric)


def filters_json(filters: tuple[Filter, ...]) -> dict[str, Any]:
    """`{"filters": {dim: [values]}}` for the values kept, with `"exclude": {dim: [values]}`
    beside it when some are excluded."""
    data: dict[str, Any] = {
        "filters": {f.dimension.value: list(f.values) for f in filters if not f.exclude}}
    excluded = {f.dimension.value: list(f.values) for f in filters if f.exclude}
    if excluded:
        data["exclude"] = excluded
    return data


@dataclass(frozen=True, kw_only=True)
class Measurement:
    """One aggregate over one period, for the whole or for one group."""

    # None when n == 0: "no data"; with a statistic asked for, that statistic (the mean is
    # then in `details` as "mean")
    value: float | None
    n: int
    # SHARE metrics; a COUNT with a condition: the records where it holds (then the value)
    successes: int | None = None
    variance: float | None = None  # MEAN metrics: sample variance of the per-record values
    interval: Interval | None = None
    details: tuple[tuple[str, float | None], ...] = ()
    percentiles: tuple[tuple[str, float | None], ...] = ()

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"value": self.value, "n": self.n}
        if self.interval is not None:
            data["interval"] = {"low": self.interval.low, "high": self.interval.high}
        if self.details:
            data["details"] = dict(self.details)
        if self.percentiles:
            data["percentiles"] = dict(self.percentiles)
        return data


@dataclass(frozen=True, kw_only=True)
class Change:
    """The difference to the previous period and whether it is larger than noise."""

    previous: Measurement
    difference: float | None
    significant: bool | None


@dataclass(frozen=True, kw_only=True)
class GroupRow:
    group: tuple[tuple[str, str | None], ...]
    current: Measurement
    change: Change | None = None

    def to_json(self) -> dict[str, Any]:
        data = {"group": dict(self.group), **self.current.to_json()}
        if self.change is not None:
            data["previous"] = self.change.previous.to_json()
            data["change"] = self.change.difference
            data["significant"] = self.change.significant
        return data


RANK_BY_VALUE = "value"
RANK_BY_WILSON_LOW = "wilson_low"
RANK_BY_WILSON_HIGH = "wilson_high"


@dataclass(frozen=True, kw_only=True)
class Ranking:
    """The rule a ranking (a breakdown with a limit) used: only groups of at least `min_n`
    records are ranked, ordered by `by` — the value, or for a survey rate the low end of its
    95% Wilson interval (best first) or its high end (worst first)."""

    min_n: int
    by: str = RANK_BY_VALUE

    def to_json(self) -> dict[str, Any]:
        return {"min_n": self.min_n, "by": self.by}


@dataclass(frozen=True, kw_only=True)
class KpiResult:
    """The answer to a `KpiQuery`."""

    query: KpiQuery
    metric: Metric
    current: Measurement
    period: Period
    rows: tuple[GroupRow, ...] = ()
    # how many groups there were before `limit` (those past the threshold, those ranked)
    groups_total: int = 0
    # how many groups the breakdown measured, before the threshold picked some
    groups_measured: int = 0
    # a ranking's groups with fewer records than its minimum: not ranked, best first by value
    unranked: tuple[GroupRow, ...] = ()
    ranking: Ranking | None = None
    previous_period: Period | None = None
    change: Change | None = None
    definition: str = ""
    notes: tuple[str, ...] = field(default=())
    # in business hours: the calendars it was counted on, in words ("Mon–Fri 09:00–17:00
    # Europe/Berlin, DE-BE holidays")
    calendar: str | None = None

    @property
    def value(self) -> float | None:
        return self.current.value

    @property
    def n(self) -> int:
        return self.current.n

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "metric": self.metric.id,
            "label": self.metric.label,
            "value": self.current.value,
            "unit": self.metric.unit.value,
            "n": self.current.n,
            "period": self.period.to_json(),
            **filters_json(self.query.filters),
            "group_by": [dimension.value for dimension in self.query.group_by],
            "rows": [row.to_json() for row in self.rows],
            "previous": None,
            "definition": self.definition,
        }
        if self.query.statistic is not None:
            data["statistic"] = self.query.statistic.value
        if self.query.threshold is not None:
            data["threshold"] = {"op": self.query.threshold.op,
                                 "value": self.query.threshold.value}
        if self.ranking is not None:
            data["ranking"] = self.ranking.to_json()
            data["unranked"] = [row.to_json() for row in self.unranked]
        extra = self.current.to_json()
        for key in ("interval", "details", "percentiles"):
            if key in extra:
                data[key] = extra[key]
        if self.change is not None and self.previous_period is not None:
            data["previous"] = {
                **self.change.previous.to_json(), "period": self.previous_period.to_json()
            }
            data["change"] = self.change.difference
            data["significant"] = self.change.significant
        if self.query.worst_first and self.query.trend is None:  # a trend is in time order
            data["order"] = "worst_first"
        if self.query.trend is not None:
            data["trend"] = self.query.trend.value
        if self.query.assumptions:
            data["assumptions"] = list(self.query.assumptions)
        if self.notes:
            data["notes"] = list(self.notes)
        if self.query.business_hours:
            data["business_hours"] = {"calendar": self.calendar}
        return data
