"""`@kpibot what was FCR last week?` in a channel: answered in the message's thread, where a
mention or a plain follow-up continues the conversation."""

from __future__ import annotations

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.asking.asker import question_of_event
from bot.deps import Deps


def register(app: App, deps: Deps) -> None:
    answering = deps.answering

    @app.event("app_mention")
    def answer_mention(event: dict, context: BoltContext, client: WebClient) -> None:
        # Events are acknowledged before this runs (Bolt's auto-ack): the work happens here.
        thread_ts = event.get("thread_ts") or event["ts"]
        answering.submit(client, question_of_event(event, context, direct=False,
                                                   reply_in=thread_ts, conversation_ts=thread_ts))
