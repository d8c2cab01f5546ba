"""A change explained on a generated desk (`KpiEngine.explain_change`), on every backend: a planted
cause — billing's chat first responses twice as slow last week — is named first, by team
(billing) and by channel (chat), for every KPI it touches (first response time, service level,
resolution time: a ticket is solved an hour after its first response), and no driver is named
for the KPIs it does not touch; a desk of pure noise names no driver for any KPI.

The desk: two weeks ([Nov 2, Nov 9) and [Nov 9, Nov 16), UTC) of about 1,200 tickets each,
drawn from a seeded generator (the same desk on every run). What is expected comes from how the
desk was made — which segment was changed, and which KPIs read the changed timestamp — not
from the code under test.
"""

from __future__ import annotations

import math
import random
from datetime import timedelta

import pytest

from kpi_engine.query import KpiQuery
from kpi_engine.vocabulary import Dimension
from tests.builders import add_tickets

from .timeline import LAST_WEEK, at

TEAM, CHANNEL = Dimension.TEAM, Dimension.CHANNEL


def why(kpi, metric: str):
    return kpi.explain_change(KpiQuery(metric=metric, period=LAST_WEEK, explain_change=True))


def assert_adds_up(explanation) -> None:
    for explained in explanation.dimensions:
        if explained.additive:
            total = math.fsum(s.contribution for s in explained.segments)
            assert total == pytest.approx(explanation.difference, abs=1e-9), \
                explained.dimension



TEAMS = ("billing", "technical", "accounts", "onboarding")
CHANNELS = {"chat": 1800, "email": 3000, "phone": 1200}  # median first response, seconds


def generated_desk(db, *, seed: int, planted: bool, tickets: int = 1200) -> None:
    """Two weeks of about `tickets` tickets each (give or take 40): four teams of four agents,
    three channels, two tiers and priorities, a third of the tickets tagged; first responses
    log-normal around each channel's median; one in ten escalated; FCR about 70%. With
    `planted`, billing's chat first responses last week take twice as long."""
    rng = random.Random(seed)
    rows = []
    for week, start in ((0, at(2)), (1, at(9))):
        for i in range(tickets + rng.randrange(-40, 41)):
            team, channel = rng.choice(TEAMS), rng.choice(tuple(CHANNELS))
            created = start + timedelta(seconds=rng.randrange(7 * 86400 - 7200))
            wait = CHANNELS[channel] * math.exp(rng.gauss(0, 0.35))
            if planted and week == 1 and team == "billing" and channel == "chat":
                wait *= 2
            rows.append({
                "id": f"g{week}-{i}", "created_at": created,
                "first_response_at": created + timedelta(seconds=wait),
                "solved_at": created + timedelta(seconds=wait + 3600), "status": "solved",
                "team": team, "channel": channel, "agent": f"{team}-{rng.randrange(4)}",
                "tier": rng.choice((1, 2)), "priority": rng.choice(("normal", "high")),
                "agent_replies": 1 if rng.random() < 0.7 else 2,
                "escalated": rng.random() < 0.1,
                "tags": rng.sample(["refund", "bug", "vip"], rng.choice((0, 0, 1, 2)))})
    add_tickets(db, *rows)


@pytest.mark.parametrize("metric", ["frt", "service_level", "resolution_time"])
def test_a_planted_cause_is_named_first_for_every_kpi_it_touches(db, kpi, metric):
    generated_desk(db, seed=7, planted=True)
    explanation = why(kpi, metric)
    assert explanation.change.significant is True
    team, channel = explanation.dimension(TEAM), explanation.dimension(CHANNEL)
    assert team.segments[0].segment == "billing" and team.segments[0].driver
    assert channel.segments[0].segment == "chat" and channel.segments[0].driver
    assert not any(s.driver for s in team.segments[1:]), "only billing moved"
    assert not any(s.driver for s in channel.segments[1:]), "only chat moved"
    top = explanation.top_driver
    assert (top.dimension, top.segment.segment) in ((TEAM, "billing"), (CHANNEL, "chat"))
    worse = explanation.difference < 0 if metric == "service_level" else explanation.difference > 0
    assert worse
    assert_adds_up(explanation)


@pytest.mark.parametrize("metric", ["fcr", "ticket_volume", "escalation_rate"])
def test_a_kpi_the_cause_does_not_touch_names_no_driver(db, kpi, metric):
    generated_desk(db, seed=7, planted=True)
    assert why(kpi, metric).drivers == ()


@pytest.mark.parametrize("metric", ["frt", "service_level", "fcr", "ticket_volume",
                                    "escalation_rate"])
def test_a_desk_of_noise_names_no_driver(db, kpi, metric):
    generated_desk(db, seed=11, planted=False)
    explanation = why(kpi, metric)
    assert explanation.drivers == (), [
        (d.dimension.value, d.segment.segment) for d in explanation.drivers]
    assert explanation.tests >= 30  # every segment of every dimension was tested (30)
    assert "no segment stands out" in explanation.summary()
    assert_adds_up(explanation)
