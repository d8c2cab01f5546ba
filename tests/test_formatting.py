"""Numbers as people read them: every unit, rounding, signs and "no data"."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from kpi_engine.formatting import (
    bucket_label,
    format_change,
    format_duration,
    format_value,
    render_line,
    render_text,
)
from kpi_engine.metrics import get_metric
from kpi_engine.periods import Period, PeriodKind
from kpi_engine.query import Change, GroupRow, KpiQuery, KpiResult, Measurement
from kpi_engine.vocabulary import Granularity


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


@pytest.mark.parametrize(
    ("step", "day", "with_year", "text"),
    [(Granularity.DAY, date(2026, 11, 9), False, "Mon 9 Nov"),
     (Granularity.DAY, date(2027, 1, 1), True, "Fri 1 Jan 2027"),
     (Granularity.WEEK, date(2026, 11, 9), False, "week of 9 Nov"),
     (Granularity.WEEK, date(2026, 12, 28), True, "week of 28 Dec 2026"),
     (Granularity.MONTH, date(2026, 11, 1), False, "Nov 2026"),
     (Granularity.MONTH, date(2026, 10, 23), True, "Oct 2026")],
)
def test_trend_steps_are_named_as_people_name_them(step, day, with_year, text):
    assert bucket_label(step, day, with_year=with_year) == text


def _frt_trend() -> KpiResult:
    """A hand-made FRT trend over Mon 9 – Wed 11 Nov: 200 s over 2 tickets, no data, 60 s."""
    utc = timezone.utc
    period = Period(start=datetime(2026, 11, 9, tzinfo=utc), end=datetime(2026, 11, 12, tzinfo=utc),
                    label="9–11 Nov", kind=PeriodKind.RANGE)
    query = KpiQuery(metric="frt", period=period, trend=Granularity.DAY, percentiles=True,
                     compare=True)
    days = {"2026-11-09": Measurement(value=200.0, n=2, percentiles=(("median", 200.0),
                                                                        ("p90", 280.0))),
             "2026-11-10": Measurement(value=None, n=0),
             "2026-11-11": Measurement(value=60.0, n=1, percentiles=(("median", 60.0),
                                                                       ("p90", 60.0)))}
    total = Measurement(value=460 / 3, n=3, percentiles=(("median", 100.0), ("p90", 260.0)))
    before = Measurement(value=1500.0, n=2)
    return KpiResult(
        query=query, metric=get_metric("frt"), current=total, period=period,
        rows=tuple(GroupRow(group=(("day", day),), current=m) for day, m in days.items()),
        groups_total=3, previous_period=period,
        change=Change(previous=before, difference=460 / 3 - 1500, significant=None),
    )


def test_a_trend_is_a_table_in_time_order_without_per_step_changes():
    text = render_text(_frt_trend())
    table = text.splitlines()[text.splitlines().index("") + 1:][:4]
    assert [line.split() for line in table] == [
        ["day", "First", "response", "time", "n", "median", "p90"],
        ["Mon", "9", "Nov", "3", "min", "20", "s", "2", "3", "min", "20", "s", "4", "min", "40", "s"],
        ["Tue", "10", "Nov", "no", "data", "0", "no", "data", "no", "data"],
        ["Wed", "11", "Nov", "1", "min", "1", "1", "min", "1", "min"],
    ]
    assert "previous: 25 min" in text and "worst first" not in text


def test_a_trend_on_one_line_shows_every_step():
    line = render_line(_frt_trend())
    assert ("by day: Mon 9 Nov 3 min 20 s (n = 2), Tue 10 Nov no data (n = 0), "
            "Wed 11 Nov 1 min (n = 1)") in line
