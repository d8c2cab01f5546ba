"""A change explained: where the change of a KPI between two periods came from.

`KpiEngine.explain_change(query)` measures, for each dimension examined (team, channel, tier,
priority, agent, tag), every segment's aggregates in both periods — one statement per
dimension, see sql/explain_change.py — and `build_explanation` here splits the change into the
segments' contributions. Nothing here runs SQL.

The decomposition (shift-share, symmetric midpoint form). For a ratio or a mean KPI the value
of a period is the weighted mean of its segments' values, R = Σᵢ wᵢ·rᵢ, where wᵢ = nᵢ / N is the
segment's share of the records the value stands on (a ratio: its eligible records; a mean: its
measured records) and rᵢ its own value. With 0 the earlier period and 1 the later one, the
change R¹ − R⁰ is split exactly into, for each segment:

    rate effect  = w̄ᵢ · (rᵢ¹ − rᵢ⁰)             its own value moved, at its average share
    mix effect   = (r̄ᵢ − R̄) · (wᵢ¹ − wᵢ⁰)        its share of the records moved

with w̄ᵢ = (wᵢ⁰ + wᵢ¹)/2, r̄ᵢ = (rᵢ⁰ + rᵢ¹)/2 and R̄ = (R⁰ + R¹)/2. The interaction term
(Δw·Δr) is split half and half between the two effects (the midpoint form), so neither period
is privileged; the mix effect is measured from the average R̄, so a segment whose share grew
at the average value contributes nothing (ΣΔwᵢ = 0, so centring changes no sum). Then
Σᵢ (rate + mix) = Σᵢ (wᵢ¹rᵢ¹ − wᵢ⁰rᵢ⁰) = R¹ − R⁰ exactly. A segment with no records in one
period takes its other period's value there: its rate effect is 0 and its whole contribution
is mix (it appeared, or it went). A count KPI is the sum of its segments' counts: each
segment's contribution is its own change in count (all rate, no mix). Records without a value
(no team, no agent) are a segment of their own, "(none)", so the sums hold.

Tags: a ticket with two tags is in two segments, so tags cannot split the change additively.
Each tag is explained as its own two-segment split — the tickets carrying it against those
that do not — with the decomposition above: its contribution is exact for that split, and the
tags' contributions do not add up to the total change (`additive` is false, and the answer
says so).

Noise: a segment is a *driver* when it carries at least 5% of its dimension's movement (Σ|its
segments' contributions|) and the effect that makes most of its contribution is larger than
noise: its own value's change (the test `compare` uses for the KPI: a two-proportion
z-test for a ratio, Welch's t-test for a mean, a Poisson rate test for a count), or, for a mix
effect, its share of the records (a two-proportion z-test of nᵢ/N). Every test of an
explanation is one family, corrected by Holm's step-down method at 95% — a desk of 50 agents
tested at 95% each would name two or three drivers out of pure noise on every question. The
drivers are listed most clearly beyond noise first (the |z| or |t| of that test): the segment
that matches a cause shows it more clearly than a broader one that dilutes it or a smaller one
within it, so the top driver is the most specific. When
no segment passes, the change is "spread evenly — within noise everywhere". A level (the
backlog) has no noise test, as in a comparison, so it names no driver. A dimension with many
values lists its `top` largest contributions and one "all others" line that sums the rest.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from kpi_engine.errors import UserError
from kpi_engine.formatting import (
    count_noun,
    describe_filters,
    format_change,
    format_count,
    format_value,
    short_label,
)
from kpi_engine.metrics import Metric
from kpi_engine.periods import Period
from kpi_engine.query import stats
from kpi_engine.query.measurements import compare, counts_successes, empty_measurement
from kpi_engine.query.model import (
    EXPLAIN_DIMENSIONS,
    Change,
    KpiQuery,
    KpiResult,
    Measurement,
    filters_json,
)
from kpi_engine.vocabulary import Aggregation, Anchor, Dimension, Direction

TOP_SEGMENTS = 10  # segments listed per dimension; the rest are one "all others" line
# A driver carries at least this part of its dimension's movement (the sum of its segments'
# |contributions|): a small segment whose own value moved beyond noise but which moved the
# total by a hair is listed, not named a driver.
MIN_PART = 0.05
ALPHA = 0.05  # the family-wise error rate of an explanation's tests (Holm)
METHOD = "shift-share, midpoint form: rate = mean share × change of value; mix = (mean value " \
         "− mean total) × change of share"
NO_VALUE = "(none)"
_PLURAL = {Dimension.PRIORITY: "priorities"}


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


@dataclass(frozen=True, kw_only=True)
class ChangeExplanation:
    """Why a KPI changed between two periods: the change (as a comparison gives it) and, per
    dimension examined, each segment's contribution. `reason` says why there is nothing to
    explain (no data in a period, no change) — then no dimension is examined."""

    query: KpiQuery
    metric: Metric
    period: Period
    previous_period: Period
    current: Measurement
    previous: Measurement
    change: Change
    dimensions: tuple[DimensionExplanation, ...] = ()
    reason: str | None = None
    notes: tuple[str, ...] = field(default=())
    definition: str = ""
    calendar: str | None = None
    tests: int = 0  # how many noise tests the explanation ran (the family Holm corrects for)

    @property
    def difference(self) -> float | None:
        return self.change.difference

    @property
    def drivers(self) -> tuple[Driver, ...]:
        """Every driver of every dimension, the most clearly beyond noise first (a tie: the
        larger contribution). A cause diluted in a broader segment (billing's chat tickets
        within tier 1) moves it less on more records, and a smaller segment within it (one
        billing agent) as much on fewer: either shows a smaller test statistic than the
        segment that matches the cause, so the top driver is the most specific one."""
        found = [Driver(d.dimension, s) for d in self.dimensions for s in d.drivers]
        return tuple(sorted(found, key=lambda driver: (
            -(driver.segment.evidence or 0.0), -abs(driver.segment.contribution))))

    @property
    def top_driver(self) -> Driver | None:
        drivers = self.drivers
        return drivers[0] if drivers else None

    def result(self) -> KpiResult:
        """The comparison this explains, as `run` gives it (no statement of its own)."""
        return KpiResult(query=self.query, metric=self.metric, current=self.current,
                         period=self.period, previous_period=self.previous_period,
                         change=self.change, definition=self.definition,
                         calendar=self.calendar)

    def dimension(self, dimension: Dimension) -> DimensionExplanation | None:
        return next((d for d in self.dimensions if d.dimension is dimension), None)

    def without(self, dimension: Dimension, note: str) -> ChangeExplanation:
        """This explanation without one dimension (agents for someone who may not see them),
        and a note saying so."""
        if self.dimension(dimension) is None:
            return self
        return replace(self, dimensions=tuple(d for d in self.dimensions
                                              if d.dimension is not dimension),
                       notes=(*self.notes, note))

    def summary(self) -> str:
        """One sentence: the change and its top driver, or why nothing is named."""
        head = change_sentence(self)
        if self.reason is not None:
            return head + "."
        top = self.top_driver
        if top is not None:
            return f"{head}; the top driver is {driver_phrase(self.metric, top)}."
        if self.metric.anchor is Anchor.PERIOD_END:
            return (f"{head}; a level has no noise test, so no segment is named a driver "
                    "(the largest contributions are listed).")
        if not self.dimensions:
            return f"{head}."
        return f"{head}; {no_driver_words(self)}."

    def to_json(self) -> dict[str, Any]:
        query, metric = self.query, self.metric
        data: dict[str, Any] = {
            "metric": metric.id, "label": metric.label, "unit": metric.unit.value,
            "explain_change": True,
            "value": self.current.value, "n": self.current.n,
            "period": self.period.to_json(),
            "previous": {**self.previous.to_json(), "period": self.previous_period.to_json()},
            "change": self.change.difference, "significant": self.change.significant,
            **filters_json(query.filters),
            "method": METHOD, "alpha": ALPHA, "tests": self.tests,
            "dimensions": [dimension.to_json() for dimension in self.dimensions],
            "drivers": [driver.to_json() for driver in self.drivers],
            "summary": self.summary(),
            "definition": self.definition,
        }
        if self.reason is not None:
            data["reason"] = self.reason
        if self.notes:
            data["notes"] = list(self.notes)
        if query.assumptions:
            data["assumptions"] = list(query.assumptions)
        if query.business_hours:
            data["business_hours"] = {"calendar": self.calendar}
        return data

    def text(self) -> str:
        """The explanation as a support lead reads it in a terminal."""
        metric = self.metric
        lines = [f"Why {short_label(metric)} changed — {self.period.describe()} against "
                 f"{self.previous_period.describe()}",
                 f"  {self.summary()}"]
        if self.query.filters:
            lines.append("  filters: " + describe_filters(self.query.filters))
        for explained in self.dimensions:
            lines.append("")
            title = f"  by {explained.dimension.value}"
            if not explained.additive:
                title += " (each on its own: not additive)"
            lines.append(title + ":")
            for segment in explained.segments:
                lines.append("    " + segment_line(metric, segment))
            if explained.note:
                lines.append(f"    note: {explained.note}")
        for note in self.notes:
            lines.append(f"  note: {note}")
        for assumption in self.query.assumptions:
            lines.append(f"  assumed: {assumption}")
        if self.query.business_hours:
            lines.append(f"  in business hours: {self.calendar or 'the workspace calendar'}")
        lines.append(f"  how computed: {self.definition}; split by segment with the "
                     f"{METHOD}; drivers: larger than noise at 95% after Holm's correction "
                     f"for the {self.tests:,} tests")
        return "\n".join(lines)

    def line(self) -> str:
        """The explanation on one line (one answer per question read from a stream)."""
        parts = [self.summary()]
        for driver in self.drivers[1:3]:
            parts.append("also " + driver_phrase(self.metric, driver))
        parts.extend(f"assumed: {assumption}" for assumption in self.query.assumptions)
        return "; ".join(parts)


# --------------------------------------------------------------------------- words


def change_sentence(explanation: ChangeExplanation) -> str:
    """"CSAT fell 4.1 pts (85.0% → 80.9%, larger than noise)", or why there is nothing to
    explain."""
    if explanation.reason is not None:
        return explanation.reason
    metric, change = explanation.metric, explanation.change
    before = format_value(metric, explanation.previous.value)
    now = format_value(metric, explanation.current.value)
    verb = "rose" if change.difference > 0 else "fell"
    if change.significant is True:
        noise = ", larger than noise"
    elif change.significant is False:
        noise = ", within noise"
    else:
        noise = ""
    amount = format_change(metric, change.difference)
    moved = "barely moved" if amount.startswith("±") else f"{verb} {amount.lstrip('+−')}"
    return (f"{short_label(metric)} {moved} ({before} → {now}{noise}), "
            f"{explanation.period.label} against {explanation.previous_period.label}")


def driver_line(explanation: ChangeExplanation) -> str:
    """The top driver in one line, as a digest names it for a KPI that missed its target:
    "top driver against the day before: team billing −3.2 pts (rate −2.9 pts, mix −0.3 pts;
    88.0% → 79.1%, n = 412 tickets)" — or why none is named."""
    against = f"against {explanation.previous_period.label}"
    if explanation.reason is not None:
        return f"why, {against}: {explanation.reason}"
    top = explanation.top_driver
    if top is not None:
        return f"top driver {against}: {driver_phrase(explanation.metric, top)}"
    if explanation.metric.anchor is Anchor.PERIOD_END:
        return f"why, {against}: a level has no noise test, so no driver is named"
    return f"why, {against}: {no_driver_words(explanation)}"


