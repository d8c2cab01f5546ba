"""Trends — one value per local day, week or month of a period, in time order — on hand-built
tickets, on every backend. Expected values are worked out by hand in each test.

NOW is Sun 2026-11-22 14:05 UTC; "last week" is [2026-11-09, 2026-11-16) UTC. Europe/Berlin
leaves summer time on Sun 2026-10-25 at 03:00 CEST (01:00 UTC): that local day is 25 hours.
"""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from kpi_engine.engine import KpiEngine
from kpi_engine.errors import UserError
from kpi_engine.periods import parse_period, period_from_bounds
from kpi_engine.query import Filter, KpiQuery
from kpi_engine.vocabulary import Dimension, Granularity
from tests.builders import NOW, add_survey_responses, add_tickets, make_settings

from .timeline import LAST_WEEK, UTC, after, at, run

DAY, WEEK, MONTH = Granularity.DAY, Granularity.WEEK, Granularity.MONTH
BERLIN = "Europe/Berlin"


def steps(result) -> list[tuple]:
    """The rows of a trend as (first local day, value, n), in the engine's order."""
    return [(row.group[0][1], row.current.value, row.current.n) for row in result.rows]


def bounds(first: str, end: str, tz: str = "UTC"):
    """[first, end) as local midnights: both ISO dates."""
    return period_from_bounds(first, end, now=NOW, tz=tz)


def test_a_day_trend_has_every_day_in_order_and_an_empty_day_is_no_data(db, kpi):
    add_tickets(
        db,
        {"id": "v1", "created_at": at(9, 10)},
        {"id": "v2", "created_at": at(9, 23, 59, 59)},
        {"id": "v3", "created_at": at(10)},  # midnight: the 10th
        {"id": "v4", "created_at": at(12, 8)},
        {"id": "v5", "created_at": at(12, 9)},
        {"id": "v6", "created_at": at(12, 17)},
        {"id": "v7", "created_at": at(15, 23, 59, 59)},
        {"id": "o1", "created_at": at(16)},  # the period's end: out
        {"id": "o2", "created_at": at(8, 23, 59, 59)},  # before it: out
    )
    result = run(kpi, "ticket_volume", trend=DAY)
    assert steps(result) == [
        ("2026-11-09", 2, 2), ("2026-11-10", 1, 1), ("2026-11-11", None, 0),
        ("2026-11-12", 3, 3), ("2026-11-13", None, 0), ("2026-11-14", None, 0),
        ("2026-11-15", 1, 1),
    ]
    assert (result.value, result.n) == (7, 7)
    assert result.groups_total == 7


def _resolution_times(db) -> None:
    add_tickets(
        db,  # (resolution time): solved on ...
        {"id": "s1", "created_at": at(1, 9), "solved_at": at(1, 10)},  # Sun 1: 3600
        {"id": "s2", "created_at": at(7, 21), "solved_at": at(7, 23)},  # Sat 7: 7200
        {"id": "s3", "created_at": at(7, 23, 50), "solved_at": at(8)},  # Sun 8 00:00: 600
        {"id": "s4", "created_at": at(20, 11, 30), "solved_at": at(20, 12)},  # Fri 20: 1800
        {"id": "s5", "created_at": at(21, 9), "solved_at": at(22, 1)},  # Sun 22: after the end
        {"id": "s6", "created_at": at(2, 9)},  # never solved
    )


def test_a_week_trend_with_weeks_from_sunday(db):
    _resolution_times(db)
    kpi = KpiEngine(db, make_settings(week_start="sunday"))
    result = run(kpi, "resolution_time", period=bounds("2026-11-01", "2026-11-22"), trend=WEEK)
    # Sun 1 – Sat 7: s1, s2; Sun 8 – Sat 14: s3; Sun 15 – Sat 21: s4
    assert steps(result) == [
        ("2026-11-01", pytest.approx((3600 + 7200) / 2), 2),
        ("2026-11-08", pytest.approx(600.0), 1),
        ("2026-11-15", pytest.approx(1800.0), 1),
    ]
    assert result.value == pytest.approx((3600 + 7200 + 600 + 1800) / 4)


