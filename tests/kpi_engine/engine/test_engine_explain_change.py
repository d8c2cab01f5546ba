"""A change explained (`KpiEngine.explain_change`), on every backend: hand-worked shift-share
decompositions — a pure rate change and a pure mix shift come out as such, the contributions add
up to the change — for a ratio (FCR, and CSAT with every term at work), a mean (FRT) and a count
(ticket volume); tags each split on their own; the records without a value as a segment; what
is not explained (n = 0 in a period, no change, a median, a trend); a dimension of 3,000 agents.
The planted cause and the desk of noise are in test_engine_explain_change_planted.py.

Periods: "last week" = [Nov 9, Nov 16) against the week before, [Nov 2, Nov 9), UTC; NOW is
Sun 2026-11-22 14:05 UTC. The formulas (kpi-definitions.md, "A change explained"), with w a
segment's share of the records, r its value, bars the two periods' averages, R the total:
rate = w̄·(r¹ − r⁰), mix = (r̄ − R̄)·(w¹ − w⁰).
"""

from __future__ import annotations

import math
from datetime import timedelta

import pytest

from kpi_engine.errors import UserError
from kpi_engine.query import KpiQuery
from kpi_engine.vocabulary import Dimension, Granularity, Statistic
from tests.builders import add_survey_responses, add_tickets

from .timeline import LAST_WEEK, after, at

TEAM, CHANNEL, AGENT, TAG, TIER = (Dimension.TEAM, Dimension.CHANNEL, Dimension.AGENT,
                                   Dimension.TAG, Dimension.TIER)


def why(kpi, metric: str, *dimensions: Dimension, **options):
    query = KpiQuery(metric=metric, period=LAST_WEEK, explain_change=True, **options)
    return kpi.explain_change(query, dimensions or None)


def by_segment(explanation, dimension: Dimension) -> dict:
    """{segment: (rate effect, mix effect)} of one dimension."""
    return {s.segment: (s.rate_effect, s.mix_effect)
            for s in explanation.dimension(dimension).segments}


def assert_adds_up(explanation) -> None:
    for explained in explanation.dimensions:
        if explained.additive:
            total = math.fsum(s.contribution for s in explained.segments)
            assert total == pytest.approx(explanation.difference, abs=1e-9), \
                explained.dimension


def _solved(ticket_id: str, day: int, team: str | None, *, fcr: bool, **extra) -> dict:
    solved = at(day, 12)
    return {"id": ticket_id, "created_at": solved - timedelta(hours=4),
            "first_response_at": solved - timedelta(hours=3), "solved_at": solved,
            "status": "solved", "team": team, "agent_replies": 1 if fcr else 2} | extra


def _fcr_desk(db, before: dict, now: dict) -> None:
    """Solved tickets per team: {team: (solved, of which one-touch)} the week before (solved
    on Nov 4) and last week (Nov 11)."""
    rows = []
    for day, counts in ((4, before), (11, now)):
        for team, (solved, one_touch) in counts.items():
            rows += [_solved(f"{team}-{day}-{i}", day, team, fcr=i < one_touch)
                     for i in range(solved)]
    add_tickets(db, *rows)


# ------------------------------------------------------------------ a ratio: FCR


def test_fcr_a_pure_rate_change_is_all_rate(db, kpi):
    # before: billing 8/10, technical 5/10 → 13/20 = 65%; now: billing 8/10, technical 2/10
    # → 10/20 = 50%; change −15 pts. Shares stay 1/2: no mix. technical's rate effect:
    # ½ · (0.2 − 0.5) = −0.15; billing's 0.
    _fcr_desk(db, {"billing": (10, 8), "technical": (10, 5)},
              {"billing": (10, 8), "technical": (10, 2)})
    explanation = why(kpi, "fcr", TEAM)
    assert explanation.previous.value == pytest.approx(0.65)
    assert explanation.current.value == pytest.approx(0.50)
    assert explanation.difference == pytest.approx(-0.15)
    segments = by_segment(explanation, TEAM)
    assert segments["technical"] == pytest.approx((-0.15, 0.0), abs=1e-12)
    assert segments["billing"] == pytest.approx((0.0, 0.0), abs=1e-12)
    assert [s.segment for s in explanation.dimension(TEAM).segments] == ["technical", "billing"]
    technical = explanation.dimension(TEAM).segments[0]
    assert (technical.current.n, technical.previous.n) == (10, 10)
    assert (technical.share, technical.previous_share) == (0.5, 0.5)
    assert_adds_up(explanation)


