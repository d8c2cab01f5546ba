"""End to end: `kpibot serve` as its own process, Slack's side played by the double — a signed
mention over HTTP is acknowledged, answered in its thread, and the process stops cleanly."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from bot.sandbox import signed_requests as slack_requests
from kpi_engine.storage.database import create_database_engine, migrate
from tests.builders import add_tickets

from .conftest import CHANNEL, MEMBER, SECRET, TICKETS, posted_text

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_healthy(url: str, process: subprocess.Popen, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"kpibot serve exited: {process.stderr.read().decode()}")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("kpibot serve did not come up")


@pytest.fixture
def served(slack, tmp_path: Path):
    database_url = f"sqlite:///{tmp_path / 'kpibot.db'}"
    engine = create_database_engine(database_url)
    migrate(engine)
    add_tickets(engine, *TICKETS)
    engine.dispose()
    port = _free_port()
    env = {**os.environ, "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": SECRET,
           "SLACK_API_URL": slack.api_url, "KPIBOT_DATABASE_URL": database_url,
           "KPIBOT_NOW": "2026-11-22T14:05:00+00:00", "KPIBOT_TZ": "UTC",
           "KPIBOT_ERROR_LOG": str(tmp_path / "errors.log")}
    env.pop("SLACK_APP_TOKEN", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        _wait_until_healthy(f"http://127.0.0.1:{port}/healthz", process)
        yield f"http://127.0.0.1:{port}", process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(10)


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
