"""Asking kpibot in Slack, through the real Bolt app and the real slack_sdk client against the
Slack double: a mention, a DM, `/kpi`, the assistant panel, follow-ups in a thread, App Home.
Expected figures are the hand-worked ones in conftest.py."""

from __future__ import annotations

import json
import threading
import time

from bot.sandbox import signed_requests as slack_requests
from kpi_engine.question.conversations import ConversationStore
from tests.bot.conftest import CHANNEL, DM, MEMBER, posted_text, send, settle

FCR_TIER_1 = "what was FCR last week for tier 1?"


def _mention(app, text, *, ts, thread_ts=None, user=MEMBER, channel=CHANNEL, **extra):
    event = slack_requests.app_mention(text, user=user, channel=channel, ts=ts,
                                       thread_ts=thread_ts, **extra)
    return send(app, slack_requests.event_callback(event))


def wait_for_state(db, conversation, timeout=5.0):
    store, deadline = ConversationStore(db, lambda: None), time.monotonic() + timeout
    while store.previous(conversation) is None:
        assert time.monotonic() < deadline, f"no state saved for {conversation}"
        time.sleep(0.01)


def _in_thread(thread_ts):
    return lambda call: call.params.get("thread_ts") == thread_ts


def test_a_mention_is_answered_in_its_thread(app, slack):
    response = _mention(app, FCR_TIER_1, ts="100.1")
    assert response.status == 200
    answer = slack.wait_for("chat.postMessage", _in_thread("100.1"))
    text = posted_text(answer)
    assert answer.params["channel"] == CHANNEL
    assert "75.0%" in text and "n = 4" in text


def test_the_mention_is_acknowledged_before_the_answer_is_worked_out(make_app, slack, monkeypatch):
    app, services = make_app(with_services=True)
    release, real_ask = threading.Event(), services.answerer.ask

    def slow_ask(*args, **kwargs):
        assert release.wait(10)
        return real_ask(*args, **kwargs)

    monkeypatch.setattr(services.answerer, "ask", slow_ask)
    response = _mention(app, FCR_TIER_1, ts="101.1")
    assert response.status == 200
    assert slack.calls("chat.postMessage") == []  # acknowledged while the answer waits
    release.set()
    assert "75.0%" in posted_text(slack.wait_for("chat.postMessage", _in_thread("101.1")))


def test_a_direct_message_is_answered_in_the_dm(app, slack):
    event = slack_requests.message(FCR_TIER_1, user=MEMBER, channel=DM, ts="200.1")
    assert send(app, slack_requests.event_callback(event)).status == 200
    answer = slack.wait_for("chat.postMessage", lambda call: call.params["channel"] == DM)
    assert answer.params.get("thread_ts") is None
    assert "75.0%" in posted_text(answer)


def test_a_dm_follow_up_continues_the_last_dm_question(app, slack):
    first = slack_requests.message(FCR_TIER_1, user=MEMBER, channel=DM, ts="210.1")
    send(app, slack_requests.event_callback(first))
    slack.wait_for("chat.postMessage")
    follow = slack_requests.message("and tier 2?", user=MEMBER, channel=DM, ts="211.1")
    send(app, slack_requests.event_callback(follow))
    second = slack.wait_for("chat.postMessage", count=2)
    assert "50.0%" in posted_text(second) and "n = 2" in posted_text(second)


def test_a_follow_up_in_the_thread_changes_the_previous_question(app, slack):
    _mention(app, FCR_TIER_1, ts="300.1")
    slack.wait_for("chat.postMessage", _in_thread("300.1"))
    reply = slack_requests.message("and tier 2?", user=MEMBER, channel=CHANNEL, ts="300.2",
                                   thread_ts="300.1", channel_type="channel")
    send(app, slack_requests.event_callback(reply))
    second = slack.wait_for("chat.postMessage", _in_thread("300.1"), count=2)
    assert "50.0%" in posted_text(second)


def test_a_mention_in_the_thread_is_a_follow_up_too(app, slack):
    _mention(app, FCR_TIER_1, ts="310.1")
    slack.wait_for("chat.postMessage", _in_thread("310.1"))
    _mention(app, "and tier 2?", ts="310.2", thread_ts="310.1")
    assert "50.0%" in posted_text(slack.wait_for("chat.postMessage", _in_thread("310.1"), count=2))


def test_chatter_in_a_thread_is_left_alone(app, slack):
    _mention(app, FCR_TIER_1, ts="320.1")
    slack.wait_for("chat.postMessage", _in_thread("320.1"))
    for ts, text in (("320.2", "thanks, that's great"), ("320.3", "lunch at 1?")):
        chatter = slack_requests.message(text, user=MEMBER, channel=CHANNEL, ts=ts,
                                         thread_ts="320.1", channel_type="channel")
        send(app, slack_requests.event_callback(chatter))
    elsewhere = slack_requests.message("and tier 2?", user=MEMBER, channel=CHANNEL, ts="330.2",
                                       thread_ts="330.1", channel_type="channel")
    send(app, slack_requests.event_callback(elsewhere))  # a thread kpibot never answered in
    settle(app)
    assert len(slack.calls("chat.postMessage")) == 1


