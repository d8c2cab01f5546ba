"""Queries around the KPIs: filters, breakdowns, comparisons, percentiles, time zones and the JSON
answer, on every backend. Expected values are worked out by hand in each test.

The period is "last week" = [2026-11-09, 2026-11-16) UTC unless a test says otherwise; NOW is
Sun 2026-11-22 14:05 UTC.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from kpi_engine.engine import KpiEngine
from kpi_engine.errors import UnknownNameError
from kpi_engine.periods import parse_period, period_from_bounds
from kpi_engine.query import Filter, KpiQuery
from kpi_engine.vocabulary import Dimension
from tests.builders import NOW, add_survey_responses, add_tickets, make_settings

from .timeline import LAST_WEEK, after, at, run

WEEK_BEFORE = parse_period("the week before last", now=NOW, tz="UTC")  # [Nov 2, Nov 9)





def where(dimension: Dimension, *values: str) -> Filter:
    return Filter(dimension=dimension, values=values)


def table(result, *dimensions: str) -> list[tuple]:
    """The rows of a breakdown as (group values..., value, n), in the engine's order."""
    return [
        (*(dict(row.group)[d] for d in dimensions), row.current.value, row.current.n)
        for row in result.rows
    ]


# --- filters -----------------------------------------------------------------------------------


def _filter_dataset(db) -> None:
    add_tickets(
        db,
        {"id": "q1", "created_at": at(10), "team": "billing", "tier": 1, "channel": "chat",
         "agent": "Asha Rao", "tags": ["complaint", "refund"]},
        {"id": "q2", "created_at": at(11), "team": "Billing", "tier": 2, "channel": "email",
         "agent": "Ben Ode", "escalated": True, "tags": ["refund"]},
        {"id": "q3", "created_at": at(12), "team": "tech", "tier": 1, "channel": "phone",
         "agent": "Asha Rao"},
        {"id": "q4", "created_at": at(13), "team": "general", "tier": 3, "channel": "email",
         "agent": "Cleo Diaz", "tags": ["vip", "refund"]},
        {"id": "q6", "created_at": at(14), "team": "tech", "tier": 2, "channel": "chat",
         "agent": "Cleo Diaz", "escalated": True, "tags": ["vip"]},
        # outside the period
        {"id": "q5", "created_at": at(16), "team": "billing", "tier": 1, "channel": "chat",
         "agent": "Asha Rao", "tags": ["refund", "vip"]},
        {"id": "q7", "created_at": at(8), "team": "billing", "tier": 1, "channel": "chat",
         "agent": "Asha Rao", "tags": ["refund"]},
    )


@pytest.mark.parametrize(
    ("dimension", "values", "expected"),
    [
        (Dimension.TEAM, ("billing",), 2),  # q1 billing, q2 Billing
        (Dimension.TEAM, ("BILLING",), 2),  # case-insensitive
        (Dimension.CHANNEL, ("chat", "email"), 4),  # any of: q1, q2, q4, q6
        (Dimension.TIER, ("1",), 2),  # q1, q3
        (Dimension.TIER, ("2", "3"), 3),  # q2, q4, q6
        (Dimension.AGENT, ("asha rao",), 2),  # q1, q3
        (Dimension.TAG, ("refund",), 3),  # q1, q2, q4 (q1 and q4 carry other tags too)
        (Dimension.TAG, ("refund", "vip"), 4),  # q1, q2, q4 (both tags, counted once), q6
        (Dimension.TAG, ("REFUND",), 3),
        (Dimension.CUSTOMER, ("CUSTOMER-Q4",), 1),  # add_tickets' default customer of q4
    ],
)
def test_filter_on_ticket_volume(db, kpi, dimension, values, expected):
    _filter_dataset(db)
    result = run(kpi, "ticket_volume", filters=(where(dimension, *values),))
    assert result.value == expected
    assert result.n == expected


def test_filters_combine_and_apply_to_ratios(db, kpi):
    _filter_dataset(db)
    both = run(kpi, "ticket_volume",
               filters=(where(Dimension.TEAM, "billing"), where(Dimension.CHANNEL, "email")))
    assert (both.value, both.n) == (1, 1)  # q2
    rate = run(kpi, "escalation_rate", filters=(where(Dimension.TEAM, "billing", "tech"),))
    # q1 no, q2 escalated, q3 no, q6 escalated
    assert rate.value == pytest.approx((0 + 1 + 0 + 1) / 4)
    assert rate.n == 4
    assert rate.to_json()["filters"] == {"team": ["billing", "tech"]}


