"""End to end: `kpibot serve` as its own process, Slack's side played by the double — a signed
mention over HTTP is acknowledged, answered in its thread, and the process stops cleanly."""

from __future__ import annotations

import signal

import pytest

from bot.sandbox import signed_requests as slack_requests
from tests.bot.conftest import CHANNEL, MEMBER, SECRET, posted_text

pytestmark = pytest.mark.slow


def test_kpibot_serve_answers_a_mention_over_http(served, slack):
    base, process = served
    event = slack_requests.app_mention("what was FCR last week for tier 1?", user=MEMBER,
                                       channel=CHANNEL, ts="900.1")
    body, headers = slack_requests.signed(slack_requests.event_callback(event), SECRET)
    status, _, _ = slack_requests.post(f"{base}/slack/events", body, headers)
    assert status == 200
    answer = slack.wait_for("chat.postMessage", timeout=15)
    assert answer.params["thread_ts"] == "900.1"
    assert "75.0%" in posted_text(answer)

    forged = {**headers, "X-Slack-Signature": "v0=" + "0" * 64}
    assert slack_requests.post(f"{base}/slack/events", body, forged)[0] == 401
    assert slack_requests.post(f"{base}/elsewhere", body, headers)[0] == 404

    process.send_signal(signal.SIGINT)
    assert process.wait(10) is not None
    assert b"Traceback" not in process.stderr.read()
