"""Numbers as people read them: every unit, rounding, signs and "no data"."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from kpi_engine.formatting import (
    bucket_label,
    describe_filters,
    format_change,
    format_duration,
    format_value,
    render_line,
    render_text,
    value_label,
)
from kpi_engine.metrics import get_metric
from kpi_engine.periods import CalendarUnit, Period, PeriodKind
from kpi_engine.query import (
    Change,
    Filter,
    GroupRow,
    KpiQuery,
    KpiResult,
    Measurement,
    Ranking,
    Threshold,
)
from kpi_engine.vocabulary import Dimension, Granularity, Statistic


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


# --- exclusions, thresholds, rankings, a statistic as the value ---------------------------------

_UTC = timezone.utc
_LAST_WEEK = Period(start=datetime(2026, 11, 9, tzinfo=_UTC),
                    end=datetime(2026, 11, 16, tzinfo=_UTC), label="last week",
                    kind=PeriodKind.CALENDAR, unit=CalendarUnit.WEEK)


def _result(metric: str, current: Measurement, rows=(), **fields) -> KpiResult:
    """A hand-made result of `metric` last week; `fields` split between KpiQuery and KpiResult."""
    result_fields = {key: fields.pop(key) for key in ("groups_total", "groups_measured",
                                                       "unranked", "ranking", "notes", "change",
                                                       "previous_period") if key in fields}
    query = KpiQuery(metric=metric, period=_LAST_WEEK, **fields)
    return KpiResult(query=query, metric=get_metric(metric), current=current, period=_LAST_WEEK,
                     rows=tuple(rows), **{"groups_total": len(rows)} | result_fields)


def _agent(name: str, value, n: int) -> GroupRow:
    return GroupRow(group=(("agent", name),), current=Measurement(value=value, n=n))


@pytest.mark.parametrize(
    ("filters", "text"),
    [((Filter(dimension=Dimension.TIER, values=("1",)),
       Filter(dimension=Dimension.CHANNEL, values=("chat",), exclude=True)),
      "tier 1; excluding channel chat"),
     ((Filter(dimension=Dimension.TAG, values=("vip", "refund"), exclude=True),),
      "excluding tag vip and refund"),
     ((Filter(dimension=Dimension.CHANNEL, values=("chat", "email")),), "channel chat or email")],
)
def test_filters_and_exclusions_are_named(filters, text):
    assert describe_filters(filters) == text
    result = _result("ticket_volume", Measurement(value=12, n=12), filters=filters)
    assert f"  filters: {text}" in render_text(result).splitlines()


def test_a_threshold_line_says_how_many_groups_pass_of_how_many():
    # 4 of 21 agents under 80%; the first two shown
    result = _result("csat", Measurement(value=0.84, n=300),
                     rows=[_agent("Ivo Petrov", 0.78, 41), _agent("Kai Lund", 0.62, 13)],
                     group_by=(Dimension.AGENT,), threshold=Threshold(op="<", value=0.8),
                     groups_total=4, groups_measured=21)
    lines = render_text(result).splitlines()
    assert "  agents with CSAT under 80.0%: 4 of 21 agents" in lines
    assert "  … and 2 more" in lines
    assert "agents with CSAT under 80.0%: 4 of 21 agents" in render_line(result)


def test_no_group_past_a_threshold_is_one_plain_line_and_no_table():
    result = _result("frt", Measurement(value=1500.0, n=90), group_by=(Dimension.TEAM,),
                     threshold=Threshold(op=">=", value=7200), groups_measured=3)
    lines = render_text(result).splitlines()
    assert "  no team has first response time at least 2 h (3 teams measured)" in lines
    assert not any("team  " in line for line in lines)


def test_groups_too_few_to_rank_are_one_line():
    result = _result("csat", Measurement(value=0.84, n=300),
                     rows=[_agent("Bo Berg", 0.95, 100)], group_by=(Dimension.AGENT,), limit=1,
                     unranked=(_agent("Hana Kim", 1.0, 3), _agent("Tom Nguyen", 0.0, 1)),
                     ranking=Ranking(min_n=10, by="wilson_low"))
    assert ("  too few to rank (fewer than 10 responses): Hana Kim (n = 3), Tom Nguyen (n = 1)"
            in render_text(result).splitlines())


def test_a_median_heads_the_answer_with_the_mean_on_the_next_line():
    current = Measurement(value=3120.0, n=880, details=(("mean", 4320.0),))
    before = Measurement(value=3720.0, n=900, details=(("mean", 4000.0),))
    result = _result("aht", current, statistic=Statistic.MEDIAN, compare=True,
                     change=Change(previous=before, difference=-600.0, significant=None),
                     previous_period=_LAST_WEEK)
    lines = render_text(result).splitlines()
    # AHT's label is "Average handle time": its median is the "Median handle time"
    assert lines[0] == "Median handle time — last week (Mon 9 Nov – Sun 15 Nov 2026)"
    assert lines[1:3] == ["  52 min   n = 880 tickets", "  mean: 1 h 12 min"]
    assert "  change: −10 min, no noise test for a median" in lines
    assert render_line(result).startswith(
        "Median handle time, last week (Mon 9 Nov – Sun 15 Nov 2026): 52 min (n = 880); "
        "mean 1 h 12 min; previous 1 h 2 min (last week), −10 min, no noise test for a median")


@pytest.mark.parametrize(
    ("metric", "statistic", "label"),
    [("frt", None, "First response time"), ("frt", Statistic.MEAN, "First response time"),
     ("frt", Statistic.P90, "P90 first response time"),
     ("resolution_time", Statistic.MEDIAN, "Median resolution time"),
     ("aht", Statistic.P90, "P90 handle time")],
)
def test_the_value_is_named_by_its_statistic(metric, statistic, label):
    assert value_label(get_metric(metric), statistic) == label
