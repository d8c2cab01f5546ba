"""The app over Socket Mode, tested as over HTTP: the real Bolt app on slack_bolt's
`SocketModeHandler` (slack_sdk's own Socket Mode client), connected through the Web API
double's `apps.connections.open` to the Socket Mode double (bot/sandbox/socket_mode_double.py),
which sends the envelopes Slack sends and checks every acknowledgement — each envelope acked
once, within three seconds, with a payload only where Slack takes one. The access and
at-most-once middleware are the app's own: a mention, `/kpi` (a question, help), buttons (a
digest preview, a survey click stored before it is acknowledged), a guest refused, an event
Slack delivers again handled once, and a connection Slack refreshes.
"""

from __future__ import annotations

import json
import re
import time

import pytest
from slack_bolt.adapter.socket_mode import SocketModeHandler

from bot.app import create_app
from bot.blocks import ids
from bot.sandbox import signed_requests as slack_requests
from bot.sandbox.socket_mode_double import ACK_SECONDS, SocketModeDouble
from bot.services import AskingServices
from kpi_engine.digests.definitions import DigestDefinition
from kpi_engine.digests.store import DigestStore
from kpi_engine.engine import KpiEngine
from tests.bot.conftest import CHANNEL, GUEST, MEMBER, posted_text
from tests.bot.listeners.test_support_conversations import (
    AGENT,
    CUSTOMER,
    HELP,
    OPENED,
    REPLIED,
    answers,
    buttons,
    wait_until,
)
from tests.builders import NOW, make_bot_settings

pytestmark = pytest.mark.slow

FCR_TIER_1 = "what was FCR last week for tier 1?"


@pytest.fixture
def socket_mode(slack, tickets_db, error_log):
    """The app connected over Socket Mode (signing secret unset: none is needed)."""
    slack.add_user(CUSTOMER, real_name="Cora Customer")
    slack.add_user(AGENT, real_name="Asha Rao")
    with SocketModeDouble(slack) as double:
        settings = make_bot_settings(slack_bot_token=slack.token, slack_api_url=slack.api_url,
                                     slack_app_token=slack.app_token, agents=AGENT,
                                     survey_cooldown_days=0)
        services = AskingServices.build(settings, engine=KpiEngine(tickets_db, settings))
        app = create_app(settings, services=services)
        handler = SocketModeHandler(app, slack.app_token, web_client=app.client)
        handler.connect()
        double.wait_connected()
        yield double
        handler.close()
        assert double.problems == []


def acked(envelope, *, payload: bool = False) -> dict:
    ack = envelope.wait_ack()
    assert ack["envelope_id"] == envelope.envelope_id
    assert envelope.ack_seconds < ACK_SECONDS
    assert ("payload" in ack) is payload, ack
    return ack.get("payload") or {}


def mention(socket_mode, text, *, user=MEMBER, ts="700.1", event_id=None):
    event = slack_requests.app_mention(text, user=user, channel=CHANNEL, ts=ts)
    return socket_mode.deliver(slack_requests.event_callback(event, event_id=event_id))


def command(socket_mode, slack, text, *, user=MEMBER, channel=CHANNEL):
    return socket_mode.deliver(slack_requests.slash_command(
        text, user=user, channel=channel, response_url=slack.response_url("cmd")))


def in_thread(ts):
    return lambda call: call.params.get("thread_ts") == ts


def test_hello_first_and_the_connection_opened_with_the_app_token(socket_mode, slack):
    opened = slack.calls("apps.connections.open")
    assert len(opened) == 1 and not opened[0].failed
    assert opened[0].headers["authorization"] == f"Bearer {slack.app_token}"
    assert socket_mode.open_connections == 1


def test_a_mention_is_acknowledged_and_answered_in_its_thread(socket_mode, slack):
    acked(mention(socket_mode, FCR_TIER_1, ts="700.1"))
    answer = slack.wait_for("chat.postMessage", in_thread("700.1"), timeout=15)
    assert "75.0%" in posted_text(answer)


def test_kpi_is_acknowledged_empty_and_answered_in_the_channel(socket_mode, slack):
    acked(command(socket_mode, slack, FCR_TIER_1))
    answer = slack.wait_for("chat.postMessage", timeout=15)
    assert answer.params["channel"] == CHANNEL and answer.params.get("thread_ts") is None
    assert f"<@{MEMBER}> asked" in posted_text(answer) and "75.0%" in posted_text(answer)


def test_kpi_help_is_the_acknowledgements_payload(socket_mode, slack):
    card = acked(command(socket_mode, slack, "help"), payload=True)
    assert card["response_type"] == "ephemeral"
    assert "`/kpi digest` — the scheduled digests" in json.dumps(card, ensure_ascii=False)


