"""Pooling measurements of consecutive steps (days, weeks) into one: what "the 7-day average"
of a KPI means, computed from the steps' own aggregates — no records are read again.

- a rate pools its records: successes over all steps / records over all steps;
- a mean pools its values: the mean over every record of every step (each step weighted by
  its `n`), with the spread of all of them for a significance test;
- a count becomes the average count per step (tickets per day), over the records of all steps;
- a level (backlog) becomes the average of the steps' levels.

Pooled measurements compare with `query.measurements.compare` like any other: a rate's test
sees every record, a count's test sees the steps' total over their total length.
"""

from __future__ import annotations

from collections.abc import Sequence

from kpi_engine.metrics import Metric
from kpi_engine.query import Measurement, stats
from kpi_engine.query.measurements import empty_measurement
from kpi_engine.vocabulary import Aggregation, Anchor


def pooled_measurement(metric: Metric, steps: Sequence[Measurement]) -> Measurement:
    """The measurement of all `steps` together (see the module's rules)."""
    n = sum(step.n for step in steps)
    if n == 0 or not steps:
        return empty_measurement(metric)
    match metric.aggregation:
        case Aggregation.SHARE:
            successes = sum(step.successes or 0 for step in steps)
            interval = stats.wilson_interval(successes, n) if metric.has_wilson_interval else None
            return Measurement(value=successes / n, n=n, successes=successes, interval=interval)
        case Aggregation.MEAN:
            total = sum(step.value * step.n for step in steps if step.n)
            total_sq = sum(_sum_of_squares(step) for step in steps if step.n)
            return Measurement(value=total / n, n=n,
                               variance=stats.sample_variance(total, total_sq, n))
        case Aggregation.COUNT:
            if metric.anchor is Anchor.PERIOD_END:  # a level: the average level
                average = sum(step.n for step in steps) / len(steps)
                return Measurement(value=average, n=round(average))
            return Measurement(value=n / len(steps), n=n)


def _sum_of_squares(step: Measurement) -> float:
    """Σx² of a step's records, from its mean and sample variance (0 spread for one record)."""
    spread = (step.variance or 0.0) * (step.n - 1)
    return spread + step.n * step.value * step.value
