"""Access in one place: a Bolt middleware that decides, before any listener runs, whether the
person behind a request may reach its surface (surfaces.py), and tells a refused person so
politely — with no figure and no digest name — in the way the surface allows.

Members of the workspace reach every asking and managing surface (mentions, DMs, `/kpi` and its
subcommands, the assistant panel, App Home, every button and modal), subject to the allow-lists
of `AccessPolicy`. Agents resolve and escalate. Survey buttons and support-channel messages pass
to their own checks. A refused request is acknowledged and goes no further: the listener, its
lazy part and anything it would have computed never run. Which figures a member may see (agent
detail for leads only) depends on the question, and is checked where the question is read.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from concurrent.futures import Executor

from slack_bolt import BoltContext, BoltResponse
from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from bot.asking.access import AccessPolicy, AccessRefusal, Asker
from bot.asking.agents import AgentDirectory
from bot.blocks.message import SlackMessage
from bot.blocks.notices import (
    access_refusal,
    not_an_agent,
    refused_home_view,
    refused_modal_view,
)
from bot.errors import log_internal_error
from bot.middleware.surfaces import Audience, Reply, Surface, asker_of, surface_of

logger = logging.getLogger("kpibot.slack")

NOT_AN_AGENT = "Only support agents can resolve or escalate conversations."


class AccessGate:
    """The middleware: `app.middleware(AccessGate(...))` ahead of every listener."""

    def __init__(self, policy: AccessPolicy, agents: AgentDirectory,
                 is_support_channel: Callable[[str | None], bool], tell_in: Executor) -> None:
        self.policy = policy
        self.agents = agents
        self.is_support_channel = is_support_channel
        self.tell_in = tell_in  # refusals are sent beside the acknowledgement, not before it

    def __call__(self, body: dict, context: BoltContext, client: WebClient,
                 next: Callable[[], BoltResponse]) -> BoltResponse:
        surface = surface_of(body, self.is_support_channel)
        asker = asker_of(body, context.team_id)
        message = self.refusal(surface, asker, client)
        if message is None:
            return next()
        logger.info("refused %s to %s", surface.name, asker.user_id or "someone unnamed")
        return self.refuse(surface, body, client, message)

    def refusal(self, surface: Surface, asker: Asker, client: WebClient) -> SlackMessage | None:
        """None when `asker` may reach `surface`; otherwise what they are told."""
        match surface.audience:
            case Audience.CUSTOMERS | Audience.SUPPORT_TRAFFIC:
                return None
            case Audience.AGENTS:
                if asker.user_id and not asker.is_bot and self.agents.is_agent(client,
                                                                              asker.user_id):
                    return None
                return not_an_agent(NOT_AN_AGENT)
            case Audience.MEMBERS:
                reason = self._refusal_for_member(client, asker)
                return None if reason is None else access_refusal(reason)

    def _refusal_for_member(self, client: WebClient, asker: Asker) -> AccessRefusal | None:
        if not asker.user_id and not asker.is_bot:
            return AccessRefusal.EXTERNAL  # nobody we can name
        return self.policy.refusal_for(client, asker)

    def refuse(self, surface: Surface, body: dict, client: WebClient,
               message: SlackMessage) -> BoltResponse:
        """The response that acknowledges a refused request, and the refusal told as the
        surface allows."""
        match surface.reply:
            case Reply.AS_ACKNOWLEDGEMENT:
                return _json_response({"response_type": "ephemeral", "text": message.text,
                                       "blocks": list(message.blocks)})
            case Reply.IN_MODAL:
                if body.get("type") == "view_closed":
                    return BoltResponse(status=200, body="")
                return _json_response({"response_action": "update",
                                       "view": refused_modal_view(message)})
            case Reply.NOT_AT_ALL:
                return BoltResponse(status=200, body="")
        self.tell_in.submit(self._tell, surface, body, client, message)
        return BoltResponse(status=200, body="")

    @staticmethod
    def _tell(surface: Surface, body: dict, client: WebClient, message: SlackMessage) -> None:
        try:
            match surface.reply:
                case Reply.THREAD:
                    client.chat_postMessage(channel=surface.channel, thread_ts=surface.thread_ts,
                                            text=message.text, blocks=list(message.blocks))
                case Reply.HOME:
                    user = (body.get("event") or {}).get("user")
                    client.views_publish(user_id=user, view=refused_home_view(message))
                case Reply.PRIVATELY:
                    _tell_privately(body, client, message)
        except Exception:  # nothing may escape after the acknowledgement
            log_internal_error(f"telling a refusal on the {surface.name}")


def _tell_privately(body: dict, client: WebClient, message: SlackMessage) -> None:
    blocks = list(message.blocks)
    if body.get("response_url"):
        WebhookClient(body["response_url"]).send(
            text=message.text, blocks=blocks, response_type="ephemeral", replace_original=False)
        return
    user = (body.get("user") or {}).get("id")
    channel = ((body.get("channel") or {}).get("id")
               or (body.get("container") or {}).get("channel_id"))
    if user and channel:
        client.chat_postEphemeral(channel=channel, user=user, text=message.text, blocks=blocks)


def _json_response(payload: dict) -> BoltResponse:
    return BoltResponse(status=200, body=json.dumps(payload),
                        headers={"content-type": "application/json;charset=utf-8"})