def test_unknown_team_raises_with_the_nearest_name(db, kpi):
    _filter_dataset(db)
    with pytest.raises(UnknownNameError) as error:
        run(kpi, "ticket_volume", filters=(where(Dimension.TEAM, "biling"),))
    assert "billing" in [s.lower() for s in error.value.suggestions]
    assert "biling" in error.value.message


def test_unknown_fixed_value_raises(kpi):
    with pytest.raises(UnknownNameError) as error:
        run(kpi, "ticket_volume", filters=(where(Dimension.TIER, "4"),))
    assert error.value.suggestions == ["1", "2", "3"]


def test_known_team_without_tickets_in_the_period_is_no_data_not_an_error(db, kpi):
    _filter_dataset(db)
    result = run(kpi, "ticket_volume", period=WEEK_BEFORE,
                 filters=(where(Dimension.TEAM, "general"),))
    assert (result.value, result.n) == (None, 0)


# --- breakdowns --------------------------------------------------------------------------------


def _breakdown_dataset(db) -> None:
    add_tickets(
        db,
        {"id": "k1", "created_at": at(10), "team": "billing", "agent": "Asha Rao", "channel": "chat",
         "first_response_at": after(at(10), 600), "tags": ["refund", "complaint"]},
        {"id": "k2", "created_at": at(11), "team": "billing", "agent": "Asha Rao",
         "channel": "email", "first_response_at": after(at(11), 1200), "tags": ["refund"]},
        {"id": "k3", "created_at": at(12), "team": "billing", "agent": "Ben Ode", "channel": "email"},
        {"id": "k4", "created_at": at(12), "team": "tech", "agent": "Ben Ode", "channel": "chat",
         "first_response_at": after(at(12), 300), "tags": ["complaint"]},
        {"id": "k5", "created_at": at(13), "team": "tech", "agent": "Cleo Diaz", "channel": "email",
         "first_response_at": after(at(13), 3600), "tags": ["vip"]},
        {"id": "k6", "created_at": at(14), "team": "general", "agent": "Cleo Diaz",
         "channel": "phone", "first_response_at": after(at(14), 60)},
        # outside the period
        {"id": "k7", "created_at": at(16), "team": "billing", "agent": "Ben Ode", "channel": "phone",
         "first_response_at": after(at(16), 10), "tags": ["vip"]},
        {"id": "k8", "created_at": at(8), "team": "general", "agent": "Ben Ode", "channel": "phone",
         "first_response_at": after(at(8), 10), "tags": ["complaint"]},
    )


def test_breakdown_of_a_count_is_largest_first(db, kpi):
    _breakdown_dataset(db)
    result = run(kpi, "ticket_volume", group_by=(Dimension.TEAM,))
    assert table(result, "team") == [("billing", 3, 3), ("tech", 2, 2), ("general", 1, 1)]
    assert result.value == 6
    assert result.groups_total == 3


def test_breakdown_of_a_lower_is_better_mean_is_smallest_first(db, kpi):
    _breakdown_dataset(db)
    result = run(kpi, "frt", group_by=(Dimension.AGENT,))
    # Ben: k4 300 (k3 unanswered); Asha: (600 + 1200) / 2; Cleo: (3600 + 60) / 2
    assert table(result, "agent") == [
        ("Ben Ode", pytest.approx(300.0), 1),
        ("Asha Rao", pytest.approx((600 + 1200) / 2), 2),
        ("Cleo Diaz", pytest.approx((3600 + 60) / 2), 2),
    ]
    assert result.value == pytest.approx((600 + 1200 + 300 + 3600 + 60) / 5)
    assert result.n == 5


def test_breakdown_of_a_higher_is_better_share_is_largest_first(db, kpi):
    _breakdown_dataset(db)
    result = run(kpi, "response_rate", group_by=(Dimension.CHANNEL,))
    # chat: k1, k4 answered -> 2/2; phone: k6 -> 1/1 (ties with chat, fewer n: after it);
    # email: k2 yes, k3 no, k5 yes -> 2/3
    assert table(result, "channel") == [
        ("chat", 1.0, 2), ("phone", 1.0, 1), ("email", pytest.approx(2 / 3), 3),
    ]


