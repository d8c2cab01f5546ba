"""The Slack double and the signed-request helpers, exercised with the real slack_sdk WebClient
and a real Bolt App, so that the tests built on them test the app and not the double."""

from __future__ import annotations

import json
import re
import threading
import time
from datetime import datetime, timezone
from urllib.parse import parse_qs

import pytest
import time_machine
from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from slack_sdk.signature import SignatureVerifier
from slack_sdk.webhook import WebhookClient

from bot.sandbox import signed_requests as slack_requests
from bot.sandbox.slack_double import BOT_USER_ID, SlackDouble

SECRET = "test-signing-secret"
MONDAY_9AM = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)  # 1795424400 seconds
PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82\x00\xff\r\n"
)


@pytest.fixture
def double():
    with SlackDouble() as slack:
        yield slack


@pytest.fixture
def client(double) -> WebClient:
    return WebClient(token="xoxb-test", base_url=double.api_url)


# ---------------------------------------------------------------------------- Web API calls


def test_post_message_is_recorded_with_its_json_params(double, client):
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*CSAT* 92%"}}]

    first = client.chat_postMessage(channel="C1", text="CSAT 92%", blocks=blocks, thread_ts="1.2")
    second = client.chat_postMessage(channel="C1", text="again")

    call = double.wait_for("chat.postMessage")
    assert call.params == {
        "channel": "C1", "text": "CSAT 92%", "blocks": blocks, "thread_ts": "1.2"
    }
    assert call.headers["content-type"].startswith("application/json")
    assert call.headers["authorization"] == "Bearer xoxb-test"
    assert not call.failed
    assert re.fullmatch(r"\d{10}\.\d{6}", first["ts"])
    assert abs(float(first["ts"]) - time.time()) < 60  # from the clock
    assert float(second["ts"]) > float(first["ts"])
    assert first["message"]["blocks"] == blocks
    assert first["message"]["thread_ts"] == "1.2"
    assert first["message"]["bot_id"] == "BBOT"
    assert [c.params["text"] for c in double.calls("chat.postMessage")] == ["CSAT 92%", "again"]


def test_history_lists_posted_messages_newest_first_with_metadata_on_request(double, client):
    metadata = {"event_type": "kpibot_post", "event_payload": {"claim": "digest:d1:2026-11-22"}}
    first = client.chat_postMessage(channel="C1", text="one", metadata=metadata)
    second = client.chat_postMessage(channel="C1", text="two")
    client.chat_postMessage(channel="C2", text="elsewhere")
    plain = client.conversations_history(channel="C1")["messages"]
    assert [m["text"] for m in plain] == ["two", "one"] and "metadata" not in plain[1]
    full = client.conversations_history(channel="C1", include_all_metadata=True)["messages"]
    assert full[1]["metadata"] == metadata
    newer = client.conversations_history(channel="C1", oldest=first["ts"])["messages"]
    assert [m["ts"] for m in newer] == [second["ts"]]


def test_history_pages_with_a_cursor(double, client):
    for number in range(5):
        client.chat_postMessage(channel="C1", text=str(number))
    page = client.conversations_history(channel="C1", limit=2)
    assert [m["text"] for m in page["messages"]] == ["4", "3"] and page["has_more"]
    rest = client.conversations_history(channel="C1", limit=10,
                                        cursor=page["response_metadata"]["next_cursor"])
    assert [m["text"] for m in rest["messages"]] == ["2", "1", "0"] and not rest["has_more"]


def test_update_and_delete_change_the_kept_messages(double, client):
    posted = client.chat_postMessage(channel="C1", text="How satisfied are you?")
    client.chat_update(channel="C1", ts=posted["ts"], text="Thank you!")
    assert [m["text"] for m in double.messages("C1")] == ["Thank you!"]
    client.chat_delete(channel="C1", ts=posted["ts"])
    assert double.messages("C1") == []


