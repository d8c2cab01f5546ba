"""The LangChain path of question understanding (`kpi_engine/question/llm.py`), with LangChain's
fake chat models: no network, no real model. The fakes answer with the tool call a model makes
under `with_structured_output`; what is checked is what the model is sent, what a good answer
becomes, and that every way of failing is a `ModelUnavailable` the caller can fall back on.
"""

from __future__ import annotations

import json
import string
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

from kpi_engine.errors import UnknownNameError, UserError
from kpi_engine.metrics import METRICS
from kpi_engine.periods import parse_period
from kpi_engine.query import Filter, KpiQuery
from kpi_engine.question.draft import QueryDraft, Workspace, resolve_draft
from kpi_engine.question.lexicon import Lexicon
from kpi_engine.question.llm import (
    PROMPT_VERSION,
    PROMPTS_DIR,
    ModelUnavailable,
    load_chat_model,
    read_with_model,
    render_prompt,
)
from kpi_engine.vocabulary import Dimension, Granularity

from .fake_models import FailingFake, SlowFake, ToolCallingFake, answering

REPO = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 22, 14, 5, tzinfo=UTC)  # a Sunday
QUESTION = "what was FCR last week for tier 1?"


@pytest.fixture
def workspace() -> Workspace:
    lexicon = Lexicon.of(agents=["Asha Patel", "Ben Okafor"], teams=["Billing", "Onboarding"],
                         tags=["refund", "outage"])
    return Workspace(lexicon=lexicon, now=NOW, tz="UTC")


def test_a_good_answer_is_the_draft_and_resolves_to_the_query(workspace):
    model = answering({"metric": "fcr", "period": "last week",
                       "filters": [{"dimension": "tier", "values": ["1"]}]})

    draft = read_with_model(QUESTION, workspace, model)
    query = resolve_draft(draft, workspace)

    assert isinstance(draft, QueryDraft)
    assert query.metric == "fcr"
    # Sunday 22 Nov: last week is Mon 9 Nov 00:00 up to Mon 16 Nov 00:00, UTC.
    assert query.period.start == datetime(2026, 11, 9, tzinfo=UTC)
    assert query.period.end == datetime(2026, 11, 16, tzinfo=UTC)
    assert query.filters == (Filter(dimension=Dimension.TIER, values=("1",)),)
    assert query.group_by == ()
    assert query.compare is False
    # with_structured_output bound the schema as the one tool the model must call
    assert [tools for tools, _ in model.bound] == [[QueryDraft]]


def test_the_system_message_lists_the_registry_and_the_known_values_not_the_question(workspace):
    model = answering({"metric": "fcr", "period": "last week"})

    read_with_model(QUESTION, workspace, model)

    [messages] = model.received
    assert [type(message) for message in messages] == [SystemMessage, HumanMessage]
    system, human = messages[0].content, messages[1].content
    for metric in METRICS:
        assert f"- {metric.id} — {metric.label}" in system
    for known in ("Asha Patel", "Ben Okafor", "Billing", "Onboarding", "refund", "outage"):
        assert known in system
    assert "chat, email, phone, slack, web, social" in system
    assert "Sunday 2026-11-22" in system
    assert QUESTION not in system
    assert "tier 1?" not in system
    assert human == QUESTION


def test_a_long_question_is_cut_to_2000_characters(workspace):
    model = answering({"metric": "csat"})

    read_with_model("csat " + "x" * 5000, workspace, model)

    human = model.received[0][1].content
    assert len(human) == 2000
    assert human.startswith("csat xxx")


@pytest.mark.parametrize("args", [
    {"metric": "fcr", "limit": "lots"},  # wrong type
    {"metric": "fcr", "colour": "blue"},  # a field the schema does not have
    {"metric": "fcr", "filters": [{"dimension": "tier"}]},  # a filter without values
    {"metric": "fcr", "filters": "tier 1"},  # a string where a list belongs
    {"metric": "fcr", "order": "alphabetical"},  # not one of best / worst
])
def test_an_answer_outside_the_schema_is_model_unavailable(workspace, args):
    with pytest.raises(ModelUnavailable) as raised:
        read_with_model(QUESTION, workspace, answering(args))

    assert raised.value.reason.startswith("the model's answer did not fit the query schema: ")


def test_an_answer_without_a_tool_call_is_model_unavailable(workspace):
    model = ToolCallingFake(messages=iter([AIMessage(content="FCR was 72% last week.")]))

    with pytest.raises(ModelUnavailable) as raised:
        read_with_model(QUESTION, workspace, model)

    assert raised.value.reason == "the model returned no query (got NoneType)"


def test_an_unknown_metric_is_a_draft_that_resolve_draft_refuses(workspace):
    # The schema fits, the content does not: read_with_model returns the draft, and the one
    # validation, resolve_draft, refuses it with a UserError; the caller then falls back to
    # the offline reader.
    model = answering({"metric": "happiness_index", "period": "last week"})

    draft = read_with_model("how happy were we last week?", workspace, model)

    assert draft.metric == "happiness_index"
    with pytest.raises(UserError) as raised:
        resolve_draft(draft, workspace)
    assert isinstance(raised.value, UnknownNameError)