def no_driver_words(explanation: ChangeExplanation) -> str:
    """"no segment stands out: the drop is spread evenly — within noise everywhere" (or, when
    the change itself is within noise, that every segment's is too)."""
    if explanation.change.significant is False:
        return "no segment stands out: the change is within noise, and so is every segment's"
    return f"no segment stands out: the {change_noun(explanation)} is spread evenly — within " \
           "noise everywhere"


def change_noun(explanation: ChangeExplanation) -> str:
    difference = explanation.change.difference or 0.0
    return "rise" if difference > 0 else "drop"


def driver_phrase(metric: Metric, driver: Driver) -> str:
    """"team billing −3.2 pts (rate −2.9 pts, mix −0.3 pts; 88.0% → 79.1%, n = 412
    tickets)"."""
    return f"{driver.dimension.value} {segment_line(metric, driver.segment, marked=False)}"


def segment_line(metric: Metric, segment: Contribution, *, marked: bool = True) -> str:
    """"billing −3.2 pts (rate −2.9 pts, mix −0.3 pts; 88.0% → 79.1%, n = 412 tickets) —
    driver"."""
    effects = effect_words(metric, segment)
    figures = (f"{format_value(metric, segment.previous.value)} → "
               f"{format_value(metric, segment.current.value)}, "
               f"n = {format_count(segment.current.n, count_noun(metric))}")
    mark = " — driver" if segment.driver and marked else ""
    return f"{segment.name} {format_change(metric, segment.contribution)} " \
           f"({effects}{figures}){mark}"


