"""`kpibot support-channel add|list|remove` (interfaces.md): the Slack channels whose threads
are support conversations, each with the team and tier its tickets get."""

from __future__ import annotations

import json

import click

from bot.cli.options import common_options
from kpi_engine.desk.ids import channel_id
from kpi_engine.errors import UserError


@click.group("support-channel")
def support_channel_group() -> None:
    """The Slack channels whose threads are support conversations."""


@support_channel_group.command("add")
@click.argument("channel_id")
@click.option("--team", help="The team its tickets belong to.")
@click.option("--tier", type=click.IntRange(1, 3), default=1, show_default=True)
@common_options
def add_command(channel_id, team, tier, settings):
    """Follow a channel's threads as support conversations (or change its team and tier)."""
    from kpi_engine.desk.conversations import SupportChannel

    added = _channels(settings).add(SupportChannel(channel_id=_channel_id(channel_id),
                                                   team=team, tier=tier))
    team_text = f"team {added.team}, " if added.team else ""
    click.echo(f"support channel {added.channel_id}: {team_text}tier {added.tier}")


@support_channel_group.command("list")
@click.option("--json", "as_json", is_flag=True)
@common_options
def list_command(as_json, settings):
    """The support channels."""
    channels = _channels(settings).all()
    if as_json:
        click.echo(json.dumps([{"channel": c.channel_id, "team": c.team, "tier": c.tier}
                               for c in channels]))
        return
    if not channels:
        click.echo("no support channels yet: kpibot support-channel add C0123ABCD --team billing")
    for channel in channels:
        click.echo(f"{channel.channel_id}: team {channel.team or '(none)'}, tier {channel.tier}")


@support_channel_group.command("remove")
@click.argument("channel_id")
@common_options
def remove_command(channel_id, settings):
    """Stop following a channel (its tickets stay)."""
    channel_id = _channel_id(channel_id)
    if not _channels(settings).remove(channel_id):
        raise UserError(f"{channel_id} is not a support channel", ["kpibot support-channel list"])
    click.echo(f"removed support channel {channel_id}")


def _channel_id(text: str) -> str:
    found = channel_id(text, direct_messages=False)
    if found is None:
        raise UserError(f"{text!r} is not a Slack channel id (C…)",
                        ["copy the id from the channel's details in Slack"])
    return found


def _channels(settings):
    from kpi_engine.desk.conversations import SupportChannels
    from kpi_engine.settings import workspace_now
    from kpi_engine.storage.database import open_database

    return SupportChannels(open_database(settings.database_url),
                           lambda: workspace_now(settings))
