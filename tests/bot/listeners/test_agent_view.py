"""The agent view (and the legacy assistant panel), through the real Bolt app and slack_sdk
client against the Slack double: suggested prompts drawn from the desk's own teams and from
the KPIs its digests hold to a target — on the Messages tab (no thread, as Slack asks of an
agent app) and on a thread the assistant panel starts, after its greeting; a question in the
thread shows a status with rotating loading messages while it is computed, then the answer,
and the thread takes the question as its title. Every prompt is a question kpibot reads.

The desk: the Slack tests' tickets (tier 1 FCR last week 75.0%), teams billing and returns,
and a digest "Tier 1 weekly" holding FCR for tier 1 to a target of 75%.
"""

from __future__ import annotations

import pytest

from bot.blocks.assistant import (
    ASSISTANT_GREETING,
    LOADING_MESSAGES,
    PROMPTS_TITLE,
    WORKING_STATUS,
    suggested_prompts,
)
from bot.sandbox import signed_requests as slack_requests
from kpi_engine.digests.definitions import DigestDefinition
from kpi_engine.digests.store import DigestStore
from kpi_engine.question.draft import EXAMPLE_QUESTIONS
from tests.bot.conftest import DM, MEMBER, posted_text, send, settle
from tests.builders import NOW, add_tickets

TEAM_TICKETS = [{"id": f"{team}-{i}", "created_at": NOW.replace(day=20, hour=9),
                 "first_response_at": NOW.replace(day=20, hour=10), "team": team}
                for team in ("billing", "returns") for i in range(2)]
EXPECTED_PROMPTS = [
    {"title": "FCR for tier 1 vs target ≥ 75%", "message": "FCR last week for tier 1"},
    {"title": "How is billing's FRT this week", "message": "How is billing's FRT this week?"},
    # "general" (the builders' default team) — "returns" is left out: the reader takes it for
    # the next-issue-avoidance KPI, so a prompt naming it would be refused
    {"title": "How is general's FRT this week", "message": "How is general's FRT this week?"},
    {"title": "What was FCR last week for tier 1", "message": EXAMPLE_QUESTIONS[0]},
]


@pytest.fixture
def desk(tickets_db):
    add_tickets(tickets_db, *TEAM_TICKETS)
    DigestStore(tickets_db, lambda: NOW).add(DigestDefinition.from_dict({
        "name": "Tier 1 weekly", "channel": "C1", "at": "09:00", "tz": "UTC",
        "period": "last week", "where": {"tier": [1]},
        "kpis": [{"metric": "fcr", "target": ">= 75%"}, "resolved"]}))
    return tickets_db


def event(app, payload):
    return send(app, slack_requests.event_callback(payload))


def test_the_messages_tab_gets_prompts_from_the_desk_without_a_thread(desk, app, slack):
    assert event(app, slack_requests.app_home_opened(MEMBER, channel=DM,
                                                     tab="messages")).status == 200
    call = slack.wait_for("assistant.threads.setSuggestedPrompts")
    assert call.params["channel_id"] == DM
    assert "thread_ts" not in call.params  # with one, Slack drops an agent app's call
    assert call.params["title"] == PROMPTS_TITLE
    assert call.params["prompts"] == EXPECTED_PROMPTS
    assert slack.suggested_prompts(DM) == {"title": PROMPTS_TITLE, "prompts": EXPECTED_PROMPTS}
    settle(app)
    assert slack.calls("views.publish") == []  # the Home tab is not the Messages tab


def test_a_started_thread_is_greeted_with_the_desks_prompts(desk, app, slack):
    event(app, slack_requests.assistant_thread_started(user=MEMBER, channel=DM,
                                                       thread_ts="900.1"))
    greeting = slack.wait_for("chat.postMessage")
    assert (greeting.params["text"], greeting.params["thread_ts"]) == (ASSISTANT_GREETING,
                                                                      "900.1")
    prompts = slack.wait_for("assistant.threads.setSuggestedPrompts").params
    assert (prompts["channel_id"], prompts["thread_ts"]) == (DM, "900.1")
    assert prompts["prompts"] == EXPECTED_PROMPTS


