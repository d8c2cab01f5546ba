"""The survey KPIs (csat, ces, nps, survey_response_rate) on hand-built data, on every backend.

Responses are placed by `responded_at`, requests by `sent_at`, never by the ticket's own
timestamps. The period is "last week" = [2026-11-09, 2026-11-16) UTC. Expected values are worked
out by hand in each test.
"""

from __future__ import annotations

import math
from datetime import datetime

import pytest

from kpi_engine.engine import KpiEngine
from kpi_engine.query import Filter
from kpi_engine.vocabulary import Dimension
from tests.builders import add_survey_requests, add_survey_responses, add_tickets, make_settings

from .timeline import at, run


def add_scored(db, kind: str, answers: list[tuple[str, int, datetime]], **ticket) -> None:
    """One ticket per answer (created Nov 1, outside the period), and its response."""
    add_tickets(db, *({"id": tid, "created_at": at(1)} | ticket for tid, _, _ in answers))
    add_survey_responses(
        db, *({"ticket_id": tid, "kind": kind, "score": score, "responded_at": when}
              for tid, score, when in answers)
    )


def wilson(successes: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """The textbook closed form, for checking: (p + z²/2n ± z·sqrt(p(1−p)/n + z²/4n²)) / (1 + z²/n)."""
    p = successes / n
    centre = p + z * z / (2 * n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - half) / (1 + z * z / n), (centre + half) / (1 + z * z / n)


CSAT_ANSWERS = [
    ("r1", 5, at(9)),  # at the start exactly: in
    ("r2", 4, at(10, 12)),
    ("r3", 3, at(11, 12)),
    ("r4", 1, at(15, 23, 59, 59)),
    ("r5", 5, at(16)),  # at the end exactly: out
    ("r6", 5, at(8, 23, 59, 59)),  # 1 s before the start: out
]


def _csat_dataset(db) -> None:
    add_scored(db, "csat", CSAT_ANSWERS)
    # a CES answer in the period on r2's ticket: not a CSAT response
    add_survey_responses(db, {"ticket_id": "r2", "kind": "ces", "score": 1, "responded_at": at(10)})
    # a ticket created in the period whose CSAT answer came after it: placed by responded_at, out
    add_tickets(db, {"id": "r7", "created_at": at(10)})
    add_survey_responses(db, {"ticket_id": "r7", "kind": "csat", "score": 1, "responded_at": at(17)})


def test_csat_is_the_share_of_responses_scoring_4_or_5(db, kpi):
    _csat_dataset(db)
    result = run(kpi, "csat")
    # in the period: r1 5, r2 4, r3 3, r4 1 -> 2 of 4 score 4-5
    assert result.value == pytest.approx((1 + 1 + 0 + 0) / 4)
    assert result.n == 4
    assert result.current.successes == 2
    assert dict(result.current.details)["mean_score"] == pytest.approx((5 + 4 + 3 + 1) / 4)
    assert result.to_json()["details"]["mean_score"] == pytest.approx(3.25)


def test_csat_variant_mean(db):
    _csat_dataset(db)
    kpi = KpiEngine(db, make_settings(csat_variant="mean"))
    result = run(kpi, "csat")
    assert result.value == pytest.approx((5 + 4 + 3 + 1) / 4)
    assert result.n == 4
    assert result.metric.unit.value == "score"
    assert "mean CSAT score" in result.definition


def test_csat_wilson_interval_8_of_10(db, kpi):
    scores = [5, 5, 4, 4, 5, 4, 5, 4, 2, 1]  # 8 of 10 score 4-5
    add_scored(db, "csat", [(f"w{i}", score, at(10, i)) for i, score in enumerate(scores)])
    result = run(kpi, "csat")
    assert result.value == pytest.approx(8 / 10)
    assert result.n == 10
    # Wilson 95% for 8/10: centre (0.8 + 3.8415/20) / 1.38415 = 0.71679,
    # half 1.96 * sqrt(0.016 + 0.0096037) / 1.38415 = 0.22651 -> [0.4902, 0.9433]
    interval = result.current.interval
    assert interval.low == pytest.approx(0.4902, abs=1e-4)
    assert interval.high == pytest.approx(0.9433, abs=1e-4)
    assert result.to_json()["interval"] == {"low": interval.low, "high": interval.high}


def test_csat_interval_on_a_two_of_four_case(db, kpi):
    _csat_dataset(db)
    interval = run(kpi, "csat").current.interval
    low, high = wilson(2, 4)
    # p = 0.5 is symmetric: centre 0.5, half 1.96*sqrt(0.0625 + 0.060023)/1.96037 = 0.3500
    assert (interval.low, interval.high) == pytest.approx((low, high))
    assert interval.low == pytest.approx(0.1500, abs=1e-4)
    assert interval.high == pytest.approx(0.8500, abs=1e-4)


def test_ces_is_the_mean_score_with_share_easy(db, kpi):
    add_scored(db, "ces", [
        ("e1", 7, at(9)),
        ("e2", 5, at(12)),  # 5 counts as easy
        ("e3", 4, at(13)),  # 4 does not
        ("e4", 1, at(15, 23, 59, 59)),
        ("e5", 7, at(16)),  # out
        ("e6", 1, at(8, 23)),  # out
    ])
    add_survey_responses(db, {"ticket_id": "e1", "kind": "csat", "score": 1, "responded_at": at(10)})
    result = run(kpi, "ces")
    assert result.value == pytest.approx((7 + 5 + 4 + 1) / 4)
    assert result.n == 4
    assert dict(result.current.details)["share_easy"] == pytest.approx((1 + 1 + 0 + 0) / 4)
    assert result.current.interval is None
    assert "7 = strongly agree" in result.definition


def test_nps_is_100_times_promoters_minus_detractors(db, kpi):
    add_scored(db, "nps", [
        ("p1", 10, at(9)),
        ("p2", 9, at(10)),  # 9 is a promoter
        ("p3", 9, at(11)),
        ("p4", 7, at(12)),  # passive
        ("p5", 6, at(13)),  # 6 is a detractor
        ("p6", 0, at(15, 23, 59, 59)),
        ("p7", 0, at(16)),  # out
        ("p8", 10, at(8)),  # out
    ])
    result = run(kpi, "nps")
    # 3 promoters, 1 passive, 2 detractors among 6
    assert result.value == pytest.approx(100 * (3 / 6 - 2 / 6))
    assert result.n == 6
    details = dict(result.current.details)
    assert details["promoters"] == pytest.approx(3 / 6)
    assert details["detractors"] == pytest.approx(2 / 6)


def _requests_dataset(db) -> None:
    add_tickets(
        db,
        *({"id": tid, "created_at": at(1), "team": team}
          for tid, team in [("qa", "billing"), ("qb", "billing"), ("qc", "tech"), ("qd", "tech"),
                            ("qe", "tech"), ("qf", "tech"), ("qg", "tech")]),
    )
    add_survey_requests(
        db,
        {"ticket_id": "qa", "kind": "csat", "sent_at": at(9)},  # start: in, answered (later)
        {"ticket_id": "qb", "kind": "csat", "sent_at": at(12)},  # in, unanswered
        {"ticket_id": "qc", "kind": "ces", "sent_at": at(13)},  # in, answered
        {"ticket_id": "qc", "kind": "csat", "sent_at": at(13)},  # in, unanswered (only ces answered)
        {"ticket_id": "qd", "kind": "csat", "sent_at": at(16)},  # end: out
        {"ticket_id": "qe", "kind": "nps", "sent_at": at(8, 23, 59, 59)},  # before: out
        {"ticket_id": "qf", "kind": "nps", "sent_at": at(15, 23, 59, 59)},  # in, answered
    )
    add_survey_responses(
        db,
        # answered after the period: still counts, the request is placed by sent_at
        {"ticket_id": "qa", "kind": "csat", "score": 5, "responded_at": at(17)},
        {"ticket_id": "qc", "kind": "ces", "score": 6, "responded_at": at(13, 1)},
        {"ticket_id": "qd", "kind": "csat", "score": 5, "responded_at": at(16, 1)},
        {"ticket_id": "qe", "kind": "nps", "score": 5, "responded_at": at(9, 1)},
        {"ticket_id": "qf", "kind": "nps", "score": 9, "responded_at": at(16, 2)},
        # a response with no request: not part of the rate
        {"ticket_id": "qg", "kind": "csat", "score": 4, "responded_at": at(10)},
    )


def test_survey_response_rate_by_sent_at(db, kpi):
    _requests_dataset(db)
    result = run(kpi, "survey_response_rate")
    # in the period: qa/csat yes, qb/csat no, qc/ces yes, qc/csat no, qf/nps yes
    assert result.value == pytest.approx((1 + 0 + 1 + 0 + 1) / 5)
    assert result.n == 5
    low, high = wilson(3, 5)
    assert (result.current.interval.low, result.current.interval.high) == pytest.approx((low, high))
    # 3/5: centre (0.6 + 0.38415) / 1.76829 = 0.55655, half 1.96*sqrt(0.048 + 0.038415)/1.76829
    assert result.current.interval.low == pytest.approx(0.2307, abs=1e-4)
    assert result.current.interval.high == pytest.approx(0.8824, abs=1e-4)


def test_survey_response_rate_per_kind(db, kpi):
    _requests_dataset(db)
    result = run(kpi, "survey_response_rate", group_by=(Dimension.KIND,))
    rows = [(dict(row.group)["kind"], row.current.value, row.current.n) for row in result.rows]
    # ces 1/1 and nps 1/1 tie on value and n (then by name), csat 1/3 last
    assert rows == [("ces", 1.0, 1), ("nps", 1.0, 1), ("csat", pytest.approx(1 / 3), 3)]
    assert result.value == pytest.approx(3 / 5)
    assert all(row.current.interval is not None for row in result.rows)

    only_csat = run(kpi, "survey_response_rate",
                    filters=(Filter(dimension=Dimension.KIND, values=("CSAT",)),))
    assert only_csat.value == pytest.approx(1 / 3)
    assert only_csat.n == 3


def test_survey_response_rate_filtered_by_the_tickets_team(db, kpi):
    _requests_dataset(db)
    result = run(kpi, "survey_response_rate",
                 filters=(Filter(dimension=Dimension.TEAM, values=("billing",)),))
    # billing: qa/csat yes, qb/csat no
    assert result.value == pytest.approx(1 / 2)
    assert result.n == 2


def test_survey_metrics_filter_on_the_tickets_attributes(db, kpi):
    add_tickets(
        db,
        {"id": "t1", "created_at": at(1), "team": "billing", "tier": 1, "agent": "Asha Rao",
         "tags": ["vip", "refund"]},
        {"id": "t2", "created_at": at(1), "team": "billing", "tier": 2, "agent": "Ben Ode"},
        {"id": "t3", "created_at": at(1), "team": "tech", "tier": 1, "agent": "Asha Rao",
         "tags": ["vip"]},
        {"id": "t4", "created_at": at(1), "team": "tech", "tier": 2, "agent": "Ben Ode"},
    )
    add_survey_responses(
        db,
        {"ticket_id": "t1", "kind": "csat", "score": 5, "responded_at": at(10)},
        {"ticket_id": "t2", "kind": "csat", "score": 2, "responded_at": at(10)},
        {"ticket_id": "t3", "kind": "csat", "score": 3, "responded_at": at(10)},
        {"ticket_id": "t4", "kind": "csat", "score": 4, "responded_at": at(10)},
        {"ticket_id": "t1", "kind": "nps", "score": 10, "responded_at": at(10)},
        {"ticket_id": "t2", "kind": "nps", "score": 3, "responded_at": at(10)},
    )

    def csat(*filters):
        return run(kpi, "csat", filters=tuple(filters))

    billing = csat(Filter(dimension=Dimension.TEAM, values=("Billing",)))
    assert (billing.value, billing.n) == (pytest.approx(1 / 2), 2)  # t1 5, t2 2
    tier1 = csat(Filter(dimension=Dimension.TIER, values=("1",)))
    assert (tier1.value, tier1.n) == (pytest.approx(1 / 2), 2)  # t1 5, t3 3
    asha_tech = csat(Filter(dimension=Dimension.AGENT, values=("asha rao",)),
                     Filter(dimension=Dimension.TEAM, values=("tech",)))
    assert (asha_tech.value, asha_tech.n) == (0.0, 1)  # t3 3
    vip = csat(Filter(dimension=Dimension.TAG, values=("vip",)))
    assert (vip.value, vip.n) == (pytest.approx(1 / 2), 2)  # t1 5, t3 3
    nps_billing = run(kpi, "nps", filters=(Filter(dimension=Dimension.TEAM, values=("billing",)),))
    assert (nps_billing.value, nps_billing.n) == (pytest.approx(100 * (1 / 2 - 1 / 2)), 2)

    by_team = run(kpi, "csat", group_by=(Dimension.TEAM,))
    assert [(dict(r.group)["team"], r.current.value, r.current.n) for r in by_team.rows] == [
        ("billing", 0.5, 2), ("tech", 0.5, 2)  # t4 4 counts, t3 3 does not
    ]


def test_survey_metrics_with_no_responses_are_none(db, kpi):
    add_tickets(db, {"id": "t1", "created_at": at(10)})
    add_survey_requests(db, {"ticket_id": "t1", "kind": "csat", "sent_at": at(20)})
    add_survey_responses(db, {"ticket_id": "t1", "kind": "csat", "score": 5, "responded_at": at(20)})
    for metric in ("csat", "ces", "nps", "survey_response_rate"):
        result = run(kpi, metric)
        assert (result.value, result.n, result.current.interval) == (None, 0, None), metric
        assert "interval" not in result.to_json()