def effect_words(metric: Metric, segment: Contribution) -> str:
    """"rate −2.9, mix −0.3; " for a ratio or a mean; "" for a count (all its own change)."""
    if metric.aggregation is Aggregation.COUNT:
        return ""
    return (f"rate {format_change(metric, segment.rate_effect)}, "
            f"mix {format_change(metric, segment.mix_effect)}; ")


def dimension_plural(dimension: Dimension) -> str:
    return _PLURAL.get(dimension, dimension.value + "s")


# --------------------------------------------------------------------------- building


def check_explainable(query: KpiQuery) -> None:
    """What `KpiQuery` refuses of an explained change, for a query built without the flag."""
    replace(query, explain_change=True)


def examined_dimensions(query: KpiQuery,
                        dimensions: Sequence[Dimension] | None = None
                        ) -> tuple[tuple[Dimension, ...], tuple[str, ...]]:
    """The dimensions to examine (those given, else the query's breakdown, else all six) and
    a note for each one left out: a dimension filtered to one value has one segment."""
    asked = tuple(dimensions) if dimensions else (query.group_by or EXPLAIN_DIMENSIONS)
    unexplained = [d for d in asked if d not in EXPLAIN_DIMENSIONS]
    if unexplained:
        known = ", ".join(d.value for d in EXPLAIN_DIMENSIONS)
        raise UserError(f"a change is explained by {known}, not by {unexplained[0].value}",
                        [d.value for d in EXPLAIN_DIMENSIONS])
    kept, notes = [], []
    for dimension in dict.fromkeys(asked):
        single = next((f for f in query.filters if f.dimension is dimension
                       and not f.exclude and len(f.values) == 1), None)
        if single is not None and dimension is not Dimension.TAG:
            notes.append(f"not split by {dimension.value}: only {dimension.value} "
                         f"{single.values[0]} is asked about")
            continue
        kept.append(dimension)
    return tuple(kept), tuple(notes)