def test_fcr_a_pure_mix_shift_is_all_mix(db, kpi):
    # before: billing 8/10 (80%), technical 5/10 (50%) → 13/20 = 0.65; now: billing 16/20
    # (80%), technical 5/10 (50%) → 21/30 = 0.70; change +0.05. Values unchanged: no rate.
    # R̄ = 0.675; billing mix (0.8 − 0.675)·(2/3 − 1/2) = 0.125/6 = 0.0208333;
    # technical mix (0.5 − 0.675)·(1/3 − 1/2) = 0.175/6 = 0.0291667; sum 0.05.
    _fcr_desk(db, {"billing": (10, 8), "technical": (10, 5)},
              {"billing": (20, 16), "technical": (10, 5)})
    explanation = why(kpi, "fcr", TEAM)
    assert explanation.difference == pytest.approx(0.05)
    segments = by_segment(explanation, TEAM)
    assert segments["billing"] == pytest.approx((0.0, 0.125 / 6), abs=1e-12)
    assert segments["technical"] == pytest.approx((0.0, 0.175 / 6), abs=1e-12)
    assert_adds_up(explanation)


def test_records_without_a_value_are_a_segment_of_their_own(db, kpi):
    # before: billing 1/2, no team 2/2 → 3/4; now: billing 1/2, no team 0/2 → 1/4; change
    # −0.5, all of it the no-team tickets' rate effect: ½ · (0 − 1) = −0.5.
    _fcr_desk(db, {"billing": (2, 1)}, {"billing": (2, 1)})
    add_tickets(db, _solved("n1", 4, None, fcr=True), _solved("n2", 4, None, fcr=True),
                _solved("n3", 11, None, fcr=False), _solved("n4", 11, None, fcr=False))
    explanation = why(kpi, "fcr", TEAM)
    assert by_segment(explanation, TEAM) == {None: pytest.approx((-0.5, 0.0)),
                                             "billing": pytest.approx((0.0, 0.0))}
    assert explanation.dimension(TEAM).segments[0].name == "(none)"


def test_a_segment_that_appears_is_all_mix(db, kpi):
    # before: billing 1/2 → 0.5; now: billing 1/2, onboarding 2/2 → 3/4 = 0.75; change +0.25.
    # onboarding, new: its value is taken as 1.0 in both periods: rate 0, mix (1.0 − 0.625)·
    # (½ − 0) = 0.1875; billing: rate 0, mix (0.5 − 0.625)·(½ − 1) = 0.0625; sum 0.25.
    _fcr_desk(db, {"billing": (2, 1)}, {"billing": (2, 1), "onboarding": (2, 2)})
    explanation = why(kpi, "fcr", TEAM)
    assert by_segment(explanation, TEAM) == {"onboarding": pytest.approx((0.0, 0.1875)),
                                             "billing": pytest.approx((0.0, 0.0625))}
    onboarding = explanation.dimension(TEAM).segments[0]
    assert onboarding.previous.n == 0 and onboarding.previous.value is None


# ------------------------------------------------------------------ a survey ratio: CSAT


def _csat_desk(db, before: dict, now: dict) -> None:
    """CSAT responses per team: {team: (responses, of which 4 or 5)}."""
    tickets, responses = [], []
    for day, counts in ((4, before), (11, now)):
        for team, (answered, happy) in counts.items():
            for i in range(answered):
                ticket = f"c-{team}-{day}-{i}"
                tickets.append(_solved(ticket, day - 1, team, fcr=True))
                responses.append({"ticket_id": ticket, "kind": "csat",
                                  "score": 5 if i < happy else 2,
                                  "responded_at": at(day, 15)})
    add_tickets(db, *tickets)
    add_survey_responses(db, *responses)


def test_csat_every_term_at_work(db, kpi):
    # before: billing 3/4 = 0.75, technical 2/4 = 0.5 → 5/8 = 0.625
    # now:    billing 3/6 = 0.5,  technical 3/4 = 0.75 → 6/10 = 0.6; change −0.025
    # shares: billing ½ → 0.6, technical ½ → 0.4; R̄ = 0.6125
    # billing:   rate 0.55·(0.5 − 0.75) = −0.1375; mix (0.625 − 0.6125)·(+0.1) = +0.00125
    # technical: rate 0.45·(0.75 − 0.5) = +0.1125; mix (0.625 − 0.6125)·(−0.1) = −0.00125
    _csat_desk(db, {"billing": (4, 3), "technical": (4, 2)},
               {"billing": (6, 3), "technical": (4, 3)})
    explanation = why(kpi, "csat", TEAM)
    assert explanation.difference == pytest.approx(-0.025)
    assert by_segment(explanation, TEAM) == {
        "billing": pytest.approx((-0.1375, 0.00125)),
        "technical": pytest.approx((0.1125, -0.00125))}
    billing = explanation.dimension(TEAM).segments[0]
    assert billing.contribution == pytest.approx(-0.13625)
    assert (billing.current.n, billing.previous.n) == (6, 4)
    assert billing.current.interval is not None  # a survey rate keeps its Wilson interval
    assert_adds_up(explanation)


