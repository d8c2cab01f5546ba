"""Support conversations in Slack: the messages of support channels become tickets, an
agent's resolve reaction (✅ by default) or the "Resolve" message shortcut solves one and asks
its customer for feedback, an escalate reaction marks it escalated.

Only what an agent does resolves or escalates (KPIBOT_AGENTS; the access middleware lets no one
else reach the reactions and the shortcut); edits, deletions, bots' and
kpibot's own messages, and other channels change nothing. Which channels are support channels
is `deps.support_channels` (re-read from the database every half minute, so a channel added
from the command line is followed soon after).
"""

from __future__ import annotations

import logging

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot.blocks.message import SlackMessage
from bot.blocks.notices import apology_message
from bot.blocks.survey import note
from bot.deps import Deps
from bot.errors import log_internal_error
from bot.posting.survey_posting import SurveyPoster
from bot.slack_time import slack_time
from kpi_engine.desk.conversations import Happened, Role, SupportChannel

logger = logging.getLogger("kpibot.support")

_WRITTEN = (None, "file_share", "thread_broadcast")  # subtypes that are someone writing


class SupportListener:
    def __init__(self, deps: Deps) -> None:
        self.services = deps.support
        self.channels = deps.support_channels
        self.resolve_reactions = deps.settings.resolve_reactions
        self.escalate_reactions = deps.settings.escalate_reactions

    def channel(self, channel_id: str | None) -> SupportChannel | None:
        return self.channels.channel(channel_id)

    # ---------------------------------------------------------------- messages

    def track(self, event: dict, client: WebClient) -> None:
        """Count a message of a support channel: a customer's top-level message opens a
        ticket, a reply in its thread is counted."""
        if event.get("subtype") not in _WRITTEN or event.get("bot_id") or not event.get("user"):
            return
        support = self.channel(event.get("channel"))
        if support is None:
            return
        user, ts, thread_ts = event["user"], event.get("ts"), event.get("thread_ts")
        agents, desk = self.services.agents, self.services.desk
        try:
            agent = agents.is_agent(client, user)
            if thread_ts is None or thread_ts == ts:
                if not agent:  # an agent's own post in the channel is not a ticket
                    desk.open(support, ts, user, slack_time(ts))
                return
            role = Role.AGENT if agent else Role.CUSTOMER
            name = agents.name_of(client, user) if agent else None
            happened = desk.reply(support.channel_id, thread_ts, ts, user, role, slack_time(ts),
                                  agent_name=name)
            opener = event.get("parent_user_id")
            if happened is Happened.NO_TICKET and opener and not agents.is_agent(client, opener):
                # The customer's first message is still on its way (events run concurrently
                # and may arrive in any order): the reply opens the ticket it belongs to.
                desk.open(support, thread_ts, opener, slack_time(thread_ts))
                desk.reply(support.channel_id, thread_ts, ts, user, role, slack_time(ts),
                           agent_name=name)
        except Exception:
            log_internal_error(f"counting message {ts} in {support.channel_id}")

    # ---------------------------------------------------------------- reactions, shortcut

    def on_reaction(self, event: dict, client: WebClient) -> None:
        item = event.get("item") or {}
        reaction = (event.get("reaction") or "").split("::")[0]  # without a skin tone
        if item.get("type") != "message" or self.channel(item.get("channel")) is None:
            return
        if reaction not in self.resolve_reactions | self.escalate_reactions:
            return
        user, agents = event.get("user") or "", self.services.agents  # an agent (middleware)
        try:
            if reaction in self.escalate_reactions:
                self.services.desk.escalate(item["channel"], item["ts"])
                return
            at = slack_time(event.get("event_ts") or item["ts"])
            happened, ticket = self.services.desk.solve(
                item["channel"], item["ts"], at, agent_name=agents.name_of(client, user))
            if happened is Happened.SOLVED:
                SurveyPoster(self.services, client).survey_solved(ticket)
        except Exception:
            log_internal_error(f"reaction {reaction} in {item.get('channel')}")

    @staticmethod
    def on_reaction_removed() -> None:
        """A removed ✅ does not reopen a ticket, nor a removed ⏫ undo an escalation."""

    def on_resolve_shortcut(self, ack: Ack, body: dict, client: WebClient,
                            respond: Respond) -> None:
        ack()
        channel = (body.get("channel") or {}).get("id")
        message = body.get("message") or {}
        user = (body.get("user") or {}).get("id", "")
        if self.channel(channel) is None:
            respond(**_private(note("This channel is not a support channel, so there is "
                                    "nothing to resolve here.")))
            return
        agents = self.services.agents  # who may resolve: agents only, by the access middleware
        try:
            happened, ticket = self.services.desk.solve(
                channel, message.get("ts", ""), self.services.engine.now(),
                agent_name=agents.name_of(client, user))
            if happened is Happened.SOLVED:
                survey = SurveyPoster(self.services, client).survey_solved(ticket)
                asked = " The customer was asked for feedback in the thread." if survey else ""
                respond(**_private(note("Resolved." + asked)))
            elif ticket is not None:
                respond(**_private(note("This conversation is resolved already.")))
            else:
                respond(**_private(note("This message is not part of a support conversation "
                                        "kpibot follows.")))
        except Exception:
            respond(**_private(apology_message(log_internal_error("the resolve shortcut"))))


def _ephemeral(message: SlackMessage) -> dict:
    """A private answer, as an acknowledgement carries it."""
    return {"text": message.text, "blocks": list(message.blocks), "response_type": "ephemeral"}


def _private(message: SlackMessage) -> dict:
    """A private answer through the response URL, leaving the original message be."""
    return _ephemeral(message) | {"replace_original": False}
