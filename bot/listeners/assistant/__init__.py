"""Slack's assistant panel (the AI-app split view): a greeting with suggested prompts when a
thread starts; each message in the thread is a question or a follow-up, answered with the status
"computing…" shown meanwhile and the thread titled by its first question. Threads of the bot's
DMs reach here too (Bolt's `Assistant` claims every threaded DM message), and are answered alike.
"""

from __future__ import annotations

import logging

from slack_bolt import App, Assistant, BoltContext, Say, SetStatus, SetSuggestedPrompts, SetTitle
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.asking.asker import question_of_event
from bot.blocks.assistant import ASSISTANT_GREETING, suggested_prompts, thread_title
from bot.deps import Deps

logger = logging.getLogger("kpibot.slack")
WORKING_STATUS = "computing…"


def register(app: App, deps: Deps) -> None:
    answering = deps.answering
    assistant = Assistant(logger=logger)

    @assistant.thread_started
    def greet(say: Say, set_suggested_prompts: SetSuggestedPrompts) -> None:
        say(ASSISTANT_GREETING)
        set_suggested_prompts(prompts=suggested_prompts())

    @assistant.thread_context_changed
    def ignore_context(ack) -> None:
        """kpibot does not use the channel the person is looking at: nothing to store."""

    @assistant.user_message
    def answer_in_panel(payload: dict, context: BoltContext, client: WebClient,
                        set_status: SetStatus, set_title: SetTitle) -> None:
        thread_ts = payload["thread_ts"]
        question = question_of_event(payload, context, direct=True, reply_in=thread_ts,
                                     conversation_ts=thread_ts)
        _best_effort(set_title, thread_title(question.text))
        _best_effort(set_status, WORKING_STATUS)
        answering.submit(client, question)

    app.assistant(assistant)


def _best_effort(call, text: str) -> None:
    """Titles and statuses exist only in assistant threads; elsewhere Slack refuses them."""
    try:
        call(text)
    except SlackApiError as error:
        logger.debug("assistant call refused: %s", error.response.get("error"))