def test_views_open_is_recorded_and_answered_with_the_view(double, client):
    view = {"type": "modal", "callback_id": "digest_edit",
            "title": {"type": "plain_text", "text": "Digest"}, "blocks": []}
    answer = client.views_open(trigger_id="1.2.abc", view=view)
    assert answer["view"]["callback_id"] == "digest_edit"
    assert double.wait_for("views.open").params["trigger_id"] == "1.2.abc"


def test_form_encoded_calls_and_the_directory(double, client):
    double.add_user("UGUEST", real_name="Gus Guest", is_restricted=True, is_ultra_restricted=True)
    double.add_usergroup("S1", ["U1", "U2"])
    double.add_channel("C9", name="ext-acme", is_shared=True, is_ext_shared=True)

    user = client.users_info(user="UGUEST")["user"]
    flags = (user["is_restricted"], user["is_ultra_restricted"], user["is_bot"])
    assert flags == (True, True, False)
    assert user["profile"]["real_name"] == "Gus Guest"
    assert client.usergroups_users_list(usergroup="S1")["users"] == ["U1", "U2"]
    assert client.conversations_info(channel="C9")["channel"]["is_ext_shared"] is True

    call = double.calls("users.info")[0]
    assert call.params == {"user": "UGUEST"}
    assert call.headers["content-type"] == "application/x-www-form-urlencoded"

    for make_call, error in [
        (lambda: client.users_info(user="UNOBODY"), "user_not_found"),
        (lambda: client.usergroups_users_list(usergroup="S404"), "no_such_subteam"),
        (lambda: client.conversations_info(channel="C404"), "channel_not_found"),
    ]:
        with pytest.raises(SlackApiError) as raised:
            make_call()
        assert raised.value.response["error"] == error
    assert len(double.calls(failed=True)) == 3


def test_auth_test_answers_as_the_bot(client):
    answer = client.auth_test()
    assert (answer["user_id"], answer["bot_id"], answer["team_id"]) == ("UBOT", "BBOT", "T1")


def test_wrong_token_is_invalid_auth(double):
    client = WebClient(token="xoxb-wrong", base_url=double.api_url)
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C1", text="hi")
    assert raised.value.response["error"] == "invalid_auth"
    assert double.calls("chat.postMessage")[0].failed


def test_fail_always_answers_an_error_at_http_200(double, client):
    double.fail_always("chat.postMessage", "not_in_channel")
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C1", text="hi")
    assert raised.value.response.status_code == 200
    assert raised.value.response["error"] == "not_in_channel"
    double.clear_failures()
    assert client.chat_postMessage(channel="C1", text="hi")["ok"]


def test_get_permalink_of_kept_messages_top_level_and_in_a_thread(double, client):
    with time_machine.travel(MONDAY_9AM, tick=False):
        parent = client.chat_postMessage(channel="C1", text="Where is my refund?")
        client.chat_postMessage(channel="C1", text="On its way", thread_ts=parent["ts"])

    top = client.chat_getPermalink(channel="C1", message_ts="1795424400.000000")
    assert (top["channel"], top["permalink"]) == (
        "C1", "https://kpi-test.slack.com/archives/C1/p1795424400000000"
    )
    reply = client.chat_getPermalink(channel="C1", message_ts="1795424400.000100")
    assert reply["permalink"] == "https://kpi-test.slack.com/archives/C1/p1795424400000100"
    assert double.calls("chat.getPermalink")[0].params == {
        "channel": "C1", "message_ts": "1795424400.000000"
    }

    for channel, ts in [("C1", "1795424400.000300"), ("C2", "1795424400.000000")]:
        with pytest.raises(SlackApiError) as raised:
            client.chat_getPermalink(channel=channel, message_ts=ts)
        assert raised.value.response["error"] == "message_not_found"
    client.chat_delete(channel="C1", ts="1795424400.000000")
    with pytest.raises(SlackApiError) as raised:
        client.chat_getPermalink(channel="C1", message_ts="1795424400.000000")
    assert raised.value.response["error"] == "message_not_found"


