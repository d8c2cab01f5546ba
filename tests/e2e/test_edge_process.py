"""The HTTP edge of a real `kpibot serve` process (bot/edge.py, in each of its serving
processes): bodies over the size limit are refused while memory stays flat, and nothing a
client sent reaches its log — no body, no forged record."""

from __future__ import annotations

import json
import socket
from urllib.parse import quote

import pytest

from bot.edge import MAX_BODY_BYTES
from bot.sandbox import signed_requests as slack_requests
from tests.bot.conftest import CHANNEL, MEMBER, SECRET
from tests.e2e.processes import rss_kib, wait_serving_ready

pytestmark = pytest.mark.slow


def _rss_kib(pid: int) -> int:
    """The resident memory of the serving processes of `kpibot serve` (pid), together."""
    return sum(rss_kib(child) for child in wait_serving_ready(pid))


def _send_unsigned(base: str, size: int) -> str:
    """POST `size` bytes without a signature, streaming them; the status line."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(f"POST /slack/events HTTP/1.1\r\nHost: {host}\r\n"
                           f"Content-Type: application/json\r\nContent-Length: {size}\r\n"
                           "\r\n".encode())
        chunk = b"x" * 65536
        sent = 0
        try:
            while sent < size:
                connection.sendall(chunk)
                sent += len(chunk)
        except OSError:
            pass  # the server stopped reading and closed: what a limit looks like
        return connection.recv(200).decode(errors="replace").split("\r\n")[0]


def test_kpibot_serve_refuses_large_unsigned_bodies_with_flat_memory(served, slack):
    base, process = served
    before = _rss_kib(process.pid)
    for _ in range(3):
        assert " 413 " in _send_unsigned(base, 50 * 1024 * 1024) + " "
    after = _rss_kib(process.pid)
    assert after - before < 20 * 1024, f"{before} KiB -> {after} KiB"
    # just over the limit, declared: refused too; a request at the limit is read (and is 401)
    assert " 413 " in _send_unsigned(base, MAX_BODY_BYTES + 1) + " "
    assert " 401 " in _send_unsigned(base, 1000) + " "


def test_kpibot_serve_logs_no_body_and_no_forged_lines(served, slack):
    base, process = served
    forged = "x\n2026-12-07 10:00:00,000 ERROR kpibot: forged record"
    body = json.dumps({"type": "event_callback", "event": {"text": forged}})
    slack_requests.post(f"{base}/slack/events", body, {"Content-Type": "application/json"})
    slack_requests.post(f"{base}/slack/events", "payload=" + quote(forged),
                        {"Content-Type": "application/x-www-form-urlencoded",
                         "X-Slack-Request-Timestamp": "not a number",
                         "X-Slack-Signature": "v0=1"})
    event = slack_requests.app_mention(forged, user=MEMBER, channel=CHANNEL, ts="702.1")
    signed_body, headers = slack_requests.signed(slack_requests.event_callback(event), SECRET)
    assert slack_requests.post(f"{base}/slack/events", signed_body, headers)[0] == 200
    slack.wait_for("chat.postMessage", timeout=15)
    process.terminate()
    process.wait(10)
    log = process.stderr.read().decode()
    assert "rejected a request: 401 no numeric X-Slack-Request-Timestamp" in log
    assert "forged record" not in log  # no body, not even the signed question, is logged
    assert not any(line.startswith("2026-12-07 10:00:00,000") for line in log.splitlines())
    assert "Traceback" not in log
