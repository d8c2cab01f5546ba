"""Honest rankings ("top 2 agents by CSAT", "worst agent by FRT"), on every backend: only
groups with at least `rank_min_n` records (default 10) are ranked, the others listed apart best
first; survey rates rank by the cautious end of the 95% Wilson interval (the low end best
first, the high end worst first); the rule is stated once. A breakdown without a limit is not
a ranking and is unchanged. Expected values are worked out by hand in each test.

Wilson 95% intervals (z = 1.96, centre (p + z²/2n) / (1 + z²/n), half-width
z·sqrt(p(1−p)/n + z²/4n²) / (1 + z²/n)):
    10/10 → [0.7225, 1]      95/100 → [0.8882, 0.9785]     40/50 → [0.6696, 0.8876]
    7/10  → [0.3968, 0.8922] 3/3    → [0.4385, 1]          0/1   → [0, 0.7935]

The period is "last week" = [2026-11-09, 2026-11-16) UTC; NOW is Sun 2026-11-22 14:05 UTC.
"""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from kpi_engine.engine import KpiEngine
from kpi_engine.formatting import render_line, render_text
from kpi_engine.query import Ranking, Threshold
from kpi_engine.settings import Settings
from kpi_engine.vocabulary import Dimension
from tests.builders import add_survey_responses, add_tickets, make_settings

from .timeline import after, at, run


def agents(rows) -> list[str]:
    return [dict(row.group)["agent"] for row in rows]


def _frt_desk(db) -> None:
    """First responses last week: Asha 12 tickets at 300 s, Ben 10 at 600 (the minimum
    exactly), Cleo 11 at 900; Hana 3 at 60 and Tom 1 at 30 — the fastest, on too few."""
    add_tickets(db, *({"id": f"{agent[:3]}{i}", "agent": agent, "created_at": at(10, 1, i),
                       "first_response_at": after(at(10, 1, i), seconds)}
                      for agent, count, seconds in (("Asha Rao", 12, 300), ("Ben Ode", 10, 600),
                                                    ("Cleo Diaz", 11, 900), ("Hana Kim", 3, 60),
                                                    ("Tom Nguyen", 1, 30))
                      for i in range(count)))


def test_a_ranking_leaves_out_groups_under_the_minimum_and_lists_them(db, kpi):
    _frt_desk(db)
    result = run(kpi, "frt", group_by=(Dimension.AGENT,), limit=2)
    # ranked (n ≥ 10), fastest first: Asha 300, Ben 600 (Cleo 900 is third)
    assert agents(result.rows) == ["Asha Rao", "Ben Ode"]
    assert result.groups_total == 3
    # apart, best first by value: Tom 30 s (n = 1), Hana 60 s (n = 3)
    assert [(dict(row.group)["agent"], row.current.value, row.current.n)
            for row in result.unranked] == [("Tom Nguyen", pytest.approx(30.0), 1),
                                            ("Hana Kim", pytest.approx(60.0), 3)]
    assert result.ranking == Ranking(min_n=10, by="value")
    assert result.notes == ("ranked among agents with at least 10 tickets",)
    data = result.to_json()
    assert data["ranking"] == {"min_n": 10, "by": "value"}
    assert data["unranked"] == [
        {"group": {"agent": "Tom Nguyen"}, "value": pytest.approx(30.0), "n": 1},
        {"group": {"agent": "Hana Kim"}, "value": pytest.approx(60.0), "n": 3},
    ]
    lines = render_text(result).splitlines()
    assert "  too few to rank (fewer than 10 tickets): Tom Nguyen (n = 1), Hana Kim (n = 3)" \
        in lines
    assert "  note: ranked among agents with at least 10 tickets" in lines
    assert "; too few to rank (fewer than 10 tickets): Tom Nguyen (n = 1), Hana Kim (n = 3)" \
        in render_line(result)


def test_worst_first_ranks_among_the_same_groups(db, kpi):
    _frt_desk(db)
    result = run(kpi, "frt", group_by=(Dimension.AGENT,), limit=1, worst_first=True)
    assert agents(result.rows) == ["Cleo Diaz"]  # 900 s; Hana and Tom are not ranked
    assert agents(result.unranked) == ["Tom Nguyen", "Hana Kim"]  # still best first


def test_the_minimum_is_a_setting(db, monkeypatch):
    _frt_desk(db)
    three = KpiEngine(db, make_settings(rank_min_n=3))
    result = run(three, "frt", group_by=(Dimension.AGENT,), limit=1)
    assert agents(result.rows) == ["Hana Kim"]  # 60 s over 3 tickets now ranks
    assert agents(result.unranked) == ["Tom Nguyen"]
    assert Settings(_env_file=None).rank_min_n == 10
    monkeypatch.setenv("KPIBOT_RANK_MIN_N", "5")
    assert Settings(_env_file=None).rank_min_n == 5
    monkeypatch.setenv("KPIBOT_RANK_MIN_N", "0")
    with pytest.raises(ValidationError):
        Settings(_env_file=None)


