"""The counts of a rate's tickets — escalations, reopened tickets, complaints: a COUNT with a
condition — on every backend, wherever the other counts go: the total, a comparison (a
Poisson test of the escalations, not of the tickets), a breakdown by tag, a trend, shared
scans, a digest and a change alert. `n` is the tickets the count is taken over, so a period
or a group with tickets but no escalation is 0, and only one without tickets is "no data".
Expected values are worked out by hand in each test.

The period is "last week" = [2026-11-09, 2026-11-16) UTC; NOW is Sun 2026-11-22 14:05 UTC.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from kpi_engine.digests.alerts import read_alerts
from kpi_engine.digests.content import build_digest
from kpi_engine.digests.definitions import DigestDefinition
from kpi_engine.digests.text import render_digest_text
from kpi_engine.engine import KpiEngine
from kpi_engine.formatting import render_text
from kpi_engine.periods import period_from_bounds
from kpi_engine.query import Filter, KpiQuery
from kpi_engine.vocabulary import Dimension, Granularity
from tests.builders import NOW, add_tickets, make_settings

from .timeline import LAST_WEEK, UTC, at, run


def table(result, dimension: str) -> list[tuple]:
    return [(dict(row.group)[dimension], row.current.value, row.current.n) for row in result.rows]


def _created_desk(db) -> None:
    """Created last week: e1 escalated (complaint, vip), e2 escalated (vip), e3 (complaint),
    e4 escalated (no tag), e5 (refund), e6 at the last second (complaint, refund); e7, at the
    period's end, escalated and a complaint: out. The week before: p1 escalated (complaint),
    p2, p3 at its last second (complaint)."""
    add_tickets(
        db,
        {"id": "e1", "created_at": at(10), "escalated": True, "tags": ["complaint", "vip"]},
        {"id": "e2", "created_at": at(11), "escalated": True, "tags": ["vip"]},
        {"id": "e3", "created_at": at(12), "tags": ["complaint"]},
        {"id": "e4", "created_at": at(13), "escalated": True},
        {"id": "e5", "created_at": at(14), "tags": ["refund"]},
        {"id": "e6", "created_at": at(15, 23, 59, 59), "tags": ["complaint", "refund"]},
        {"id": "e7", "created_at": at(16), "escalated": True, "tags": ["complaint"]},
        {"id": "p1", "created_at": at(3), "escalated": True, "tags": ["complaint"]},
        {"id": "p2", "created_at": at(4)},
        {"id": "p3", "created_at": at(8, 23, 59, 59), "tags": ["complaint"]},
    )


def test_escalations_count_the_escalated_tickets_created_and_compare_them(db, kpi):
    _created_desk(db)
    result = run(kpi, "escalations", compare=True)
    # e1, e2, e4 of the 6 created; the week before p1 of 3
    assert (result.value, result.n) == (3, 6)
    assert (result.change.previous.value, result.change.previous.n) == (1, 3)
    assert result.change.difference == 3 - 1
    # 3 against 1 escalation in equal weeks: k = 4, P(1 or fewer, or 3 or more, of 4 at ½)
    # = 10/16: within noise
    assert result.change.significant is False
    assert result.to_json()["unit"] == "count"
    assert render_text(result).splitlines()[1] == "  3   n = 6 tickets"


def test_complaints_count_the_tickets_tagged_complaint(db, kpi):
    _created_desk(db)
    result = run(kpi, "complaints", compare=True)
    # e1, e3, e6 (at the last second); e7 is at the end: out. The week before: p1, p3
    assert (result.value, result.n) == (3, 6)
    assert (result.change.previous.value, result.change.difference) == (2, 1)
    assert result.change.significant is False


def test_the_poisson_test_is_of_the_escalations_not_of_the_tickets(db, kpi):
    # 40 tickets each week; 30 escalated last week against 5 the week before
    add_tickets(db, *({"id": f"c{i}", "created_at": at(10, 0, i), "escalated": i < 30}
                      for i in range(40)))
    add_tickets(db, *({"id": f"p{i}", "created_at": at(3, 0, i), "escalated": i < 5}
                      for i in range(40)))
    result = run(kpi, "escalations", compare=True)
    assert (result.value, result.change.previous.value) == (30, 5)
    # k = 35, expected 17.5 each: z = (|5 − 17.5| − 0.5) / sqrt(35 × ¼) = 12 / 2.958 = 4.06:
    # larger than noise (40 tickets against 40 would not be)
    assert result.change.significant is True


def test_a_period_with_tickets_and_no_escalation_is_zero_not_no_data(db, kpi):
    _created_desk(db)
    refunds = run(kpi, "escalations", filters=(Filter(dimension=Dimension.TAG,
                                                      values=("refund",)),))
    assert (refunds.value, refunds.n) == (0, 2)  # e5, e6: neither escalated
    empty = run(kpi, "escalations",
                period=period_from_bounds("2026-11-20", "2026-11-21", now=NOW, tz="UTC"))
    assert (empty.value, empty.n) == (None, 0)  # no ticket at all: no data


def test_escalations_by_tag(db, kpi):
    _created_desk(db)
    result = run(kpi, "escalations", group_by=(Dimension.TAG,))
    # refund: e5, e6 → 0 of 2; complaint: e1 of e1, e3, e6 → 1 of 3; vip: e1, e2 → 2 of 2;
    # fewer is better; the total counts e1 once although it carries two tags
    assert table(result, "tag") == [("refund", 0, 2), ("complaint", 1, 3), ("vip", 2, 2)]
    assert result.value == 3


def test_complaints_by_tag(db, kpi):
    _created_desk(db)
    result = run(kpi, "complaints", group_by=(Dimension.TAG,), compare=True)
    # refund: e6 → 1 of 2; vip: e1 → 1 of 2 (equal: by name); complaint: 3 of 3
    assert table(result, "tag") == [("refund", 1, 2), ("vip", 1, 2), ("complaint", 3, 3)]
    rows = {dict(row.group)["tag"]: row for row in result.rows}
    # the week before: complaint p1, p3 → 2; no vip or refund tickets
    assert (rows["complaint"].change.previous.value, rows["complaint"].change.difference) == \
        (2, 1)
    assert rows["vip"].change.previous.n == 0 and rows["vip"].change.difference is None


def _solved_desk(db) -> None:
    """Solved last week: s1 reopened once (vip), s2 never (vip), s3 twice (complaint), s5
    once, at the period's start; s4 reopened but solved after it. The week before: s6
    reopened, s7 not."""
    add_tickets(
        db,
        {"id": "s1", "created_at": at(8), "solved_at": at(10), "status": "solved", "reopens": 1,
         "tags": ["vip"]},
        {"id": "s2", "created_at": at(8), "solved_at": at(11), "status": "solved",
         "tags": ["vip"]},
        {"id": "s3", "created_at": at(10), "solved_at": at(12), "status": "solved", "reopens": 2,
         "tags": ["complaint"]},
        {"id": "s4", "created_at": at(10), "solved_at": at(17), "status": "solved", "reopens": 1},
        {"id": "s5", "created_at": at(1), "solved_at": at(9), "status": "solved", "reopens": 1},
        {"id": "s6", "created_at": at(1), "solved_at": at(5), "status": "solved", "reopens": 1},
        {"id": "s7", "created_at": at(1), "solved_at": at(6), "status": "solved"},
    )


def test_reopened_tickets_by_solved_at_compared_and_by_tag(db, kpi):
    _solved_desk(db)
    result = run(kpi, "reopened", compare=True)
    # s1, s3, s5 of the 4 solved last week (s4 solved after it); the week before s6 of 2
    assert (result.value, result.n) == (3, 4)
    assert (result.change.previous.value, result.change.previous.n) == (1, 2)
    assert result.change.significant is False  # 3 against 1: k = 4, p = 10/16
    by_tag = run(kpi, "reopened", group_by=(Dimension.TAG,))
    # vip: s1 of s1, s2 → 1 of 2; complaint: s3 → 1 of 1; equal counts: the larger group first
    assert table(by_tag, "tag") == [("vip", 1, 2), ("complaint", 1, 1)]


def test_a_trend_of_escalations(db, kpi):
    _created_desk(db)
    result = run(kpi, "escalations", trend=Granularity.DAY, compare=True)
    # Nov 9 no ticket; 10 e1, 11 e2, 13 e4 escalated; 12 e3, 14 e5, 15 e6 not
    assert [(dict(row.group)["day"], row.current.value, row.current.n)
            for row in result.rows] == [
        ("2026-11-09", None, 0), ("2026-11-10", 1, 1), ("2026-11-11", 1, 1),
        ("2026-11-12", 0, 1), ("2026-11-13", 1, 1), ("2026-11-14", 0, 1), ("2026-11-15", 0, 1),
    ]
    assert result.change.difference == 3 - 1  # the comparison is of the total


def test_counts_of_a_condition_share_a_scan_and_give_what_run_gives(db, kpi):
    _created_desk(db)
    queries = [KpiQuery(metric=metric, period=LAST_WEEK, group_by=(Dimension.TAG,), compare=True)
               for metric in ("escalations", "ticket_volume", "escalation_rate", "complaints")]
    together = kpi.run_together(queries)
    assert [result.to_json() for result in together] == \
        [kpi.run(query).to_json() for query in queries]
    assert [result.value for result in together] == [3, 6, pytest.approx(3 / 6), 3]


DUE = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # covers Sun 22 Nov


def test_a_digest_of_escalations(db):
    # 22 Nov: 4 tickets, 2 escalated; 21 Nov: 3, none; 18 Nov: 5, 3; 15 Nov: 5, 1
    for day, tickets, escalated in ((22, 4, 2), (21, 3, 0), (18, 5, 3), (15, 5, 1)):
        add_tickets(db, *({"id": f"d{day}-{i}", "created_at": at(day, 12, i),
                           "escalated": i < escalated} for i in range(tickets)))
    definition = DigestDefinition.from_dict(
        {"name": "Escalations", "channel": "C1", "at": "09:00", "tz": "UTC",
         "kpis": [{"metric": "escalations", "target": "<= 3"}]}, digest_id="d1")
    report = build_digest(KpiEngine(db, make_settings()), definition, DUE)
    [line] = report.lines
    assert (line.current.value, line.current.n) == (2, 4)
    assert line.target_met is True  # 2 ≤ 3
    assert (line.previous.value, line.previous.n) == (0, 3)  # tickets, none escalated: 0
    # 2 against 0 in equal days: k = 2, p = ¼ + ¼ = ½: within noise
    assert (line.change.difference, line.change.significant) == (2, False)
    # 15–21 Nov: 1 + 3 + 0 = 4 escalations in 7 days, 0.571 a day, over 13 tickets
    assert line.baseline.value == pytest.approx(4 / 7)
    assert (line.baseline.successes, line.baseline.n) == (4, 13)
    # 2 in a day against 4 in 7 (share ⅞ of k = 6): p = P(4) + P(3) + … = 0.167, not real
    assert line.baseline_change.difference == pytest.approx(2 - 4 / 7)
    assert line.baseline_change.significant is False
    assert [(point.day.day, point.value) for point in line.trend[-8:]] == [
        (15, 1), (16, None), (17, None), (18, 3), (19, None), (20, None), (21, 0), (22, 2)]
    text = render_digest_text(report)
    assert "✅ Escalations: 2 · n = 4 tickets — target ≤ 3: met" in text
    assert "day before 0 (+2, within noise) · 7-day average 0.6 a day" in text


def test_a_change_alert_on_escalations_compares_escalations_an_hour(db):
    # last 24 h (22 Nov 12:00 – 23 Nov 12:00): 30 tickets, 15 escalated (0.625 an hour);
    # the 7 days before: 70 tickets, 7 escalated (1/24 an hour): 15 times the rate, +1400%
    # (the tickets alone went from 10 a day to 30: +200%)
    add_tickets(db, *({"id": f"w{i}", "created_at": at(23, 0) + timedelta(minutes=i),
                       "escalated": i < 15} for i in range(30)))
    add_tickets(db, *({"id": f"b{day}-{i}", "created_at": at(day, 10, i), "escalated": i == 0}
                      for day in range(16, 23) for i in range(10)))
    definition = DigestDefinition.from_dict(
        {"name": "Alerts", "channel": "C1", "at": "09:00",
         "kpis": [{"metric": "escalations", "change_alert": "50%"}]}, digest_id="d1")
    [reading] = read_alerts(KpiEngine(db, make_settings()), definition, now=at(23, 12),
                            window_hours=24, min_n=4)
    assert reading.worse_by == pytest.approx((15 / 24 - 7 / 168) / (7 / 168))
    # 15 against 7 with exposures 1 : 7 (k = 22, expected 2.75 in the window): real
    assert reading.crossed is True
