"""Support conversations in Slack: the messages of support channels become tickets, an
agent's resolve reaction (✅ by default) or the "Resolve" message shortcut solves one and asks
its customer for feedback, an escalate reaction marks it escalated; `/kpi support-channel
add|remove|list` says which channels are support channels.

Only what an agent does resolves or escalates (KPIBOT_AGENTS; the access middleware lets no one
else reach the reactions and the shortcut); edits, deletions, bots' and
kpibot's own messages, and other channels change nothing. The channels are re-read from the
database every half minute, so a channel added from the command line is followed soon after.
"""

from __future__ import annotations

import logging

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.access import TimedCache
from bot.blocks import ids
from bot.blocks.kit import escape
from bot.blocks.message import SlackMessage
from bot.blocks.notices import apology_message
from bot.blocks.survey import mrkdwn_note, note
from bot.errors import log_internal_error
from bot.services import SupportServices
from bot.slack_time import slack_time
from bot.survey_posting import SurveyPoster
from kpi_engine.desk.conversations import Happened, Role, SupportChannel
from kpi_engine.desk.ids import channel_id as slack_channel_id

logger = logging.getLogger("kpibot.support")

COMMAND_WORD = "support-channel"
CHANNELS_SECONDS = 30.0
_WRITTEN = (None, "file_share", "thread_broadcast")  # subtypes that are someone writing
SUPPORT_HELP = ("`/kpi support-channel add [#channel] [team=NAME] [tier=N]` — this channel (or "
                "the one named) holds support conversations\n"
                "`/kpi support-channel remove [#channel]` · `/kpi support-channel list`")


class SupportListener:
    def __init__(self, services: SupportServices) -> None:
        self.services = services
        self._channels = TimedCache(CHANNELS_SECONDS)
        settings = services.settings
        self.resolve_reactions = {name.strip().strip(":") for name in
                                  settings.resolve_reaction.split(",") if name.strip()}
        self.escalate_reactions = {name.strip().strip(":") for name in
                                   settings.escalate_reaction.split(",") if name.strip()}

    def channel(self, channel_id: str | None) -> SupportChannel | None:
        channels = self._channels.get("all", lambda: {
            channel.channel_id: channel for channel in self.services.channels.all()})
        return channels.get(channel_id or "")

    def forget_channels(self) -> None:
        self._channels = TimedCache(CHANNELS_SECONDS)

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

    # ---------------------------------------------------------------- /kpi support-channel

    def acknowledge(self, words: list[str], command: dict, ack: Ack) -> None:
        """`/kpi support-channel add|remove|list …`, answered in the acknowledgement."""
        action = words[0].lower() if words else "list"
        options = words[1:]
        channel_id = command.get("channel_id", "")
        if options and (named := slack_channel_id(options[0], direct_messages=False)):
            channel_id, options = named, options[1:]
        store = self.services.channels
        try:
            match action:
                case "add":
                    added = store.add(_channel_with(channel_id, options))
                    self.forget_channels()
                    ack(**_ephemeral(mrkdwn_note(f"Threads in <#{added.channel_id}> are support "
                                        f"conversations now{_described(added)}. A customer's "
                                        "message opens a ticket; an agent's ✅ resolves it.")))
                case "remove":
                    removed = store.remove(channel_id)
                    self.forget_channels()
                    ack(**_ephemeral(mrkdwn_note(f"<#{channel_id}> is no longer a support channel."
                                        if removed else f"<#{channel_id}> was not a support "
                                                        "channel.")))
                case "list":
                    channels = store.all()
                    lines = [f"<#{c.channel_id}>{_described(c)}" for c in channels]
                    ack(**_ephemeral(mrkdwn_note("Support channels: " + ", ".join(lines) if lines
                                        else "No support channels yet: `/kpi support-channel "
                                             "add` in one.")))
                case _:
                    ack(**_ephemeral(mrkdwn_note(SUPPORT_HELP)))
        except ValueError as problem:
            ack(**_ephemeral(mrkdwn_note(f"{escape(str(problem))}. {SUPPORT_HELP}")))


def _channel_with(channel_id: str, options: list[str]) -> SupportChannel:
    team, tier = None, 1
    for option in options:
        name, _, value = option.partition("=")
        if name.lower() == "team" and value.strip():
            team = value.strip()
        elif name.lower() == "tier" and value.strip() in ("1", "2", "3"):
            tier = int(value)
        else:
            raise ValueError(f"{option!r} is not team=NAME or tier=1|2|3")
    return SupportChannel(channel_id=channel_id, team=team, tier=tier)


def _described(channel: SupportChannel) -> str:
    parts = [f"team {escape(channel.team)}"] if channel.team else []
    parts.append(f"tier {channel.tier}")
    return f" ({', '.join(parts)})"


def _ephemeral(message: SlackMessage) -> dict:
    """A private answer, as an acknowledgement carries it."""
    return {"text": message.text, "blocks": list(message.blocks), "response_type": "ephemeral"}


def _private(message: SlackMessage) -> dict:
    """A private answer through the response URL, leaving the original message be."""
    return _ephemeral(message) | {"replace_original": False}


def register(app: App, listener: SupportListener) -> None:
    app.event("reaction_added")(listener.on_reaction)
    app.event("reaction_removed")(listener.on_reaction_removed)
    app.shortcut(ids.RESOLVE_SHORTCUT)(listener.on_resolve_shortcut)
