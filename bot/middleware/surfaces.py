"""Every kind of request kpibot takes, as a `Surface`: who may reach it (its `Audience`) and how
someone who may not is told (`Reply`). `surface_of(body)` classifies a request from its payload
alone, before any listener runs, and `asker_of(body, workspace)` says who sent it.

The rule is closed by default: a request this module does not name (a new listener, an event
type nobody thought of) is for members of the workspace, and anyone else is refused without a
word. Only three kinds of request are open to others, each with its own check further on:
- the messages of support channels, which are counted whoever writes them (customers are often
  guests or people of another organisation in a shared channel);
- a survey's buttons and comment form, which the survey store answers for the ticket's
  customer only;
- resolving and escalating a support conversation, which is for the agents of KPIBOT_AGENTS.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from bot.asking.access import Asker
from bot.blocks import ids


class Audience(Enum):
    """Who may reach a surface."""

    MEMBERS = "members"  # the workspace's own people (and the configured allow-lists)
    AGENTS = "agents"  # KPIBOT_AGENTS: resolving and escalating support conversations
    CUSTOMERS = "customers"  # anyone; the survey store accepts the ticket's customer only
    SUPPORT_TRAFFIC = "support traffic"  # anyone: messages of support channels, counted


class Reply(Enum):
    """How a refused request is told."""

    THREAD = "thread"  # a message in the thread the request came from
    AS_ACKNOWLEDGEMENT = "acknowledgement"  # the slash command's own answer, privately
    PRIVATELY = "privately"  # the interaction's response URL (or an ephemeral message)
    IN_MODAL = "modal"  # the submitted modal turns into the refusal
    HOME = "home"  # the App Home tab shows the refusal instead of its content
    NOT_AT_ALL = "not at all"  # unaddressed traffic: say nothing


@dataclass(frozen=True)
class Surface:
    name: str
    audience: Audience
    reply: Reply
    channel: str | None = None  # where a THREAD reply goes
    thread_ts: str | None = None  # its thread; None = the channel's main line (a DM)


def surface_of(body: dict, is_support_channel: Callable[[str | None], bool]) -> Surface:
    """The surface a request is for. `is_support_channel(channel_id)` says whether messages
    there are support conversations."""
    match body.get("type"):
        case "event_callback":
            return _event_surface(body.get("event") or {}, is_support_channel)
        case "block_actions":
            action = ((body.get("actions") or [{}])[0] or {}).get("action_id") or ""
            if action.startswith(ids.SURVEY_ACTION_PREFIX):
                return Surface("survey button", Audience.CUSTOMERS, Reply.PRIVATELY)
            return Surface(f"button {action}", Audience.MEMBERS, Reply.PRIVATELY)
        case "view_submission" | "view_closed":
            callback = (body.get("view") or {}).get("callback_id") or ""
            if callback == ids.SURVEY_COMMENT_MODAL:
                return Surface("survey comment", Audience.CUSTOMERS, Reply.IN_MODAL)
            return Surface(f"modal {callback}", Audience.MEMBERS, Reply.IN_MODAL)
        case "message_action" | "shortcut":
            callback = body.get("callback_id") or ""
            if callback == ids.RESOLVE_SHORTCUT:
                return Surface("resolve shortcut", Audience.AGENTS, Reply.PRIVATELY)
            return Surface(f"shortcut {callback}", Audience.MEMBERS, Reply.PRIVATELY)
    if body.get("command"):
        return Surface(f"command {body['command']}", Audience.MEMBERS, Reply.AS_ACKNOWLEDGEMENT)
    return Surface("unknown request", Audience.MEMBERS, Reply.NOT_AT_ALL)


def _event_surface(event: dict, is_support_channel: Callable[[str | None], bool]) -> Surface:
    kind = event.get("type")
    channel = event.get("channel")
    match kind:
        case "app_mention":
            return Surface("mention", Audience.MEMBERS, Reply.THREAD, channel,
                           event.get("thread_ts") or event.get("ts"))
        case "message":
            if event.get("channel_type") == "im":
                # the DM's main line, or a thread of it (the assistant panel)
                return Surface("direct message", Audience.MEMBERS, Reply.THREAD, channel,
                               event.get("thread_ts"))
            if is_support_channel(channel):
                return Surface("support channel message", Audience.SUPPORT_TRAFFIC,
                               Reply.NOT_AT_ALL)
            return Surface("channel message", Audience.MEMBERS, Reply.NOT_AT_ALL)
        case "reaction_added" | "reaction_removed":
            return Surface(f"reaction ({kind})", Audience.AGENTS, Reply.NOT_AT_ALL)
        case "app_home_opened":
            return Surface("App Home", Audience.MEMBERS, Reply.HOME)
        case "assistant_thread_started":
            thread = event.get("assistant_thread") or {}
            return Surface("assistant thread", Audience.MEMBERS, Reply.THREAD,
                           thread.get("channel_id"), thread.get("thread_ts"))
    return Surface(f"event {kind}", Audience.MEMBERS, Reply.NOT_AT_ALL)


def asker_of(body: dict, workspace_id: str | None) -> Asker:
    """Who sent the request and from where, as its payload tells it."""
    if body.get("type") == "event_callback":
        event = body.get("event") or {}
        thread = event.get("assistant_thread") or {}
        item = event.get("item") or {}
        channel = event.get("channel") or item.get("channel") or thread.get("channel_id") or ""
        return Asker(
            user_id=event.get("user") or thread.get("user_id") or "",
            workspace_id=workspace_id,
            user_team_id=event.get("user_team") or event.get("source_team"),
            channel_id=channel,
            direct=event.get("channel_type") == "im" or event.get("type") in (
                "app_home_opened", "assistant_thread_started"),
            is_bot=event.get("bot_id") is not None or event.get("subtype") == "bot_message",
        )
    if body.get("command"):
        channel = body.get("channel_id") or ""
        return Asker(user_id=body.get("user_id") or "", workspace_id=workspace_id,
                     channel_id=channel,
                     direct=body.get("channel_name") == "directmessage" or channel.startswith("D"))
    user = body.get("user") or {}
    channel = ((body.get("channel") or {}).get("id")
               or (body.get("container") or {}).get("channel_id") or "")
    return Asker(
        user_id=user.get("id") or "",
        workspace_id=workspace_id,
        user_team_id=user.get("team_id"),
        channel_id=channel,
        # a modal and a DM have no channel to allow or not
        direct=body.get("type") in ("view_submission", "view_closed") or channel.startswith("D"),
    )
