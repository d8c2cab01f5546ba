"""What bot/prefork.py adds to the app in each serving process of `kpibot serve`, in process:
acknowledgement functions run in the request's own thread (a button, a command with a lazy
part, a survey click stored before its acknowledgement; an error after `ack()` keeps it, one
before it is a 500), the answering processes shared out among the serving processes, the
default number of serving processes, and gunicorn's log line for a malformed request without
the request's text."""

from __future__ import annotations

import json
import logging

import pytest
from slack_bolt.listener.thread_runner import ThreadListenerRunner

from bot.prefork import (
    AckInRequestThread,
    _without_client_text,
    acknowledge_in_request_threads,
    answer_processes_each,
)
from bot.sandbox import signed_requests as slack_requests
from bot.settings import MAX_DEFAULT_SERVE, default_serve_processes
from tests.bot.conftest import CHANNEL, MEMBER, send, settle
from tests.builders import make_bot_settings


@pytest.fixture
def inline_app(make_app):
    app = acknowledge_in_request_threads(make_app())
    assert isinstance(app.listener_runner, AckInRequestThread)
    return app


def test_the_runner_keeps_bolts_handlers_and_pools(make_app):
    app = make_app()
    before = app.listener_runner
    assert type(before) is ThreadListenerRunner
    acknowledge_in_request_threads(app)
    after = app.listener_runner
    assert after.listener_executor is before.listener_executor
    assert after.listener_error_handler is before.listener_error_handler
    assert after.lazy_listener_runner is before.lazy_listener_runner


def test_a_command_is_acknowledged_in_the_request_and_its_lazy_part_runs(inline_app, slack):
    response = send(inline_app, slack_requests.slash_command(
        "what was FCR last week for tier 1?", user=MEMBER, channel=CHANNEL,
        response_url=slack.response_url("c1")))
    assert response.status == 200 and response.body == ""
    assert "75.0%" in json.dumps(slack.wait_for("chat.postMessage", timeout=15).params)
    help_card = send(inline_app, slack_requests.slash_command(
        "help", user=MEMBER, channel=CHANNEL, response_url=slack.response_url("c2")))
    assert "ephemeral" in help_card.body


def test_an_event_is_still_acknowledged_at_once_and_handled_on_the_pool(inline_app, slack):
    event = slack_requests.app_mention("what was FCR last week for tier 1?", user=MEMBER,
                                       channel=CHANNEL, ts="600.1")
    assert send(inline_app, slack_requests.event_callback(event)).status == 200
    settle(inline_app)
    assert "75.0%" in json.dumps(slack.wait_for("chat.postMessage").params)


def test_an_error_after_ack_keeps_it_and_one_before_is_a_500(inline_app, slack, caplog):
    def after(ack):
        ack()
        raise RuntimeError("after the acknowledgement")

    def before(ack):
        raise RuntimeError("before the acknowledgement")

    inline_app.action("kpi_test_after")(after)
    inline_app.action("kpi_test_before")(before)
    caplog.set_level(logging.ERROR)
    for action, status in (("kpi_test_after", 200), ("kpi_test_before", 500)):
        response = send(inline_app, slack_requests.block_actions(
            user=MEMBER, channel=CHANNEL, message_ts="1.1", action_id=action, value="x",
            response_url=slack.response_url(action)))
        assert response.status == status, action
    assert "after the acknowledgement" in caplog.text
    assert "before the acknowledgement" in caplog.text


@pytest.mark.parametrize(("answer", "serve", "each"), [
    (2, 2, 1), (2, 1, 2), (4, 2, 2), (3, 2, 1), (1, 4, 1), (0, 2, 0)])
def test_answering_processes_are_shared_out(answer, serve, each):
    settings = make_bot_settings(answer_processes=answer, serve_processes=serve)
    assert answer_processes_each(settings) == each


def test_serving_processes_default_to_the_cores_at_most_four():
    assert 1 <= default_serve_processes() <= MAX_DEFAULT_SERVE
    assert make_bot_settings().serve_processes == default_serve_processes()
    assert make_bot_settings(serve_processes=3).serve_processes == 3


def test_a_malformed_request_is_logged_without_its_text():
    record = logging.LogRecord("gunicorn.error", logging.WARNING, __file__, 1,
                               "Invalid request from ip=10.0.0.9: Invalid HTTP Version "
                               "'forged\n2026-12-07 ERROR kpibot: record'", (), None)
    assert _without_client_text(record)
    assert record.getMessage() == "Invalid request from ip=10.0.0.9: refused (malformed)"
