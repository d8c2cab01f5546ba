"""Aggregates → measurements: one result row's `n`, value, successes, spread, interval,
details and percentiles as a `Measurement` (the value a median or p90 when the query asks for
that statistic, the mean then a detail), and the change between two measurements with whether
it is larger than noise (a two-proportion z-test for rates, Welch's t-test for means, a
Poisson rate test for counts — of what a count counts: its records, or those where its
condition holds).
"""

from __future__ import annotations

from decimal import Decimal

from kpi_engine.metrics import Metric
from kpi_engine.periods import Period
from kpi_engine.query import stats
from kpi_engine.query.model import PERCENTILES, Change, KpiQuery, Measurement
from kpi_engine.vocabulary import Aggregation, Anchor, Statistic


def counts_successes(metric: Metric) -> bool:
    """Whether a measurement of `metric` carries `successes`: a share, or a count with a
    condition (the escalated tickets among those created)."""
    return metric.aggregation is Aggregation.SHARE or (
        metric.aggregation is Aggregation.COUNT and metric.condition is not None)


def events(metric: Metric, measurement: Measurement) -> int:
    """What a count counts: its records, or those where its condition holds (the escalated
    tickets, while `n` is every ticket created)."""
    if counts_successes(metric) and measurement.successes is not None:
        return measurement.successes
    return measurement.n


def empty_measurement(metric: Metric) -> Measurement:
    return Measurement(value=None, n=0, successes=0 if counts_successes(metric) else None)


def measurement_from_row(metric: Metric, row, query: KpiQuery | None = None) -> Measurement:
    """The aggregates of one result row as a Measurement (value None when n is 0); with the
    query's statistic, the value is that percentile and the mean is a detail."""
    n = int(row["n"] or 0)
    if n == 0:
        return empty_measurement(metric)
    successes = variance = interval = None
    match metric.aggregation:
        case Aggregation.COUNT:
            value: float = n
            if counts_successes(metric):
                successes = int(row["successes"] or 0)
                value = successes
        case Aggregation.MEAN:
            value = float(_number(row["value"]))
            if "sum_sq" in row:
                variance = stats.sample_variance(value * n, float(_number(row["sum_sq"])), n)
        case Aggregation.SHARE:
            successes = int(row["successes"])
            value = successes / n
            if metric.has_wilson_interval:
                interval = stats.wilson_interval(successes, n)
    details = tuple((d.name, _number(row[f"d_{d.name}"])) for d in metric.details)
    percentiles = tuple(
        (name, _number(row[f"p_{name}"])) for name, _ in PERCENTILES if f"p_{name}" in row
    )
    statistic = query.statistic if query is not None else None
    if statistic is not None and statistic is not Statistic.MEAN:
        details += (("mean", value),)
        value = dict(percentiles)[statistic.value]
        if not query.percentiles:
            percentiles = ()
    return Measurement(
        value=value, n=n, successes=successes, variance=variance, interval=interval,
        details=details, percentiles=percentiles,
    )


def compare(
    metric: Metric, current: Measurement, period: Period, previous: Measurement,
    previous_period: Period, *, statistic: Statistic | None = None,
) -> Change:
    """The change from `previous` to `current`, and whether it is larger than noise; a median or
    p90 (`statistic`) has no noise test here (significant None)."""
    if current.value is None or previous.value is None:
        return Change(previous=previous, difference=None, significant=None)
    difference = current.value - previous.value
    if statistic is not None and statistic is not Statistic.MEAN:
        return Change(previous=previous, difference=difference, significant=None)
    match metric.aggregation:
        case Aggregation.SHARE:
            test = stats.two_proportion_test(previous.successes, previous.n,
                                             current.successes, current.n)
        case Aggregation.MEAN:
            if current.variance is None or previous.variance is None:
                test = stats.ChangeTest(None, None, None)
            else:
                test = stats.welch_test(
                    previous.value, previous.variance, previous.n,
                    current.value, current.variance, current.n,
                )
        case Aggregation.COUNT:
            if metric.anchor is Anchor.PERIOD_END:  # a level, not a rate: no test applies
                test = stats.ChangeTest(None, None, None)
            else:
                test = stats.poisson_rate_test(events(metric, previous), _seconds(previous_period),
                                               events(metric, current), _seconds(period))
    return Change(previous=previous, difference=difference, significant=test.significant)


def _seconds(period: Period) -> float:
    return max((period.end - period.start).total_seconds(), 1.0)


def _number(value) -> float | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return float(value)
    return value