def test_the_digest_preview_button(socket_mode, slack, tickets_db):
    stored = DigestStore(tickets_db, lambda: NOW).add(DigestDefinition.from_dict({
        "name": "Tier 1 weekly", "channel": CHANNEL, "at": "09:00", "tz": "UTC",
        "period": "last week", "where": {"tier": [1]},
        "kpis": [{"metric": "fcr", "target": ">= 80%"}]}))
    envelope = socket_mode.deliver(slack_requests.block_actions(
        user=MEMBER, channel=CHANNEL, message_ts="1.1", action_id=ids.DIGEST_PREVIEW,
        value=stored.id, response_url=slack.response_url("list")))
    acked(envelope)
    shown = slack.wait_for("response_url", timeout=15)
    assert "75.0% · n = 4 tickets — target ≥ 80%: missed" in json.dumps(
        shown.params["blocks"], ensure_ascii=False)
    assert slack.calls("chat.postMessage") == []


def test_a_survey_click_is_stored_before_it_is_acknowledged(socket_mode, slack, tickets_db):
    ack = acked(command(socket_mode, slack, "support-channel add team=billing tier=2",
                        user=AGENT, channel=HELP), payload=True)
    assert "support conversations now" in json.dumps(ack)
    for payload in (
            slack_requests.message("My invoice shows the wrong VAT number", user=CUSTOMER,
                                   channel=HELP, ts=OPENED, channel_type="channel"),
            slack_requests.message("Fixed — a new invoice is on its way", user=AGENT,
                                   channel=HELP, ts=REPLIED, thread_ts=OPENED,
                                   channel_type="channel", parent_user_id=CUSTOMER)):
        acked(socket_mode.deliver(slack_requests.event_callback(payload)))
    slack.add_message(HELP, ts=OPENED, text="My invoice …", user=CUSTOMER)
    acked(socket_mode.deliver(slack_requests.event_callback(slack_requests.reaction_added(
        user=AGENT, reaction="white_check_mark", channel=HELP, item_ts=OPENED,
        event_ts="1795345200.000100"))))
    survey = slack.wait_for("chat.postMessage", in_thread(OPENED), timeout=15)
    csat_4 = buttons(survey.params["blocks"])[(ids.SURVEY_CSAT, 4)]
    click = socket_mode.deliver(slack_requests.block_actions(
        user=CUSTOMER, channel=HELP, message_ts=survey.response["ts"], thread_ts=OPENED,
        action_id=csat_4["action_id"], value=csat_4["value"],
        response_url=slack.response_url("click")))
    acked(click)
    assert answers(tickets_db) == [("csat", 4, None)]  # already there when acknowledged


def test_a_guest_is_refused_without_a_number(socket_mode, slack):
    acked(mention(socket_mode, FCR_TIER_1, user=GUEST, ts="710.1"))
    refusal = slack.wait_for("chat.postMessage", timeout=15)
    text = re.sub(r"<[@#!][^>]*>", "", posted_text(refusal))
    assert "guest" in text.lower() and not re.search(r"\d", text)
    card = acked(command(socket_mode, slack, "digest list", user=GUEST), payload=True)
    assert "members of this workspace" in json.dumps(card)


def test_an_event_delivered_again_is_handled_once(socket_mode, slack):
    first = mention(socket_mode, FCR_TIER_1, ts="720.1", event_id="EvSOCKETAGAIN1")
    acked(first)
    again = socket_mode.redeliver(first)
    assert (again.retry_attempt, again.retry_reason) == (1, "timeout")
    acked(again)  # acknowledged — and dropped
    acked(mention(socket_mode, "CSAT last week", ts="720.2"))  # a later one is answered
    slack.wait_for("chat.postMessage", in_thread("720.2"), timeout=15)
    slack.wait_for("chat.postMessage", in_thread("720.1"), timeout=15)
    assert len(slack.calls("chat.postMessage", failed=False)) == 2


def test_a_refreshed_connection_keeps_delivering(socket_mode, slack):
    socket_mode.disconnect("refresh_requested")
    socket_mode.wait_connected(count=2)
    assert len(slack.calls("apps.connections.open")) == 2
    wait_until(lambda: socket_mode.open_connections == 1)  # the client closed the old one
    # slack_sdk's client reads the old connection until its 3-second receive timeout ends
    # (Slack keeps delivering on it meanwhile); then the new one is read
    time.sleep(3.5)
    acked(mention(socket_mode, FCR_TIER_1, ts="730.1"))
    assert "75.0%" in posted_text(slack.wait_for("chat.postMessage", in_thread("730.1"),
                                                 timeout=15))


def test_apps_connections_open_takes_the_app_token_only(slack):
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError

    client = WebClient(base_url=slack.api_url)
    with SocketModeDouble(slack):
        assert client.apps_connections_open(app_token=slack.app_token)["url"].startswith("ws://")
        for token, error in ((slack.token, "not_allowed_token_type"),
                             ("xapp-other", "invalid_auth")):
            with pytest.raises(SlackApiError) as refused:
                client.apps_connections_open(app_token=token)
            assert refused.value.response["error"] == error
    with pytest.raises(SlackApiError) as refused:
        WebClient(token=slack.app_token, base_url=slack.api_url).auth_test()
    assert refused.value.response["error"] == "not_allowed_token_type"
