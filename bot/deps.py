"""Everything a listener may need, in one frozen object: `Deps`, built once per app by
`Deps.build(settings, ...)` and handed to every surface's `register(app, deps)` and to the
middleware. A surface takes what it uses from it and nothing else; nothing is global.

What it holds: the settings, the Web API client and the factory that makes one
(`slack_client`, also used by worker processes, the scheduler and `kpibot digest run`), the
engine, the asking, digest and support services, the answering strategy (the listener's own
thread, or the worker processes of `kpibot serve`), the access policy and the agents directory
the access middleware decides with, the support-channel lookup, and the executor that runs work
after an acknowledgement (Bolt's listener pool, which also tells refused people why).
"""

from __future__ import annotations

import atexit
import logging
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.asking.access import AccessPolicy
from bot.asking.agents import AgentDirectory
from bot.asking.answering import (
    Answering,
    ClientFactory,
    InThreadAnswering,
    WorkerProcessAnswering,
)
from bot.services import AskingServices, DigestServices, SupportChannelLookup, SupportServices
from bot.settings import BotSettings
from kpi_engine.engine import KpiEngine

logger = logging.getLogger("kpibot.slack")

SLACK_TIMEOUT_SECONDS = 10


def slack_client(settings: BotSettings) -> WebClient:
    """A Web API client for the bot token at `settings.slack_api_url`, with retries."""
    client = WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url,
                       timeout=SLACK_TIMEOUT_SECONDS, logger=logger)
    client.retry_handlers = [
        ConnectionErrorRetryHandler(max_retry_count=2),
        RateLimitErrorRetryHandler(max_retry_count=3),
        ServerErrorRetryHandler(max_retry_count=2),
    ]
    return client


def listener_executor(settings: BotSettings) -> ThreadPoolExecutor:
    """The pool Bolt runs listeners on (`settings.slack_workers` threads)."""
    return ThreadPoolExecutor(max_workers=settings.slack_workers,
                              thread_name_prefix="kpibot-slack")


@dataclass(frozen=True, kw_only=True)
class Deps:
    settings: BotSettings
    client: WebClient
    client_factory: ClientFactory
    engine: KpiEngine
    asking: AskingServices | None  # None when worker processes answer (each has its own)
    digests: DigestServices
    support: SupportServices
    answering: Answering
    access: AccessPolicy
    agents: AgentDirectory
    support_channels: SupportChannelLookup
    executor: Executor  # work after an acknowledgement: Bolt's listener pool

    @classmethod
    def build(cls, settings: BotSettings, *, client: WebClient | None = None,
              executor: Executor | None = None, engine: KpiEngine | None = None,
              clock: Callable[[], datetime] | None = None,
              services: AskingServices | None = None,
              client_factory: ClientFactory = slack_client) -> Deps:
        """Open the database (unless `engine` or `services` bring one) and build everything
        on it. `client`, `engine` and `clock` replace the real ones (tests, benchmarks);
        `services` replaces the asking services."""
        client = client or client_factory(settings)
        shared = engine or (services.answerer.engine if services else None)
        digests = DigestServices.build(settings, engine=shared, clock=clock)
        support = SupportServices.build(settings, engine=digests.engine)
        answering, asking = _answering(settings, engine=engine, clock=clock, services=services,
                                       support=support, client=client,
                                       client_factory=client_factory)
        return cls(
            settings=settings,
            client=client,
            client_factory=client_factory,
            engine=digests.engine,
            asking=asking,
            digests=digests,
            support=support,
            answering=answering,
            access=AccessPolicy(settings),
            agents=support.agents,
            support_channels=SupportChannelLookup(support.channels),
            executor=executor or listener_executor(settings),
        )


def _answering(settings: BotSettings, *, engine: KpiEngine | None,
               clock: Callable[[], datetime] | None, services: AskingServices | None,
               support: SupportServices, client: WebClient,
               client_factory: ClientFactory) -> tuple[Answering, AskingServices | None]:
    """Worker processes when configured and nothing is injected (an injected engine or clock
    lives in this process); otherwise the listener's own thread."""
    if settings.answer_processes and engine is None and clock is None and services is None:
        answering = WorkerProcessAnswering(settings, settings.answer_processes,
                                           client_factory=client_factory)
        atexit.register(answering.close)
        return answering, None
    services = services or AskingServices.build(settings, engine=engine, clock=clock)
    return InThreadAnswering(services, support, client), services