def test_users_lookup_by_email_finds_the_registered_user(double, client):
    double.add_user("U7", real_name="Ana Lima", email="ana@example.com")
    double.add_user("U8", real_name="No Email")

    user = client.users_lookupByEmail(email="ana@example.com")["user"]
    assert (user["id"], user["real_name"], user["profile"]["email"]) == (
        "U7", "Ana Lima", "ana@example.com"
    )
    assert "email" not in client.users_info(user="U8")["user"]["profile"]
    assert double.calls("users.lookupByEmail")[0].params == {"email": "ana@example.com"}
    with pytest.raises(SlackApiError) as raised:
        client.users_lookupByEmail(email="nobody@example.com")
    assert raised.value.response["error"] == "users_not_found"


def test_conversations_replies_lists_the_thread_parent_first(double, client):
    metadata = {"event_type": "kpibot_case", "event_payload": {"case": "42"}}
    parent = client.chat_postMessage(channel="C1", text="Where is my refund?", metadata=metadata)
    other = client.chat_postMessage(channel="C1", text="Another question")
    for text in ("Looking into it", "Refunded"):
        client.chat_postMessage(channel="C1", text=text, thread_ts=parent["ts"])
    client.chat_postMessage(channel="C1", text="elsewhere", thread_ts=other["ts"])
    client.chat_postMessage(channel="C2", text="other channel", thread_ts=parent["ts"])

    answer = client.conversations_replies(channel="C1", ts=parent["ts"])
    messages = answer["messages"]
    assert [m["text"] for m in messages] == ["Where is my refund?", "Looking into it", "Refunded"]
    assert not answer["has_more"]
    assert (messages[0]["reply_count"], messages[0]["reply_users"]) == (2, ["UBOT"])
    assert messages[0]["thread_ts"] == messages[0]["ts"] == parent["ts"]
    assert messages[0]["latest_reply"] == messages[2]["ts"]
    assert [m["parent_user_id"] for m in messages[1:]] == ["UBOT", "UBOT"]
    assert "metadata" not in messages[0]
    full = client.conversations_replies(channel="C1", ts=parent["ts"], include_all_metadata=True)
    assert full["messages"][0]["metadata"] == metadata

    page = client.conversations_replies(channel="C1", ts=parent["ts"], limit=2)
    assert [m["text"] for m in page["messages"]] == ["Where is my refund?", "Looking into it"]
    assert page["has_more"]
    rest = client.conversations_replies(channel="C1", ts=parent["ts"], limit=2,
                                        cursor=page["response_metadata"]["next_cursor"])
    assert [m["text"] for m in rest["messages"]] == ["Refunded"] and not rest["has_more"]

    alone = client.conversations_replies(channel="C1", ts=other["ts"])["messages"]
    assert [m["text"] for m in alone] == ["Another question", "elsewhere"]
    with pytest.raises(SlackApiError) as raised:
        client.conversations_replies(channel="C1", ts="1700000000.000100")
    assert raised.value.response["error"] == "thread_not_found"


def test_conversations_replies_of_a_message_without_replies_is_that_message(double, client):
    posted = client.chat_postMessage(channel="C1", text="All quiet")
    messages = client.conversations_replies(channel="C1", ts=posted["ts"])["messages"]
    assert [m["text"] for m in messages] == ["All quiet"]
    assert "reply_count" not in messages[0]


def test_conversations_replies_of_a_thread_whose_parent_a_person_posted(double, client):
    # The parent (a customer's message, delivered to the app as an event) never went through
    # the double: the thread is known by the replies posted in it.
    with pytest.raises(SlackApiError) as raised:
        client.conversations_replies(channel="C1", ts="1700000001.000100")
    assert raised.value.response["error"] == "thread_not_found"
    client.chat_postMessage(channel="C1", text="How was our help?", thread_ts="1700000001.000100")

    messages = client.conversations_replies(channel="C1", ts="1700000001.000100")["messages"]
    assert [(m["text"], m["thread_ts"]) for m in messages] == [
        ("How was our help?", "1700000001.000100")
    ]
    with pytest.raises(SlackApiError):
        client.chat_getPermalink(channel="C1", message_ts="1700000001.000100")


