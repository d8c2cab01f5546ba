"""A change explained, built: the dimensions examined, and `build_explanation` — from the
totals and each segment's sums in both periods (the statements of sql/explain_change.py), each
segment's contribution (a count's own change; a ratio's or mean's rate and mix effects, midpoint
form), the drivers marked (noise.py), each dimension's largest segments listed and the rest as
one "all others" line. Nothing here runs SQL.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace

from kpi_engine.errors import UserError
from kpi_engine.formatting import count_noun, format_value, short_label
from kpi_engine.metrics import Metric
from kpi_engine.periods import Period
from kpi_engine.query.explanation.change import ChangeExplanation
from kpi_engine.query.explanation.noise import mark_drivers
from kpi_engine.query.explanation.segments import (
    ALPHA,
    NO_VALUE,
    TOP_SEGMENTS,
    Contribution,
    DimensionExplanation,
    Pair,
    Split,
    Sums,
    measurement_of,
)
from kpi_engine.query.explanation.words import dimension_plural
from kpi_engine.query.measurements import compare
from kpi_engine.query.model import EXPLAIN_DIMENSIONS, KpiQuery
from kpi_engine.vocabulary import Aggregation, Dimension


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
    splits: list[tuple[Dimension, list[Split], bool]] = []
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
    tests = mark_drivers(metric, query.period, previous_period,
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



def _decompose(metric: Metric, totals: Pair,
               segments: Mapping[str | None, Pair]) -> list[Split | None]:
    """Each segment's contribution (in the order given): a count's own change in count; a
    ratio's or mean's rate and mix effects, midpoint form (a segment with no records in one
    period takes its value of the other there)."""
    parts: list[Split | None] = []
    if metric.aggregation is Aggregation.COUNT:
        for key, pair in segments.items():
            now, before = measurement_of(metric, pair.now), measurement_of(metric, pair.before)
            if pair.now.n == 0 and pair.before.n == 0:
                parts.append(None)
                continue
            difference = (now.value or 0.0) - (before.value or 0.0)
            parts.append(Split(Contribution(segment=key, current=now, previous=before,
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
        parts.append(Split(Contribution(segment=key, current=now, previous=before,
                                         share=w_now, previous_share=w_before,
                                         rate_effect=rate, mix_effect=mix), pair, totals))
    return parts



def _listed(metric: Metric, dimension: Dimension, parts: list[Split], additive: bool,
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


def _others(metric: Metric, parts: list[Split], count: int) -> Contribution:
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