def test_the_same_weeks_from_monday_clip_the_first_week_to_the_period(db, kpi):
    _resolution_times(db)
    result = run(kpi, "resolution_time", period=bounds("2026-11-01", "2026-11-22"), trend=WEEK)
    # the week of Mon Oct 26 holds only Sun 1 of the period: s1; Mon 2 – Sun 8: s2, s3;
    # Mon 9 – Sun 15: nothing; Mon 16 – Sat 21 (the period ends): s4
    assert steps(result) == [
        ("2026-11-01", pytest.approx(3600.0), 1),
        ("2026-11-02", pytest.approx((7200 + 600) / 2), 2),
        ("2026-11-09", None, 0),
        ("2026-11-16", pytest.approx(1800.0), 1),
    ]


def test_a_month_trend_of_this_year(db, kpi):
    add_tickets(
        db,
        {"id": "m1", "created_at": at(1, month=1)},
        {"id": "m2", "created_at": at(31, 23, 59, 59, month=1)},
        {"id": "m3", "created_at": at(1, month=2)},
        {"id": "m4", "created_at": at(15, 12, month=3)},
        {"id": "m5", "created_at": at(22, 14, 4)},  # November, before now
        {"id": "m6", "created_at": at(22, 14, 5)},  # now: the end of "this year", out
        {"id": "m7", "created_at": datetime(2025, 12, 31, 23, tzinfo=UTC)},  # last year
    )
    this_year = parse_period("this year", now=NOW, tz="UTC")  # [Jan 1, Nov 22 14:05)
    result = run(kpi, "ticket_volume", period=this_year, trend=MONTH)
    expected = {"2026-01-01": 2, "2026-02-01": 1, "2026-03-01": 1, "2026-11-01": 1}
    months = [f"2026-{month:02d}-01" for month in range(1, 12)]
    assert steps(result) == [
        (month, expected.get(month), expected.get(month, 0)) for month in months
    ]
    assert result.value == 5


def test_a_day_trend_across_the_end_of_summer_time_in_berlin(db):
    kpi = KpiEngine(db, make_settings(tz=BERLIN))
    add_tickets(
        db,  # UTC instant: Berlin wall time
        {"id": "d0", "created_at": at(23, 21, 59, 59, month=10)},  # Fri 23 23:59:59 CEST: out
        {"id": "d1", "created_at": at(23, 22, month=10)},  # Sat 24 00:00 CEST
        {"id": "d2", "created_at": at(24, 21, 59, 59, month=10)},  # Sat 24 23:59:59 CEST
        {"id": "d3", "created_at": at(24, 22, month=10)},  # Sun 25 00:00 CEST
        {"id": "d4", "created_at": at(25, 0, 30, month=10)},  # Sun 25 02:30 CEST
        {"id": "d5", "created_at": at(25, 1, 30, month=10)},  # Sun 25 02:30 CET (again)
        {"id": "d6", "created_at": at(25, 22, 30, month=10)},  # Sun 25 23:30 CET: 25th hour
        {"id": "d7", "created_at": at(25, 23, month=10)},  # Mon 26 00:00 CET
        {"id": "d8", "created_at": at(26, 22, 59, 59, month=10)},  # Mon 26 23:59:59 CET
        {"id": "d9", "created_at": at(26, 23, month=10)},  # Tue 27 00:00 CET: out
    )
    period = bounds("2026-10-24", "2026-10-27", tz=BERLIN)
    assert (period.start, period.end) == (at(23, 22, month=10), at(26, 23, month=10))
    result = run(kpi, "ticket_volume", period=period, trend=DAY)
    # Sun 25 runs from 22:00 UTC on the 24th to 23:00 UTC on the 25th: d3, d4, d5 and d6
    assert steps(result) == [("2026-10-24", 2, 2), ("2026-10-25", 4, 4), ("2026-10-26", 2, 2)]
    assert result.value == 8


