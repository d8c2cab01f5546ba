"""Business hours in questions: "first response time in business hours", "FRT during office
hours", "business-hours resolution time" set the query's flag — every word read —, a follow-up
keeps it ("and tier 2?"), turns it on ("in business hours?") or off ("in calendar time"), a
KPI that is no time per ticket is refused when asked so and loses the flag, said, when a
follow-up moves to it; the conversation state keeps it across processes."""

from __future__ import annotations

import pytest

from kpi_engine.errors import NotAFollowUp, UserError
from kpi_engine.question.conversations import query_from_state, query_to_state
from kpi_engine.question.draft import QueryDraft, resolve_draft
from kpi_engine.vocabulary import Dimension, Statistic


@pytest.mark.parametrize("question, metric", [
    ("first response time in business hours", "frt"),
    ("FRT during office hours", "frt"),
    ("business-hours resolution time", "resolution_time"),
    ("resolution time in working hours last month", "resolution_time"),
    ("service level within business hours", "service_level"),
    ("what was our SLA attainment in business hours?", "service_level"),
    ("how long does it take to reply during business hours", "frt"),
    ("avg response time, office hours, last week", "frt"),
    ("time to resolve counting business hours only", "resolution_time"),
])
def test_the_phrases_set_the_flag(question, metric, read_question, workspace):
    query = read_question(question, workspace)
    assert (query.metric, query.business_hours) == (metric, True)
    assert not any(note.startswith("read ") for note in query.assumptions)  # every word read


def test_without_the_words_the_time_is_calendar_time(read_question, workspace):
    assert read_question("first response time last week", workspace).business_hours is False
    assert read_question("frt in calendar time", workspace).business_hours is False


def test_the_flag_goes_with_the_rest_of_the_question(read_question, workspace):
    query = read_question("median FRT by team in business hours last month", workspace)
    assert query.business_hours and query.statistic is Statistic.MEDIAN
    assert query.group_by == (Dimension.TEAM,)
    assert query.period.label == "last month"
    ranking = read_question("top 3 agents by resolution time during office hours", workspace)
    assert ranking.business_hours and ranking.limit == 3


@pytest.mark.parametrize("question", ["csat in business hours",
                                      "escalation rate during office hours",
                                      "backlog in working hours"])
def test_a_kpi_that_is_no_time_is_refused_in_business_hours(question, read_question, workspace):
    with pytest.raises(UserError) as refused:
        read_question(question, workspace)
    assert "is not counted in business hours: business hours apply to first response time, " \
           "resolution time and service level" in refused.value.message
    assert "first response time in business hours" in refused.value.suggestions


def test_a_follow_up_keeps_turns_on_and_turns_off_the_flag(read_question, follow_up,
                                                           workspace):
    previous = read_question("frt last week in business hours", workspace)
    assert follow_up(previous, "and tier 2?", workspace).business_hours is True
    assert follow_up(previous, "and resolution time?", workspace).business_hours is True
    assert follow_up(previous, "in calendar time", workspace, strict=True).business_hours \
        is False
    plain = read_question("frt last week", workspace)
    for reply in ("in business hours?", "during office hours", "and in working hours"):
        assert follow_up(plain, reply, workspace, strict=True).business_hours is True


def test_a_follow_up_to_a_kpi_that_is_no_time_drops_the_flag_and_says_so(read_question,
                                                                          follow_up, workspace):
    previous = read_question("frt last week in business hours", workspace)
    csat = follow_up(previous, "what about csat?", workspace)
    assert (csat.metric, csat.business_hours) == ("csat", False)
    assert "Customer satisfaction (CSAT) is not counted in business hours" in csat.assumptions
    with pytest.raises(UserError, match="is not counted in business hours"):
        follow_up(previous, "csat in business hours", workspace)


def test_chatter_about_working_hours_is_no_follow_up(read_question, follow_up, workspace):
    previous = read_question("frt last week", workspace)
    with pytest.raises(NotAFollowUp):
        follow_up(previous, "our working hours are brutal this week", workspace, strict=True)


def test_the_draft_and_the_conversation_state_carry_the_flag(workspace):
    query = resolve_draft(QueryDraft(metric="frt", period="last week", business_hours=True),
                          workspace)
    assert query.business_hours is True
    assert query_from_state(query_to_state(query)) == query
    assert query_from_state(query_to_state(resolve_draft(
        QueryDraft(metric="frt", period="last week"), workspace))).business_hours is False
    assert "business_hours" in QueryDraft.model_fields
