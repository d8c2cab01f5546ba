"""What answering a question in Slack needs: the answerer, the conversation store, the access
policy. Built once per process (by `create_app`, or by each answering worker process) from the
settings or from what a test injects.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.access import AccessPolicy
from kpi_engine.answers import QuestionAnswerer
from kpi_engine.conversations import ConversationStore
from kpi_engine.engine import KpiEngine
from kpi_engine.settings import Settings

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
        if engine is None:
            from kpi_engine.database import open_database

            engine = KpiEngine(open_database(settings.database_url), settings, clock=clock)
        answerer = QuestionAnswerer.from_settings(settings, engine=engine,
                                                  lexicon_max_age=LEXICON_MAX_AGE)
        return cls(
            settings=settings,
            answerer=answerer,
            conversations=ConversationStore(engine.db, engine.now),
            access=AccessPolicy(settings),
            charts=charts,
        )
