"""The Slack app's factory: `create_app(settings, ...)` builds a Bolt `App`, one `Deps` with
everything its listeners need (bot/deps.py), installs the middleware and registers every
surface's listeners (`register_listeners(app, deps)`). Nothing happens at import time.

Requests are acknowledged before any work (events by Bolt's auto-acknowledgement, `/kpi` by an
ack function with a lazy listener); the work runs on a pool of `settings.slack_workers`
threads, which hand it to `settings.answer_processes` worker processes
(bot/asking/answering.py). The Web API client retries rate limits (honouring Retry-After),
server errors and dropped connections.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from slack_bolt import App
from slack_bolt.error import BoltError
from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from bot.deps import Deps, listener_executor, slack_client
from bot.listeners import register_listeners
from bot.middleware import install
from bot.services import AskingServices
from bot.settings import BotSettings, check_slack_settings
from kpi_engine.engine import KpiEngine
from kpi_engine.errors import UserError

logger = logging.getLogger("kpibot.slack")


def create_app(settings: BotSettings, *, client: WebClient | None = None,
               engine: KpiEngine | None = None,
               clock: Callable[[], datetime] | None = None,
               services: AskingServices | None = None) -> App:
    """The Bolt app for `settings`. `client`, `engine` and `clock` replace the real ones (tests,
    benchmarks); `services` replaces everything built on the database for asking."""
    check_slack_settings(settings)
    client = client or slack_client(settings)
    socket_mode = bool(settings.slack_app_token)
    executor = listener_executor(settings)
    try:
        app = App(
            client=client,
            signing_secret=settings.slack_signing_secret,
            request_verification_enabled=not socket_mode,
            process_before_response=False,
            listener_executor=executor,
            logger=logger,
        )
    except BoltError as error:  # Bolt checks the token with auth.test as it starts
        raise UserError(f"Slack refused the bot token: {error}", [
            "check SLACK_BOT_TOKEN (xoxb-…) and SLACK_API_URL"]) from None
    except (SlackClientError, OSError) as error:
        raise UserError(f"cannot reach Slack at {settings.slack_api_url}: {error}", [
            "check the network and SLACK_API_URL"]) from None
    deps = Deps.build(settings, client=client, executor=executor, engine=engine, clock=clock,
                      services=services)
    install(app, deps)
    register_listeners(app, deps)
    return app
