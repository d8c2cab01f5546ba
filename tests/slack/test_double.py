"""The Slack double and the signed-request helpers, exercised with the real slack_sdk WebClient
and a real Bolt App, so that the tests built on them test the app and not the double."""

from __future__ import annotations

import json
import re
import threading
import time

import pytest
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

from . import requests as slack_requests
from .double import BOT_USER_ID, SlackDouble

SECRET = "test-signing-secret"
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
