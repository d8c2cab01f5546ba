"""Who gets a number and what happens when things go wrong: guests, external people and bots are
refused politely with no number; allow-lists of channels and user groups; per-agent figures for
leads only; requests not signed by Slack (or replayed) get 401; a question kpibot cannot answer
gets suggestions; an internal error an apology with an id that is in the log with the
traceback; Slack's rate limits are waited out and retried."""

from __future__ import annotations

import re
import time

import pytest

from bot.sandbox import signed_requests as slack_requests
from tests.bot.conftest import (
    BOT_USER,
    CHANNEL,
    EXTERNAL,
    GUEST,
    LEAD,
    MEMBER,
    SECRET,
    posted_text,
    send,
)

FCR_TIER_1 = "what was FCR last week for tier 1?"
DIGITS = re.compile(r"\d")


def _ask(app, text, *, user=MEMBER, channel=CHANNEL, ts="100.1", **extra):
    event = slack_requests.app_mention(text, user=user, channel=channel, ts=ts, **extra)
    return send(app, slack_requests.event_callback(event))


def _refusal_text(call) -> str:
    # The refusal carries no figure: no digit anywhere but in Slack's own ids and mentions.
    return re.sub(r"<[@#!][^>]*>", "", posted_text(call))


@pytest.mark.parametrize("user, extra, reason", [
    (GUEST, {}, "guest"),
    (EXTERNAL, {}, "organisation"),
    (MEMBER, {"user_team": "T9"}, "organisation"),  # a Slack Connect payload names the home team
    (BOT_USER, {}, "bot"),
    ("UNOBODY", {}, "organisation"),  # Slack does not know them as one of the workspace
])
def test_only_members_of_the_workspace_get_a_number(app, slack, user, extra, reason):
    _ask(app, FCR_TIER_1, user=user, **extra)
    refusal = slack.wait_for("chat.postMessage")
    text = _refusal_text(refusal)
    assert reason in text.lower()
    assert not DIGITS.search(text), text


def test_a_bot_posting_a_mention_is_refused_without_a_number(app, slack):
    event = slack_requests.app_mention(FCR_TIER_1, user=BOT_USER, channel=CHANNEL, ts="110.1")
    event["bot_id"] = "BOTHER"
    send(app, slack_requests.event_callback(event))
    assert not DIGITS.search(_refusal_text(slack.wait_for("chat.postMessage")))


def test_a_channel_outside_the_allow_list_is_refused_but_dms_are_not(make_app, slack):
    app = make_app(allowed_channels="C_KPI")
    _ask(app, FCR_TIER_1, channel=CHANNEL)
    assert "75.0%" not in posted_text(slack.wait_for("chat.postMessage"))
    _ask(app, FCR_TIER_1, channel="C_KPI", ts="120.1")
    assert "75.0%" in posted_text(slack.wait_for("chat.postMessage", count=2))
    dm = slack_requests.message(FCR_TIER_1, user=MEMBER, channel="D1", ts="121.1")
    send(app, slack_requests.event_callback(dm))
    assert "75.0%" in posted_text(slack.wait_for("chat.postMessage", count=3))


def test_only_members_of_the_allowed_groups_ask(make_app, slack):
    app = make_app(allowed_usergroups="SLEADS")
    _ask(app, FCR_TIER_1, user=MEMBER)
    assert "75.0%" not in posted_text(slack.wait_for("chat.postMessage"))
    _ask(app, FCR_TIER_1, user=LEAD, ts="130.1")
    assert "75.0%" in posted_text(slack.wait_for("chat.postMessage", count=2))


@pytest.mark.parametrize("question", ["FCR by agent last week for tier 1",
                                      "FCR for Ben Okafor last week"])
