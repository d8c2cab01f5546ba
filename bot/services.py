"""What the Slack side needs, built once per process from the settings or from what a test
injects: `AskingServices` for answering questions (the answerer, the conversation store, the
leads-only rule for agent figures; by `create_app` or each answering worker process), `DigestServices` for
digests and alerts (the store, claims, alert states; by `create_app` and the scheduler),
`SupportServices` for support conversations and their surveys.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.access import AccessPolicy
from bot.agents import AgentDirectory
from kpi_engine.desk.conversations import SupportChannels, SupportDesk
from kpi_engine.desk.surveys import SurveyPolicy, SurveyStore
from kpi_engine.digests.alerts import AlertStates
from kpi_engine.digests.store import DigestStore
from kpi_engine.engine import KpiEngine
from kpi_engine.question.answers import QuestionAnswerer
from kpi_engine.question.conversations import ConversationStore
from kpi_engine.settings import Settings
from kpi_engine.storage.claims import ClaimStore

# How stale the known agents, teams and tags may get in a long-running app (seconds).
LEXICON_MAX_AGE = 300.0


@dataclass(frozen=True, kw_only=True)
class AskingServices:
    settings: Settings
    answerer: QuestionAnswerer
    conversations: ConversationStore
    access: AccessPolicy
    charts: bool = True  # draw charts for trends and breakdowns

    @classmethod
    def build(cls, settings: Settings, *, engine: KpiEngine | None = None,
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
    settings: Settings
    engine: KpiEngine
    digests: DigestStore
    claims: ClaimStore
    alert_states: AlertStates
    conversations: ConversationStore

    @classmethod
    def build(cls, settings: Settings, *, engine: KpiEngine | None = None,
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
    settings: Settings
    engine: KpiEngine
    channels: SupportChannels
    desk: SupportDesk
    surveys: SurveyStore
    claims: ClaimStore
    agents: AgentDirectory

    @classmethod
    def build(cls, settings: Settings, *, engine: KpiEngine | None = None,
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


def _open_engine(settings: Settings, clock: Callable[[], datetime] | None) -> KpiEngine:
    from kpi_engine.storage.database import open_database

    return KpiEngine(open_database(settings.database_url), settings, clock=clock)
