"""`/kpi support-channel add|remove|list …`: which channels are support channels, each with
the team and tier its tickets get, answered within the acknowledgement. Adding or removing one
is followed at once by this app (the support-channel lookup forgets what it read).
"""

from __future__ import annotations

from slack_bolt import Ack
from slack_sdk import WebClient

from bot.blocks.kit import escape
from bot.blocks.message import SlackMessage
from bot.blocks.survey import mrkdwn_note
from bot.deps import Deps
from kpi_engine.desk.conversations import SupportChannel
from kpi_engine.desk.ids import channel_id as slack_channel_id

SUPPORT_HELP = ("`/kpi support-channel add [#channel] [team=NAME] [tier=N]` — this channel (or "
                "the one named) holds support conversations\n"
                "`/kpi support-channel remove [#channel]` · `/kpi support-channel list`")


def acknowledge(deps: Deps, words: list[str], command: dict, ack: Ack,
                client: WebClient) -> None:
    """`/kpi support-channel add|remove|list …`, answered in the acknowledgement."""
    action = words[0].lower() if words else "list"
    options = words[1:]
    channel_id = command.get("channel_id", "")
    if options and (named := slack_channel_id(options[0], direct_messages=False)):
        channel_id, options = named, options[1:]
    store = deps.support.channels
    try:
        match action:
            case "add":
                added = store.add(_channel_with(channel_id, options))
                deps.support_channels.forget()
                ack(**_ephemeral(mrkdwn_note(f"Threads in <#{added.channel_id}> are support "
                                             f"conversations now{_described(added)}. A "
                                             "customer's message opens a ticket; an agent's ✅ "
                                             "resolves it.")))
            case "remove":
                removed = store.remove(channel_id)
                deps.support_channels.forget()
                ack(**_ephemeral(mrkdwn_note(f"<#{channel_id}> is no longer a support channel."
                                             if removed else f"<#{channel_id}> was not a "
                                                             "support channel.")))
            case "list":
                channels = store.all()
                lines = [f"<#{c.channel_id}>{_described(c)}" for c in channels]
                ack(**_ephemeral(mrkdwn_note("Support channels: " + ", ".join(lines) if lines
                                             else "No support channels yet: `/kpi "
                                                  "support-channel add` in one.")))
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