def test_an_exception_from_the_model_is_model_unavailable(workspace):
    model = answering({"metric": "fcr"}, FailingFake)

    with pytest.raises(ModelUnavailable) as raised:
        read_with_model(QUESTION, workspace, model)

    assert raised.value.reason == "the model call failed: RuntimeError: provider is down"
    assert not isinstance(raised.value, UserError)


def test_a_slow_model_times_out(workspace):
    model = answering({"metric": "fcr"}, SlowFake)

    started = time.monotonic()
    with pytest.raises(ModelUnavailable) as raised:
        read_with_model(QUESTION, workspace, model, timeout=0.2)
    elapsed = time.monotonic() - started

    assert elapsed < 1.5
    assert raised.value.reason == "the model did not answer within 0.2 s"


def test_an_unknown_provider_cannot_be_loaded():
    with pytest.raises(ModelUnavailable) as raised:
        load_chat_model("nosuchprovider:model")

    assert raised.value.reason.startswith("KPIBOT_LLM=nosuchprovider:model could not be loaded: ")


def test_a_follow_up_shows_the_model_the_previous_query(workspace):
    previous = KpiQuery(metric="csat", period=parse_period("last month", now=NOW),
                        filters=(Filter(dimension=Dimension.CHANNEL, values=("chat",)),),
                        group_by=(Dimension.AGENT,))
    model = answering({"metric": "csat", "period": "last month",
                       "filters": [{"dimension": "channel", "values": ["email"]}],
                       "group_by": ["agent"]})

    draft = read_with_model("and on email?", workspace, model, previous=previous)

    system = model.received[0][0].content
    [line] = [line for line in system.splitlines() if line.startswith("{")]
    described = json.loads(line)
    assert described["metric"] == "csat"
    assert described["period"] == {"label": "last month", "start": "2026-10-01T00:00+00:00",
                                   "end": "2026-11-01T00:00+00:00"}
    assert described["filters"] == [{"dimension": "channel", "values": ["chat"]}]
    assert described["group_by"] == ["agent"]
    assert described["compare"] is False
    assert "complete new query" in system
    assert model.received[0][1].content == "and on email?"
    assert draft.filters[0].values == ["email"]


def test_importing_the_module_does_not_import_langchain():
    code = ("import sys, kpi_engine.question.llm\n"
            "print(sorted(name for name in sys.modules if name.startswith('langchain')))")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                          text=True, timeout=60, check=False)

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_template_has_exactly_the_four_placeholders():
    template = (PROMPTS_DIR / f"{PROMPT_VERSION}.md").read_text(encoding="utf-8")

    fields = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}

    assert fields == {"kpis", "dimensions", "today", "timezone"}
    assert PROMPTS_DIR == REPO / "prompts"


def test_render_prompt_fills_everything_and_truncates_long_value_lists():
    agents = [f"Agent {number:03d}" for number in range(500)]
    workspace = Workspace(lexicon=Lexicon.of(agents=agents, teams=["Billing"]),
                          now=datetime(2026, 11, 22, 5, 0, tzinfo=UTC), tz="America/Los_Angeles")

    text = render_prompt(workspace)

    assert "{" not in text and "}" not in text
    [agent_line] = [line for line in text.splitlines() if line.startswith("- agent: ")]
    assert agent_line.startswith("- agent: Agent 000, Agent 001, ")
    assert "Agent 199" in agent_line
    assert "Agent 200" not in agent_line
    assert agent_line.endswith("Agent 199 …and 300 more")
    assert "- team: Billing" in text
    assert "- tag: none known yet" in text
    assert "- customer: any customer id, e.g. an email" in text
    # 05:00 UTC on Sunday 22 Nov is still Saturday 21 Nov evening in Los Angeles
    assert "Today is Saturday 2026-11-21; the workspace time zone is America/Los_Angeles." in text


def test_a_trend_read_by_the_model_resolves_like_the_offline_reader_s(workspace):
    """'auto' takes the step from the period's length (this quarter: 1 Oct – 22 Nov 14:05,
    52 days: by week) and says so; a named step is kept; a trend with a breakdown is refused."""
    model = answering({"metric": "csat", "period": "this quarter", "trend": "auto"})
    query = resolve_draft(read_with_model("how is CSAT going this quarter?", workspace, model),
                          workspace)
    assert query.trend is Granularity.WEEK
    assert "trend by week" in [str(line) for line in query.assumptions]
    daily = resolve_draft(QueryDraft(metric="fcr", period="last month", trend="day"), workspace)
    assert (daily.trend, daily.assumptions) == (Granularity.DAY, ())
    with pytest.raises(UserError) as refused:
        resolve_draft(QueryDraft(metric="fcr", trend="day", group_by=["team"]), workspace)
    assert refused.value.suggestions == ["fcr by day last 7 days", "fcr by team last 7 days"]


def test_a_follow_up_of_a_trend_shows_the_model_its_step(workspace):
    previous = KpiQuery(metric="fcr", period=parse_period("last month", now=NOW),
                        trend=Granularity.DAY)
    model = answering({"metric": "fcr", "period": "last month", "trend": "week"})

    draft = read_with_model("by week", workspace, model, previous=previous)

    system = model.received[0][0].content
    [line] = [line for line in system.splitlines() if line.startswith("{")]
    assert json.loads(line)["trend"] == "day"
    assert draft.trend == "week"