def test_a_rolling_period_has_partial_first_and_last_days(db, kpi):
    add_tickets(
        db,
        {"id": "p0", "created_at": at(19, 14, 4, 59)},  # before the start: out
        {"id": "p1", "created_at": at(19, 14, 5)},  # the start: in
        {"id": "p2", "created_at": at(19, 23)},
        {"id": "p3", "created_at": at(21, 12)},
        {"id": "p4", "created_at": at(22, 14, 4, 59)},  # just before now
        {"id": "p5", "created_at": at(22, 14, 5)},  # now: out
    )
    last_3_days = parse_period("last 3 days", now=NOW, tz="UTC")  # [Nov 19 14:05, Nov 22 14:05)
    days = run(kpi, "ticket_volume", period=last_3_days, trend=DAY)
    assert steps(days) == [
        ("2026-11-19", 2, 2), ("2026-11-20", None, 0), ("2026-11-21", 1, 1), ("2026-11-22", 1, 1)
    ]
    # the three days lie in the week of Mon 16 Nov: one bucket, keyed by its clipped start
    weeks = run(kpi, "ticket_volume", period=last_3_days, trend=WEEK)
    assert steps(weeks) == [("2026-11-19", 4, 4)]


def test_a_share_metric_by_month_with_a_filter(db, kpi):
    one_touch = {"agent_replies": 1, "reopens": 0, "escalated": False, "tier": 1}
    add_tickets(
        db,  # FCR counts solved tickets with an agent reply; success = one touch
        {"id": "f1", "created_at": at(1, month=9), "solved_at": at(1, month=10)} | one_touch,
        {"id": "f2", "created_at": at(2, month=10), "solved_at": at(3, month=10)} | one_touch,
        {"id": "f3", "created_at": at(3, month=10), "solved_at": at(31, 23, 59, 59, month=10),
         "agent_replies": 2, "tier": 1},
        {"id": "f4", "created_at": at(4, month=10), "solved_at": at(5, month=10),
         "agent_replies": 0, "tier": 1},  # no agent reply: not counted
        {"id": "f5", "created_at": at(20), "solved_at": at(22, 14, 4)} | one_touch,
        {"id": "f6", "created_at": at(20), "solved_at": at(21), "escalated": True, "tier": 1},
        {"id": "f7", "created_at": at(20), "solved_at": at(21)} | one_touch | {"tier": 2},
        {"id": "f8", "created_at": at(20), "solved_at": at(22, 14, 5)} | one_touch,  # now
        {"id": "f9", "created_at": at(20, month=9), "solved_at": at(30, 23, month=9)}
        | one_touch,  # September: before the quarter
    )
    this_quarter = parse_period("this quarter", now=NOW, tz="UTC")  # [Oct 1, Nov 22 14:05)
    tier_1 = (Filter(dimension=Dimension.TIER, values=("1",)),)
    result = run(kpi, "fcr", period=this_quarter, trend=MONTH, filters=tier_1)
    # October: f1, f2 one-touch, f3 two replies -> 2/3; November: f5 yes, f6 escalated -> 1/2
    assert steps(result) == [("2026-10-01", pytest.approx(2 / 3), 3),
                             ("2026-11-01", pytest.approx(1 / 2), 2)]
    assert [row.current.successes for row in result.rows] == [2, 1]
    assert (result.value, result.n) == (pytest.approx(3 / 5), 5)


def _first_responses(db) -> None:
    add_tickets(
        db,
        {"id": "r1", "created_at": at(9, 9), "first_response_at": after(at(9, 9), 100)},
        {"id": "r2", "created_at": at(9, 15), "first_response_at": after(at(9, 15), 300)},
        {"id": "r3", "created_at": at(10, 9)},  # no reply: no FRT
        {"id": "r4", "created_at": at(11, 9), "first_response_at": after(at(11, 9), 60)},
        {"id": "b1", "created_at": at(3, 9), "first_response_at": after(at(3, 9), 1000)},
        {"id": "b2", "created_at": at(4, 9), "first_response_at": after(at(4, 9), 2000)},
    )