def build_explanation(
    metric: Metric, query: KpiQuery, previous_period: Period, totals: Pair,
    by_dimension: Mapping[Dimension, Mapping[str | None, Pair]], *,
    definition: str = "", calendar: str | None = None, top: int = TOP_SEGMENTS,
    notes: Sequence[str] = (), alpha: float = ALPHA,
) -> ChangeExplanation:
    """Split the change of `totals` by the segments of each dimension (see the module's
    docstring). `by_dimension` holds each segment's sums in both periods; for a tag, the sums
    of the tickets carrying it."""
    current, previous = measurement_of(metric, totals.now), measurement_of(metric, totals.before)
    change = compare(metric, current, query.period, previous, previous_period)
    made = ChangeExplanation(query=query, metric=metric, period=query.period,
                             previous_period=previous_period, current=current,
                             previous=previous, change=change, notes=tuple(notes),
                             definition=definition, calendar=calendar)
    reason = _nothing_to_explain(made)
    if reason is not None:
        return replace(made, reason=reason)
    splits: list[tuple[Dimension, list[_Split], bool]] = []
    notes = list(notes)
    for dimension, segments in by_dimension.items():
        additive = dimension is not Dimension.TAG
        measured = [key for key, pair in segments.items() if pair.now.n or pair.before.n]
        if additive and len(measured) == 1:
            value = NO_VALUE if measured[0] is None else measured[0]
            notes.append(f"not split by {dimension.value}: every {count_noun(metric)} has "
                         f"{dimension.value} {value}")
            continue
        if not measured:
            notes.append(f"not split by {dimension.value}: no {count_noun(metric)} has a "
                         f"{dimension.value}")
            continue
        if additive:
            parts = _decompose(metric, totals, segments)
        else:
            parts = [_decompose(metric, totals, {key: pair, None: totals - pair})[0]
                     for key, pair in segments.items()]
        parts = [part for part in parts if part is not None]
        for part in parts:
            part.dimension = dimension
        splits.append((dimension, parts, additive))
    tests = _mark_drivers(metric, query.period, previous_period,
                          [part for _, parts, _ in splits for part in parts], alpha)
    dimensions = tuple(_listed(metric, dimension, parts, additive, top)
                       for dimension, parts, additive in splits)
    return replace(made, dimensions=dimensions, tests=tests, notes=tuple(notes))


