"""A statistic as the value ("median FRT", "p90 time to resolve"), on every backend: the
median or p90 is the value of the total, of every group and of every trend step, the mean
beside it; groups sort by it; a comparison is of it, with no noise test. Expected values are
worked out by hand (percentile_cont: h = (n − 1) × fraction over the sorted values,
interpolated between floor(h) and floor(h) + 1).

The period is "last week" = [2026-11-09, 2026-11-16) UTC; NOW is Sun 2026-11-22 14:05 UTC.
"""

from __future__ import annotations

import pytest

from kpi_engine.formatting import render_text
from kpi_engine.query import KpiQuery, Threshold
from kpi_engine.vocabulary import Dimension, Granularity, Statistic
from tests.builders import add_tickets

from .timeline import LAST_WEEK, after, at, run

MEDIAN, P90 = Statistic.MEDIAN, Statistic.P90


def _frt_desk(db) -> None:
    """First responses (seconds), the i-th of each agent created on Nov 10 + i at 09:00:
    Asha 100, 200, 400, 1000; Ben 60, 120, 300, 600, 1200; Cleo 500; Dan never answered.
    Asha has an unanswered ticket too; one answer after the period, one before."""
    answered = {"Asha Rao": [100, 200, 400, 1000], "Ben Ode": [60, 120, 300, 600, 1200],
                "Cleo Diaz": [500]}
    rows = [{"id": f"{agent[0]}{i}", "agent": agent, "created_at": at(10 + i, 9),
             "first_response_at": after(at(10 + i, 9), seconds)}
            for agent, times in answered.items() for i, seconds in enumerate(times)]
    rows += [
        {"id": "A-open", "agent": "Asha Rao", "created_at": at(12, 10)},
        {"id": "D-open", "agent": "Dan Ye", "created_at": at(12, 10)},
        {"id": "A-out", "agent": "Asha Rao", "created_at": at(16),
         "first_response_at": after(at(16), 99999)},
        {"id": "B-out", "agent": "Ben Ode", "created_at": at(8, 23),
         "first_response_at": after(at(8, 23), 1)},
    ]
    add_tickets(db, *rows)


def test_the_median_is_the_value_and_the_mean_is_beside_it(db, kpi):
    _frt_desk(db)
    result = run(kpi, "frt", statistic=MEDIAN)
    # sorted: 60 100 120 200 300 400 500 600 1000 1200 (n = 10); h = 4.5 → 300 + 0.5 × 100
    assert result.value == pytest.approx(350.0)
    assert result.n == 10
    # mean: 4480 / 10
    assert dict(result.current.details)["mean"] == pytest.approx(448.0)
    assert result.current.percentiles == ()  # not asked beside the value
    data = result.to_json()
    assert data["statistic"] == "median"
    assert data["value"] == pytest.approx(350.0)
    assert data["details"] == {"mean": pytest.approx(448.0)}
    assert "percentiles" not in data
    assert result.definition.startswith("median time from a ticket's creation")
    lines = render_text(result).splitlines()
    assert lines[0] == "Median first response time — last week (Mon 9 Nov – Sun 15 Nov 2026)"
    assert lines[1:3] == ["  5 min 50 s   n = 10 tickets", "  mean: 7 min 28 s"]


def test_the_p90_is_the_value_and_percentiles_stay_when_asked(db, kpi):
    _frt_desk(db)
    result = run(kpi, "frt", statistic=P90, percentiles=True)
    # h = 9 × 0.9 = 8.1 → 1000 + 0.1 × (1200 − 1000)
    assert result.value == pytest.approx(1020.0)
    assert dict(result.current.percentiles) == {"median": pytest.approx(350.0),
                                                "p90": pytest.approx(1020.0)}
    assert result.to_json()["statistic"] == "p90"


def test_groups_take_the_statistic_and_sort_by_it(db, kpi):
    _frt_desk(db)
    by_median = run(kpi, "frt", statistic=MEDIAN, group_by=(Dimension.AGENT,))
    # Asha: h = 1.5 → 200 + 0.5 × 200 = 300 (mean 425); Ben: h = 2 → 300 (mean 456);
    # Cleo 500; equal medians: the larger group (Ben, 5) first; Dan no data last
    assert [(dict(row.group)["agent"], row.current.value, row.current.n,
             dict(row.current.details).get("mean")) for row in by_median.rows] == [
        ("Ben Ode", pytest.approx(300.0), 5, pytest.approx(456.0)),
        ("Asha Rao", pytest.approx(300.0), 4, pytest.approx(425.0)),
        ("Cleo Diaz", pytest.approx(500.0), 1, pytest.approx(500.0)),
        ("Dan Ye", None, 0, None),
    ]
    by_p90 = run(kpi, "frt", statistic=P90, group_by=(Dimension.AGENT,))
    # Asha: h = 2.7 → 400 + 0.7 × 600 = 820; Ben: h = 3.6 → 600 + 0.6 × 600 = 960; Cleo 500:
    # by p90 Cleo is first, although by mean (500) she is last of the three
    assert [(dict(row.group)["agent"], row.current.value) for row in by_p90.rows] == [
        ("Cleo Diaz", pytest.approx(500.0)), ("Asha Rao", pytest.approx(820.0)),
        ("Ben Ode", pytest.approx(960.0)), ("Dan Ye", None),
    ]