def test_breakdown_of_a_lower_is_better_share(db, kpi):
    _breakdown_dataset(db)
    result = run(kpi, "complaint_rate", group_by=(Dimension.TEAM,))
    # general: k6 -> 0/1; billing: k1 of k1, k2, k3 -> 1/3; tech: k4 of k4, k5 -> 1/2
    assert table(result, "team") == [
        ("general", 0.0, 1), ("billing", pytest.approx(1 / 3), 3), ("tech", pytest.approx(1 / 2), 2),
    ]
    assert result.value == pytest.approx(2 / 6)


def test_breakdown_by_two_dimensions(db, kpi):
    _breakdown_dataset(db)
    result = run(kpi, "ticket_volume", group_by=(Dimension.TEAM, Dimension.CHANNEL))
    # billing/email: k2, k3; the rest one each, ties in name order
    assert table(result, "team", "channel") == [
        ("billing", "email", 2, 2),
        ("billing", "chat", 1, 1),
        ("general", "phone", 1, 1),
        ("tech", "chat", 1, 1),
        ("tech", "email", 1, 1),
    ]
    assert result.to_json()["group_by"] == ["team", "channel"]
    assert result.to_json()["rows"][0]["group"] == {"team": "billing", "channel": "email"}


def test_breakdown_by_two_dimensions_of_a_mean(db, kpi):
    _breakdown_dataset(db)
    result = run(kpi, "frt", group_by=(Dimension.TEAM, Dimension.AGENT))
    assert table(result, "team", "agent") == [
        ("general", "Cleo Diaz", pytest.approx(60.0), 1),  # k6
        ("tech", "Ben Ode", pytest.approx(300.0), 1),  # k4
        ("billing", "Asha Rao", pytest.approx(900.0), 2),  # k1 600, k2 1200
        ("tech", "Cleo Diaz", pytest.approx(3600.0), 1),  # k5
        ("billing", "Ben Ode", None, 0),  # k3 unanswered: no data, last
    ]


def test_breakdown_by_tier_with_a_ticket_without_team(db, kpi):
    add_tickets(
        db,
        {"id": "u1", "created_at": at(10), "tier": 1, "team": None, "escalated": True},
        {"id": "u2", "created_at": at(10), "tier": 1, "team": "billing"},
        {"id": "u3", "created_at": at(11), "tier": 2, "team": "billing", "escalated": True},
        {"id": "u4", "created_at": at(16), "tier": 3, "team": "billing"},  # at the end: out
    )
    by_tier = run(kpi, "escalation_rate", group_by=(Dimension.TIER,))
    # tier 1: u1 yes, u2 no -> 1/2 (better, lower); tier 2: u3 -> 1/1; tier values are strings
    assert table(by_tier, "tier") == [("1", 0.5, 2), ("2", 1.0, 1)]
    by_team = run(kpi, "ticket_volume", group_by=(Dimension.TEAM,))
    # the ticket without a team is a group of its own (None), and in the total once
    assert table(by_team, "team") == [("billing", 2, 2), (None, 1, 1)]
    assert by_team.value == 3


def test_tag_breakdown_counts_a_ticket_under_each_tag_but_once_in_the_total(db, kpi):
    _breakdown_dataset(db)
    result = run(kpi, "ticket_volume", group_by=(Dimension.TAG,))
    # complaint: k1, k4; refund: k1, k2; vip: k5 (k7 and k8 are outside the period)
    assert table(result, "tag") == [("complaint", 2, 2), ("refund", 2, 2), ("vip", 1, 1)]
    # k1..k6 once each, untagged k3 and k6 included, k1 not twice
    assert result.value == 6
    assert result.n == 6


def test_tag_breakdown_of_a_ratio(db, kpi):
    _breakdown_dataset(db)
    result = run(kpi, "response_rate", group_by=(Dimension.TAG,))
    # complaint: k1, k4 both answered; refund: k1, k2 both answered; vip: k5 answered
    assert table(result, "tag") == [("complaint", 1.0, 2), ("refund", 1.0, 2), ("vip", 1.0, 1)]
    assert result.value == pytest.approx(5 / 6)  # k3 unanswered