def test_conversations_replies_of_an_assistant_thread_slack_started(double, client):
    with pytest.raises(SlackApiError) as raised:
        client.conversations_replies(channel="D1", ts="1700000001.000100")
    assert raised.value.response["error"] == "thread_not_found"
    client.assistant_threads_setStatus(channel_id="D1", thread_ts="1700000001.000100",
                                       status="computing…")

    answer = client.conversations_replies(channel="D1", ts="1700000001.000100")
    assert (answer["messages"], answer["has_more"]) == ([], False)
    with pytest.raises(SlackApiError) as raised:
        client.conversations_replies(channel="D2", ts="1700000001.000100")
    assert raised.value.response["error"] == "thread_not_found"
    double.reset()
    with pytest.raises(SlackApiError):
        client.conversations_replies(channel="D1", ts="1700000001.000100")


def test_reactions_add_is_recorded_and_answered_ok(double, client):
    answer = client.reactions_add(channel="C1", timestamp="1700000000.000100",
                                  name="white_check_mark")
    assert answer.data == {"ok": True}
    assert double.wait_for("reactions.add").params == {
        "channel": "C1", "timestamp": "1700000000.000100", "name": "white_check_mark"
    }
    with pytest.raises(SlackApiError) as raised:
        client.reactions_add(channel="C1", timestamp="1700000000.000100", name="")
    assert raised.value.response["error"] == "invalid_name"


def test_message_shows_one_kept_message_as_it_is_after_an_update(double, client):
    blocks = [{"type": "section", "block_id": "case",
               "text": {"type": "mrkdwn", "text": "*Open* case"}}]
    resolved = [{"type": "section", "block_id": "case",
                 "text": {"type": "mrkdwn", "text": "*Resolved* case"}}]
    posted = client.chat_postMessage(channel="C1", text="Open case", blocks=blocks)
    reply = client.chat_postMessage(channel="C1", text="a reply", thread_ts=posted["ts"])

    assert double.message("C1", posted["ts"])["blocks"] == blocks
    client.chat_update(channel="C1", ts=posted["ts"], text="Resolved case", blocks=resolved)
    kept = double.message("C1", posted["ts"])
    assert (kept["text"], kept["blocks"]) == ("Resolved case", resolved)
    assert double.message("C1", reply["ts"])["text"] == "a reply"

    kept["blocks"][0]["text"]["text"] = "changed by the test"
    assert double.message("C1", posted["ts"])["blocks"] == resolved  # a copy
    assert double.message("C2", posted["ts"]) is None
    assert double.message("C1", "1700000000.000100") is None


# ---------------------------------------------------------------------------- retries


def test_rate_limit_is_retried_after_retry_after(double):
    client = WebClient(
        token="xoxb-test", base_url=double.api_url, retry_handlers=[RateLimitErrorRetryHandler()]
    )
    # The handler sleeps int(Retry-After) + random.random() seconds: 0 keeps this under 1 s.
    double.fail_next("chat.postMessage", retry_after=0)

    answer = client.chat_postMessage(channel="C1", text="hi")

    assert answer["ok"]
    attempts = double.calls("chat.postMessage")
    assert [(a.status, a.failed) for a in attempts] == [(429, True), (200, False)]
    assert attempts[0].error == "ratelimited"


def test_rate_limit_without_a_handler_raises_with_retry_after(double, client):
    double.fail_next("chat.postMessage", retry_after=7)
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C1", text="hi")
    response = raised.value.response
    assert (response.status_code, response["error"]) == (429, "ratelimited")
    assert response.headers["Retry-After"] == "7"
    assert len(double.calls("chat.postMessage")) == 1


def test_server_error_is_retried_by_server_error_handler(double):
    handler = ServerErrorRetryHandler(interval_calculator=FixedValueRetryIntervalCalculator(0))
    client = WebClient(token="xoxb-test", base_url=double.api_url, retry_handlers=[handler])
    double.fail_next("chat.update", status=500)

    answer = client.chat_update(channel="C1", ts="1.2", text="edited")

    assert (answer["ts"], answer["text"]) == ("1.2", "edited")
    assert [a.status for a in double.calls("chat.update")] == [500, 200]