def test_no_change_is_said_and_nothing_is_split(db, kpi):
    # before: billing 3/4, technical 2/4 → 5/8; now: billing 3/6, technical 2/2 → 5/8
    _csat_desk(db, {"billing": (4, 3), "technical": (4, 2)},
               {"billing": (6, 3), "technical": (2, 2)})
    explanation = why(kpi, "csat")
    assert explanation.difference == 0
    assert explanation.dimensions == () and explanation.drivers == ()
    assert explanation.reason == ("CSAT did not change (62.5% in last week and in the week "
                                  "before): nothing to explain")
    assert explanation.to_json()["reason"] == explanation.reason


def test_no_data_in_one_period_is_said_and_never_explained(db, kpi):
    _fcr_desk(db, {}, {"billing": (4, 3)})
    explanation = why(kpi, "fcr")
    assert explanation.previous.n == 0 and explanation.dimensions == ()
    assert explanation.reason == ("no change of first contact resolution to explain: there "
                                  "are no tickets in the week before (n = 0), so there is "
                                  "nothing to compare")
    assert explanation.top_driver is None
    assert explanation.summary().startswith("no change of first contact resolution")


# ------------------------------------------------------------------ a mean: FRT


def _frt_desk(db, before: dict, now: dict) -> None:
    """Tickets created per channel with these first-response seconds: {channel: [seconds]};
    one unanswered ticket per period and channel too (not in a mean's records)."""
    rows = []
    for day, seconds_by_channel in ((3, before), (10, now)):
        for channel, seconds in seconds_by_channel.items():
            for i, wait in enumerate(seconds):
                created = at(day, 9, i)
                rows.append({"id": f"{channel}-{day}-{i}", "created_at": created,
                             "first_response_at": after(created, wait), "channel": channel})
            rows.append({"id": f"{channel}-{day}-none", "created_at": at(day, 10),
                         "channel": channel})
    add_tickets(db, *rows)


def test_frt_a_pure_rate_change_is_all_rate(db, kpi):
    # before: chat 500, 700 (mean 600), email 3000, 5000 (4000) → 9200/4 = 2300
    # now: chat 1100, 1300 (1200), email the same → 10400/4 = 2600; change +300 s
    # shares ½ and ½ (of the answered tickets): chat's rate effect ½·600 = 300; no mix
    _frt_desk(db, {"chat": [500, 700], "email": [3000, 5000]},
              {"chat": [1100, 1300], "email": [3000, 5000]})
    explanation = why(kpi, "frt", CHANNEL)
    assert (explanation.previous.value, explanation.current.value) == (2300, 2600)
    assert explanation.current.n == 4  # the unanswered tickets are not measured
    assert by_segment(explanation, CHANNEL) == {"chat": pytest.approx((300.0, 0.0)),
                                                "email": pytest.approx((0.0, 0.0))}
    chat = explanation.dimension(CHANNEL).segments[0]
    assert chat.current.variance == pytest.approx(20000.0)  # Welch's test has its spread
    assert_adds_up(explanation)


def test_frt_a_pure_mix_shift_is_all_mix(db, kpi):
    # before: chat 500, 700 (600), email 3000, 5000 (4000) → 2300
    # now: chat 500, 700; email 3000, 5000 three times (4000) → 25200/8 = 3150; change +850
    # R̄ = 2725; chat mix (600 − 2725)·(¼ − ½) = 531.25; email mix (4000 − 2725)·(¾ − ½)
    # = 318.75; no rate
    _frt_desk(db, {"chat": [500, 700], "email": [3000, 5000]},
              {"chat": [500, 700], "email": [3000, 5000] * 3})
    explanation = why(kpi, "frt", CHANNEL)
    assert explanation.difference == pytest.approx(850.0)
    assert by_segment(explanation, CHANNEL) == {"chat": pytest.approx((0.0, 531.25)),
                                                "email": pytest.approx((0.0, 318.75))}
    assert_adds_up(explanation)


# ------------------------------------------------------------------ a count: ticket volume


