"""The HTTP edge: what a request to `kpibot serve` must pass before Bolt dispatches it.

In order, each answered without reading further:
1. the path — `/slack/events` (POST only) and `/healthz`; anything else 404 (405 for a GET);
2. the size — a declared body over `MAX_BODY_BYTES` is 413 before it is read; a chunked one
   (no Content-Length) is read up to the limit and no further, then 413 if there is more.
   Either way the connection is closed, so the server does not read the rest;
3. Slack's signature — `X-Slack-Request-Timestamp` must be a number within five minutes of now
   and `X-Slack-Signature` the HMAC-SHA256 of `v0:<timestamp>:<raw body>` under the signing
   secret; otherwise 401. The raw bytes are checked, before any decoding;
4. the shape — a signed body that is not UTF-8, not a JSON object, or not a form Slack sends
   (`payload=` holding a JSON object, or a slash command's fields) is 400. The body is parsed
   once, as Bolt parses it (`BoltRequest`), and its shape checked on what Bolt read: a click's
   payload is a few kilobytes of URL-escaped JSON, and unescaping it twice cost a burst of
   clicks a sixth of its time. (A slash command whose text holds the word "payload", which
   Bolt mistakes for an interaction, is read as the form it is.)

Only then does Bolt dispatch the request. Nothing here logs a body, a header's value or any
text a client chose: a rejection is logged as its status and reason only.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from collections.abc import Callable, Iterable
from http import HTTPStatus
from urllib.parse import parse_qsl

from slack_bolt import App, BoltContext, BoltRequest
from slack_bolt.request.internals import build_context

logger = logging.getLogger("kpibot.edge")

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
MAX_BODY_BYTES = 1024 * 1024  # Slack's own payloads are a few kilobytes; 1 MiB is generous
MAX_AGE_SECONDS = 5 * 60  # Slack's replay window
_SIGNATURE_PREFIX = "v0="


class Rejected(Exception):
    """A request turned away at the edge: its status and a reason safe to log."""

    def __init__(self, status: HTTPStatus, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def checked_request(environ: dict, signing_secret: str, *,
                    clock: Callable[[], float] = time.time) -> BoltRequest:
    """The Bolt request of a Slack request that passed steps 2–4; `Rejected` otherwise."""
    text = checked_body(environ, signing_secret, clock=clock)
    try:
        request = BoltRequest(body=text, query=environ.get("QUERY_STRING", ""),
                              headers=_headers(environ))
    except ValueError:  # json.loads: the body, or a form's payload, is not JSON
        raise Rejected(HTTPStatus.BAD_REQUEST, "body is not valid JSON") from None
    except (AttributeError, TypeError):  # valid JSON that is not an object: Bolt reads keys
        raise Rejected(HTTPStatus.BAD_REQUEST, "JSON is not an object") from None
    if not request.body and "payload" in text and not text.startswith("{"):
        request = _as_form(text, request)
    _check_shape(text, request)
    return request


class _FormRequest(BoltRequest):
    """A request whose body was read as the form it is, in Bolt's copies of it too (a copy
    reads the raw body again)."""

    def to_copyable(self) -> BoltRequest:
        copy = super().to_copyable()
        copy.__class__ = _FormRequest
        copy.body = dict(self.body)
        copy.context = build_context(copy.context, copy.body)
        return copy


def _as_form(text: str, request: BoltRequest) -> BoltRequest:
    """Bolt takes any form holding the word "payload" for an interaction and, finding no
    `payload` field, reads nothing: a slash command whose text says "payload" would be lost.
    Such a form is read as the form it is (the raw body, whose signature Bolt checks again,
    stays as signed); anything else is left as Bolt read it."""
    form = dict(parse_qsl(text, keep_blank_values=True))
    if "payload" in form or not form.get("command"):
        return request
    request.__class__ = _FormRequest
    request.body = form
    request.context = build_context(BoltContext({}), form)
    return request


def checked_body(environ: dict, signing_secret: str, *,
                 clock: Callable[[], float] = time.time) -> str:
    """The body of a Slack request that passed steps 2 and 3 and is UTF-8, as text; `Rejected`
    otherwise."""
    length = _declared_length(environ)
    if length > MAX_BODY_BYTES:
        raise Rejected(HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                       f"body of {length:,} bytes, over {MAX_BODY_BYTES:,}")
    if length:
        raw = environ["wsgi.input"].read(length)
    elif "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
        raw = environ["wsgi.input"].read(MAX_BODY_BYTES + 1)
        if len(raw) > MAX_BODY_BYTES:
            raise Rejected(HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                           f"chunked body over {MAX_BODY_BYTES:,} bytes")
    else:
        raw = b""
    _check_signature(raw, environ, signing_secret, clock())
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Rejected(HTTPStatus.BAD_REQUEST, "body is not UTF-8") from None
    return text


def _declared_length(environ: dict) -> int:
    declared = environ.get("CONTENT_LENGTH") or "0"
    if not declared.isdigit() or len(declared) > 12:
        raise Rejected(HTTPStatus.BAD_REQUEST, "Content-Length is not a number")
    return int(declared)


def _check_signature(raw: bytes, environ: dict, secret: str, now: float) -> None:
    timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", "")
    signature = environ.get("HTTP_X_SLACK_SIGNATURE", "")
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        raise Rejected(HTTPStatus.UNAUTHORIZED, "no numeric X-Slack-Request-Timestamp")
    if abs(now - int(timestamp)) > MAX_AGE_SECONDS:
        raise Rejected(HTTPStatus.UNAUTHORIZED, "timestamp outside the five-minute window")
    if not signature.startswith(_SIGNATURE_PREFIX) or not signature.isascii():
        raise Rejected(HTTPStatus.UNAUTHORIZED, "no v0 signature")
    expected = hmac.new(secret.encode(), b"v0:" + timestamp.encode() + b":" + raw,
                        hashlib.sha256).hexdigest()
    if not hmac.compare_digest(_SIGNATURE_PREFIX + expected, signature):
        raise Rejected(HTTPStatus.UNAUTHORIZED, "signature does not match")


def _check_shape(text: str, request: BoltRequest) -> None:
    """What Bolt read is a JSON object (an event, or an interaction's `payload`), or the form
    of a slash command. Bolt reads a body as JSON when its content type says so or it starts
    with `{`, as an interaction when it holds the word "payload", as a form otherwise."""
    if not text:
        raise Rejected(HTTPStatus.BAD_REQUEST, "empty body")
    if not isinstance(request.body, dict):
        raise Rejected(HTTPStatus.BAD_REQUEST, "JSON is not an object")
    if request.content_type == "application/json" or text.startswith("{"):
        return
    if "payload" in text and not request.body.get("command"):
        if not request.body:  # a form without a payload field, or a payload of {}
            raise Rejected(HTTPStatus.BAD_REQUEST, "no payload Slack sends")
        return
    if not (request.body.get("command") or request.body.get("ssl_check")):
        raise Rejected(HTTPStatus.BAD_REQUEST, "not a form Slack sends")


def wsgi_application(app: App, signing_secret: str, *,
                     clock: Callable[[], float] = time.time) -> Callable:
    """The WSGI application of `kpibot serve`: the edge in front of Bolt."""

    def application(environ: dict, start_response: Callable) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "")
        if path == HEALTH_PATH:
            return _plain(start_response, HTTPStatus.OK, "ok")
        if path != EVENTS_PATH:
            return _plain(start_response, HTTPStatus.NOT_FOUND,
                          f"kpibot listens on {EVENTS_PATH}")
        if method != "POST":
            return _plain(start_response, HTTPStatus.METHOD_NOT_ALLOWED, "POST only",
                          [("Allow", "POST")])
        try:
            request = checked_request(environ, signing_secret, clock=clock)
        except Rejected as rejected:
            logger.info("rejected a request: %d %s", rejected.status, rejected.reason)
            close = [("Connection", "close")] \
                if rejected.status is HTTPStatus.REQUEST_ENTITY_TOO_LARGE else []
            return _plain(start_response, rejected.status, rejected.status.phrase, close)
        response = app.dispatch(request)
        headers = [(name, value) for name, values in response.headers.items()
                   for value in values]
        status = HTTPStatus(response.status)
        start_response(f"{status.value} {status.phrase}", headers)
        return [(response.body or "").encode("utf-8")]

    return application


def _headers(environ: dict) -> dict[str, str]:
    """The request headers as Bolt reads them (lower case, dashes)."""
    headers = {name[5:].replace("_", "-").lower(): value
               for name, value in environ.items() if name.startswith("HTTP_")}
    for name in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(name):
            headers[name.replace("_", "-").lower()] = environ[name]
    return headers


def _plain(start_response: Callable, status: HTTPStatus, text: str,
           extra: list[tuple[str, str]] | None = None) -> list[bytes]:
    start_response(f"{status.value} {status.phrase}",
                   [("Content-Type", "text/plain; charset=utf-8"), *(extra or [])])
    return [f"{text}\n".encode()]
