"""Plain messages: in a support channel every message is counted for its ticket
(listeners/support/conversations.py) and nothing more; elsewhere a direct message is a
question (or a follow-up of the last one), and a reply in a channel thread where kpibot
answered is answered only when it reads as a follow-up ("and tier 2?"), so people can talk in
the thread without the bot butting in.
Everything else (edits, deletions, bots, messages that mention the bot, which `mentions`
answers) is ignored."""

from __future__ import annotations

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.asking.asker import question_of_event
from bot.asking.asking import Question
from bot.deps import Deps
from bot.listeners.support.conversations import SupportListener

# Message subtypes that are still someone writing a message.
_WRITTEN = (None, "file_share", "thread_broadcast")
DIRECT_MAIN_LINE = "main"


def register(app: App, deps: Deps) -> None:
    answering = deps.answering
    support = SupportListener(deps)

    @app.event("message")
    def answer_message_event(event: dict, context: BoltContext, client: WebClient) -> None:
        if support.channel(event.get("channel")) is not None:
            # A support conversation (customers included, whoever they are): counted for its
            # ticket, never read as a question to kpibot — a mention there is one.
            support.track(event, client)
            return
        question = question_of_message(event, context)
        if question is not None:
            answering.submit(client, question)


def question_of_message(event: dict, context: BoltContext) -> Question | None:
    """The question a message event asks, or None when it asks nothing of kpibot."""
    if event.get("subtype") not in _WRITTEN or event.get("bot_id") or not event.get("user"):
        return None
    thread_ts = event.get("thread_ts")
    if event.get("channel_type") == "im":
        if thread_ts is not None:
            return None  # the assistant middleware answers threads of the bot's DMs
        return question_of_event(event, context, direct=True, reply_in=None,
                                 conversation_ts=DIRECT_MAIN_LINE)
    if thread_ts is None or thread_ts == event.get("ts"):
        return None  # top-level chatter in a channel is not addressed to kpibot
    if context.bot_user_id and f"<@{context.bot_user_id}>" in event.get("text", ""):
        return None  # the app_mention listener answers it
    return question_of_event(event, context, direct=False, reply_in=thread_ts,
                             conversation_ts=thread_ts, quiet=True)
