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
in :func:`event_callback`; interactions (``slash_command``, ``block_actions``,
``message_shortcut``, ``view_submission``) are ``(body, content_type)`` already.
"""

from __future__ import annotations

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

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
TEAM_DOMAIN = "kpi-test"
VERIFICATION_TOKEN = "legacy-verification-token"

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


# ---------------------------------------------------------------------------- Events API


def event_callback(
    event: dict,
    *,
    team_id: str = TEAM_ID,
    api_app_id: str = APP_ID,
    event_id: str | None = None,
    event_time: int | None = None,
    bot_user_id: str = BOT_USER_ID,
    is_ext_shared_channel: bool = False,
) -> tuple[str, str]:
    """An Events API envelope around ``event`` (JSON), with a fresh ``event_id`` unless given."""
    envelope = {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "context_team_id": team_id,
        "context_enterprise_id": None,
        "api_app_id": api_app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
        "event_time": int(time.time()) if event_time is None else event_time,
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": is_ext_shared_channel,
        "event_context": f"4-{uuid.uuid4().hex}",
    }
    return json.dumps(envelope), JSON


def app_mention(
    text: str,
    *,
    user: str,
    channel: str,
    ts: str,
    thread_ts: str | None = None,
    team: str = TEAM_ID,
    user_team: str | None = None,
    bot_user_id: str = BOT_USER_ID,
) -> dict:
    """An ``app_mention`` event; ``text`` gets the ``<@UBOT> `` prefix unless it mentions the
    bot already. ``user_team`` (a Slack Connect user's home team) adds ``user_team`` and
    ``source_team``."""
    mention = f"<@{bot_user_id}>"
    if not text.startswith(mention):
        text = f"{mention} {text}"
    event = {
        "type": "app_mention",
        "client_msg_id": str(uuid.uuid4()),
        "text": text,
        "user": user,
        "ts": ts,
        "team": team,
        "channel": channel,
        "event_ts": ts,
    }
    if thread_ts is not None:
        event["thread_ts"] = thread_ts
    _add_user_team(event, user_team)
    return event


def message(
    text: str,
    *,
    user: str | None,
    channel: str,
    ts: str,
    channel_type: str = "im",
    thread_ts: str | None = None,
    bot_id: str | None = None,
    subtype: str | None = None,
    user_team: str | None = None,
    team: str = TEAM_ID,
    parent_user_id: str | None = None,
) -> dict:
    """A ``message`` event (a DM by default). With ``bot_id=BOT_ID`` (or ``user=BOT_USER_ID``)
    it is the bot's own message, which Bolt ignores. A reply in a thread carries
    ``parent_user_id``, the author of the thread's first message, as Slack sends it."""
    event: dict[str, Any] = {"type": "message"}
    if subtype is not None:
        event["subtype"] = subtype
    if user is not None:
        event["user"] = user
    if subtype is None and bot_id is None:
        event["client_msg_id"] = str(uuid.uuid4())
    if bot_id is not None:
        event["bot_id"] = bot_id
    event.update(
        {
            "text": text,
            "ts": ts,
            "team": team,
            "channel": channel,
            "event_ts": ts,
            "channel_type": channel_type,
        }
    )
    if thread_ts is not None:
        event["thread_ts"] = thread_ts
        if parent_user_id is not None and thread_ts != ts:
            event["parent_user_id"] = parent_user_id
    _add_user_team(event, user_team)
    return event


def reaction_added(
    *,
    user: str,
    reaction: str,
    channel: str,
    item_ts: str,
    item_user: str | None = None,
    event_ts: str | None = None,
) -> dict:
    """``reaction_added``: `user` added the emoji `reaction` (a name without colons, such as
    ``"white_check_mark"``) to the message `item_ts` of `channel`, which `item_user` wrote
    (left out when None, as for a message without a user)."""
    return _reaction("reaction_added", user, reaction, channel, item_ts, item_user, event_ts)


def reaction_removed(
    *,
    user: str,
    reaction: str,
    channel: str,
    item_ts: str,
    item_user: str | None = None,
    event_ts: str | None = None,
) -> dict:
    """``reaction_removed``: the same fields as :func:`reaction_added`."""
    return _reaction("reaction_removed", user, reaction, channel, item_ts, item_user, event_ts)


def message_changed(
    *,
    channel: str,
    ts: str,
    new_text: str,
    user: str,
    thread_ts: str | None = None,
    channel_type: str = "channel",
    previous_text: str = "",
) -> dict:
    """A ``message`` event of subtype ``message_changed``: `user` edited their message `ts`
    (a reply in the thread `thread_ts` when given) to `new_text`. The event has a ts of its
    own, which is also the ``edited.ts`` of the message; ``previous_message`` holds
    `previous_text`."""
    edited_at = _now_ts()
    previous = _user_message(user, previous_text, ts, thread_ts)
    edited = {**previous, "text": new_text, "edited": {"user": user, "ts": edited_at}}
    return {
        "type": "message",
        "subtype": "message_changed",
        "hidden": True,
        "message": edited,
        "channel": channel,
        "previous_message": previous,
        "event_ts": edited_at,
        "ts": edited_at,
        "channel_type": channel_type,
    }


def message_deleted(
    *,
    channel: str,
    deleted_ts: str,
    thread_ts: str | None = None,
    channel_type: str = "channel",
    previous_user: str | None = None,
    previous_text: str = "",
) -> dict:
    """A ``message`` event of subtype ``message_deleted``: the message `deleted_ts` (a reply in
    the thread `thread_ts` when given) is gone; ``previous_message`` is what it was
    (`previous_user` wrote `previous_text`; no user when None)."""
    deleted_at = _now_ts()
    return {
        "type": "message",
        "subtype": "message_deleted",
        "hidden": True,
        "deleted_ts": deleted_ts,
        "channel": channel,
        "previous_message": _user_message(previous_user, previous_text, deleted_ts, thread_ts),
        "event_ts": deleted_at,
        "ts": deleted_at,
        "channel_type": channel_type,
    }


def assistant_thread_started(
    *,
    user: str,
    channel: str,
    thread_ts: str,
    context_channel_id: str | None = None,
    team_id: str = TEAM_ID,
) -> dict:
    """``assistant_thread_started``: the user opened the assistant pane (``channel`` is the
    DM with the app). ``context_channel_id`` is the channel the user was viewing, if any."""
    context: dict[str, Any] = {}
    if context_channel_id is not None:
        context = {"channel_id": context_channel_id, "team_id": team_id, "enterprise_id": None}
    return {
        "type": "assistant_thread_started",
        "assistant_thread": {
            "user_id": user,
            "context": context,
            "channel_id": channel,
            "thread_ts": thread_ts,
        },
        "event_ts": _now_ts(),
    }


def app_home_opened(user: str, *, channel: str | None = None, tab: str = "home") -> dict:
    """``app_home_opened`` for ``user`` (``channel`` is their DM with the app)."""
    return {
        "type": "app_home_opened",
        "user": user,
        "channel": channel or f"D{user.lstrip('UW')}",
        "tab": tab,
        "event_ts": _now_ts(),
    }


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
    action_ts = _now_ts()
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
        "action_ts": _now_ts(),
        "team": {"id": team_id, "domain": TEAM_DOMAIN},
        "user": {"id": user, "username": user.lower(), "name": user.lower(),
                 "team_id": team_id},
        "channel": {"id": channel, "name": "support-kpis"},
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": callback_id,
        "trigger_id": trigger_id or _trigger_id(),
        "message_ts": message_ts,
        "message": _user_message(message_user, message_text, message_ts, thread_ts,
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


# ---------------------------------------------------------------------------- internals


def _add_user_team(event: dict, user_team: str | None) -> None:
    if user_team is not None:
        event["user_team"] = user_team
        event["source_team"] = user_team


def _reaction(kind, user, reaction, channel, item_ts, item_user, event_ts) -> dict:
    event: dict[str, Any] = {
        "type": kind,
        "user": user,
        "reaction": reaction,
        "item": {"type": "message", "channel": channel, "ts": item_ts},
    }
    if item_user is not None:
        event["item_user"] = item_user
    event["event_ts"] = event_ts or _now_ts()
    return event


def _user_message(
    user: str | None, text: str, ts: str, thread_ts: str | None, *, team: str = TEAM_ID
) -> dict:
    """A message as Slack shows it inside an event or a payload (a person's, or one without
    a user when `user` is None)."""
    message: dict[str, Any] = {"type": "message"}
    if user is not None:
        message["user"] = user
        message["client_msg_id"] = str(uuid.uuid4())
    message.update({"text": text, "ts": ts, "team": team})
    if thread_ts is not None:
        message["thread_ts"] = thread_ts
    return message


def _trigger_id() -> str:
    return f"{next(_sequence)}.{int(time.time())}.{uuid.uuid4().hex[:24]}"


def _now_ts() -> str:
    return f"{time.time():.6f}"