def test_a_threshold_on_a_median(db, kpi):
    _frt_desk(db)
    result = run(kpi, "frt", statistic=MEDIAN, group_by=(Dimension.AGENT,),
                 threshold=Threshold(op="<", value=400))
    # medians: Ben 300, Asha 300, Cleo 500: under 400, Ben and Asha (Cleo's mean, 500, too)
    assert [dict(row.group)["agent"] for row in result.rows] == ["Ben Ode", "Asha Rao"]
    assert "  agents with median first response time under 6 min 40 s: 2 of 4 agents" in \
        render_text(result).splitlines()


def test_a_trend_of_the_median(db, kpi):
    _frt_desk(db)
    result = run(kpi, "frt", statistic=MEDIAN, trend=Granularity.DAY)
    # Nov 10: Asha 100, Ben 60, Cleo 500 → 100 (mean 220); Nov 11: 200, 120 → 160;
    # Nov 12: 400, 300 → 350; Nov 13: 1000, 600 → 800; Nov 14: Ben 1200; 9 and 15 Nov none
    assert [(dict(row.group)["day"], row.current.value, row.current.n) for row in result.rows] == [
        ("2026-11-09", None, 0),
        ("2026-11-10", pytest.approx(100.0), 3),
        ("2026-11-11", pytest.approx(160.0), 2),
        ("2026-11-12", pytest.approx(350.0), 2),
        ("2026-11-13", pytest.approx(800.0), 2),
        ("2026-11-14", pytest.approx(1200.0), 1),
        ("2026-11-15", None, 0),
    ]
    assert dict(result.rows[1].current.details)["mean"] == pytest.approx((100 + 60 + 500) / 3)
    assert result.value == pytest.approx(350.0)  # the whole week, as above


def _compared_desk(db) -> None:
    """Last week: 100, 200, 300, 400, 10000 s (median 300, mean 2200). The week before:
    1000, 1100, 1200, 1300, 1400 (median 1200, mean 1200)."""
    add_tickets(
        db,
        *({"id": f"c{i}", "created_at": at(10, i), "first_response_at": after(at(10, i), s)}
          for i, s in enumerate([100, 200, 300, 400, 10000])),
        *({"id": f"p{i}", "created_at": at(3, i), "first_response_at": after(at(3, i), s)}
          for i, s in enumerate([1000, 1100, 1200, 1300, 1400])),
    )


def test_a_comparison_of_the_median_has_no_noise_test(db, kpi):
    _compared_desk(db)
    result = run(kpi, "frt", statistic=MEDIAN, compare=True, group_by=(Dimension.TEAM,))
    assert result.value == pytest.approx(300.0)
    assert result.change.previous.value == pytest.approx(1200.0)
    assert result.change.difference == pytest.approx(300.0 - 1200.0)
    assert result.change.significant is None
    [general] = result.rows  # every ticket is in team general
    assert general.change.difference == pytest.approx(300.0 - 1200.0)
    assert general.change.significant is None
    data = result.to_json()
    assert (data["change"], data["significant"]) == (pytest.approx(-900.0), None)
    assert data["previous"]["details"] == {"mean": pytest.approx(1200.0)}
    assert "  change: −15 min, no noise test for a median" in render_text(result).splitlines()
    # the mean of the same tickets is tested: +1000 s, but the spread of 100 … 10000 is wide:
    # t = 1000 / sqrt(19,025,000 / 5 + 25,000 / 5) = 1000 / 1951.9 = 0.51, within noise
    mean = run(kpi, "frt", compare=True)
    assert mean.change.difference == pytest.approx(2200.0 - 1200.0)
    assert mean.change.significant is False


def test_queries_with_a_statistic_run_together_as_alone(db, kpi):
    _frt_desk(db)
    queries = [
        KpiQuery(metric="frt", period=LAST_WEEK, statistic=MEDIAN),
        KpiQuery(metric="frt", period=LAST_WEEK),
        KpiQuery(metric="response_rate", period=LAST_WEEK),
        KpiQuery(metric="frt", period=LAST_WEEK, statistic=P90, group_by=(Dimension.AGENT,)),
    ]
    together = kpi.run_together(queries)
    assert [result.to_json() for result in together] == \
        [kpi.run(query).to_json() for query in queries]
    # median 350 and mean 448 (see above), not one value for both
    assert (together[0].value, together[1].value) == (pytest.approx(350.0),
                                                      pytest.approx(448.0))
