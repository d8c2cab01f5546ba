"""A change explained, its parts: each segment's sums in both periods as a statement returns
them (`Sums`, `Pair`) and the measurement they stand for; a segment's contribution with its rate
and mix effects (`Contribution`), a dimension's segments (`DimensionExplanation`), a driver with
its dimension (`Driver`), and a segment's part while an explanation is built (`Split`). The
method is in the package's docstring (explanation/__init__.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from kpi_engine.metrics import Metric
from kpi_engine.query import stats
from kpi_engine.query.measurements import counts_successes, empty_measurement
from kpi_engine.query.model import Measurement
from kpi_engine.vocabulary import Aggregation, Dimension

TOP_SEGMENTS = 10  # segments listed per dimension; the rest are one "all others" line
# A driver carries at least this part of its dimension's movement (the sum of its segments'
# |contributions|): a small segment whose own value moved beyond noise but which moved the
# total by a hair is listed, not named a driver.
MIN_PART = 0.05
ALPHA = 0.05  # the family-wise error rate of an explanation's tests (Holm)
METHOD = "shift-share, midpoint form: rate = mean share × change of value; mix = (mean value " \
         "− mean total) × change of share"
NO_VALUE = "(none)"


@dataclass(frozen=True)
class Sums:
    """One segment's aggregates in one period, as a statement returns them: the records the
    value stands on (`n`), those where a ratio's or a count's condition holds, and a mean's
    sum and sum of squares."""

    n: int = 0
    successes: int = 0
    total: float = 0.0
    total_sq: float = 0.0

    def __add__(self, other: Sums) -> Sums:
        return Sums(self.n + other.n, self.successes + other.successes,
                    self.total + other.total, self.total_sq + other.total_sq)

    def __sub__(self, other: Sums) -> Sums:
        return Sums(self.n - other.n, self.successes - other.successes,
                    self.total - other.total, max(self.total_sq - other.total_sq, 0.0))


@dataclass(frozen=True)
class Pair:
    """A segment's sums in the later period (`now`) and the earlier one (`before`)."""

    now: Sums
    before: Sums

    def __add__(self, other: Pair) -> Pair:
        return Pair(self.now + other.now, self.before + other.before)

    def __sub__(self, other: Pair) -> Pair:
        return Pair(self.now - other.now, self.before - other.before)


def measurement_of(metric: Metric, sums: Sums) -> Measurement:
    """The measurement a segment's sums stand for, as `measurement_from_row` makes it: the
    value, `n`, successes, a mean's sample variance, a survey rate's Wilson interval."""
    if sums.n <= 0:
        return empty_measurement(metric)
    successes = variance = interval = None
    match metric.aggregation:
        case Aggregation.COUNT:
            value: float = sums.n
            if counts_successes(metric):
                successes = sums.successes
                value = successes
        case Aggregation.MEAN:
            value = sums.total / sums.n
            variance = stats.sample_variance(sums.total, sums.total_sq, sums.n)
        case Aggregation.SHARE:
            successes = sums.successes
            value = successes / sums.n
            if metric.has_wilson_interval:
                interval = stats.wilson_interval(successes, sums.n)
    return Measurement(value=value, n=sums.n, successes=successes, variance=variance,
                       interval=interval)


@dataclass(frozen=True, kw_only=True)
class Contribution:
    """One segment's part in the change: its rate and mix effects (their sum is its
    contribution), its own value and `n` in both periods, its share of the records, whether
    its own change is larger than noise at 95% (as a breakdown's row says it) and whether it
    is a driver (larger than noise after the correction for every test of the explanation).
    `others` > 0 marks the line standing for that many segments not listed."""

    segment: str | None
    current: Measurement
    previous: Measurement
    share: float | None = None
    previous_share: float | None = None
    rate_effect: float = 0.0
    mix_effect: float = 0.0
    significant: bool | None = None
    driver: bool = False
    others: int = 0
    # a driver: the |z| (Welch: |t|) of the test that makes it one — how clearly beyond noise
    evidence: float | None = None

    @property
    def contribution(self) -> float:
        return self.rate_effect + self.mix_effect

    @property
    def name(self) -> str:
        if self.others:
            return f"all others ({self.others:,})"
        return NO_VALUE if self.segment is None else self.segment

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "segment": self.segment,
            "contribution": self.contribution,
            "rate_effect": self.rate_effect,
            "mix_effect": self.mix_effect,
            "value": self.current.value, "n": self.current.n,
            "previous": {"value": self.previous.value, "n": self.previous.n},
            "share": self.share, "previous_share": self.previous_share,
            "significant": self.significant,
            "driver": self.driver,
        }
        if self.others:
            data["others"] = self.others
        if self.evidence is not None:
            data["evidence"] = None if math.isinf(self.evidence) else self.evidence
        return data


@dataclass(frozen=True, kw_only=True)
class DimensionExplanation:
    """The change split by one dimension: its segments by |contribution| (the `top` largest,
    then one "all others" line), how many segments it has, and whether their contributions add
    up to the total change (not for tags)."""

    dimension: Dimension
    segments: tuple[Contribution, ...]
    segments_total: int
    additive: bool = True
    note: str | None = None

    @property
    def drivers(self) -> tuple[Contribution, ...]:
        return tuple(segment for segment in self.segments if segment.driver)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "dimension": self.dimension.value, "additive": self.additive,
            "segments_total": self.segments_total,
            "segments": [segment.to_json() for segment in self.segments],
        }
        if self.note:
            data["note"] = self.note
        return data


@dataclass(frozen=True)
class Driver:
    """A driver with the dimension it is a segment of."""

    dimension: Dimension
    segment: Contribution

    def to_json(self) -> dict[str, Any]:
        return {"dimension": self.dimension.value, **self.segment.to_json()}



@dataclass
class Split:
    """A segment's part while the explanation is built: its contribution, its sums and the
    totals they are a part of, the tests of its own change and of its share's, and its
    dimension."""

    contribution: Contribution
    pair: Pair
    totals: Pair
    value_test: stats.ChangeTest | None = None
    share_test: stats.ChangeTest | None = None
    dimension: Dimension | None = None