def test_limit_keeps_the_best_groups(db, kpi):
    _breakdown_dataset(db)
    result = run(kpi, "ticket_volume", group_by=(Dimension.TEAM,), limit=2)
    assert table(result, "team") == [("billing", 3, 3), ("tech", 2, 2)]
    assert result.groups_total == 3
    assert result.value == 6
    # every agent here has 1 or 2 answered tickets: ranked only with a minimum of 1 (the
    # default minimum of 10 is tested in test_engine_rankings.py)
    ranks_all = KpiEngine(db, make_settings(rank_min_n=1))
    lowest = run(ranks_all, "frt", group_by=(Dimension.AGENT,), limit=1)
    assert table(lowest, "agent") == [("Ben Ode", pytest.approx(300.0), 1)]


# --- comparison --------------------------------------------------------------------------------


def test_previous_of_last_week_is_the_week_before(db, kpi):
    add_tickets(
        db,
        {"id": "a1", "created_at": at(10)},
        {"id": "a2", "created_at": at(11)},
        {"id": "a3", "created_at": at(15, 23, 59, 59)},
        {"id": "b1", "created_at": at(2)},  # start of the week before: in previous
        {"id": "b2", "created_at": at(8, 23, 59, 59)},
        {"id": "b3", "created_at": at(1, 23, 59, 59)},  # before both
    )
    result = run(kpi, "ticket_volume", compare=True)
    assert (result.previous_period.start, result.previous_period.end) == (at(2), at(9))
    assert result.value == 3
    assert result.change.previous.value == 2
    assert result.change.previous.n == 2
    assert result.change.difference == 3 - 2
    # 3 against 2 events in equal weeks: nowhere near significant
    assert result.change.significant is False


def test_previous_of_this_week_is_last_week_to_the_same_point(db, kpi):
    this_week = parse_period("this week", now=NOW, tz="UTC")  # [Nov 16, Nov 22 14:05)
    add_tickets(
        db,
        {"id": "a1", "created_at": at(17)},
        {"id": "b1", "created_at": at(9)},
        {"id": "b2", "created_at": at(15, 14, 4, 59)},  # before the same point last week
        {"id": "b3", "created_at": at(15, 14, 5)},  # at the same point: excluded
    )
    result = run(kpi, "ticket_volume", period=this_week, compare=True)
    assert (result.previous_period.start, result.previous_period.end) == (at(9), at(15, 14, 5))
    assert result.change.previous.value == 2
    assert result.change.difference == 1 - 2


def test_explicit_previous_period(db, kpi):
    add_tickets(db, {"id": "a1", "created_at": at(10)},
                {"id": "o1", "created_at": at(10, month=10)}, {"id": "o2", "created_at": at(31, 23, month=10)})
    october = parse_period("last month", now=NOW, tz="UTC")
    result = kpi.run(KpiQuery(metric="ticket_volume", period=LAST_WEEK, previous=october))
    assert result.query.compare is True
    assert result.previous_period == october
    assert (result.change.previous.value, result.change.difference) == (2, 1 - 2)


def _escalations(prefix: str, start: datetime, count: int, escalated: int, team: str) -> list[dict]:
    return [
        {"id": f"{prefix}{i}", "created_at": start + timedelta(minutes=10 * i), "team": team,
         "escalated": i < escalated}
        for i in range(count)
    ]


