"""Thresholds on a breakdown ("agents with CSAT under 80%", "teams with more than 1
escalation"), on every backend: only the groups past it, best first, counted before any limit;
none passing is said plainly. Expected values are worked out by hand in each test.

The period is "last week" = [2026-11-09, 2026-11-16) UTC; NOW is Sun 2026-11-22 14:05 UTC.
"""

from __future__ import annotations

import pytest

from kpi_engine.engine import KpiEngine
from kpi_engine.formatting import render_line, render_text
from kpi_engine.query import Threshold
from kpi_engine.vocabulary import Dimension
from tests.builders import add_tickets, make_settings

from .timeline import after, at, run


def table(result, dimension: str) -> list[tuple]:
    return [(dict(row.group)[dimension], row.current.value, row.current.n) for row in result.rows]


def _escalation_desk(db) -> None:
    """Created last week: alpha 4 tickets, 1 escalated (25%); beta 4, 2 (50%); gamma 2, 0
    (0%); delta 3, 3 (100%)."""
    rows = []
    for team, tickets, escalated in (("alpha", 4, 1), ("beta", 4, 2), ("gamma", 2, 0),
                                     ("delta", 3, 3)):
        rows += [{"id": f"{team}{i}", "created_at": at(10, i), "team": team,
                  "escalated": i < escalated} for i in range(tickets)]
    add_tickets(db, *rows)


def _frt_desk(db) -> None:
    """First responses last week: Asha 100 s, 200 s (mean 150); Ben 600, 1200 (900); Cleo
    3600; Dan 300, 900 (600)."""
    answered = {"Asha Rao": [100, 200], "Ben Ode": [600, 1200], "Cleo Diaz": [3600],
                "Dan Ye": [300, 900]}
    add_tickets(db, *({"id": f"{agent[0]}{i}", "agent": agent, "created_at": at(11, i),
                       "first_response_at": after(at(11, i), seconds)}
                      for agent, times in answered.items() for i, seconds in enumerate(times)))


def test_a_threshold_on_a_ratio_keeps_the_groups_past_it_best_first(db, kpi):
    _escalation_desk(db)
    result = run(kpi, "escalation_rate", group_by=(Dimension.TEAM,),
                 threshold=Threshold(op=">=", value=0.5))
    # beta 2/4 = 0.5 (at the threshold: passes), delta 3/3; lower is better: beta first
    assert table(result, "team") == [("beta", 0.5, 4), ("delta", 1.0, 3)]
    assert (result.groups_total, result.groups_measured) == (2, 4)
    assert result.value == pytest.approx((1 + 2 + 0 + 3) / 13)  # the total is every team's
    assert result.to_json()["threshold"] == {"op": ">=", "value": 0.5}
    assert "  teams with escalation rate at least 50.0%: 2 of 4 teams" in \
        render_text(result).splitlines()
    assert "; teams with escalation rate at least 50.0%: 2 of 4 teams; by team" in \
        render_line(result)


def test_a_threshold_worst_first(db, kpi):
    _escalation_desk(db)
    result = run(kpi, "escalation_rate", group_by=(Dimension.TEAM,),
                 threshold=Threshold(op=">=", value=0.5), worst_first=True)
    assert table(result, "team") == [("delta", 1.0, 3), ("beta", 0.5, 4)]


def test_a_threshold_comes_before_the_limit(db):
    _escalation_desk(db)
    ranks_all = KpiEngine(db, make_settings(rank_min_n=1))  # every team has a few tickets
    result = run(ranks_all, "escalation_rate", group_by=(Dimension.TEAM,),
                 threshold=Threshold(op=">", value=0.2), limit=2)
    # past 20%: alpha 25%, beta 50%, delta 100% (gamma 0% is not); the best two shown
    assert table(result, "team") == [("alpha", 0.25, 4), ("beta", 0.5, 4)]
    assert (result.groups_total, result.groups_measured) == (3, 4)


def test_a_threshold_on_seconds(db, kpi):
    _frt_desk(db)
    slow = run(kpi, "frt", group_by=(Dimension.AGENT,), threshold=Threshold(op=">", value=600))
    # Ben 900, Cleo 3600; Dan's 600 is not over 600
    assert table(slow, "agent") == [("Ben Ode", pytest.approx(900.0), 2),
                                    ("Cleo Diaz", pytest.approx(3600.0), 1)]
    assert "  agents with first response time over 10 min: 2 of 4 agents" in \
        render_text(slow).splitlines()
    fast = run(kpi, "frt", group_by=(Dimension.AGENT,), threshold=Threshold(op="<=", value=600))
    assert table(fast, "agent") == [("Asha Rao", pytest.approx(150.0), 2),
                                    ("Dan Ye", pytest.approx(600.0), 2)]


def test_a_threshold_on_a_count(db, kpi):
    _escalation_desk(db)
    result = run(kpi, "escalations", group_by=(Dimension.TEAM,),
                 threshold=Threshold(op=">", value=1))
    # escalated tickets: alpha 1, beta 2, gamma 0, delta 3; fewer is better: beta, delta
    assert table(result, "team") == [("beta", 2, 4), ("delta", 3, 3)]
    assert result.groups_total == 2
    assert "  teams with escalations over 1: 2 of 4 teams" in render_text(result).splitlines()


def test_no_group_past_the_threshold_is_said_plainly(db, kpi):
    _frt_desk(db)
    result = run(kpi, "frt", group_by=(Dimension.AGENT,), threshold=Threshold(op=">", value=7200))
    # the slowest agent, Cleo, averages 1 h
    assert result.rows == ()
    assert (result.groups_total, result.groups_measured) == (0, 4)
    assert result.to_json()["rows"] == []
    assert result.to_json()["threshold"] == {"op": ">", "value": 7200}
    text = render_text(result).splitlines()
    assert "  no agent has first response time over 2 h (4 agents measured)" in text
    assert not any(line.strip().startswith("agent ") for line in text)  # no empty table