def test_server_error_without_a_handler_raises_non_json_error(double, client):
    double.fail_next("chat.postMessage", status=503, times=2)
    for _ in range(2):
        with pytest.raises(SlackApiError) as raised:
            client.chat_postMessage(channel="C1", text="hi")
        assert raised.value.response.status_code == 503
        assert raised.value.response["error"].startswith("Received a response in a non-JSON format")
    assert client.chat_postMessage(channel="C1", text="hi")["ok"]


# ---------------------------------------------------------------------------- files


@pytest.mark.parametrize(
    ("content", "filename"),
    [(b"week,csat\n2026-W47,0.92\n", "x.csv"), (PNG_BYTES, "chart.png")],
    ids=["csv", "png"],
)
def test_files_upload_v2_stores_the_exact_bytes(double, client, content, filename):
    answer = client.files_upload_v2(
        channel="C1", thread_ts="1700000000.000100", content=content, filename=filename,
        initial_comment="Here you go",
    )

    file_id = answer["file"]["id"]
    upload = double.uploads[file_id]
    assert upload.content == content
    assert (upload.filename, upload.length) == (filename, len(content))
    assert (upload.channel_id, upload.thread_ts, upload.initial_comment) == (
        "C1", "1700000000.000100", "Here you go"
    )
    assert upload.completed and upload.title == filename
    assert [c.method for c in double.calls()] == [
        "files.getUploadURLExternal", "upload", "files.completeUploadExternal"
    ]
    assert "authorization" not in double.calls("upload")[0].headers
    assert json.loads(double.calls("files.completeUploadExternal")[0].params["files"]) == [
        {"id": file_id, "title": filename}
    ]


def test_multipart_bodies_are_parsed(double, client):
    client.api_call("users.setPhoto", files={"image": PNG_BYTES}, data={"crop_w": 10})
    params = double.wait_for("users.setPhoto").params
    assert params == {"crop_w": "10", "image": PNG_BYTES}


# ---------------------------------------------------------------------------- waiting


def test_wait_for_returns_the_count_th_matching_call_from_another_thread(double, client):
    def post_later():
        time.sleep(0.05)
        for text in ("one", "two", "three"):
            client.chat_postMessage(channel="C1", text=text)

    threading.Thread(target=post_later).start()
    call = double.wait_for("chat.postMessage", lambda c: c.params["text"] != "one", count=2)
    assert call.params["text"] == "three"


def test_wait_for_times_out_listing_the_calls_seen(double, client):
    client.chat_postMessage(channel="C1", text="hello")
    started = time.monotonic()
    with pytest.raises(AssertionError) as raised:
        double.wait_for("chat.update", timeout=0.2)
    assert time.monotonic() - started < 1
    message = str(raised.value)
    assert "timed out after 0.2s waiting for 1 call(s) to chat.update" in message
    assert 'chat.postMessage {"channel": "C1", "text": "hello"}' in message


def test_reset_forgets_calls_but_keeps_the_directory(double, client):
    double.add_user("U1")
    client.users_info(user="U1")
    double.reset()
    assert double.calls() == []
    assert client.users_info(user="U1")["user"]["id"] == "U1"


def test_latency_delays_answers():
    with SlackDouble(latency=0.1) as slow:
        started = time.monotonic()
        WebClient(token="xoxb-test", base_url=slow.api_url).auth_test()
        assert time.monotonic() - started >= 0.1


def test_response_url_posts_are_recorded(double):
    response = WebhookClient(double.response_url("cmd1")).send(text="Working on it")
    assert (response.status_code, response.body) == (200, "ok")
    call = double.wait_for("response_url")
    assert call.params == {"text": "Working on it"}
    assert call.path == "/response/cmd1"

    status, _, text = slack_requests.post(double.base_url + "/nowhere", "{}", {})
    assert (status, text) == (404, "no route for POST /nowhere")