def test_significance_of_ratio_changes_overall_and_per_row(db, kpi):
    add_tickets(
        db,
        # alpha: 6/60 escalated last week against 30/60 the week before
        *_escalations("ac", at(10), 60, 6, "alpha"),
        *_escalations("ap", at(3), 60, 30, "alpha"),
        # beta: 6/60 against 7/60
        *_escalations("bc", at(11), 60, 6, "beta"),
        *_escalations("bp", at(4), 60, 7, "beta"),
    )
    result = run(kpi, "escalation_rate", compare=True, group_by=(Dimension.TEAM,))
    # overall: 12/120 against 37/120; pooled 49/240 = 0.2042,
    # z = (0.1 − 0.3083) / sqrt(0.2042 × 0.7958 × 2/120) = −0.2083 / 0.05203 = −4.00: significant
    assert result.value == pytest.approx(12 / 120)
    assert result.change.previous.value == pytest.approx(37 / 120)
    assert result.change.previous.n == 120
    assert result.change.difference == pytest.approx(12 / 120 - 37 / 120)
    assert result.change.significant is True
    rows = {dict(row.group)["team"]: row for row in result.rows}
    # alpha: pooled 0.3, z = −0.4 / sqrt(0.3 × 0.7 × 2/60) = −0.4 / 0.08367 = −4.78: significant
    alpha = rows["alpha"]
    assert (alpha.current.value, alpha.current.n) == (pytest.approx(0.1), 60)
    assert (alpha.change.previous.value, alpha.change.previous.n) == (pytest.approx(0.5), 60)
    assert alpha.change.difference == pytest.approx(0.1 - 0.5)
    assert alpha.change.significant is True
    # beta: pooled 13/120 = 0.1083, z = −0.01667 / sqrt(0.1083 × 0.8917 × 2/60) = −0.29: not
    beta = rows["beta"]
    assert (beta.change.previous.value, beta.change.previous.n) == (pytest.approx(7 / 60), 60)
    assert beta.change.difference == pytest.approx(6 / 60 - 7 / 60)
    assert beta.change.significant is False
    # both 0.1 with n 60: tie, name order
    assert [dict(row.group)["team"] for row in result.rows] == ["alpha", "beta"]


def test_significance_of_a_mean_change(db, kpi):
    current = [100, 120, 140, 160, 180] * 4  # mean 140
    far = [1000, 1100, 1200, 1300, 1400] * 4  # mean 1200
    near = [110, 130, 150, 170, 190] * 4  # mean 150
    add_tickets(
        db,
        *({"id": f"c{i}", "team": "alpha", "created_at": at(10, i % 24),
           "first_response_at": after(at(10, i % 24), s)} for i, s in enumerate(current)),
        *({"id": f"f{i}", "team": "alpha", "created_at": at(3, i % 24),
           "first_response_at": after(at(3, i % 24), s)} for i, s in enumerate(far)),
        *({"id": f"d{i}", "team": "beta", "created_at": at(11, i % 24),
           "first_response_at": after(at(11, i % 24), s)} for i, s in enumerate(current)),
        *({"id": f"n{i}", "team": "beta", "created_at": at(4, i % 24),
           "first_response_at": after(at(4, i % 24), s)} for i, s in enumerate(near)),
    )
    result = run(kpi, "frt", compare=True, group_by=(Dimension.TEAM,))
    rows = {dict(row.group)["team"]: row for row in result.rows}
    # alpha: 140 against 1200, sd 29.0 and 145.1 over 20 each: t ≈ −32, significant
    assert rows["alpha"].change.difference == pytest.approx(140 - 1200)
    assert rows["alpha"].change.significant is True
    # beta: 140 against 150, sd 29.0 each over 20: t = −10 / 9.18 = −1.09, not significant
    assert rows["beta"].change.difference == pytest.approx(140 - 150)
    assert rows["beta"].change.significant is False


def test_breakdown_comparison_with_a_group_missing_before(db, kpi):
    add_tickets(
        db,
        {"id": "a1", "created_at": at(10), "team": "billing", "first_response_at": after(at(10), 100)},
        {"id": "a2", "created_at": at(10), "team": "tech", "first_response_at": after(at(10), 50)},
        {"id": "b1", "created_at": at(3), "team": "billing", "first_response_at": after(at(3), 400)},
    )
    result = run(kpi, "frt", compare=True, group_by=(Dimension.TEAM,))
    rows = {dict(row.group)["team"]: row for row in result.rows}
    assert rows["billing"].change.previous.value == pytest.approx(400.0)
    assert rows["billing"].change.difference == pytest.approx(100 - 400)
    assert rows["billing"].change.significant is None  # n = 1 on each side: no test
    assert (rows["tech"].change.previous.value, rows["tech"].change.previous.n) == (None, 0)
    assert rows["tech"].change.difference is None
    assert result.change.difference == pytest.approx((100 + 50) / 2 - 400)


# --- percentiles -------------------------------------------------------------------------------


