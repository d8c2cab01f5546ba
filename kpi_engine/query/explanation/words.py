"""A change explained, in words that need only its segments: a segment's line ("billing −3.2 pts
(rate −2.9 pts, mix −0.3 pts; 88.0% → 79.1%, n = 412 tickets)"), its effects, a driver with its
dimension, a dimension's plural. The sentences about a whole explanation are in change.py.
"""

from __future__ import annotations

from kpi_engine.formatting import count_noun, format_change, format_count, format_value
from kpi_engine.metrics import Metric
from kpi_engine.query.explanation.segments import Contribution, Driver
from kpi_engine.vocabulary import Aggregation, Dimension

_PLURAL = {Dimension.PRIORITY: "priorities"}


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

