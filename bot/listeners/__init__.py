"""The Slack surfaces, one module each, each with a `register(app, …)` taking what it needs:
the answering of questions, the digest services, the support services."""

from __future__ import annotations

from slack_bolt import App

from bot.answering import Answering
from bot.listeners import assistant, command, digests, home, mentions, messages, support, surveys
from bot.services import DigestServices


def register_listeners(app: App, answering: Answering, digest_services: DigestServices,
                       support_listener: support.SupportListener) -> None:
    """Register every surface's listeners on `app`. The assistant middleware goes first: it
    claims the messages of assistant threads before the plain message listener sees them."""
    support_services = support_listener.services
    assistant.register(app, answering)
    mentions.register(app, answering)
    messages.register(app, answering, support_listener)
    support.register(app, support_listener)
    surveys.register(app, surveys.SurveyClicks(support_services, answering))
    digest_commands = digests.DigestCommands(digest_services)
    command.register(app, answering, digest_commands, support_listener)
    digests.register(app, digest_commands)
    home.register(app, digest_services)