def _frt_dataset(db) -> None:
    answered = {
        "Asha Rao": [100, 200, 400, 1000],
        "Ben Ode": [60, 120, 300, 600, 1200],
        "Cleo Diaz": [500],
    }
    rows = []
    for agent, seconds in answered.items():
        for i, value in enumerate(seconds):
            created = at(10 + i, 9)
            rows.append({"id": f"{agent[0]}{i}", "agent": agent, "created_at": created,
                         "first_response_at": after(created, value)})
    rows += [
        {"id": "A-open", "agent": "Asha Rao", "created_at": at(12, 10)},  # no response
        {"id": "D-open", "agent": "Dan Ye", "created_at": at(12, 10)},  # no response at all
        {"id": "A-out", "agent": "Asha Rao", "created_at": at(16),
         "first_response_at": after(at(16), 99999)},
        {"id": "B-out", "agent": "Ben Ode", "created_at": at(8, 23),
         "first_response_at": after(at(8, 23), 1)},
    ]
    add_tickets(db, *rows)


def test_frt_median_and_p90(db, kpi):
    _frt_dataset(db)
    result = run(kpi, "frt", percentiles=True)
    # sorted: 60 100 120 200 300 400 500 600 1000 1200 (n = 10)
    # median: h = 9 × 0.5 = 4.5 -> 300 + 0.5 × (400 − 300) = 350
    # p90: h = 9 × 0.9 = 8.1 -> 1000 + 0.1 × (1200 − 1000) = 1020
    percentiles = dict(result.current.percentiles)
    assert percentiles["median"] == pytest.approx(350.0)
    assert percentiles["p90"] == pytest.approx(1020.0)
    assert result.value == pytest.approx((100 + 200 + 400 + 1000 + 60 + 120 + 300 + 600 + 1200 + 500) / 10)
    assert result.n == 10
    assert result.to_json()["percentiles"] == {"median": pytest.approx(350.0), "p90": pytest.approx(1020.0)}


def test_frt_percentiles_in_a_breakdown(db, kpi):
    _frt_dataset(db)
    result = run(kpi, "frt", percentiles=True, group_by=(Dimension.AGENT,))
    assert dict(result.current.percentiles) == {"median": pytest.approx(350.0), "p90": pytest.approx(1020.0)}
    rows = {dict(row.group)["agent"]: row.current for row in result.rows}
    # Asha 100 200 400 1000: median h = 1.5 -> 200 + 0.5 × 200 = 300; p90 h = 2.7 -> 400 + 0.7 × 600 = 820
    assert dict(rows["Asha Rao"].percentiles) == {"median": pytest.approx(300.0), "p90": pytest.approx(820.0)}
    assert rows["Asha Rao"].n == 4
    # Ben 60 120 300 600 1200: median h = 2 -> 300; p90 h = 3.6 -> 600 + 0.6 × 600 = 960
    assert dict(rows["Ben Ode"].percentiles) == {"median": pytest.approx(300.0), "p90": pytest.approx(960.0)}
    # Cleo, one value: both are that value
    assert dict(rows["Cleo Diaz"].percentiles) == {"median": pytest.approx(500.0), "p90": pytest.approx(500.0)}
    # Dan has no answered ticket: no data, last
    assert (rows["Dan Ye"].value, rows["Dan Ye"].n) == (None, 0)
    assert [dict(row.group)["agent"] for row in result.rows] == ["Asha Rao", "Ben Ode", "Cleo Diaz", "Dan Ye"]
    # Asha (1700 / 4 = 425) < Ben (2280 / 5 = 456) < Cleo (500)
    assert rows["Asha Rao"].value == pytest.approx(1700 / 4)


def test_no_percentiles_unless_asked(db, kpi):
    _frt_dataset(db)
    result = run(kpi, "frt")
    assert result.current.percentiles == ()
    assert "percentiles" not in result.to_json()


# --- time zones --------------------------------------------------------------------------------

NEW_YORK = "America/New_York"


