"""Signed requests into the app, shaped like the ones Slack sends.

Payload builders return ``(body, content_type)``; :func:`signed_headers` signs a body the way
Slack does (``v0=HMAC-SHA256(secret, "v0:<timestamp>:<body>")``). Deliver the request either
over HTTP with :func:`post` or in process with :func:`bolt_request` and ``app.dispatch``::

    from bot.sandbox import signed_requests as slack_requests

    event = slack_requests.app_mention("what was CSAT last week?",
                                       user="U1", channel="C1", ts="1700000001.000100")
    body, content_type = slack_requests.event_callback(event)
    headers = slack_requests.signed_headers(body, SIGNING_SECRET, content_type=content_type)

    # in process: Bolt's own signature check, authorization and listeners all run
    response = app.dispatch(slack_requests.bolt_request(body, headers))
    assert response.status == 200

    # or over HTTP, against the app served by its adapter
    status, response_headers, text = slack_requests.post(app_url, body, headers)

    # a slash command whose response_url points at the SlackDouble
    body, content_type = slack_requests.slash_command(
        "csat last week", user="U1", channel="C1", response_url=double.response_url("cmd1"))

    # a message shortcut on a customer's message in a support thread
    body, content_type = slack_requests.message_shortcut(
        user="U1", channel="C1", message_ts="1700000001.000100", callback_id="kpi_resolve",
        message_user="U9", response_url=double.response_url("sc1"))

The builders fill in the fields Slack fills in, with test
defaults (team ``T1``, app ``A1``, bot user ``UBOT``), so that Bolt's middleware (request
verification, single-team authorization, ignoring its own events) treats them as real. Events
(``app_mention``, ``message``, ``reaction_added``, ``message_changed``, ...) are dicts to wrap
in :func:`event_callback` (their builders are in ``slack_events.py``, re-exported here);
interactions (``slash_command``, ``block_actions``, ``message_shortcut``, ``view_submission``)
are ``(body, content_type)`` already.
"""

from __future__ import annotations

import io
import itertools
import json
import time
import urllib.error
import urllib.request
import uuid
from typing import Any
from urllib.parse import urlencode

from slack_bolt import BoltRequest
from slack_sdk.signature import SignatureVerifier

from bot.sandbox.slack_double import APP_ID, BOT_ID, BOT_USER_ID, TEAM_ID
from bot.sandbox.slack_events import (  # noqa: F401 (the Events API builders, re-exported)
    JSON,
    VERIFICATION_TOKEN,
    app_home_opened,
    app_mention,
    assistant_thread_started,
    event_callback,
    message,
    message_changed,
    message_deleted,
    now_ts,
    reaction_added,
    reaction_removed,
    user_message,
)

FORM = "application/x-www-form-urlencoded"
TEAM_DOMAIN = "kpi-test"

_sequence = itertools.count(1)


# ---------------------------------------------------------------------------- signing