def test_a_count_is_ranked_as_it_is(db, kpi):
    _frt_desk(db)
    most = run(kpi, "ticket_volume", group_by=(Dimension.AGENT,), limit=1)
    assert agents(most.rows) == ["Asha Rao"]  # 12 tickets
    fewest = run(kpi, "ticket_volume", group_by=(Dimension.AGENT,), limit=1, worst_first=True)
    assert agents(fewest.rows) == ["Tom Nguyen"]  # 1 ticket: the answer, not noise
    assert (fewest.unranked, fewest.ranking, fewest.notes) == ((), None, ())
    assert "ranking" not in fewest.to_json()


CSAT_AGENTS = (("Ana Alves", 10, 10), ("Bo Berg", 95, 100), ("Cy Cole", 40, 50),
               ("Gil Gray", 7, 10), ("Hana Kim", 3, 3), ("Tom Nguyen", 0, 1))


def _csat_desk(db) -> None:
    """CSAT answers last week, (agent, scoring 4–5, responses): see CSAT_AGENTS; the others
    score 2."""
    tickets, responses = [], []
    for agent, good, count in CSAT_AGENTS:
        for i in range(count):
            ticket_id = f"{agent[:3]}{i}"
            tickets.append({"id": ticket_id, "agent": agent, "created_at": at(9, 8)})
            responses.append({"ticket_id": ticket_id, "kind": "csat",
                              "score": 5 if i < good else 2, "responded_at": at(11, 9)})
    add_tickets(db, *tickets)
    add_survey_responses(db, *responses)


def test_a_survey_rate_is_crowned_by_the_low_end_of_its_interval(db, kpi):
    _csat_desk(db)
    result = run(kpi, "csat", group_by=(Dimension.AGENT,), limit=2)
    # by value Ana (10/10 = 100%) would lead Bo (95/100 = 95%); by the low end of the
    # interval Bo (0.888) leads Ana (0.722), then Cy (0.670), Gil (0.397)
    assert agents(result.rows) == ["Bo Berg", "Ana Alves"]
    assert result.groups_total == 4
    assert result.rows[0].current.interval.low == pytest.approx(0.8882, abs=1e-4)
    assert result.rows[1].current.interval.low == pytest.approx(0.7225, abs=1e-4)
    # Hana's 3/3 and Tom's 0/1 are apart, best first by value
    assert [(dict(row.group)["agent"], row.current.value, row.current.n)
            for row in result.unranked] == [("Hana Kim", 1.0, 3), ("Tom Nguyen", 0.0, 1)]
    assert result.to_json()["ranking"] == {"min_n": 10, "by": "wilson_low"}
    assert result.notes == (("ranked among agents with at least 10 responses, by the low end "
                             "of the 95% interval"),)
    assert "  too few to rank (fewer than 10 responses): Hana Kim (n = 3), Tom Nguyen (n = 1)" \
        in render_text(result).splitlines()


def test_a_survey_rate_is_condemned_by_the_high_end_of_its_interval(db, kpi):
    _csat_desk(db)
    result = run(kpi, "csat", group_by=(Dimension.AGENT,), limit=2, worst_first=True)
    # by value Gil (7/10 = 70%) would be worst, then Cy (40/50 = 80%); by the high end Cy
    # (0.8876) is below Gil (0.8922): on 50 answers Cy is surely under 89%, Gil may not be
    assert agents(result.rows) == ["Cy Cole", "Gil Gray"]
    assert result.to_json()["ranking"] == {"min_n": 10, "by": "wilson_high"}
    assert result.notes == (("ranked among agents with at least 10 responses, by the high end "
                             "of the 95% interval"),)


def test_a_lower_minimum_ranks_more_groups_by_the_same_rule(db):
    _csat_desk(db)
    result = run(KpiEngine(db, make_settings(rank_min_n=3)), "csat",
                 group_by=(Dimension.AGENT,), limit=4)
    # low ends: Bo 0.888, Ana 0.722, Cy 0.670, Hana 0.4385 (3/3), Gil 0.397
    assert agents(result.rows) == ["Bo Berg", "Ana Alves", "Cy Cole", "Hana Kim"]
    assert result.groups_total == 5
    assert agents(result.unranked) == ["Tom Nguyen"]


def test_a_breakdown_without_a_limit_is_every_group_best_first_by_value(db, kpi):
    _csat_desk(db)
    result = run(kpi, "csat", group_by=(Dimension.AGENT,))
    # Ana 100% (10) and Hana 100% (3): the larger first; Bo 95%, Cy 80%, Gil 70%, Tom 0%
    assert agents(result.rows) == ["Ana Alves", "Hana Kim", "Bo Berg", "Cy Cole", "Gil Gray",
                                   "Tom Nguyen"]
    assert (result.unranked, result.ranking, result.notes) == ((), None, ())
    data = result.to_json()
    assert "ranking" not in data and "unranked" not in data


def test_a_threshold_then_a_ranking(db, kpi):
    _csat_desk(db)
    result = run(kpi, "csat", group_by=(Dimension.AGENT,), limit=5,
                 threshold=Threshold(op="<", value=0.9))
    # under 90%: Cy 80%, Gil 70%, Tom 0%; Tom's one answer is not ranked; Cy (low 0.670)
    # before Gil (0.397)
    assert agents(result.rows) == ["Cy Cole", "Gil Gray"]
    assert agents(result.unranked) == ["Tom Nguyen"]
    assert (result.groups_total, result.groups_measured) == (2, 6)
    assert "  agents with CSAT under 90.0%: 3 of 6 agents" in render_text(result).splitlines()