def test_a_local_day_in_new_york(db):
    kpi = KpiEngine(db, make_settings(tz=NEW_YORK))
    day = period_from_bounds("2026-11-09", "2026-11-10", now=NOW, tz=NEW_YORK)
    # Nov 9 in New York (EST, UTC−5) = [Nov 9 05:00 UTC, Nov 10 05:00 UTC)
    assert (day.start, day.end) == (at(9, 5), at(10, 5))
    add_tickets(
        db,
        {"id": "z1", "created_at": at(9, 2)},  # Nov 8 21:00 local: out
        {"id": "z2", "created_at": at(9, 4, 59, 59)},  # Nov 8 23:59:59 local: out
        {"id": "z3", "created_at": at(9, 5)},  # Nov 9 00:00 local: in
        {"id": "z4", "created_at": at(9, 12)},
        {"id": "z5", "created_at": at(10, 3, 30)},  # Nov 9 22:30 local: in
        {"id": "z6", "created_at": at(10, 5)},  # Nov 10 00:00 local: out
    )
    assert run(kpi, "ticket_volume", period=day).value == 3  # z3, z4, z5
    utc_day = period_from_bounds("2026-11-09", "2026-11-10", now=NOW, tz="UTC")
    assert run(KpiEngine(db, make_settings()), "ticket_volume", period=utc_day).value == 4  # z1..z4


def test_yesterday_and_last_week_in_new_york(db):
    kpi = KpiEngine(db, make_settings(tz=NEW_YORK))
    # NOW is Sun Nov 22 09:05 in New York
    yesterday = parse_period("yesterday", now=NOW, tz=NEW_YORK)
    last_week = parse_period("last week", now=NOW, tz=NEW_YORK)
    add_tickets(
        db,
        {"id": "y1", "created_at": at(22, 3)},  # Nov 21 22:00 local: yesterday
        {"id": "y2", "created_at": at(21, 4)},  # Nov 20 23:00 local: not yesterday
        {"id": "w1", "created_at": at(16, 3)},  # Sun Nov 15 22:00 local: last week
        {"id": "w2", "created_at": at(9, 3)},  # Sun Nov 8 22:00 local: not last week
        {"id": "w3", "created_at": at(9, 6)},  # Mon Nov 9 01:00 local: last week
    )
    assert run(kpi, "ticket_volume", period=yesterday).value == 1
    assert run(kpi, "ticket_volume", period=last_week).value == 2
    result = run(kpi, "ticket_volume", period=last_week, compare=True)
    # the week before, local: [Nov 2 05:00 UTC, Nov 9 05:00 UTC) holds w2
    assert (result.previous_period.start, result.previous_period.end) == (at(2, 5), at(9, 5))
    assert result.change.previous.value == 1


def test_a_month_across_the_dst_change_in_new_york(db):
    kpi = KpiEngine(db, make_settings(tz=NEW_YORK))
    october = parse_period("last month", now=NOW, tz=NEW_YORK)
    # October in New York is EDT (UTC−4) from end to end: [Oct 1 04:00 UTC, Nov 1 04:00 UTC)
    assert (october.start, october.end) == (at(1, 4, month=10), at(1, 4))
    add_tickets(
        db,
        {"id": "o1", "created_at": at(1, 3, 59, month=10)},  # Sep 30 23:59 local: out
        {"id": "o2", "created_at": at(1, 4, month=10)},  # Oct 1 00:00 local: in
        {"id": "o3", "created_at": at(1, 3, 30)},  # Oct 31 23:30 local: in
        {"id": "o4", "created_at": at(1, 4)},  # Nov 1 00:00 local: out
    )
    assert run(kpi, "ticket_volume", period=october).value == 2


def test_backlog_at_a_local_period_end(db):
    add_tickets(
        db,
        # solved at 23:00 New York time on Sun Nov 15, i.e. after midnight UTC
        {"id": "b1", "created_at": at(10), "solved_at": at(16, 4), "status": "solved"},
        {"id": "b2", "created_at": at(10)},
    )
    new_york = KpiEngine(db, make_settings(tz=NEW_YORK))
    local_week = parse_period("last week", now=NOW, tz=NEW_YORK)  # ends Nov 16 05:00 UTC
    assert run(new_york, "backlog", period=local_week).value == 1  # b2; b1 solved before the end
    assert run(KpiEngine(db, make_settings()), "backlog").value == 2  # ends Nov 16 00:00 UTC


# --- the JSON answer ---------------------------------------------------------------------------