def test_a_time_metric_by_day_with_percentiles_per_day(db, kpi):
    _first_responses(db)
    result = run(kpi, "frt", trend=DAY, percentiles=True)
    rows = {row.group[0][1]: row.current for row in result.rows}
    # Nov 9: 100, 300 -> mean 200; median h = 0.5 -> 200; p90 h = 0.9 -> 100 + 0.9 × 200 = 280
    assert (rows["2026-11-09"].value, rows["2026-11-09"].n) == (pytest.approx(200.0), 2)
    assert dict(rows["2026-11-09"].percentiles) == {"median": pytest.approx(200.0),
                                                    "p90": pytest.approx(280.0)}
    assert (rows["2026-11-10"].value, rows["2026-11-10"].n) == (None, 0)  # r3 has no reply
    assert dict(rows["2026-11-11"].percentiles) == {"median": pytest.approx(60.0),
                                                    "p90": pytest.approx(60.0)}
    # the total: 60 100 300 -> median 100; p90 h = 1.8 -> 100 + 0.8 × 200 = 260
    assert result.value == pytest.approx((100 + 300 + 60) / 3)
    assert dict(result.current.percentiles) == {"median": pytest.approx(100.0),
                                                "p90": pytest.approx(260.0)}
    assert len(result.rows) == 7


def test_a_comparison_is_of_the_total_and_the_days_carry_no_change(db, kpi):
    _first_responses(db)
    result = run(kpi, "frt", trend=DAY, compare=True)
    # the week before (Nov 2–9): b1 1000, b2 2000 -> 1500
    assert (result.previous_period.start, result.previous_period.end) == (at(2), at(9))
    assert result.change.previous.value == pytest.approx(1500.0)
    assert result.change.difference == pytest.approx((100 + 300 + 60) / 3 - 1500)
    assert all(row.change is None for row in result.rows)
    answer = result.to_json()
    assert answer["previous"]["n"] == 2
    assert all(set(row) <= {"group", "value", "n"} for row in answer["rows"])


def test_backlog_by_day_is_the_backlog_at_the_end_of_each_day(db, kpi):
    add_tickets(
        db,
        {"id": "b1", "created_at": at(5), "solved_at": at(10, 12)},
        {"id": "b2", "created_at": at(9, 8)},  # never solved
        {"id": "b3", "created_at": at(12, 10), "solved_at": at(14)},  # solved at a day's end
        {"id": "b4", "created_at": at(16)},  # created at the period's end
        {"id": "b5", "created_at": at(1), "solved_at": at(3)},  # solved before
        {"id": "b6", "created_at": at(12), "solved_at": at(11)},  # solved before created: never
        {"id": "t2", "created_at": at(11, 12), "solved_at": at(13, 12), "tier": 2},
    )
    tier_2 = (Filter(dimension=Dimension.TIER, values=("2",)),)
    assert steps(run(kpi, "backlog", trend=DAY, filters=tier_2)) == [
        ("2026-11-09", None, 0), ("2026-11-10", None, 0), ("2026-11-11", 1, 1),
        ("2026-11-12", 1, 1), ("2026-11-13", None, 0), ("2026-11-14", None, 0),
        ("2026-11-15", None, 0),
    ]  # t2 is open at the ends of Nov 11 and 12
    result = run(kpi, "backlog", trend=DAY, filters=(Filter(dimension=Dimension.TIER,
                                                             values=("1",)),))
    # end of Nov 9: b1, b2; 10, 11: b2; 12: b2, b3; 13 (b3 solved exactly at its end: still
    # open then): b2, b3; 14, 15: b2
    assert steps(result) == [
        ("2026-11-09", 2, 2), ("2026-11-10", 1, 1), ("2026-11-11", 1, 1), ("2026-11-12", 2, 2),
        ("2026-11-13", 2, 2), ("2026-11-14", 1, 1), ("2026-11-15", 1, 1),
    ]
    assert result.value == 1  # the backlog at the period's end
    weekly = run(kpi, "backlog", period=bounds("2026-11-02", "2026-11-16"), trend=WEEK)
    # end of Nov 2–8 (Nov 9 00:00): b1; end of Nov 9–15: b2
    assert steps(weekly) == [("2026-11-02", 1, 1), ("2026-11-09", 1, 1)]


