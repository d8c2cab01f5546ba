"""App Home: what kpibot answers, how to ask, example questions and the workspace's digests."""

from __future__ import annotations

from slack_bolt import App
from slack_sdk import WebClient

from bot.blocks.home import digest_summaries, home_view
from bot.deps import Deps


def register(app: App, deps: Deps) -> None:
    digests = deps.digests

    @app.event("app_home_opened")
    def publish_home(event: dict, client: WebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        client.views_publish(user_id=event["user"],
                             view=home_view(digest_summaries(digests.digests.all())))
