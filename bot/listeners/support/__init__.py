"""Support conversations in Slack (conversations.py): messages of support channels counted for
their tickets (through the `messages` surface, which sees every message first), the resolve and
escalate reactions, the "Resolve" message shortcut; and the `/kpi support-channel` subcommand
(subcommand.py), declared here for the subcommand table.
"""

from __future__ import annotations

from slack_bolt import App

from bot.blocks import ids
from bot.deps import Deps
from bot.listeners.command.subcommand import Subcommand
from bot.listeners.support import subcommand
from bot.listeners.support.conversations import SupportListener

SUPPORT_CHANNEL = Subcommand(
    acknowledge=subcommand.acknowledge,
    summary="channels whose threads are support conversations, surveyed when resolved")


def register(app: App, deps: Deps) -> None:
    listener = SupportListener(deps)
    app.event("reaction_added")(listener.on_reaction)
    app.event("reaction_removed")(listener.on_reaction_removed)
    app.shortcut(ids.RESOLVE_SHORTCUT)(listener.on_resolve_shortcut)
