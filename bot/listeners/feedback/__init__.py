"""Feedback on answers: the thumbs up and down under every answer (votes.py). For members, as
every surface is unless `bot/middleware/surfaces.py` says otherwise."""

from __future__ import annotations

from slack_bolt import App

from bot.blocks import ids
from bot.deps import Deps
from bot.listeners.feedback.votes import FeedbackVotes
from kpi_engine.question.feedback import FeedbackStore


def register(app: App, deps: Deps) -> None:
    votes = FeedbackVotes(FeedbackStore(deps.engine.db, deps.engine.now), deps.answering)
    app.action(ids.FEEDBACK_ACTION)(votes.on_vote)