def signed_headers(
    body: str,
    secret: str,
    timestamp: int | None = None,
    content_type: str = JSON,
    *,
    retry_num: int | None = None,
    retry_reason: str = "http_timeout",
) -> dict[str, str]:
    """The headers Slack sends with ``body``: timestamp (now unless given), signature and
    content type. ``retry_num`` adds ``X-Slack-Retry-Num``/``-Reason``, as on Slack's
    redeliveries of an event it did not get a timely 200 for."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    signature = SignatureVerifier(secret).generate_signature(timestamp=str(timestamp), body=body)
    headers = {
        "X-Slack-Request-Timestamp": str(timestamp),
        "X-Slack-Signature": signature,
        "Content-Type": content_type,
    }
    if retry_num is not None:
        headers["X-Slack-Retry-Num"] = str(retry_num)
        headers["X-Slack-Retry-Reason"] = retry_reason
    return headers


def signed(payload: tuple[str, str], secret: str, timestamp: int | None = None):
    """``(body, headers)`` for a builder's ``(body, content_type)``: ``signed(slash_command(...),
    SECRET)``."""
    body, content_type = payload
    return body, signed_headers(body, secret, timestamp, content_type)


# ---------------------------------------------------------------------------- interactivity


def slash_command(
    text: str,
    *,
    user: str,
    channel: str,
    command: str = "/kpi",
    response_url: str,
    team_id: str = TEAM_ID,
    trigger_id: str | None = None,
    user_name: str | None = None,
    channel_name: str = "support-kpis",
    api_app_id: str = APP_ID,
) -> tuple[str, str]:
    """A slash command invocation, form-encoded with the fields Slack sends."""
    fields = {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "team_domain": TEAM_DOMAIN,
        "channel_id": channel,
        "channel_name": channel_name,
        "user_id": user,
        "user_name": user_name or user.lower(),
        "command": command,
        "text": text,
        "api_app_id": api_app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id or _trigger_id(),
    }
    return urlencode(fields), FORM


def block_actions(
    *,
    user: str,
    channel: str,
    message_ts: str,
    action_id: str,
    value: str,
    block_id: str = "actions",
    thread_ts: str | None = None,
    message_text: str = "",
    response_url: str | None = None,
    team_id: str = TEAM_ID,
    user_team: str | None = None,
    trigger_id: str | None = None,
    message_blocks: list | None = None,
) -> tuple[str, str]:
    """A button click on a bot message: form field ``payload=`` holding the JSON Slack sends.
    ``message_blocks`` are the blocks of the clicked message (``message.blocks``), as the bot
    posted them."""
    bot_message: dict[str, Any] = {
        "type": "message",
        "user": BOT_USER_ID,
        "bot_id": BOT_ID,
        "app_id": APP_ID,
        "team": TEAM_ID,
        "text": message_text,
        "ts": message_ts,
    }
    if message_blocks is not None:
        bot_message["blocks"] = message_blocks
    if thread_ts is not None:
        bot_message["thread_ts"] = thread_ts
    action_ts = now_ts()
    payload = {
        "type": "block_actions",
        "user": {
            "id": user,
            "username": user.lower(),
            "name": user.lower(),
            "team_id": user_team or team_id,
        },
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "container": {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel,
            "is_ephemeral": False,
            **({"thread_ts": thread_ts} if thread_ts is not None else {}),
        },
        "trigger_id": trigger_id or _trigger_id(),
        "team": {"id": team_id, "domain": TEAM_DOMAIN},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel, "name": "support-kpis"},
        "message": bot_message,
        "state": {"values": {}},
        "actions": [
            {
                "action_id": action_id,
                "block_id": block_id,
                "text": {"type": "plain_text", "text": value, "emoji": True},
                "value": value,
                "type": "button",
                "action_ts": action_ts,
            }
        ],
    }
    if response_url is not None:
        payload["response_url"] = response_url
    return urlencode({"payload": json.dumps(payload)}), FORM


def message_shortcut(
    *,
    user: str,
    channel: str,
    message_ts: str,
    callback_id: str,
    thread_ts: str | None = None,
    message_user: str | None = None,
    message_text: str = "",
    response_url: str | None = None,
    trigger_id: str | None = None,
    team_id: str = TEAM_ID,
) -> tuple[str, str]:
    """A message shortcut (``message_action``): `user` chose the shortcut `callback_id` in the
    menu of the message `message_ts` of `channel` (a reply in the thread `thread_ts` when
    given), which `message_user` wrote (no ``user`` when None, as for a bot's message). Form
    field ``payload=`` holding the JSON Slack sends; pass ``response_url`` (Slack always sends
    one; ``double.response_url(...)``) for ``respond()`` to work."""
    payload: dict[str, Any] = {
        "type": "message_action",
        "token": VERIFICATION_TOKEN,
        "action_ts": now_ts(),
        "team": {"id": team_id, "domain": TEAM_DOMAIN},
        "user": {"id": user, "username": user.lower(), "name": user.lower(),
                 "team_id": team_id},
        "channel": {"id": channel, "name": "support-kpis"},
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": callback_id,
        "trigger_id": trigger_id or _trigger_id(),
        "message_ts": message_ts,
        "message": user_message(message_user, message_text, message_ts, thread_ts,
                                 team=team_id),
    }
    if response_url is not None:
        payload["response_url"] = response_url
    return urlencode({"payload": json.dumps(payload)}), FORM


def view_submission(
    *,
    user: str,
    callback_id: str,
    values: dict,
    private_metadata: str = "",
    view_id: str = "V0001",
    team_id: str = TEAM_ID,
    user_team: str | None = None,
) -> tuple[str, str]:
    """A modal's submission: ``values`` is ``view.state.values`` as Slack sends it
    (``{block_id: {action_id: element state}}``)."""
    payload = {
        "type": "view_submission",
        "team": {"id": team_id, "domain": TEAM_DOMAIN},
        "user": {"id": user, "username": user.lower(), "name": user.lower(),
                 "team_id": user_team or team_id},
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": _trigger_id(),
        "view": {
            "id": view_id, "team_id": team_id, "type": "modal", "blocks": [],
            "private_metadata": private_metadata, "callback_id": callback_id,
            "state": {"values": values}, "hash": uuid.uuid4().hex[:16],
            "title": {"type": "plain_text", "text": "kpibot"}, "app_id": APP_ID,
            "bot_id": BOT_ID, "root_view_id": view_id, "previous_view_id": None,
        },
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }
    return urlencode({"payload": json.dumps(payload)}), FORM


# ---------------------------------------------------------------------------- delivery


def post(
    url: str, body: str, headers: dict[str, str], timeout: float = 5
) -> tuple[int, dict[str, str], str]:
    """POST ``body`` to ``url``; returns ``(status, headers, text)``, 4xx/5xx included."""
    request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers.items()), response.read().decode()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, dict(error.headers.items()), error.read().decode()


def bolt_request(body: str, headers: dict[str, str]) -> BoltRequest:
    """A ``BoltRequest`` for ``app.dispatch(...)``, exactly as Bolt's HTTP adapters build it."""
    return BoltRequest(body=body, headers=headers)


def edge_request(body: str, headers: dict[str, str], secret: str) -> BoltRequest:
    """The ``BoltRequest`` that `kpibot serve`'s edge (bot/edge.py) makes of a signed request:
    signature, size and shape checked, a slash command that says "payload" read as one."""
    from bot.edge import EVENTS_PATH, checked_request

    raw = body.encode()
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": EVENTS_PATH,
               "CONTENT_TYPE": headers.get("Content-Type", JSON),
               "CONTENT_LENGTH": str(len(raw)), "wsgi.input": io.BytesIO(raw)}
    environ.update({"HTTP_" + name.upper().replace("-", "_"): value
                    for name, value in headers.items() if name != "Content-Type"})
    return checked_request(environ, secret)


# ---------------------------------------------------------------------------- internals


def _trigger_id() -> str:
    return f"{next(_sequence)}.{int(time.time())}.{uuid.uuid4().hex[:24]}"