@pytest.mark.parametrize("metric", ["ticket_volume", "backlog"])
def test_400_days_is_the_most_a_trend_takes(db, kpi, metric):
    add_tickets(db, {"id": "x1", "created_at": at(1, 12, month=3)})  # never solved
    # 2025-10-18 .. 2026-11-21: 365 days to 2026-10-18, then 35 more
    result = run(kpi, metric, period=bounds("2025-10-18", "2026-11-22"), trend=DAY)
    assert len(result.rows) == result.groups_total == 400
    assert (result.rows[0].group, result.rows[-1].group) == (
        (("day", "2025-10-18"),), (("day", "2026-11-21"),))
    counted = [row.group[0][1] for row in result.rows if row.current.n]
    assert counted[0] == "2026-03-01"
    if metric == "backlog":  # open at the end of every day from Mar 1 to Nov 21:
        # 31 + 30 + 31 + 30 + 31 + 31 + 30 + 31 + 21 days
        assert len(counted) == 266 and counted[-1] == "2026-11-21"
    else:
        assert counted == ["2026-03-01"]
    with pytest.raises(UserError) as refused:
        run(kpi, metric, period=bounds("2025-10-17", "2026-11-22"), trend=DAY)
    assert "400" in refused.value.message
    assert refused.value.suggestions == [f"{metric} by week 2025-10-17 – 2026-11-21",
                                         f"{metric} by month 2025-10-17 – 2026-11-21"]


def test_the_json_answer_of_a_trend(db, kpi):
    add_tickets(db, *({"id": f"c{i}", "created_at": at(1)} for i in range(4)))
    add_survey_responses(
        db,
        {"ticket_id": "c0", "kind": "csat", "score": 5, "responded_at": at(9, 10)},
        {"ticket_id": "c1", "kind": "csat", "score": 2, "responded_at": at(9, 11)},
        {"ticket_id": "c2", "kind": "csat", "score": 4, "responded_at": at(11, 10)},
        {"ticket_id": "c3", "kind": "csat", "score": 5, "responded_at": at(16)},  # out
    )
    answer = json.loads(json.dumps(run(kpi, "csat", trend=DAY).to_json()))
    assert answer["trend"] == "day"
    assert answer["group_by"] == []
    assert (answer["value"], answer["n"]) == (pytest.approx(2 / 3), 3)
    assert [row["group"] for row in answer["rows"]] == [
        {"day": f"2026-11-{day:02d}"} for day in range(9, 16)]
    first, empty, third = answer["rows"][:3]
    assert (first["value"], first["n"]) == (0.5, 2)
    assert first["details"] == {"mean_score": pytest.approx((5 + 2) / 2)}
    assert first["interval"]["low"] < 0.5 < first["interval"]["high"]
    assert empty == {"group": {"day": "2026-11-10"}, "value": None, "n": 0}
    assert (third["value"], third["n"]) == (1.0, 1)


def test_explain_shows_one_statement_that_buckets_with_bound_instants(db, kpi):
    explanation = kpi.explain(KpiQuery(metric="ticket_volume", period=LAST_WEEK, trend=DAY))
    [(sql, params)] = explanation.statements
    assert "CASE WHEN" in sql and sql.count("t.created_at <") >= 6
    assert "2026-11-10" not in sql  # the boundaries are parameters, not text


def test_a_trend_takes_no_breakdown_and_no_limit():
    with pytest.raises(UserError):
        KpiQuery(metric="fcr", period=LAST_WEEK, trend=DAY, group_by=(Dimension.TEAM,))
    with pytest.raises(UserError) as refused:
        KpiQuery(metric="fcr", period=LAST_WEEK, trend=WEEK, limit=3)
    assert "limit" in refused.value.message and refused.value.suggestions
