"""A manifest scope the bot token lacks (an app not reinstalled after an upgrade added one): one
clear sentence, nothing lost. `kpibot serve` (and the scheduler) say which scopes as they
start, with what each is for and what to do, and start anyway; an answer whose chart upload
Slack refuses with `missing_scope` is posted all the same, and the log names the scope.
Against the Slack double, whose answers carry the granted scopes as Slack's do.
"""

from __future__ import annotations

import json
import logging

import pytest

from bot.doctor.scopes import BOT_SCOPES, lacking_sentence, refusal_sentence
from bot.sandbox import signed_requests as slack_requests
from bot.server import _check_token
from tests.bot.conftest import CHANNEL, MEMBER, send, slack_settings


def test_serve_starts_and_says_which_scopes_the_token_lacks(slack, caplog):
    slack.scopes.remove("files:write")
    slack.scopes.remove("users:read.email")
    with caplog.at_level(logging.WARNING, logger="kpibot.slack"):
        _check_token(slack_settings(slack))  # no exception: kpibot serves without them
    [line] = [record.getMessage() for record in caplog.records]
    assert line == (
        "kpibot: the bot token lacks files:write, users:read.email (files:write: upload charts "
        "and the CSV of a table too long for a message; users:read.email: find the Slack user "
        "of a helpdesk customer by email, to survey them) — what needs them fails until the "
        "scope is added to the app (OAuth & Permissions → Scopes) and the app reinstalled to "
        "the workspace; `kpibot doctor` checks every scope")


def test_a_token_with_every_scope_starts_without_a_word(slack, caplog):
    slack.scopes.append("channels:manage")  # one more than the manifest asks for is no problem
    with caplog.at_level(logging.WARNING, logger="kpibot.slack"):
        _check_token(slack_settings(slack))
    assert caplog.records == []


def test_an_answer_is_posted_when_its_chart_is_refused_for_a_missing_scope(app, slack, caplog):
    slack.fail_always("files.getUploadURLExternal", "missing_scope")
    slack.fail_next("files.getUploadURLExternal", status=200, error="missing_scope", times=1,
                    body=json.dumps({"ok": False, "error": "missing_scope",
                                     "needed": "files:write", "provided": "chat:write"}))
    with caplog.at_level(logging.WARNING, logger="kpibot.slack"):
        send(app, slack_requests.event_callback(slack_requests.app_mention(
            "FCR by week over the last 8 weeks for tier 1", user=MEMBER, channel=CHANNEL,
            ts="970.1")))
        answer = slack.wait_for("chat.postMessage",
                                lambda c: c.params.get("thread_ts") == "970.1")
        slack.wait_for("files.getUploadURLExternal", failed=True)
        app.listener_runner.listener_executor.shutdown(wait=True)
    assert answer.params["blocks"]  # the answer itself is in the thread
    assert slack.calls("files.completeUploadExternal") == []
    [line] = [r.getMessage() for r in caplog.records if "could not upload" in r.getMessage()]
    assert line.startswith("could not upload the chart or table: missing_scope: the bot token "
                           "lacks files:write (files:write: upload charts")
    assert "reinstalled to the workspace" in line


@pytest.mark.parametrize(("answer", "said"), [
    ({"ok": False, "error": "channel_not_found"}, "channel_not_found"),
    ({"ok": False, "error": "missing_scope"},
     "missing_scope: the bot token lacks a scope this needs — compare the app's scopes with "
     "the manifest's (`kpibot doctor`) and reinstall the app"),
    ({"ok": False, "error": "missing_scope", "needed": "groups:read,channels:read"},
     "missing_scope: " + lacking_sentence(["groups:read", "channels:read"])),
])
def test_what_a_refusal_says(answer, said):
    assert refusal_sentence(answer) == said


def test_a_scope_slack_needs_that_kpibot_does_not_ask_for_is_still_named():
    assert "chat:write.customize" not in BOT_SCOPES
    assert lacking_sentence(["chat:write.customize"]).startswith(
        "the bot token lacks chat:write.customize (chat:write.customize: asked for by Slack) — "
        "what needs it fails")