# ---------------------------------------------------------------------------- signing


def test_signed_headers_pass_slack_sdk_verification_and_tampering_fails():
    body, content_type = slack_requests.event_callback(
        slack_requests.app_home_opened("U1")
    )
    headers = slack_requests.signed_headers(body, SECRET, content_type=content_type)
    verifier = SignatureVerifier(SECRET)
    timestamp, signature = headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"]

    assert verifier.is_valid(body, timestamp, signature)
    assert verifier.is_valid_request(body, headers)
    assert not verifier.is_valid(body.replace("U1", "U2"), timestamp, signature)
    assert not SignatureVerifier("other-secret").is_valid(body, timestamp, signature)
    stale = slack_requests.signed_headers(body, SECRET, timestamp=int(time.time()) - 301)
    assert not verifier.is_valid_request(body, stale)


# ---------------------------------------------------------------------------- with Bolt


@pytest.fixture
def app(client) -> App:
    return App(client=client, signing_secret=SECRET)


def test_bolt_handles_a_signed_app_mention(double, app):
    @app.event("app_mention")
    def answer(event, say):
        say(text=f"echo: {event['text']}", thread_ts=event["ts"])

    event = slack_requests.app_mention("csat?", user="U1", channel="C1", ts="1700000001.000100")
    body, content_type = slack_requests.event_callback(event)

    unsigned = app.dispatch(slack_requests.bolt_request(body, {"Content-Type": content_type}))
    assert unsigned.status == 401
    signed = slack_requests.signed_headers(body, SECRET, content_type=content_type)
    assert app.dispatch(slack_requests.bolt_request(body, signed)).status == 200

    call = double.wait_for("chat.postMessage")
    assert call.params["text"] == f"echo: <@{BOT_USER_ID}> csat?"
    assert call.params["thread_ts"] == "1700000001.000100"
    assert call.params["team_id"] == "T1"  # Bolt's per-request client adds it to every call


def test_bolt_handles_slash_command_and_block_action(double, app):
    @app.command("/kpi")
    def kpi(ack, command, respond):
        ack()
        respond(text=f"{command['user_id']} asked: {command['text']}")

    @app.action("rate")
    def rate(ack, body, client):
        ack()
        client.reactions_add(
            channel=body["channel"]["id"], timestamp=body["message"]["ts"],
            name=body["actions"][0]["value"],
        )

    body, headers = slack_requests.signed(
        slack_requests.slash_command(
            "csat last week", user="U1", channel="C1", response_url=double.response_url("c1")
        ),
        SECRET,
    )
    assert app.dispatch(slack_requests.bolt_request(body, headers)).status == 200
    assert double.wait_for("response_url").params["text"] == "U1 asked: csat last week"

    body, headers = slack_requests.signed(
        slack_requests.block_actions(
            user="U1", channel="C1", message_ts="1700000000.000100", action_id="rate",
            value="thumbsup",
        ),
        SECRET,
    )
    assert app.dispatch(slack_requests.bolt_request(body, headers)).status == 200
    reaction = double.wait_for("reactions.add").params
    assert (reaction["channel"], reaction["timestamp"], reaction["name"]) == (
        "C1", "1700000000.000100", "thumbsup"
    )


def test_bolt_assistant_sees_thread_started_and_dm_messages(double, app):
    from slack_bolt import Assistant

    assistant = Assistant()

    @assistant.thread_started
    def started(set_suggested_prompts):
        set_suggested_prompts(prompts=["CSAT last week"])

    @assistant.user_message
    def user_message(payload, say, set_status):
        set_status("thinking...")
        say(text=f"you said {payload['text']}")

    app.use(assistant)

    for event in (
        slack_requests.assistant_thread_started(user="U1", channel="D1", thread_ts="1.1"),
        slack_requests.message("csat?", user="U1", channel="D1", ts="1.2", thread_ts="1.1"),
        slack_requests.message("mine", user="UBOT", channel="D1", ts="1.3", thread_ts="1.1",
                               bot_id="BBOT"),
    ):
        body, headers = slack_requests.signed(slack_requests.event_callback(event), SECRET)
        assert app.dispatch(slack_requests.bolt_request(body, headers)).status == 200

    prompts = double.wait_for("assistant.threads.setSuggestedPrompts").params
    assert (prompts["channel_id"], prompts["thread_ts"]) == ("D1", "1.1")
    assert double.wait_for("assistant.threads.setStatus").params["status"] == "thinking..."
    reply = double.wait_for("chat.postMessage").params
    assert (reply["text"], reply["thread_ts"]) == ("you said csat?", "1.1")