def test_the_chatter_of_a_busy_channel_is_left_alone_and_a_follow_up_is_not(app, slack):
    """The replies that used to be answered: a laugh read as an agent's name, and talk that
    happens to name a team, a tag, a channel or a period. Only the real follow-up is answered."""
    _mention(app, FCR_TIER_1, ts="340.1")
    slack.wait_for("chat.postMessage", _in_thread("340.1"))
    replies = ["haha 😀", "I'll ping the billing team", "we had an outage last week",
               "can someone look at the phone queue?", "and tier 2?"]
    for number, text in enumerate(replies, start=2):
        reply = slack_requests.message(text, user=MEMBER, channel=CHANNEL, ts=f"340.{number}",
                                       thread_ts="340.1", channel_type="channel")
        send(app, slack_requests.event_callback(reply))
    settle(app)
    posted = slack.calls("chat.postMessage")
    assert len(posted) == 2
    assert "50.0%" in posted_text(posted[1])  # tier 2 last week: 1 of 2


def test_a_follow_up_survives_a_restart(make_app, slack):
    first = make_app()
    _mention(first, FCR_TIER_1, ts="400.1")
    slack.wait_for("chat.postMessage", _in_thread("400.1"))
    settle(first)
    restarted = make_app()  # a new process on the same database
    _mention(restarted, "and tier 2?", ts="400.2", thread_ts="400.1")
    assert "50.0%" in posted_text(slack.wait_for("chat.postMessage", _in_thread("400.1"), count=2))


def test_kpi_command_is_acknowledged_empty_and_answered_in_the_channel(app, slack):
    payload = slack_requests.slash_command(FCR_TIER_1, user=MEMBER, channel=CHANNEL,
                                           response_url=slack.response_url("c1"))
    response = send(app, payload)
    assert response.status == 200 and response.body == ""
    answer = slack.wait_for("chat.postMessage")
    assert answer.params["channel"] == CHANNEL and answer.params.get("thread_ts") is None
    text = posted_text(answer)
    assert f"<@{MEMBER}> asked" in text and "75.0%" in text


def test_a_follow_up_in_the_thread_of_a_kpi_command_answer(app, slack, tickets_db):
    send(app, slack_requests.slash_command(FCR_TIER_1, user=MEMBER, channel=CHANNEL,
                                           response_url=slack.response_url("c2")))
    ts = slack.wait_for("chat.postMessage").response["ts"]
    wait_for_state(tickets_db, f"slack:T1:{CHANNEL}:{ts}")  # saved just after posting
    _mention(app, "by agent", ts="500.2", thread_ts=ts)
    table = posted_text(slack.wait_for("chat.postMessage", _in_thread(ts)))
    assert "Ben Okafor" in table and "Chen Wei" in table and "Asha Rao" in table


def test_kpi_help_is_the_acknowledgement(app, slack):
    response = send(app, slack_requests.slash_command("help", user=MEMBER, channel=CHANNEL,
                                                      response_url=slack.response_url("c3")))
    assert response.status == 200
    assert "/kpi" in response.body and "ephemeral" in response.body
    # the card lists the subcommands of the table, each with what it is for
    card = json.dumps(json.loads(response.body), ensure_ascii=False)
    assert "`/kpi digest` — the scheduled digests" in card
    assert "`/kpi support-channel` — channels whose threads" in card
    settle(app)
    assert slack.calls("chat.postMessage") == []


def test_kpi_where_the_bot_cannot_post_answers_privately(app, slack):
    slack.fail_always("chat.postMessage", "not_in_channel")
    send(app, slack_requests.slash_command(FCR_TIER_1, user=MEMBER, channel="C_ELSEWHERE",
                                           response_url=slack.response_url("c4")))
    reply = slack.wait_for("response_url")
    assert reply.params["response_type"] == "ephemeral"
    assert "75.0%" in posted_text(reply)


def test_the_assistant_panel_greets_then_answers_with_a_status_and_a_title(app, slack):
    started = slack_requests.assistant_thread_started(user=MEMBER, channel=DM, thread_ts="600.1")
    send(app, slack_requests.event_callback(started))
    greeting = slack.wait_for("chat.postMessage", _in_thread("600.1"))
    prompts = slack.wait_for("assistant.threads.setSuggestedPrompts")
    assert greeting.params["channel"] == DM
    assert 1 <= len(prompts.params["prompts"]) <= 4
    question = slack_requests.message(FCR_TIER_1, user=MEMBER, channel=DM, ts="600.2",
                                      thread_ts="600.1")
    send(app, slack_requests.event_callback(question))
    answer = slack.wait_for("chat.postMessage", _in_thread("600.1"), count=2)
    assert "75.0%" in posted_text(answer)
    status = slack.wait_for("assistant.threads.setStatus")
    title = slack.wait_for("assistant.threads.setTitle")
    assert status.params["thread_ts"] == "600.1" and status.params["status"]
    assert "FCR" in title.params["title"]
    assert status.at <= answer.at


def test_app_home_shows_what_kpibot_answers(app, slack):
    send(app, slack_requests.event_callback(slack_requests.app_home_opened(MEMBER)))
    published = slack.wait_for("views.publish")
    assert published.params["user_id"] == MEMBER
    view = published.params["view"]
    assert view["type"] == "home"
    assert "First contact resolution" in str(view)


def test_the_thread_state_is_in_the_database(app, slack, tickets_db):
    _mention(app, FCR_TIER_1, ts="700.1")
    slack.wait_for("chat.postMessage", _in_thread("700.1"))
    settle(app)
    stored = ConversationStore(tickets_db, lambda: None).previous(f"slack:T1:{CHANNEL}:700.1")
    assert stored.metric == "fcr"
    assert [f.values for f in stored.filters] == [("1",)]
