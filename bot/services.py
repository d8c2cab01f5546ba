"""The stores and readers the Slack side works with, built once per process from the settings
or from what a test injects: `AskingServices` for answering questions (the answerer, the
conversation store, the leads-only rule for agent figures; by `Deps.build` or each answering
worker process), `DigestServices` for digests and alerts (the store, claims, alert states; by
`Deps.build` and the scheduler), `SupportServices` for support conversations and their surveys,
and `SupportChannelLookup`, which channels are support channels (re-read every half minute).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.asking.access import AccessPolicy, TimedCache
from bot.asking.agents import AgentDirectory
from bot.settings import BotSettings
from kpi_engine.desk.conversations import SupportChannel, SupportChannels, SupportDesk
from kpi_engine.desk.surveys import SurveyPolicy, SurveyStore
from kpi_engine.digests.alerts import AlertStates
from kpi_engine.digests.store import DigestStore
from kpi_engine.engine import KpiEngine
from kpi_engine.question.answers import QuestionAnswerer
from kpi_engine.question.conversations import ConversationStore
from kpi_engine.storage.claims import ClaimStore

# How stale the known agents, teams and tags may get in a long-running app (seconds).
LEXICON_MAX_AGE = 300.0
# How stale the list of support channels may get (a channel added from the command line).
CHANNELS_SECONDS = 30.0


@dataclass(frozen=True, kw_only=True)
class AskingServices:
    settings: BotSettings
    answerer: QuestionAnswerer
    conversations: ConversationStore
    access: AccessPolicy
    charts: bool = True  # draw charts for trends and breakdowns

    @classmethod
    def build(cls, settings: BotSettings, *, engine: KpiEngine | None = None,
              clock: Callable[[], datetime] | None = None, charts: bool = True) -> AskingServices:
        """Open the database (unless `engine` is given) and everything that sits on it."""
        engine = engine or _open_engine(settings, clock)
        answerer = QuestionAnswerer.from_settings(settings, engine=engine,
                                                  lexicon_max_age=LEXICON_MAX_AGE)
        return cls(
            settings=settings,
            answerer=answerer,
            conversations=ConversationStore(engine.db, engine.now),
            access=AccessPolicy(settings),
            charts=charts,
        )


@dataclass(frozen=True, kw_only=True)
class DigestServices:
    settings: BotSettings
    engine: KpiEngine
    digests: DigestStore
    claims: ClaimStore
    alert_states: AlertStates
    conversations: ConversationStore

    @classmethod
    def build(cls, settings: BotSettings, *, engine: KpiEngine | None = None,
              clock: Callable[[], datetime] | None = None) -> DigestServices:
        engine = engine or _open_engine(settings, clock)
        return cls(
            settings=settings, engine=engine,
            digests=DigestStore(engine.db, engine.now),
            claims=ClaimStore(engine.db, engine.now,
                              timeout=timedelta(seconds=settings.claim_timeout_seconds)),
            alert_states=AlertStates(engine.db, engine.now),
            conversations=ConversationStore(engine.db, engine.now),
        )


@dataclass(frozen=True, kw_only=True)
class SupportServices:
    settings: BotSettings
    engine: KpiEngine
    channels: SupportChannels
    desk: SupportDesk
    surveys: SurveyStore
    claims: ClaimStore
    agents: AgentDirectory

    @classmethod
    def build(cls, settings: BotSettings, *, engine: KpiEngine | None = None,
              clock: Callable[[], datetime] | None = None) -> SupportServices:
        engine = engine or _open_engine(settings, clock)
        return cls(
            settings=settings, engine=engine,
            channels=SupportChannels(engine.db, engine.now),
            desk=SupportDesk(engine.db),
            surveys=SurveyStore(engine.db, engine.now, SurveyPolicy.from_settings(settings)),
            claims=ClaimStore(engine.db, engine.now,
                              timeout=timedelta(seconds=settings.claim_timeout_seconds)),
            agents=AgentDirectory(settings),
        )


class SupportChannelLookup:
    """Which channels are support channels, read from the database at most every
    `CHANNELS_SECONDS` (so one added from the command line is followed soon after), and
    forgotten at once when one is added or removed in Slack."""

    def __init__(self, channels: SupportChannels, *, seconds: float = CHANNELS_SECONDS) -> None:
        self.channels = channels
        self.seconds = seconds
        self._cache = TimedCache(seconds)

    def channel(self, channel_id: str | None) -> SupportChannel | None:
        found = self._cache.get("all", lambda: {
            channel.channel_id: channel for channel in self.channels.all()})
        return found.get(channel_id or "")

    def is_support_channel(self, channel_id: str | None) -> bool:
        return self.channel(channel_id) is not None

    def forget(self) -> None:
        self._cache = TimedCache(self.seconds)


def _open_engine(settings: BotSettings, clock: Callable[[], datetime] | None) -> KpiEngine:
    from kpi_engine.storage.database import open_database

    return KpiEngine(open_database(settings.database_url), settings, clock=clock)