def _received(app: App, matcher) -> tuple[list, threading.Event]:
    """Register a listener for `matcher` that keeps the events it gets."""
    seen: list = []
    arrived = threading.Event()

    @app.event(matcher)
    def keep(event):
        seen.append(event)
        arrived.set()

    return seen, arrived


def _dispatch_event(app: App, event: dict) -> int:
    body, headers = slack_requests.signed(slack_requests.event_callback(event), SECRET)
    return app.dispatch(slack_requests.bolt_request(body, headers)).status


def test_bolt_handles_reaction_added_and_removed(app):
    added, added_arrived = _received(app, "reaction_added")
    removed, removed_arrived = _received(app, "reaction_removed")

    event = slack_requests.reaction_added(user="U1", reaction="white_check_mark", channel="C1",
                                          item_ts="1700000001.000100", item_user="U9",
                                          event_ts="1700000002.000200")
    assert event == {
        "type": "reaction_added", "user": "U1", "reaction": "white_check_mark",
        "item": {"type": "message", "channel": "C1", "ts": "1700000001.000100"},
        "item_user": "U9", "event_ts": "1700000002.000200",
    }
    assert _dispatch_event(app, event) == 200
    assert _dispatch_event(app, slack_requests.reaction_removed(
        user="U1", reaction="white_check_mark", channel="C1", item_ts="1700000001.000100",
    )) == 200

    assert added_arrived.wait(5) and removed_arrived.wait(5)
    assert (added[0]["user"], added[0]["item"]["ts"]) == ("U1", "1700000001.000100")
    assert removed[0]["reaction"] == "white_check_mark" and "item_user" not in removed[0]
    assert re.fullmatch(r"\d{10}\.\d{6}", removed[0]["event_ts"])


def test_bolt_handles_a_message_shortcut(double, app):
    @app.shortcut("kpi_resolve")
    def resolve(ack, shortcut, respond, client):
        ack()
        client.views_open(trigger_id=shortcut["trigger_id"],
                          view={"type": "modal", "callback_id": "resolve", "blocks": [],
                                "title": {"type": "plain_text", "text": "Resolve"}})
        message = shortcut["message"]
        respond(text=f"{shortcut['user']['id']} resolves {message['user']}: {message['text']} "
                     f"in {shortcut['channel']['id']} thread {message['thread_ts']}")

    body, headers = slack_requests.signed(
        slack_requests.message_shortcut(
            user="U1", channel="C1", message_ts="1700000002.000200", callback_id="kpi_resolve",
            thread_ts="1700000001.000100", message_user="U9", message_text="It works now",
            response_url=double.response_url("sc1"), trigger_id="1.2.shortcut",
        ),
        SECRET,
    )
    assert app.dispatch(slack_requests.bolt_request(body, headers)).status == 200

    assert double.wait_for("views.open").params["trigger_id"] == "1.2.shortcut"
    assert double.wait_for("response_url").params["text"] == (
        "U1 resolves U9: It works now in C1 thread 1700000001.000100"
    )
    payload = json.loads(parse_qs(body)["payload"][0])
    assert payload["type"] == "message_action"
    assert payload["message_ts"] == payload["message"]["ts"] == "1700000002.000200"


