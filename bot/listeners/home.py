"""App Home: what kpibot answers, how to ask, example questions and the workspace's digests."""

from __future__ import annotations

from slack_bolt import App
from slack_sdk import WebClient

from bot.blocks.home import home_view
from bot.listeners.digests import summaries
from bot.services import DigestServices


def register(app: App, digests: DigestServices) -> None:
    @app.event("app_home_opened")
    def publish_home(event: dict, client: WebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        client.views_publish(user_id=event["user"],
                             view=home_view(summaries(digests.digests.all())))
