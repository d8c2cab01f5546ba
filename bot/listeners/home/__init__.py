"""App Home: what kpibot answers, how helpful people found its answers in the last 30 days, how
to ask, example questions and the workspace's digests. (The Messages tab of the agent view is
the assistant surface's.)"""

from __future__ import annotations

from datetime import timedelta

from slack_bolt import App
from slack_sdk import WebClient

from bot.blocks.home import FEEDBACK_DAYS, digest_summaries, home_view
from bot.deps import Deps
from bot.errors import log_internal_error
from kpi_engine.question.feedback import FeedbackStore, HelpfulShare


def register(app: App, deps: Deps) -> None:
    digests = deps.digests
    feedback = FeedbackStore(deps.engine.db, deps.engine.now)

    def helpful() -> HelpfulShare | None:
        try:
            return feedback.helpful_share(since=deps.engine.now() - timedelta(days=FEEDBACK_DAYS))
        except Exception:  # the tab shows without the line rather than not at all
            log_internal_error("reading the helpful share for App Home")
            return None

    @app.event("app_home_opened")
    def publish_home(event: dict, client: WebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        client.views_publish(user_id=event["user"],
                             view=home_view(digest_summaries(digests.digests.all()), helpful()))
