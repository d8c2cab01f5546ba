"""`understand`: the model reads a question first; any failure of the model, or a draft that is
not a valid query, gives way to the offline reader, and the query then says so in an assumption.
With LangChain's fake chat models (the approach of test_llm.py): no network, no real model.

Workspace (tests/question/conftest.py): NOW = Sunday 2026-11-22 14:05 UTC, weeks from Monday,
agents incl. Asha Rao, Sam Lee, Sam Ortiz; teams billing, technical, ...
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from langchain_core.messages import AIMessage

from kpi_engine.errors import UserError
from kpi_engine.periods import CalendarUnit, Period, PeriodKind
from kpi_engine.query import Filter, KpiQuery
from kpi_engine.question.understanding import Understanding, understand
from kpi_engine.vocabulary import Dimension

from .fake_models import FailingFake, SlowFake, ToolCallingFake, answering

NOW = datetime(2026, 11, 22, 14, 5, tzinfo=UTC)
LAST_WEEK = (datetime(2026, 11, 9, tzinfo=UTC), datetime(2026, 11, 16, tzinfo=UTC))
LAST_MONTH = (datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC))
LAST_7_DAYS = (datetime(2026, 11, 15, 14, 5, tzinfo=UTC), NOW)
FALLBACK = "the language model was not used ("


def fallback_notes(query: KpiQuery) -> list[str]:
    return [str(line) for line in query.assumptions if str(line).startswith(FALLBACK)]


# --- the model's reading wins when it is valid --------------------------------------------------


def test_a_valid_model_reading_is_the_query_where_the_offline_reader_refuses(workspace, expect):
    # The offline reader finds no KPI in "how happy ..." and refuses; the model reads CSAT.
    model = answering({"metric": "csat", "period": "last week"})

    understood = understand("how happy were our customers last week?", workspace, model=model)

    assert isinstance(understood, Understanding)
    assert understood.reader == "model"
    expect(understood.query, metric="csat", period=LAST_WEEK)
    assert fallback_notes(understood.query) == []
    assert len(model.received) == 1  # the model was asked once


def test_the_model_reading_wins_over_what_the_offline_reader_would_read(workspace, expect):
    # Offline, "customer satisfaction by agent" is CSAT by agent over the default last 7 days;
    # the model says last month, for billing only.
    model = answering({"metric": "csat", "period": "last month", "group_by": ["agent"],
                       "filters": [{"dimension": "team", "values": ["billing"]}]})

    understood = understand("customer satisfaction by agent", workspace, model=model)

    assert understood.reader == "model"
    expect(understood.query, metric="csat", period=LAST_MONTH, filters={"team": {"billing"}},
           group_by=("agent",))


# --- every failure falls back to the offline reader, and says so --------------------------------


def test_a_model_that_raises_gives_the_offline_reading_and_says_why(workspace, expect):
    understood = understand("what was FCR last week for tier 1?", workspace,
                            model=answering({"metric": "csat"}, FailingFake))

    assert understood.reader == "offline"
    expect(understood.query, metric="fcr", period=LAST_WEEK, filters={"tier": {"1"}},
           assumption=("language model was not used", "provider is down", "offline"))
    [note] = fallback_notes(understood.query)
    assert note == ("the language model was not used (the model call failed: RuntimeError: "
                    "provider is down); read by the offline rules")


def test_a_model_drafting_an_unknown_metric_gives_the_offline_reading(workspace, expect):
    model = answering({"metric": "happiness_index", "period": "last month"})

    understood = understand("what was FCR last week for tier 1?", workspace, model=model)

    assert understood.reader == "offline"
    # the offline reading: not the model's period (last month) nor its metric
    expect(understood.query, metric="fcr", period=LAST_WEEK, filters={"tier": {"1"}})
    [note] = fallback_notes(understood.query)
    assert "not a valid query" in note and "happiness_index" in note


def test_a_model_drafting_an_unknown_agent_gives_the_offline_reading(workspace, expect):
    model = answering({"metric": "fcr", "filters": [{"dimension": "agent", "values": ["Zed"]}]})

    understood = understand("FCR for Asha last week", workspace, model=model)

    assert understood.reader == "offline"
    expect(understood.query, metric="fcr", period=LAST_WEEK, filters={"agent": {"Asha Rao"}})
    assert len(fallback_notes(understood.query)) == 1


def test_a_model_answer_without_a_tool_call_gives_the_offline_reading(workspace, expect):
    model = ToolCallingFake(messages=iter([AIMessage(content="FCR was 72% last week.")]))

    understood = understand("FCR last week", workspace, model=model)

    assert understood.reader == "offline"
    expect(understood.query, metric="fcr", period=LAST_WEEK,
           assumption=("language model was not used", "returned no query"))


def test_a_slow_model_times_out_into_the_offline_reading(workspace, expect):
    model = answering({"metric": "csat"}, SlowFake)

    understood = understand("FCR last week", workspace, model=model, model_timeout=0.2)

    assert understood.reader == "offline"
    expect(understood.query, metric="fcr", period=LAST_WEEK,
           assumption=("language model was not used", "within 0.2 s"))


def test_an_off_topic_question_the_model_finds_no_kpi_in_is_the_offline_refusal(workspace, refusal):
    model = answering({"metric": None})

    with pytest.raises(UserError) as raised:
        understand("what's the weather in Paris", workspace, model=model)

    refusal(raised.value)
    # the offline reader's refusal, not resolve_draft's "which KPI do you mean?"
    assert "support KPIs" in raised.value.message
    assert "which KPI do you mean" not in raised.value.message


def test_a_model_that_could_not_be_loaded_is_named_in_the_offline_reading(workspace, expect):
    reason = "KPIBOT_LLM=nosuchprovider:x could not be loaded: no such provider"

    understood = understand("what was FCR last week for tier 1?", workspace, model=None,
                            model_error=reason)

    assert understood.reader == "offline"
    expect(understood.query, metric="fcr", period=LAST_WEEK, filters={"tier": {"1"}})
    [note] = fallback_notes(understood.query)
    assert note == f"the language model was not used ({reason}); read by the offline rules"


def test_without_a_model_the_offline_reading_has_no_fallback_note(workspace, expect):
    understood = understand("FCR for tier 1", workspace)

    assert understood.reader == "offline"
    expect(understood.query, metric="fcr", period=LAST_7_DAYS, filters={"tier": {"1"}},
           default_period=True)
    assert fallback_notes(understood.query) == []


# --- follow-ups ---------------------------------------------------------------------------------


def previous_fcr_tier_1() -> KpiQuery:
    """FCR last week for tier 1, built by hand."""
    return KpiQuery(metric="fcr", period=Period(start=LAST_WEEK[0], end=LAST_WEEK[1],
                                                 label="last week", kind=PeriodKind.CALENDAR,
                                                 unit=CalendarUnit.WEEK),
                    filters=(Filter(dimension=Dimension.TIER, values=("1",)),))


def test_a_follow_up_without_a_model_uses_the_offline_follow_up(workspace, expect):
    understood = understand("and tier 2?", workspace, previous=previous_fcr_tier_1())

    assert understood.reader == "offline"
    # the tier changes; the metric and the period stay
    expect(understood.query, metric="fcr", period=LAST_WEEK, filters={"tier": {"2"}})


def test_a_follow_up_whose_model_fails_uses_the_offline_follow_up(workspace, expect):
    understood = understand("what about last month?", workspace, previous=previous_fcr_tier_1(),
                            model=answering({"metric": "fcr"}, FailingFake))

    assert understood.reader == "offline"
    expect(understood.query, metric="fcr", period=LAST_MONTH, filters={"tier": {"1"}},
           assumption=("language model was not used", "provider is down"))


def test_a_follow_up_read_by_the_model_is_the_model_query(workspace, expect):
    model = answering({"metric": "fcr", "period": "last week",
                       "filters": [{"dimension": "tier", "values": ["3"]}]})

    understood = understand("and the top tier?", workspace, previous=previous_fcr_tier_1(),
                            model=model)

    assert understood.reader == "model"
    expect(understood.query, metric="fcr", period=LAST_WEEK, filters={"tier": {"3"}})


def test_a_long_model_answer_is_cut_where_the_answer_quotes_it(workspace):
    understood = understand("FCR last week", workspace,
                            model=answering({"metric": "fcr", "period": "x" * 5000}))
    (note,) = fallback_notes(understood.query)
    assert understood.reader == "offline"
    assert len(note) < 300 and "x" * 100 in note and "x" * 1000 not in note
