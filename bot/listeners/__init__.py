"""The Slack surfaces, one module each; every module has `register(app, services)`."""

from __future__ import annotations

from slack_bolt import App

from bot.listeners import assistant, command, home, mentions, messages
from bot.services import BotServices


def register_listeners(app: App, services: BotServices) -> None:
    """Register every surface's listeners on `app`. The assistant middleware goes first: it
    claims the messages of assistant threads before the plain message listener sees them."""
    assistant.register(app, services)
    mentions.register(app, services)
    messages.register(app, services)
    command.register(app, services)
    home.register(app, services)