def test_per_agent_figures_are_for_leads_only_when_a_leads_group_is_set(make_app, slack, question):
    app = make_app(leads_usergroup="SLEADS")
    _ask(app, question, user=MEMBER)
    refused = slack.wait_for("chat.postMessage")
    assert "lead" in posted_text(refused)
    assert "Ben" not in posted_text(refused) and not DIGITS.search(_refusal_text(refused))
    _ask(app, question, user=LEAD, ts="140.1")
    answered = posted_text(slack.wait_for("chat.postMessage", count=2))
    assert "Ben Okafor" in answered and "0.0%" in answered  # Ben: 0 of 1 (tier 1), 0 of 2 (all)


def test_a_team_breakdown_needs_no_lead(make_app, slack):
    app = make_app(leads_usergroup="SLEADS")
    _ask(app, "FCR last week by tier", user=MEMBER)
    assert "75.0%" in posted_text(slack.wait_for("chat.postMessage"))


def test_a_bad_signature_is_401_and_nothing_runs(app, slack):
    body, content_type = slack_requests.event_callback(
        slack_requests.app_mention(FCR_TIER_1, user=MEMBER, channel=CHANNEL, ts="150.1"))
    headers = slack_requests.signed_headers(body, "not-the-secret", content_type=content_type)
    assert app.dispatch(slack_requests.bolt_request(body, headers)).status == 401
    tampered_headers = slack_requests.signed_headers(body, SECRET, content_type=content_type)
    tampered = body.replace("tier 1", "tier 2")
    assert app.dispatch(slack_requests.bolt_request(tampered, tampered_headers)).status == 401
    assert slack.calls("chat.postMessage") == []


def test_a_request_older_than_five_minutes_is_401(app, slack):
    payload = slack_requests.event_callback(
        slack_requests.app_mention(FCR_TIER_1, user=MEMBER, channel=CHANNEL, ts="160.1"))
    assert send(app, payload, timestamp=int(time.time()) - 6 * 60).status == 401
    assert send(app, payload, timestamp=int(time.time()) - 60).status == 200


def test_a_question_it_cannot_answer_gets_suggestions(app, slack):
    _ask(app, "how is the weather in Lisbon?")
    text = posted_text(slack.wait_for("chat.postMessage"))
    assert "%" not in text
    assert "FCR" in text or "CSAT" in text  # suggestions name questions it can answer


def test_an_unknown_team_gets_the_known_ones(app, slack):
    _ask(app, "FCR last week for the marketing team")
    text = posted_text(slack.wait_for("chat.postMessage"))
    assert "marketing" in text.lower() and "general" in text


def test_an_internal_error_is_an_apology_with_an_id_in_the_log(make_app, slack, tmp_path,
                                                               monkeypatch):
    app, services = make_app(with_services=True)

    def broken(*args, **kwargs):
        raise RuntimeError("the disk is on fire")

    monkeypatch.setattr(services.answerer, "ask", broken)
    _ask(app, FCR_TIER_1)
    text = posted_text(slack.wait_for("chat.postMessage"))
    incident = re.search(r"`([0-9a-f]{8})`", text).group(1)
    assert "fire" not in text and "Traceback" not in text
    log = (tmp_path / "errors.log").read_text()
    assert incident in log and "Traceback" in log and "the disk is on fire" in log


def test_a_rate_limited_post_is_retried_after_retry_after(app, slack):
    slack.fail_next("chat.postMessage", status=429, retry_after=1)
    _ask(app, FCR_TIER_1)
    answer = slack.wait_for("chat.postMessage", failed=False, timeout=10)
    attempts = slack.calls("chat.postMessage")
    assert [call.status for call in attempts] == [429, 200]
    assert attempts[1].at - attempts[0].at >= 1.0  # waited as Slack asked
    assert "75.0%" in posted_text(answer)


def test_a_slack_server_error_is_retried(app, slack):
    slack.fail_next("chat.postMessage", status=503)
    _ask(app, FCR_TIER_1)
    assert "75.0%" in posted_text(slack.wait_for("chat.postMessage", failed=False, timeout=10))
    assert [call.status for call in slack.calls("chat.postMessage")] == [503, 200]