def test_bolt_handles_message_changed_and_deleted(app):
    changed, changed_arrived = _received(app, {"type": "message", "subtype": "message_changed"})
    deleted, deleted_arrived = _received(app, {"type": "message", "subtype": "message_deleted"})
    plain: list = []

    @app.message("")
    def any_message(message):
        plain.append(message)

    assert _dispatch_event(app, slack_requests.message_changed(
        channel="C1", ts="1700000002.000200", new_text="It works now, thanks", user="U9",
        thread_ts="1700000001.000100", previous_text="It works now",
    )) == 200
    assert _dispatch_event(app, slack_requests.message_deleted(
        channel="C1", deleted_ts="1700000003.000300", thread_ts="1700000001.000100",
        previous_user="U9", previous_text="oops",
    )) == 200

    assert changed_arrived.wait(5) and deleted_arrived.wait(5)
    event = changed[0]
    assert (event["hidden"], event["channel"], event["channel_type"]) == (True, "C1", "channel")
    edited = event["message"]
    assert (edited["user"], edited["text"], edited["ts"], edited["thread_ts"]) == (
        "U9", "It works now, thanks", "1700000002.000200", "1700000001.000100"
    )
    assert edited["edited"]["user"] == "U9"
    assert edited["edited"]["ts"] == event["ts"] == event["event_ts"]
    assert event["previous_message"]["text"] == "It works now"
    assert event["previous_message"]["client_msg_id"] == edited["client_msg_id"]

    gone = deleted[0]
    assert (gone["hidden"], gone["deleted_ts"]) == (True, "1700000003.000300")
    assert gone["previous_message"]["ts"] == "1700000003.000300"
    assert (gone["previous_message"]["user"], gone["previous_message"]["thread_ts"]) == (
        "U9", "1700000001.000100"
    )
    assert plain == []  # hidden subtypes do not reach app.message listeners


def test_bolt_ignores_an_edit_of_the_bots_own_message(app):
    changed, changed_arrived = _received(app, {"type": "message", "subtype": "message_changed"})
    assert _dispatch_event(app, slack_requests.message_changed(
        channel="C1", ts="1700000002.000200", new_text="edited", user=BOT_USER_ID,
    )) == 200
    assert not changed_arrived.wait(0.3)
    assert changed == []


def test_bolt_block_action_sees_the_message_blocks_and_updates_them(double, app, client):
    blocks = [{"type": "section", "block_id": "case",
               "text": {"type": "mrkdwn", "text": "Case 42 is *open*"}},
              {"type": "actions", "block_id": "case_actions",
               "elements": [{"type": "button", "action_id": "kpi_close", "value": "42",
                             "text": {"type": "plain_text", "text": "Close"}}]}]
    posted = client.chat_postMessage(channel="C1", text="Case 42 is open", blocks=blocks)

    @app.action("kpi_close")
    def close(ack, body, client):
        ack()
        kept = body["message"]["blocks"][0]
        closed = {**kept, "text": {"type": "mrkdwn", "text": "Case 42 is *closed*"}}
        client.chat_update(channel=body["channel"]["id"], ts=body["message"]["ts"],
                           text="Case 42 is closed", blocks=[closed])

    body, headers = slack_requests.signed(
        slack_requests.block_actions(
            user="U1", channel="C1", message_ts=posted["ts"], action_id="kpi_close", value="42",
            block_id="case_actions", message_blocks=blocks, message_text="Case 42 is open",
        ),
        SECRET,
    )
    assert app.dispatch(slack_requests.bolt_request(body, headers)).status == 200

    double.wait_for("chat.update")
    assert double.message("C1", posted["ts"])["blocks"] == [
        {"type": "section", "block_id": "case",
         "text": {"type": "mrkdwn", "text": "Case 42 is *closed*"}}
    ]


def test_block_actions_without_message_blocks_has_none():
    body, _ = slack_requests.block_actions(user="U1", channel="C1", message_ts="1.2",
                                           action_id="rate", value="5")
    payload = json.loads(parse_qs(body)["payload"][0])
    assert "blocks" not in payload["message"]
    assert payload["actions"][0]["block_id"] == "actions"
