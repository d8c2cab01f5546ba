"""`understand`: the offline reader reads first; a language model, when configured, gets only
what the rules cannot read (and never code or instructions). A model reading is validated like
any other; a model that gives none — it fails, is slow, drafts something invalid or finds no
KPI — leaves the offline refusal standing, the reason logged and never shown.
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
    # The offline reader does not know "chuffed" and asks back; the model reads CSAT.
    model = answering({"metric": "csat", "period": "last week"})

    understood = understand("how chuffed were our customers last week?", workspace,
                            model=model)

    assert isinstance(understood, Understanding)
    assert understood.reader == "model"
    expect(understood.query, metric="csat", period=LAST_WEEK)
    assert fallback_notes(understood.query) == []
    assert len(model.received) == 1  # the model was asked once


def test_a_question_the_offline_reader_reads_is_not_sent_to_the_model(workspace, expect):
    # The rules read "customer satisfaction by agent" (CSAT by agent, the default 7 days):
    # the model is not asked, so its different reading cannot replace it.
    model = answering({"metric": "csat", "period": "last month", "group_by": ["agent"],
                       "filters": [{"dimension": "team", "values": ["billing"]}]})

    understood = understand("customer satisfaction by agent", workspace, model=model)

    assert understood.reader == "offline"
    expect(understood.query, metric="csat", period=LAST_7_DAYS, group_by=("agent",),
           default_period=True)
    assert model.received == []


# --- a model that gives no usable reading leaves the offline refusal standing -------------------

UNREAD = "how happy were our customers with the zorblax last week?"  # the rules ask back


def _offline_refusal(workspace) -> str:
    with pytest.raises(UserError) as raised:
        understand(UNREAD, workspace)
    return raised.value.message


def test_a_model_that_raises_leaves_the_offline_refusal(workspace, caplog):
    with pytest.raises(UserError) as raised:
        understand(UNREAD, workspace, model=answering({"metric": "csat"}, FailingFake))

    assert raised.value.message == _offline_refusal(workspace)
    assert "provider is down" in caplog.text  # why, in the log, not in the answer


def test_a_model_drafting_an_unknown_metric_leaves_the_offline_refusal(workspace, caplog):
    model = answering({"metric": "happiness_index", "period": "last month"})

    with pytest.raises(UserError) as raised:
        understand(UNREAD, workspace, model=model)

    assert raised.value.message == _offline_refusal(workspace)
    assert len(model.received) == 1


def test_a_model_drafting_an_unknown_agent_leaves_the_offline_refusal(workspace):
    model = answering({"metric": "csat", "filters": [{"dimension": "agent", "values": ["Zed"]}]})

    with pytest.raises(UserError) as raised:
        understand(UNREAD, workspace, model=model)

    assert raised.value.message == _offline_refusal(workspace)


def test_a_model_answer_without_a_tool_call_leaves_the_offline_refusal(workspace):
    model = ToolCallingFake(messages=iter([AIMessage(content="CSAT was 72% last week.")]))

    with pytest.raises(UserError) as raised:
        understand(UNREAD, workspace, model=model)

    assert raised.value.message == _offline_refusal(workspace)
    assert "72" not in raised.value.message  # never a number the model made up


def test_a_slow_model_times_out_and_leaves_the_offline_refusal(workspace):
    model = answering({"metric": "csat"}, SlowFake)

    with pytest.raises(UserError) as raised:
        understand(UNREAD, workspace, model=model, model_timeout=0.2)

    assert raised.value.message == _offline_refusal(workspace)


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


def test_a_follow_up_the_rules_read_is_not_sent_to_the_model(workspace, expect):
    model = answering({"metric": "fcr"}, FailingFake)
    understood = understand("what about last month?", workspace, previous=previous_fcr_tier_1(),
                            model=model)

    assert understood.reader == "offline"
    expect(understood.query, metric="fcr", period=LAST_MONTH, filters={"tier": {"1"}})
    assert model.received == []


def test_a_follow_up_read_by_the_model_is_the_model_query(workspace, expect):
    model = answering({"metric": "fcr", "period": "last week",
                       "filters": [{"dimension": "tier", "values": ["3"]}]})

    # "the top tier" is not something the rules read; the model does
    understood = understand("and the uppermost tier?", workspace, previous=previous_fcr_tier_1(),
                            model=model)

    assert understood.reader == "model"
    expect(understood.query, metric="fcr", period=LAST_WEEK, filters={"tier": {"3"}},
           assumption=("read by the language model",))


def test_a_long_reason_a_model_could_not_be_loaded_is_cut_where_the_answer_quotes_it(workspace):
    understood = understand("FCR last week", workspace, model=None,
                            model_error="could not be loaded: " + "x" * 5000)
    (note,) = fallback_notes(understood.query)
    assert understood.reader == "offline"
    assert len(note) < 300 and "x" * 100 in note and "x" * 1000 not in note