def _nothing_to_explain(explanation: ChangeExplanation) -> str | None:
    metric = explanation.metric
    noun = count_noun(metric) + "s"
    label = short_label(metric)
    for measured, period in ((explanation.previous, explanation.previous_period),
                             (explanation.current, explanation.period)):
        if measured.n == 0:
            return (f"no change of {label} to explain: there are no {noun} in {period.label} "
                    "(n = 0), so there is nothing to compare")
    if explanation.change.difference is None:
        return f"no change of {label} to explain: no data to compare"
    if explanation.change.difference == 0:
        shown = format_value(metric, explanation.current.value)
        return (f"{label} did not change ({shown} in {explanation.period.label} and in "
                f"{explanation.previous_period.label}): nothing to explain")
    return None


@dataclass
class _Split:
    """A segment's part while the explanation is built: its contribution, and the p-values of
    its own change and of its share's."""

    contribution: Contribution
    pair: Pair
    totals: Pair
    value_test: stats.ChangeTest | None = None
    share_test: stats.ChangeTest | None = None
    dimension: Dimension | None = None


def _by_dimension(parts: list[_Split]) -> dict[Dimension | None, list[_Split]]:
    grouped: dict[Dimension | None, list[_Split]] = {}
    for part in parts:
        grouped.setdefault(part.dimension, []).append(part)
    return grouped


