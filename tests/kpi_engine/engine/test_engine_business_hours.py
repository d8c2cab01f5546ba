"""First response time, resolution time and service level in business hours, on every backend,
through `KpiEngine.run` on a hand-made desk — the values worked out by hand on the calendar
below — with the statistics, breakdowns, thresholds, comparisons and trends of any time KPI.

The workspace counts Mon–Fri 09:00–12:00 and 13:00–17:00 in Europe/Berlin, minus DE-BE's
holidays and Wed 11 Nov 2026 (listed); the team billing has its own calendar, Mon–Fri
09:00–17:00 in America/New_York with US holidays. The period is last week in Berlin:
[Mon 9 Nov, Mon 16 Nov 2026); NOW is Sun 22 Nov 14:05 UTC (15:05 in Berlin).

    ticket  created (Berlin)   first response    solved            business FRT / resolution
    A       Mon 9  08:00       Mon 9  09:30      Mon 9  14:00      30 min / 4 h
    B       Tue 10 11:30       Tue 10 13:15      Thu 12 10:00      45 min / 5 h 30 (Wed off)
    C       Fri 13 16:30       Sat 14 10:00      —                 30 min
    D       Sat 14 11:00       Sat 14 11:20      Sat 14 12:00      0 / 0
    E       Fri 13 18:00       —                 —                 (unanswered, long past due)
    F       Mon 9  15:00       Mon 9  17:30      —                 billing: 2 h 30 (09:00–11:30
                                                                   in New York)
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from kpi_engine.engine import KpiEngine
from kpi_engine.errors import UserError
from kpi_engine.formatting import render_line, render_text
from kpi_engine.periods import parse_period
from kpi_engine.query import Filter, KpiQuery, Threshold
from kpi_engine.vocabulary import Dimension, Granularity, Statistic
from tests.builders import NOW, add_tickets, make_settings

BERLIN = ZoneInfo("Europe/Berlin")
LAST_WEEK = parse_period("last week", now=NOW, tz=BERLIN)
THIS_WEEK = parse_period("this week", now=NOW, tz=BERLIN)
WORKSPACE_WORDS = ("Mon–Fri 09:00–12:00, 13:00–17:00 Europe/Berlin, DE-BE holidays and days "
                   "off 2026-11-11")
BILLING_WORDS = "team billing: Mon–Fri 09:00–17:00 America/New_York, US holidays"


def berlin(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=BERLIN)


@pytest.fixture
def calendars_file(tmp_path):
    path = tmp_path / "calendars.yaml"
    path.write_text("teams:\n  billing: {hours: mon-fri 09:00-17:00, tz: America/New_York, "
                    "holidays: US}\n", encoding="utf-8")
    return path


def engine(db, calendars_file, **overrides) -> KpiEngine:
    values = dict(tz="Europe/Berlin", business_hours="mon-fri 09:00-12:00,13:00-17:00",
                  holidays="DE-BE,2026-11-11", business_calendars=str(calendars_file))
    return KpiEngine(db, make_settings(**(values | overrides)))


def desk(db) -> None:
    add_tickets(
        db,
        dict(id="A", created_at=berlin(9, 8), first_response_at=berlin(9, 9, 30),
             solved_at=berlin(9, 14), status="solved"),
        dict(id="B", created_at=berlin(10, 11, 30), first_response_at=berlin(10, 13, 15),
             solved_at=berlin(12, 10), status="solved"),
        dict(id="C", created_at=berlin(13, 16, 30), first_response_at=berlin(14, 10)),
        dict(id="D", created_at=berlin(14, 11), first_response_at=berlin(14, 11, 20),
             solved_at=berlin(14, 12), status="solved"),
        dict(id="E", created_at=berlin(13, 18)),
        dict(id="F", created_at=berlin(9, 15), first_response_at=berlin(9, 17, 30),
             team="billing"),
    )


def run(kpi: KpiEngine, metric: str, period=LAST_WEEK, **options):
    return kpi.run(KpiQuery(metric=metric, period=period, **options))


def test_first_response_time_in_business_hours(db, calendars_file):
    desk(db)
    kpi = engine(db, calendars_file)
    calendar_time = run(kpi, "frt")
    # 1 h 30, 1 h 45, 17 h 30, 20 min, 2 h 30 → 84,900 s / 5
    assert calendar_time.value == pytest.approx(16980) and calendar_time.n == 5
    business = run(kpi, "frt", business_hours=True)
    # 30 min + 45 min + 30 min + 0 + 2 h 30 (billing, New York) = 15,300 s / 5
    assert business.value == pytest.approx(3060) and business.n == 5
    assert business.metric.label == "First response time in business hours"
    assert business.calendar == f"{WORKSPACE_WORDS}; {BILLING_WORDS}"
    assert business.definition.startswith("mean business time from a ticket's creation to the "
                                          "first human agent reply")
    data = business.to_json()
    assert data["business_hours"] == {"calendar": f"{WORKSPACE_WORDS}; {BILLING_WORDS}"}
    assert data["label"] == "First response time in business hours"
    assert "business_hours" not in calendar_time.to_json()
    text = render_text(business)
    assert f"  in business hours: {WORKSPACE_WORDS}; {BILLING_WORDS}" in text.splitlines()
    assert text.splitlines()[0].startswith("First response time in business hours — last week")
    assert render_line(business).endswith(f"in business hours: {WORKSPACE_WORDS}; "
                                          f"{BILLING_WORDS}")


def test_resolution_time_in_business_hours(db, calendars_file):
    desk(db)
    kpi = engine(db, calendars_file)
    # A 6 h, B 46 h 30, D 1 h → 192,600 s / 3
    assert run(kpi, "resolution_time").value == pytest.approx(64200)
    business = run(kpi, "resolution_time", business_hours=True)
    # A 09:00–12:00 + 13:00–14:00 = 4 h; B Tue 11:30–12:00 + 13:00–17:00, Wed off, Thu 09–10
    # = 5 h 30; D 0 → 34,200 s / 3
    assert business.value == pytest.approx(11400) and business.n == 3


def test_service_level_in_business_hours(db, calendars_file):
    desk(db)
    kpi = engine(db, calendars_file)
    # within 1 h: D only; E unanswered and due → 1 of 6
    assert run(kpi, "service_level").value == pytest.approx(1 / 6)
    business = run(kpi, "service_level", business_hours=True)
    # within 1 h of business time: A, B, C, D; F (2 h 30) missed, E due → 4 of 6
    assert (business.current.successes, business.n) == (4, 6)
    assert "within 1 h of business time" in business.definition


def test_an_unanswered_ticket_is_due_once_its_target_passed_in_business_time(db, calendars_file):
    # created Fri 20 Nov 16:30: by now (Sun 15:05) 46 h 35 have passed, 30 min of business time
    add_tickets(db, dict(id="G", created_at=berlin(20, 16, 30)),
                dict(id="H", created_at=berlin(20, 10), first_response_at=berlin(20, 10, 20)),
                dict(id="K", created_at=berlin(19, 16, 30), team="billing"))
    kpi = engine(db, calendars_file)
    calendar_time = run(kpi, "service_level", THIS_WEEK)
    assert (calendar_time.current.successes, calendar_time.n) == (1, 3)  # G and K missed
    business = run(kpi, "service_level", THIS_WEEK, business_hours=True)
    # G: 30 min of business time, not yet due: left out. K (billing, created Thu 10:30 in
    # New York): Thu 10:30–17:00 and all of Fri — due, missed. H answered in 20 min.
    assert (business.current.successes, business.n) == (1, 2)


def test_statistics_breakdowns_thresholds_comparisons_and_trends(db, calendars_file):
    desk(db)
    kpi = engine(db, calendars_file)
    median = run(kpi, "frt", business_hours=True, statistic=Statistic.MEDIAN)
    # 0, 1800, 1800, 2700, 9000 → 1800; the mean beside it
    assert median.value == pytest.approx(1800)
    assert dict(median.current.details)["mean"] == pytest.approx(3060)
    assert median.definition.startswith("median business time")
    with_percentiles = run(kpi, "frt", business_hours=True, percentiles=True)
    # p90: h = 4 × 0.9 = 3.6 → 2700 + 0.6 × 6300
    assert dict(with_percentiles.current.percentiles)["p90"] == pytest.approx(6480)
    by_team = run(kpi, "frt", business_hours=True, group_by=(Dimension.TEAM,))
    assert [(dict(row.group)["team"], row.current.value, row.current.n)
            for row in by_team.rows] == [("general", pytest.approx(1575), 4),
                                         ("billing", pytest.approx(9000), 1)]
    slow = run(kpi, "frt", business_hours=True, group_by=(Dimension.TEAM,),
               threshold=Threshold(op=">", value=3600))
    assert [dict(row.group)["team"] for row in slow.rows] == ["billing"]
    compared = run(kpi, "frt", business_hours=True, compare=True)
    assert compared.change.previous.n == 0 and compared.change.difference is None
    trend = run(kpi, "frt", business_hours=True, trend=Granularity.DAY)
    assert [row.current.value for row in trend.rows] == [
        pytest.approx(5400), pytest.approx(2700), None, None, pytest.approx(1800),
        pytest.approx(0), None]  # Mon: A 1800 and F 9000; Tue: B; Fri: C; Sat: D
    billing = run(kpi, "frt", business_hours=True,
                  filters=(Filter(dimension=Dimension.TEAM, values=("billing",)),))
    assert billing.value == pytest.approx(9000)
    assert billing.calendar == BILLING_WORDS  # only the calendar that applies


def test_measured_together_beside_calendar_time(db, calendars_file):
    desk(db)
    kpi = engine(db, calendars_file)
    business, plain, reopen = kpi.run_together([
        KpiQuery(metric="resolution_time", period=LAST_WEEK, business_hours=True),
        KpiQuery(metric="resolution_time", period=LAST_WEEK),
        KpiQuery(metric="reopen_rate", period=LAST_WEEK)])
    assert business.value == pytest.approx(11400) and plain.value == pytest.approx(64200)
    assert reopen.n == 3 and plain.calendar is None


def test_other_kpis_are_not_counted_in_business_hours(db, calendars_file):
    with pytest.raises(UserError) as refused:
        KpiQuery(metric="csat", period=LAST_WEEK, business_hours=True)
    assert refused.value.message == (
        "Customer satisfaction (CSAT) is not counted in business hours: business hours apply "
        "to first response time, resolution time and service level")
    with pytest.raises(UserError, match="Average handle time is not counted in business hours"):
        KpiQuery(metric="aht", period=LAST_WEEK, business_hours=True)


def test_a_bad_calendar_is_a_sentence_not_a_traceback(db, calendars_file):
    desk(db)
    kpi = engine(db, calendars_file, business_hours="mon-fri 09:00-12:00,11:00-17:00")
    with pytest.raises(UserError, match="KPIBOT_BUSINESS_HOURS: 09:00-12:00 and 11:00-17:00 "
                                        "overlap on Mon"):
        run(kpi, "frt", business_hours=True)
    assert run(kpi, "frt").n == 5  # calendar time needs no calendar


def test_the_explained_sql_reads_the_readings(db, calendars_file):
    desk(db)
    explanation = engine(db, calendars_file).explain(
        KpiQuery(metric="service_level", period=LAST_WEEK, business_hours=True))
    sql, params = explanation.statements[0]
    assert "first_response_business - t.created_business" in sql
    assert explanation.definition.startswith("share of tickets created in the period first "
                                             "answered within 1 h of business time")