def _volume_desk(db) -> None:
    """The week before: chat 3 (tags: refund+bug, refund, –), email 2 (–, –); last week: chat
    6 (refund+bug, bug, bug, –, –, –), email 1 (–)."""
    tags_before = {("chat", 0): ["refund", "bug"], ("chat", 1): ["refund"]}
    tags_now = {("chat", 0): ["refund", "bug"], ("chat", 1): ["bug"], ("chat", 2): ["bug"]}
    rows = []
    for day, counts, tags in ((3, {"chat": 3, "email": 2}, tags_before),
                              (10, {"chat": 6, "email": 1}, tags_now)):
        rows += [{"id": f"v-{channel}-{day}-{i}", "created_at": at(day, 9, i),
                  "channel": channel, "tags": tags.get((channel, i), [])}
                 for channel, count in counts.items() for i in range(count)]
    add_tickets(db, *rows)


def test_a_count_splits_by_each_segments_change_in_count(db, kpi):
    # 5 → 7: chat 3 → 6 (+3), email 2 → 1 (−1); a count has no mix
    _volume_desk(db)
    explanation = why(kpi, "ticket_volume", CHANNEL)
    assert (explanation.previous.value, explanation.current.value) == (5, 7)
    assert by_segment(explanation, CHANNEL) == {"chat": (3.0, 0.0), "email": (-1.0, 0.0)}
    assert explanation.dimension(CHANNEL).segments[0].share is None
    assert_adds_up(explanation)


def test_tags_are_each_their_own_split_and_do_not_add_up(db, kpi):
    # tickets carrying refund: 2 → 1 (−1); carrying bug: 1 → 3 (+2); the change is +2 and
    # the tags' contributions (+2 − 1 = +1) do not add up to it: a ticket has two tags
    _volume_desk(db)
    explanation = why(kpi, "ticket_volume", TAG)
    tags = explanation.dimension(TAG)
    assert not tags.additive and "do not add up" in tags.note
    assert by_segment(explanation, TAG) == {"bug": (2.0, 0.0), "refund": (-1.0, 0.0)}


def test_fcr_by_tag_is_the_two_segment_split_of_each_tag(db, kpi):
    # before: r1 refund FCR, r2 refund not, o1 (no tag) FCR, o2 FCR → 3/4
    # now:    r3 refund not, r4 refund not, o3 FCR, o4 FCR → 2/4; change −0.25
    # refund against the rest: refund ½ → 0, rest 1 → 1, shares ½ and ½: refund's rate
    # effect ½ · (0 − ½) = −0.25, mix 0
    add_tickets(db, _solved("r1", 4, "b", fcr=True, tags=["refund"]),
                _solved("r2", 4, "b", fcr=False, tags=["refund"]),
                _solved("o1", 4, "b", fcr=True), _solved("o2", 4, "b", fcr=True),
                _solved("r3", 11, "b", fcr=False, tags=["refund"]),
                _solved("r4", 11, "b", fcr=False, tags=["refund"]),
                _solved("o3", 11, "b", fcr=True), _solved("o4", 11, "b", fcr=True))
    explanation = why(kpi, "fcr", TAG)
    assert by_segment(explanation, TAG) == {"refund": pytest.approx((-0.25, 0.0))}


@pytest.mark.parametrize("reads_lists", [True, False], ids=["tag lists", "tag rows joined"])
def test_tags_read_from_each_tickets_list_or_from_the_tag_rows(db, kpi, monkeypatch,
                                                               reads_lists):
    # the same hand-worked split whether the backend reads tickets.tag_list or (a backend
    # that reads no JSON) joins ticket_tags
    monkeypatch.setattr(type(kpi.backend), "reads_tag_lists", reads_lists)
    _volume_desk(db)
    assert by_segment(why(kpi, "ticket_volume", TAG), TAG) == {
        "bug": (2.0, 0.0), "refund": (-1.0, 0.0)}


def test_the_explanation_agrees_with_the_comparison_it_explains(db, kpi):
    _volume_desk(db)
    _frt_desk(db, {"chat": [500, 700], "email": [3000, 5000]},
              {"chat": [1100, 1300], "email": [3000, 5000]})
    for metric in ("ticket_volume", "frt", "response_rate"):
        explanation = why(kpi, metric)
        compared = kpi.run(KpiQuery(metric=metric, period=LAST_WEEK, compare=True))
        assert explanation.current.value == pytest.approx(compared.value)
        assert explanation.current.n == compared.n
        assert explanation.previous.n == compared.change.previous.n
        assert explanation.change.significant == compared.change.significant
        assert explanation.result().to_json() == compared.to_json() | {
            "definition": explanation.definition}


