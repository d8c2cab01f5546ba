"""The Slack surfaces, one module each; every module has `register(app, answering)`."""

from __future__ import annotations

from slack_bolt import App

from bot.answering import Answering
from bot.listeners import assistant, command, home, mentions, messages


def register_listeners(app: App, answering: Answering) -> None:
    """Register every surface's listeners on `app`. The assistant middleware goes first: it
    claims the messages of assistant threads before the plain message listener sees them."""
    assistant.register(app, answering)
    mentions.register(app, answering)
    messages.register(app, answering)
    command.register(app, answering)
    home.register(app, answering)
