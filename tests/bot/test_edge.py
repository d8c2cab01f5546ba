"""The HTTP edge (bot/edge.py) against hostile requests: malformed and unsigned bodies get
400/401 and never 500, the signature is checked on the raw bytes before anything is parsed, a
body over the limit is 413 before it is read, and nothing a client sent reaches a log line.

In process through the WSGI application; against a real `kpibot serve` process for the size
limit, its memory and its log in tests/e2e/test_edge_process.py."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import logging
import time

import pytest

from bot.edge import wsgi_application
from bot.logs import OneLineFormatter, WithoutRequestBodies, one_line
from bot.sandbox import signed_requests as slack_requests

from .conftest import CHANNEL, MEMBER, SECRET, posted_text

FCR = "what was FCR last week for tier 1?"


def _sign(body: bytes, timestamp: str) -> str:
    digest = hmac.new(SECRET.encode(), b"v0:" + timestamp.encode() + b":" + body,
                      hashlib.sha256).hexdigest()
    return f"v0={digest}"


def _call(application, body: bytes, *, headers: dict | None = None, method: str = "POST",
          path: str = "/slack/events", content_type: str = "application/json",
          length: str | None = None):
    """One request through the WSGI application: (status code, body text)."""
    environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": "",
               "CONTENT_TYPE": content_type,
               "CONTENT_LENGTH": str(len(body)) if length is None else length,
               "wsgi.input": io.BytesIO(body)}
    for name, value in (headers or {}).items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    seen = {}

    def start_response(status, response_headers):
        seen["status"] = int(status.split()[0])

    text = b"".join(application(environ, start_response)).decode()
    return seen["status"], text


def _after_start(slack) -> list:
    """The Slack calls made since the app started (it checks its token with auth.test)."""
    return [call for call in slack.calls() if call.method != "auth.test"]


def _signed_headers(body: bytes, timestamp: int | None = None) -> dict:
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": _sign(body, stamp)}


@pytest.fixture
def application(app):
    return wsgi_application(app, SECRET)


@pytest.mark.parametrize("body, content_type", [
    (b"{not json", "application/json"),
    (b"[]", "application/json"),
    (b"payload=notjson", "application/x-www-form-urlencoded"),
    (b"", "application/json"),
    (b"\xff\xfe\x00garbage", "application/json"),
])
def test_unsigned_malformed_bodies_are_401_never_500(application, slack, body, content_type):
    assert _call(application, body, content_type=content_type)[0] == 401
    assert _call(application, body, content_type=content_type,
                 headers={"X-Slack-Request-Timestamp": "soon",
                          "X-Slack-Signature": "v0=00"})[0] == 401
    assert _after_start(slack) == []


@pytest.mark.parametrize("body, content_type", [
    (b"{not json", "application/json"),
    (b"[]", "application/json"),
    (b'"a string"', "application/json"),
    (b"payload=notjson", "application/x-www-form-urlencoded"),
    (b"payload=%5B1%2C2%5D", "application/x-www-form-urlencoded"),
    (b"hello=world", "application/x-www-form-urlencoded"),
    (b"\xff\xfe\x00garbage", "application/json"),
])
def test_signed_but_malformed_bodies_are_400(application, slack, body, content_type):
    """Someone holding the secret (or Slack on a bad day) still gets a clear 400, not a 500."""
    status, _ = _call(application, body, content_type=content_type,
                      headers=_signed_headers(body))
    assert status == 400
    assert _after_start(slack) == []


@pytest.mark.parametrize("timestamp", ["soon", "", "12e3", "-1", "1" * 40, "１２３"])
def test_a_timestamp_that_is_not_a_number_is_401(application, timestamp):
    body = b'{"type": "event_callback"}'
    headers = {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": _sign(body, "1")}
    assert _call(application, body, headers=headers)[0] == 401


def test_a_signed_mention_passes_the_edge_and_is_answered(application, slack):
    body = slack_requests.event_callback(slack_requests.app_mention(
        FCR, user=MEMBER, channel=CHANNEL, ts="700.1"))[0].encode()
    assert _call(application, body, headers=_signed_headers(body))[0] == 200
    assert "75.0%" in posted_text(slack.wait_for("chat.postMessage"))


def test_the_signature_is_of_the_raw_bytes(application, slack):
    """A body re-encoded after signing (here: the same JSON with other spacing) is refused."""
    event = slack_requests.app_mention(FCR, user=MEMBER, channel=CHANNEL, ts="701.1")
    body = slack_requests.event_callback(event)[0].encode()
    headers = _signed_headers(body)
    respaced = json.dumps(json.loads(body), indent=1).encode()
    assert _call(application, respaced, headers=headers)[0] == 401
    old = int(time.time()) - 6 * 60
    assert _call(application, body, headers=_signed_headers(body, old))[0] == 401
    assert slack.calls("chat.postMessage") == []


def test_a_declared_oversized_body_is_413_before_it_is_read(application):
    class Unreadable(io.RawIOBase):
        def read(self, size=-1):
            raise AssertionError("the body was read")

    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/slack/events",
               "CONTENT_LENGTH": str(50 * 1024 * 1024), "CONTENT_TYPE": "application/json",
               "wsgi.input": Unreadable()}
    statuses = []
    application(environ, lambda status, headers: statuses.append(status))
    assert statuses == ["413 Request Entity Too Large"]


@pytest.mark.parametrize("method, path, status", [
    ("GET", "/slack/events", 405), ("POST", "/elsewhere", 404), ("GET", "/healthz", 200)])
def test_paths_and_methods(application, method, path, status):
    assert _call(application, b"", method=method, path=path)[0] == status


def test_a_bad_content_length_is_400(application):
    assert _call(application, b"{}", length="many")[0] == 400


def test_log_records_stay_on_one_line_and_quote_no_body():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(OneLineFormatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(WithoutRequestBodies())
    logger = logging.getLogger("kpibot.test-edge")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("question %r", "x\n2026-12-07 INFO kpibot: forged\r\x1b[2J")
        logging.getLogger("slack_bolt.App").addHandler(handler)
        logging.getLogger("slack_bolt.App").warning("Unhandled request ({'secret': 'body'})")
        try:
            raise ValueError("line one\nline two")
        except ValueError:
            logger.exception("failed")
    finally:
        logging.getLogger("slack_bolt.App").removeHandler(handler)
        logger.removeHandler(handler)
    lines = stream.getvalue().splitlines()
    starts = [line for line in lines if not line.startswith("    | ")]
    assert len(starts) == 3  # three records, every other line a marked continuation
    assert "forged" in starts[0] and "\\n2026-12-07" in starts[0] and "\\x1b" in starts[0]
    assert "secret" not in stream.getvalue()
    assert one_line("a\tb\nc") == "a\\tb\\nc"


def test_a_slash_command_whose_text_says_payload_is_read_as_the_command(application, slack):
    """Bolt takes a form holding the word "payload" for an interaction (and reads nothing of
    it); the edge reads it as the slash command it is, so the question reaches the reader."""
    body, content_type = slack_requests.slash_command(
        "what was FCR last week for tier 1? payload", user=MEMBER, channel=CHANNEL,
        response_url=slack.response_url("payload-1"))
    status, _ = _call(application, body.encode(), content_type=content_type,
                      headers=_signed_headers(body.encode()))
    assert status == 200
    told = slack.wait_for("chat.postMessage", timeout=15)  # every word read: it asks back
    assert "I don't know 'payload'" in told.params["text"]
