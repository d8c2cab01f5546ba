"""Events API payloads shaped like the ones Slack sends: `event_callback(event)` wraps an
event in its envelope (JSON, a fresh `event_id`), and the builders make the events kpibot
listens to — mentions, messages (edited and deleted too), reactions, the assistant panel's
thread, App Home. They fill in the fields Slack fills in, with the double's workspace (team
`T1`, app `A1`, bot user `UBOT`). `signed_requests` re-exports them beside the interactions,
the signing and the delivery; a message as Slack shows it inside a payload is built here
(`user_message`) for both.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from bot.sandbox.slack_double import APP_ID, BOT_USER_ID, TEAM_ID

JSON = "application/json"
VERIFICATION_TOKEN = "legacy-verification-token"


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
    edited_at = now_ts()
    previous = user_message(user, previous_text, ts, thread_ts)
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
    deleted_at = now_ts()
    return {
        "type": "message",
        "subtype": "message_deleted",
        "hidden": True,
        "deleted_ts": deleted_ts,
        "channel": channel,
        "previous_message": user_message(previous_user, previous_text, deleted_ts, thread_ts),
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
        "event_ts": now_ts(),
    }


def app_home_opened(user: str, *, channel: str | None = None, tab: str = "home") -> dict:
    """``app_home_opened`` for ``user`` (``channel`` is their DM with the app)."""
    return {
        "type": "app_home_opened",
        "user": user,
        "channel": channel or f"D{user.lstrip('UW')}",
        "tab": tab,
        "event_ts": now_ts(),
    }


def user_message(
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


def now_ts() -> str:
    return f"{time.time():.6f}"


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
    event["event_ts"] = event_ts or now_ts()
    return event
