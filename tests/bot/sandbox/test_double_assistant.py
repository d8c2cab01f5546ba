"""The Slack double's `assistant.threads.*` methods, called by the real slack_sdk client: they
take what Slack takes (setStatus with up to 10 loading messages, setTitle, setSuggestedPrompts
with one to four prompts and, for an agent app, no thread), refuse what Slack refuses, and keep
what was set — the status until a message is posted in the thread."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.sandbox.slack_double import SlackDouble

PROMPT = {"title": "FCR for tier 1", "message": "FCR last week for tier 1"}


@pytest.fixture
def double():
    with SlackDouble() as slack:
        yield slack


@pytest.fixture
def client(double) -> WebClient:
    return WebClient(token="xoxb-test", base_url=double.api_url)


def error_of(call) -> str:
    with pytest.raises(SlackApiError) as raised:
        call()
    return raised.value.response["error"]


def test_set_status_keeps_the_loading_messages_until_the_apps_reply(double, client):
    client.assistant_threads_setStatus(channel_id="D1", thread_ts="1.1", status="is computing…",
                                       loading_messages=["Reading…", "Computing…"])
    call = double.wait_for("assistant.threads.setStatus")
    assert call.params["loading_messages"] == ["Reading…", "Computing…"]  # JSON keeps the list
    assert double.assistant_status("D1", "1.1") == {
        "status": "is computing…", "loading_messages": ["Reading…", "Computing…"]}
    client.chat_postMessage(channel="D1", thread_ts="1.1", text="75.0%")
    assert double.assistant_status("D1", "1.1") is None
    client.assistant_threads_setStatus(channel_id="D1", thread_ts="1.1", status="again")
    client.assistant_threads_setStatus(channel_id="D1", thread_ts="1.1", status="")  # clears
    assert double.assistant_status("D1", "1.1") is None


def test_set_status_refuses_what_slack_refuses(client):
    too_many = [f"step {i}" for i in range(11)]
    assert error_of(lambda: client.assistant_threads_setStatus(
        channel_id="D1", thread_ts="1.1", status="x", loading_messages=too_many)) == (
        "invalid_arguments")
    assert error_of(lambda: client.assistant_threads_setStatus(
        channel_id="D1", thread_ts="", status="x")) == "invalid_thread_ts"
    assert error_of(lambda: client.assistant_threads_setStatus(
        channel_id="", thread_ts="1.1", status="x")) == "channel_not_found"


def test_set_title_keeps_the_title(double, client):
    client.assistant_threads_setTitle(channel_id="D1", thread_ts="1.1", title="FCR last week")
    assert double.assistant_title("D1", "1.1") == "FCR last week"
    assert error_of(lambda: client.assistant_threads_setTitle(
        channel_id="D1", thread_ts="1.1", title="")) == "invalid_arguments"


def test_suggested_prompts_on_a_thread_or_on_the_dm_of_an_agent_app(double, client):
    client.assistant_threads_setSuggestedPrompts(channel_id="D1", thread_ts="1.1",
                                                 prompts=[PROMPT])
    client.assistant_threads_setSuggestedPrompts(channel_id="D1", prompts=[PROMPT] * 4,
                                                 title="Ask about your KPIs")
    assert double.suggested_prompts("D1", "1.1") == {"title": None, "prompts": [PROMPT]}
    assert double.suggested_prompts("D1") == {"title": "Ask about your KPIs",
                                              "prompts": [PROMPT] * 4}
    assert "thread_ts" not in double.calls("assistant.threads.setSuggestedPrompts")[1].params
    for bad in ([PROMPT] * 5, [], [{"title": "no message"}]):
        assert error_of(lambda bad=bad: client.assistant_threads_setSuggestedPrompts(
            channel_id="D1", prompts=bad)) == "invalid_arguments"
    double.reset()
    assert double.suggested_prompts("D1") is None
