"""Numbers as people read them: every unit, rounding, signs and "no data"."""

from __future__ import annotations

import pytest

from kpi_engine.formatting import format_change, format_duration, format_value
from kpi_engine.metrics import get_metric


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0 s"), (42, "42 s"), (59.6, "1 min"), (303, "5 min 3 s"), (725, "12 min"), (3600, "1 h"),
     (4320, "1 h 12 min"), (86_400, "1 d"), (187_200, "2 d 4 h"), (-90, "-1 min 30 s")],
)
def test_durations(seconds, text):
    assert format_duration(seconds) == text


@pytest.mark.parametrize(
    ("metric", "value", "text"),
    [("fcr", 0.7314, "73.1%"), ("fcr", 1.0, "100.0%"), ("frt", 4320.4, "1 h 12 min"),
     ("ticket_volume", 1204, "1,204"), ("contacts_to_resolution", 1.456, "1.46"),
     ("ces", 5.4, "5.40 / 7"), ("nps", 32.4, "+32"), ("nps", -12.0, "-12"),
     ("csat", None, "no data"), ("frt", None, "no data")],
)
def test_values_by_unit(metric, value, text):
    assert format_value(get_metric(metric), value) == text


@pytest.mark.parametrize(
    ("metric", "difference", "text"),
    [("fcr", 0.029, "+2.9 pts"), ("fcr", -0.0004, "±0.0 pts"), ("frt", -250.4, "−4 min 10 s"),
     ("ticket_volume", -33, "−33"), ("ces", 0.3, "+0.30"), ("nps", -26.2, "−26"),
     ("fcr", None, "n/a")],
)
def test_changes_carry_a_direction_only_when_there_is_one(metric, difference, text):
    assert format_change(get_metric(metric), difference) == text
