"""A change explained, against noise: each segment's own change tested as `compare` tests the
KPI's (a two-proportion z-test, Welch's t-test, a Poisson rate test) and a ratio's or mean's
share of the records by a two-proportion z-test; the whole family corrected by Holm's method;
the drivers marked — segments carrying enough of their dimension's movement whose larger effect
is beyond noise.
"""

from __future__ import annotations

import math
from dataclasses import replace

from kpi_engine.metrics import Metric
from kpi_engine.periods import Period
from kpi_engine.query import stats
from kpi_engine.query.explanation.segments import MIN_PART, Split
from kpi_engine.query.measurements import compare, counts_successes
from kpi_engine.query.model import Measurement
from kpi_engine.vocabulary import Aggregation, Anchor, Dimension


def _by_dimension(parts: list[Split]) -> dict[Dimension | None, list[Split]]:
    grouped: dict[Dimension | None, list[Split]] = {}
    for part in parts:
        grouped.setdefault(part.dimension, []).append(part)
    return grouped



def mark_drivers(metric: Metric, period: Period, previous_period: Period,
                  parts: list[Split], alpha: float) -> int:
    """Test every segment's own change (and a ratio's or mean's share of the records), correct
    the whole family by Holm's method, and mark the drivers: the segments whose larger effect
    is beyond noise. Returns how many tests were run."""
    level = metric.anchor is Anchor.PERIOD_END
    family: list[tuple[float, Split, str]] = []
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


def holm(family: list[tuple[float, Split, str]], alpha: float) -> set[tuple[int, str]]:
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