def test_json_answer_of_a_compared_breakdown(db, kpi):
    add_tickets(
        db,
        {"id": "t1", "created_at": at(1), "team": "billing", "tier": 1},
        {"id": "t2", "created_at": at(1), "team": "billing", "tier": 1},
        {"id": "t3", "created_at": at(1), "team": "tech", "tier": 1},
        {"id": "t4", "created_at": at(1), "team": "tech", "tier": 2},
        {"id": "t5", "created_at": at(1), "team": "billing", "tier": 1},
    )
    add_survey_responses(
        db,
        {"ticket_id": "t1", "kind": "csat", "score": 5, "responded_at": at(10)},
        {"ticket_id": "t2", "kind": "csat", "score": 2, "responded_at": at(11)},
        {"ticket_id": "t3", "kind": "csat", "score": 4, "responded_at": at(12)},
        {"ticket_id": "t4", "kind": "csat", "score": 1, "responded_at": at(12)},  # tier 2
        {"ticket_id": "t5", "kind": "csat", "score": 5, "responded_at": at(4)},  # week before
    )
    result = run(kpi, "csat", compare=True, group_by=(Dimension.TEAM,),
                 filters=(where(Dimension.TIER, "1"),))
    answer = json.loads(json.dumps(result.to_json()))

    assert {"metric", "label", "value", "unit", "n", "period", "filters", "group_by", "rows",
            "previous", "change", "significant", "definition", "interval"} <= set(answer)
    assert answer["metric"] == "csat"
    assert isinstance(answer["label"], str) and answer["label"]
    assert answer["unit"] == "ratio"
    # tier 1, last week: t1 5, t2 2, t3 4 -> 2/3
    assert answer["value"] == pytest.approx(2 / 3)
    assert answer["n"] == 3 and isinstance(answer["n"], int)
    assert answer["period"] == {"start": "2026-11-09T00:00:00+00:00",
                                "end": "2026-11-16T00:00:00+00:00", "label": "last week"}
    assert answer["filters"] == {"tier": ["1"]}
    assert answer["group_by"] == ["team"]
    assert isinstance(answer["definition"], str) and answer["definition"]
    assert set(answer["interval"]) == {"low", "high"}
    assert answer["interval"]["low"] < answer["value"] < answer["interval"]["high"]
    # previous: the week before, t5 5 -> 1/1
    assert answer["previous"]["value"] == 1.0
    assert answer["previous"]["n"] == 1
    assert answer["previous"]["period"]["start"] == "2026-11-02T00:00:00+00:00"
    assert answer["previous"]["period"]["end"] == "2026-11-09T00:00:00+00:00"
    assert isinstance(answer["previous"]["period"]["label"], str)
    assert answer["change"] == pytest.approx(2 / 3 - 1)
    assert isinstance(answer["significant"], bool)

    # rows best first: tech (t3 4) 1/1, billing (t1 5, t2 2) 1/2
    assert [row["group"] for row in answer["rows"]] == [{"team": "tech"}, {"team": "billing"}]
    tech, billing = answer["rows"]
    for row in answer["rows"]:
        assert {"group", "value", "n", "previous", "change", "significant"} <= set(row)
        assert set(row["interval"]) == {"low", "high"}
    assert (tech["value"], tech["n"]) == (1.0, 1)
    assert (tech["previous"]["value"], tech["previous"]["n"], tech["change"]) == (None, 0, None)
    assert tech["significant"] is None
    assert (billing["value"], billing["n"]) == (0.5, 2)
    assert (billing["previous"]["value"], billing["previous"]["n"]) == (1.0, 1)
    assert billing["change"] == pytest.approx(0.5 - 1.0)
    assert isinstance(billing["significant"], bool)


def test_json_answer_without_breakdown_or_comparison(db, kpi):
    add_tickets(db, {"id": "t1", "created_at": at(10), "solved_at": at(11), "status": "solved"})
    answer = json.loads(json.dumps(run(kpi, "fcr").to_json()))
    assert answer["value"] == 1.0 and answer["n"] == 1 and answer["unit"] == "ratio"
    assert answer["group_by"] == [] and answer["rows"] == [] and answer["previous"] is None
    assert answer["filters"] == {}
    assert "interval" not in answer  # ticket ratios carry no interval
