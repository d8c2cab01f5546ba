"""The Slack app's factory: `create_app(settings, ...)` builds a Bolt `App` with every listener
registered and everything it needs injected. Nothing happens at import time.

Requests are acknowledged before any work (events by Bolt's auto-acknowledgement, `/kpi` by an
ack function with a lazy listener); the work runs on a pool of `settings.slack_workers`
threads, which hand it to `settings.answer_processes` worker processes (bot/answering.py). The Web API client retries rate limits (honouring Retry-After), server errors and
dropped connections.
"""

from __future__ import annotations

import atexit
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from slack_bolt import App
from slack_bolt.error import BoltError
from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.access import AccessPolicy
from bot.answering import Answering, InThreadAnswering, WorkerProcessAnswering
from bot.listeners import register_listeners
from bot.listeners.support import SupportListener
from bot.middleware import AccessGate, AtMostOnce, install
from bot.services import AskingServices, DigestServices, SupportServices
from kpi_engine.engine import KpiEngine
from kpi_engine.errors import UserError
from kpi_engine.settings import Settings
from kpi_engine.storage.deliveries import DeliveryLog

logger = logging.getLogger("kpibot.slack")

SLACK_TIMEOUT_SECONDS = 10


def slack_client(settings: Settings) -> WebClient:
    """A Web API client for the bot token at `settings.slack_api_url`, with retries."""
    client = WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url,
                       timeout=SLACK_TIMEOUT_SECONDS, logger=logger)
    client.retry_handlers = [
        ConnectionErrorRetryHandler(max_retry_count=2),
        RateLimitErrorRetryHandler(max_retry_count=3),
        ServerErrorRetryHandler(max_retry_count=2),
    ]
    return client


def create_app(settings: Settings, *, client: WebClient | None = None,
               engine: KpiEngine | None = None,
               clock: Callable[[], datetime] | None = None,
               services: AskingServices | None = None) -> App:
    """The Bolt app for `settings`. `client`, `engine` and `clock` replace the real ones (tests,
    benchmarks); `services` replaces everything built on the database."""
    check_slack_settings(settings)
    client = client or slack_client(settings)
    socket_mode = bool(settings.slack_app_token)
    try:
        app = App(
            client=client,
            signing_secret=settings.slack_signing_secret,
            request_verification_enabled=not socket_mode,
            process_before_response=False,
            listener_executor=ThreadPoolExecutor(max_workers=settings.slack_workers,
                                                 thread_name_prefix="kpibot-slack"),
            logger=logger,
        )
    except BoltError as error:  # Bolt checks the token with auth.test as it starts
        raise UserError(f"Slack refused the bot token: {error}", [
            "check SLACK_BOT_TOKEN (xoxb-…) and SLACK_API_URL"]) from None
    except (SlackClientError, OSError) as error:
        raise UserError(f"cannot reach Slack at {settings.slack_api_url}: {error}", [
            "check the network and SLACK_API_URL"]) from None
    shared = engine or (services.answerer.engine if services else None)
    digests = DigestServices.build(settings, engine=shared, clock=clock)
    support = SupportServices.build(settings, engine=digests.engine)
    support_listener = SupportListener(support)
    install(app,
            AtMostOnce(DeliveryLog(digests.engine.db, digests.engine.now)),
            AccessGate(AccessPolicy(settings), support.agents,
                       lambda channel: support_listener.channel(channel) is not None,
                       tell_in=app.listener_runner.listener_executor))
    answering = answering_for(settings, engine=engine, clock=clock, services=services,
                              support=support, client=client)
    register_listeners(app, answering, digests, support_listener)
    return app


def answering_for(settings: Settings, *, engine: KpiEngine | None,
                  clock: Callable[[], datetime] | None, services: AskingServices | None,
                  support: SupportServices, client: WebClient) -> Answering:
    """Worker processes when configured and nothing is injected (an injected engine or clock
    lives in this process); otherwise the listener's own thread."""
    if settings.answer_processes and engine is None and clock is None and services is None:
        answering = WorkerProcessAnswering(settings, settings.answer_processes)
        atexit.register(answering.close)
        return answering
    services = services or AskingServices.build(settings, engine=engine, clock=clock)
    return InThreadAnswering(services, support, client)


def check_slack_settings(settings: Settings, *, signing_secret: bool = True) -> None:
    """A clear message for a missing token or secret (the secret only where requests come
    in), before anything talks to Slack."""
    if not settings.slack_bot_token:
        raise UserError("SLACK_BOT_TOKEN is not set", [
            "copy the Bot User OAuth Token (xoxb-…) from your app's OAuth & Permissions page "
            "into .env or the environment"])
    if signing_secret and not settings.slack_app_token and not settings.slack_signing_secret:
        raise UserError("SLACK_SIGNING_SECRET is not set", [
            "copy the Signing Secret from your app's Basic Information page, or set "
            "SLACK_APP_TOKEN (xapp-…) to use Socket Mode"])