def _decompose(metric: Metric, totals: Pair,
               segments: Mapping[str | None, Pair]) -> list[_Split | None]:
    """Each segment's contribution (in the order given): a count's own change in count; a
    ratio's or mean's rate and mix effects, midpoint form (a segment with no records in one
    period takes its value of the other there)."""
    parts: list[_Split | None] = []
    if metric.aggregation is Aggregation.COUNT:
        for key, pair in segments.items():
            now, before = measurement_of(metric, pair.now), measurement_of(metric, pair.before)
            if pair.now.n == 0 and pair.before.n == 0:
                parts.append(None)
                continue
            difference = (now.value or 0.0) - (before.value or 0.0)
            parts.append(_Split(Contribution(segment=key, current=now, previous=before,
                                             rate_effect=difference), pair, totals))
        return parts
    total_now, total_before = totals.now.n, totals.before.n
    r_now = measurement_of(metric, totals.now).value
    r_before = measurement_of(metric, totals.before).value
    mean_total = (r_now + r_before) / 2
    for key, pair in segments.items():
        if pair.now.n <= 0 and pair.before.n <= 0:
            parts.append(None)  # records, but none the value stands on (no survey answered)
            continue
        now, before = measurement_of(metric, pair.now), measurement_of(metric, pair.before)
        w_now, w_before = pair.now.n / total_now, pair.before.n / total_before
        v_now = now.value if now.value is not None else before.value
        v_before = before.value if before.value is not None else now.value
        rate = (w_now + w_before) / 2 * (v_now - v_before)
        mix = ((v_now + v_before) / 2 - mean_total) * (w_now - w_before)
        parts.append(_Split(Contribution(segment=key, current=now, previous=before,
                                         share=w_now, previous_share=w_before,
                                         rate_effect=rate, mix_effect=mix), pair, totals))
    return parts


def _mark_drivers(metric: Metric, period: Period, previous_period: Period,
                  parts: list[_Split], alpha: float) -> int:
    """Test every segment's own change (and a ratio's or mean's share of the records), correct
    the whole family by Holm's method, and mark the drivers: the segments whose larger effect
    is beyond noise. Returns how many tests were run."""
    level = metric.anchor is Anchor.PERIOD_END
    family: list[tuple[float, _Split, str]] = []
    for part in parts:
        segment = part.contribution
        change = compare(metric, segment.current, period, segment.previous, previous_period)
        part.contribution = replace(segment, significant=change.significant)
        if level:
            continue  # a level has no noise test
        part.value_test = change_test(metric, segment.current, period, segment.previous,
                                      previous_period)
        if part.value_test.p_value is not None:
            family.append((part.value_test.p_value, part, "value"))
        if metric.aggregation is not Aggregation.COUNT:
            part.share_test = stats.two_proportion_test(
                part.pair.before.n, part.totals.before.n, part.pair.now.n, part.totals.now.n,
                alpha)
            if part.share_test.p_value is not None:
                family.append((part.share_test.p_value, part, "share"))
    beyond = holm(family, alpha)
    material = {dimension: MIN_PART * math.fsum(abs(part.contribution.contribution)
                                                for part in dimension_parts)
                for dimension, dimension_parts in _by_dimension(parts).items()}
    for part in parts:
        segment = part.contribution
        if segment.contribution == 0 or abs(segment.contribution) < material[part.dimension]:
            continue
        larger = "value" if abs(segment.rate_effect) >= abs(segment.mix_effect) else "share"
        if (id(part), larger) in beyond:
            test = part.value_test if larger == "value" else part.share_test
            part.contribution = replace(segment, driver=True, evidence=_evidence(test))
    return len(family)


def _evidence(test: stats.ChangeTest) -> float:
    """How clearly a test is beyond noise: its |statistic|; a test without one (Welch's with
    no spread at all) is certain when its p-value is 0."""
    if test.statistic is not None:
        return abs(test.statistic)
    return math.inf if test.p_value == 0 else 0.0


def holm(family: list[tuple[float, _Split, str]], alpha: float) -> set[tuple[int, str]]:
    """Holm's step-down method: with the m p-values in increasing order, reject while
    p₍ₖ₎ < α / (m − k) (k from 0), and stop at the first that is not. Returns (id of the
    split, which test) of the rejected — the effects larger than noise."""
    ordered = sorted(family, key=lambda item: item[0])
    rejected: set[tuple[int, str]] = set()
    m = len(ordered)
    for k, (p_value, part, which) in enumerate(ordered):
        if p_value >= alpha / (m - k):
            break
        rejected.add((id(part), which))
    return rejected