def test_a_question_in_the_thread_shows_loading_messages_then_the_answer_and_a_title(
        desk, app, slack):
    question = "what was FCR last week for tier 1?"
    event(app, slack_requests.message(question, user=MEMBER, channel=DM, ts="900.2",
                                      thread_ts="900.1"))
    status = slack.wait_for("assistant.threads.setStatus")
    answer = slack.wait_for("chat.postMessage", lambda c: c.params.get("thread_ts") == "900.1")
    title = slack.wait_for("assistant.threads.setTitle")
    assert (status.params["channel_id"], status.params["thread_ts"]) == (DM, "900.1")
    assert status.params["status"] == WORKING_STATUS
    assert status.params["loading_messages"] == list(LOADING_MESSAGES)
    assert 1 <= len(status.params["loading_messages"]) <= 10
    assert status.at <= answer.at  # shown while the answer was computed
    assert "75.0%" in posted_text(answer)
    assert (title.params["thread_ts"], title.params["title"]) == ("900.1", question)
    assert slack.assistant_title(DM, "900.1") == question
    assert slack.assistant_status(DM, "900.1") is None  # the answer ended the status


def test_every_suggested_prompt_is_a_question_kpibot_reads(desk, make_app):
    _, services = make_app(with_services=True)
    for prompt in EXPECTED_PROMPTS:
        answer = services.answerer.ask(prompt["message"], None)
        assert answer.refusal is None, (prompt, answer.refusal)


def test_without_digests_the_teams_and_the_example_questions(app, slack):
    event(app, slack_requests.app_home_opened(MEMBER, channel=DM, tab="messages"))
    prompts = slack.wait_for("assistant.threads.setSuggestedPrompts").params["prompts"]
    # the Slack tests' desk has one team ("general", the builders' default) and no digest
    assert prompts[0]["message"] == "How is general's FRT this week?"
    assert [p["message"] for p in prompts[1:]] == list(EXAMPLE_QUESTIONS[:3])
    assert [p["message"] for p in suggested_prompts()] == list(EXAMPLE_QUESTIONS[:4])


def test_a_prompt_the_reader_would_refuse_is_not_suggested():
    prompts = suggested_prompts(teams=["billing", "returns", "sales ops", "tier 2 vip"],
                                readable=lambda question: "returns" not in question)
    assert [p["message"] for p in prompts[:2]] == [
        "How is billing's FRT this week?", "How is sales ops doing on FRT this week?"]


def test_a_digest_whose_filters_cannot_be_said_simply_is_not_a_prompt():
    several = DigestDefinition.from_dict({
        "name": "Chat and email", "channel": "C1", "at": "09:00", "tz": "UTC",
        "period": "yesterday", "where": {"channel": ["chat", "email"]},
        "kpis": [{"metric": "csat", "target": ">= 80%"}]})
    plain = DigestDefinition.from_dict({
        "name": "All", "channel": "C1", "at": "09:00", "tz": "UTC", "period": "last month",
        "kpis": [{"metric": "frt", "target": "<= 1h"}]})
    prompts = suggested_prompts(digests=[several, plain])
    assert prompts[0] == {"title": "FRT vs target ≤ 1 h", "message": "FRT last month"}
    assert not any("target" in p["title"] and "CSAT" in p["title"] for p in prompts)


def test_unreadable_data_falls_back_to_the_example_questions(app, slack, monkeypatch):
    from kpi_engine.digests.store import DigestStore as Store

    def broken(self):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(Store, "all", broken)
    event(app, slack_requests.app_home_opened(MEMBER, channel=DM, tab="messages"))
    prompts = slack.wait_for("assistant.threads.setSuggestedPrompts").params["prompts"]
    assert [p["message"] for p in prompts] == list(EXAMPLE_QUESTIONS[:4])
