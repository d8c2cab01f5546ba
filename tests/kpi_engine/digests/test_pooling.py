"""Pooling steps into one "7-day average": rates and means over every record, counts per step,
levels averaged, nothing at all as no data."""

from __future__ import annotations

import pytest

from kpi_engine.digests.pooling import pooled_measurement
from kpi_engine.metrics import get_metric
from kpi_engine.query import Measurement


def test_a_rate_pools_its_records_not_its_daily_rates():
    days = [Measurement(value=1.0, n=1, successes=1), Measurement(value=0.5, n=10, successes=5),
            Measurement(value=None, n=0, successes=0)]
    pooled = pooled_measurement(get_metric("fcr"), days)
    assert (pooled.value, pooled.n, pooled.successes) == (6 / 11, 11, 6)  # not (1 + 0.5) / 2


def test_a_survey_rate_keeps_its_wilson_interval():
    pooled = pooled_measurement(get_metric("csat"), [Measurement(value=0.5, n=2, successes=1),
                                                     Measurement(value=1.0, n=2, successes=2)])
    assert pooled.value == 0.75 and pooled.interval is not None
    assert pooled.interval.low < 0.75 < pooled.interval.high


def test_a_mean_weights_each_day_by_its_records_and_keeps_the_spread():
    # Day 1: 10, 20 (mean 15, variance 50). Day 2: 30 alone (mean 30, no variance).
    # All three: mean 20, variance ((−10)² + 0² + 10²) / 2 = 100.
    days = [Measurement(value=15.0, n=2, variance=50.0), Measurement(value=30.0, n=1)]
    pooled = pooled_measurement(get_metric("frt"), days)
    assert (pooled.value, pooled.n) == (20.0, 3)
    assert pooled.variance == pytest.approx(100.0)


def test_a_count_becomes_the_average_a_step_empty_steps_included():
    days = [Measurement(value=n or None, n=n) for n in (10, 0, 4, 0, 0, 0, 0)]
    pooled = pooled_measurement(get_metric("ticket_volume"), days)
    assert (pooled.value, pooled.n) == (2.0, 14)


def test_a_level_becomes_the_average_level():
    days = [Measurement(value=n, n=n) for n in (100, 110, 120)]
    pooled = pooled_measurement(get_metric("backlog"), days)
    assert pooled.value == 110.0


def test_no_records_at_all_is_no_data():
    pooled = pooled_measurement(get_metric("csat"), [Measurement(value=None, n=0, successes=0)] * 7)
    assert (pooled.value, pooled.n) == (None, 0)