def change_test(metric: Metric, current: Measurement, period: Period, previous: Measurement,
                previous_period: Period) -> stats.ChangeTest:
    """The test `compare` runs on a change (a two-proportion z-test for a ratio, Welch's
    t-test for a mean, a Poisson rate test for a count), with its statistic and p-value; an
    empty one when it runs none (no data, too few records, a level)."""
    none = stats.ChangeTest(None, None, None)
    if (current.value is None or previous.value is None) \
            and metric.aggregation is not Aggregation.COUNT:
        return none
    match metric.aggregation:
        case Aggregation.SHARE:
            return stats.two_proportion_test(previous.successes or 0, previous.n,
                                             current.successes or 0, current.n)
        case Aggregation.MEAN:
            if current.variance is None or previous.variance is None:
                return none
            return stats.welch_test(previous.value, previous.variance, previous.n,
                                    current.value, current.variance, current.n)
        case Aggregation.COUNT:
            if metric.anchor is Anchor.PERIOD_END:
                return none
            counted = counts_successes(metric)
            before = (previous.successes or 0) if counted else previous.n
            now = (current.successes or 0) if counted else current.n
            return stats.poisson_rate_test(before, _seconds(previous_period),
                                           now, _seconds(period))


def _seconds(period: Period) -> float:
    return max((period.end - period.start).total_seconds(), 1.0)


def _listed(metric: Metric, dimension: Dimension, parts: list[_Split], additive: bool,
            top: int) -> DimensionExplanation:
    """The dimension's segments by |contribution| (a tie: by name), the first `top` listed;
    the rest one "all others" line (for tags, which do not add up, only counted)."""
    ordered = sorted((part.contribution for part in parts),
                     key=lambda s: (-abs(s.contribution), s.segment is None, s.segment or ""))
    shown, rest = ordered[:top], ordered[top:]
    note = None
    if not additive:
        note = ("a ticket with several tags is in each of their segments: each tag is split "
                "against the tickets without it, and the tags' contributions do not add up "
                "to the change")
    if rest and additive:
        shown.append(_others(metric, [part for part in parts
                                      if part.contribution in rest], len(rest)))
    if rest:
        many = f"{len(ordered):,} {dimension_plural(dimension)}: the {top} largest " \
               f"contributions are listed"
        many += (f", the other {len(rest):,} together" if additive
                 else f"; {len(rest):,} more not listed")
        drivers_left = sum(1 for s in rest if s.driver)
        if drivers_left:
            many += f" ({drivers_left:,} of them drivers)"
        note = many if note is None else f"{many}; {note}"
    return DimensionExplanation(dimension=dimension, segments=tuple(shown),
                                segments_total=len(ordered), additive=additive, note=note)


def _others(metric: Metric, parts: list[_Split], count: int) -> Contribution:
    """One line for the segments not listed: their effects summed (exact), their records
    pooled; never a driver."""
    pooled = Pair(Sums(), Sums())
    for part in parts:
        pooled = pooled + part.pair
    rate = math.fsum(part.contribution.rate_effect for part in parts)
    mix = math.fsum(part.contribution.mix_effect for part in parts)
    shares = [part.contribution.share for part in parts if part.contribution.share is not None]
    previous_shares = [part.contribution.previous_share for part in parts
                       if part.contribution.previous_share is not None]
    return Contribution(
        segment=None, others=count,
        current=measurement_of(metric, pooled.now), previous=measurement_of(metric, pooled.before),
        share=math.fsum(shares) if shares else None,
        previous_share=math.fsum(previous_shares) if previous_shares else None,
        rate_effect=rate, mix_effect=mix)


def direction_word(metric: Metric, difference: float) -> str:
    """"better" / "worse" by the KPI's direction; "" for a KPI where neither is."""
    if metric.direction is Direction.NEUTRAL or difference == 0:
        return ""
    return "worse" if metric.worse_by(difference) > 0 else "better"