# ------------------------------------------------------------------ what is not split


def test_a_dimension_filtered_to_one_value_or_with_one_value_is_not_split(db, kpi):
    _volume_desk(db)
    explanation = why(kpi, "ticket_volume", CHANNEL, TIER, TEAM,
                      filters=(_keep(TIER, "1"),))
    assert [d.dimension for d in explanation.dimensions] == [CHANNEL]
    assert explanation.notes == ("not split by tier: only tier 1 is asked about",
                                 "not split by team: every ticket has team general")


def _keep(dimension, *values):
    from kpi_engine.query import Filter

    return Filter(dimension=dimension, values=values)


def test_a_median_a_trend_or_an_unknown_dimension_is_refused_in_one_sentence(db, kpi):
    _volume_desk(db)
    with pytest.raises(UserError, match="a change of the median cannot be split"):
        why(kpi, "frt", statistic=Statistic.MEDIAN)
    with pytest.raises(UserError, match="not a trend"):
        why(kpi, "frt", trend=Granularity.DAY)
    with pytest.raises(UserError, match="not by customer"):
        kpi.explain_change(KpiQuery(metric="frt", period=LAST_WEEK), [Dimension.CUSTOMER])


def test_a_level_has_contributions_but_no_driver(db, kpi):
    # open at Nov 9 00:00: b1, b2 (billing), t1 (technical) = 3; at Nov 16: b1, t1, t2, t3 = 4
    add_tickets(db, *[{"id": ticket, "created_at": at(day), "solved_at": solved,
                       "team": team, "status": "open" if solved is None else "solved"}
                      for ticket, day, solved, team in (
                          ("b1", 1, None, "billing"), ("b2", 2, at(12), "billing"),
                          ("t1", 3, None, "technical"), ("t2", 10, None, "technical"),
                          ("t3", 11, at(20), "technical"))])
    explanation = why(kpi, "backlog", TEAM)
    assert (explanation.previous.value, explanation.current.value) == (3, 4)
    assert by_segment(explanation, TEAM) == {"technical": (2.0, 0.0), "billing": (-1.0, 0.0)}
    assert explanation.change.significant is None and explanation.drivers == ()
    assert "a level has no noise test" in explanation.summary()


def test_three_thousand_agents_list_the_largest_and_one_line_for_the_others(db, kpi):
    # every agent one ticket a week; Agent 0000 one more last week: +1, within noise
    rows = [{"id": f"k-{day}-{i}", "created_at": at(day, 9), "agent": f"Agent {i:04d}"}
            for day in (3, 10) for i in range(3000)]
    rows.append({"id": "k-extra", "created_at": at(10, 10), "agent": "Agent 0000"})
    add_tickets(db, *rows)
    explanation = why(kpi, "ticket_volume", AGENT, CHANNEL)
    agents = explanation.dimension(AGENT)
    assert agents.segments_total == 3000 and len(agents.segments) == 11
    assert agents.segments[0].segment == "Agent 0000" and agents.segments[0].contribution == 1
    others = agents.segments[-1]
    assert others.others == 2990 and others.segment is None and not others.driver
    assert (others.current.n, others.previous.n, others.contribution) == (2990, 2990, 0)
    assert agents.note == ("3,000 agents: the 10 largest contributions are listed, the other "
                           "2,990 together")
    assert explanation.drivers == ()  # no agent is made a driver out of one ticket
    assert explanation.notes == ("not split by channel: every ticket has channel chat",)
    assert_adds_up(explanation)


def test_a_why_in_business_hours_is_explained_in_business_hours(db, migrated_database):
    from kpi_engine.engine import KpiEngine
    from tests.builders import make_settings

    # Mon 9 Nov 08:00 created, answered 10:00: 1 business hour (09:00–17:00); the week before,
    # Mon 2 Nov 08:00 → 09:30: half an hour
    add_tickets(db, {"id": "h1", "created_at": at(2, 8), "first_response_at": at(2, 9, 30),
                     "team": "billing"},
                {"id": "h2", "created_at": at(9, 8), "first_response_at": at(9, 10),
                 "team": "billing"})
    kpi = KpiEngine(db, make_settings(business_hours="mon-fri 09:00-17:00"))
    explanation = why(kpi, "frt", TEAM, business_hours=True)
    assert (explanation.previous.value, explanation.current.value) == (1800, 3600)
    assert explanation.metric.in_business_hours and explanation.calendar
    assert explanation.to_json()["business_hours"] == {"calendar": explanation.calendar}
