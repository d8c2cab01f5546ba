"""Slack's agent view (the agent messaging experience of the app's Messages tab) and the legacy
assistant panel.

- Agent view: opening the Messages tab (`app_home_opened` with `tab` "messages") pins suggested
  prompts drawn from the workspace's data (its teams, its digests' KPIs and targets) to the top
  of the DM — `assistant.threads.setSuggestedPrompts` without `thread_ts`, as Slack asks of
  agent apps. A message on the DM's main line is a question for `messages/`.
- Legacy assistant panel: `assistant_thread_started` gets the greeting and the same prompts on
  its thread.
- Either way, a message in a thread of the bot's DM (Bolt's `Assistant` claims every threaded DM
  message) is a question or a follow-up: the thread is titled by the question and shows the
  status with rotating `loading_messages` while the answer is computed.
"""

from __future__ import annotations

import logging

from slack_bolt import App, Assistant, BoltContext, Say, SetStatus, SetSuggestedPrompts, SetTitle
from slack_sdk import WebClient

from bot.asking.asker import question_of_event
from bot.blocks.assistant import (
    ASSISTANT_GREETING,
    LOADING_MESSAGES,
    PROMPTS_TITLE,
    WORKING_STATUS,
    thread_title,
)
from bot.deps import Deps
from bot.listeners.assistant.prompts import best_effort, workspace_prompts

logger = logging.getLogger("kpibot.slack")


def register(app: App, deps: Deps) -> None:
    answering = deps.answering
    assistant = Assistant(logger=logger)

    @app.event("app_home_opened", matchers=[lambda event: event.get("tab") == "messages"])
    def prompt_in_messages_tab(event: dict, client: WebClient) -> None:
        """The agent view's DM opened: prompts at its top (no thread_ts — with one, Slack
        drops the call for an agent app)."""
        best_effort(lambda: client.assistant_threads_setSuggestedPrompts(
            channel_id=event["channel"], title=PROMPTS_TITLE, prompts=workspace_prompts(deps)))

    @assistant.thread_started
    def greet(say: Say, set_suggested_prompts: SetSuggestedPrompts) -> None:
        say(ASSISTANT_GREETING)
        best_effort(lambda: set_suggested_prompts(prompts=workspace_prompts(deps),
                                                  title=PROMPTS_TITLE))

    @assistant.thread_context_changed
    def ignore_context(ack) -> None:
        """kpibot does not use the channel the person is looking at: nothing to store."""

    @assistant.user_message
    def answer_in_panel(payload: dict, context: BoltContext, client: WebClient,
                        set_status: SetStatus, set_title: SetTitle) -> None:
        thread_ts = payload["thread_ts"]
        question = question_of_event(payload, context, direct=True, reply_in=thread_ts,
                                     conversation_ts=thread_ts)
        best_effort(lambda: set_title(thread_title(question.text)))
        best_effort(lambda: set_status(status=WORKING_STATUS,
                                       loading_messages=list(LOADING_MESSAGES)))
        answering.submit(client, question)

    app.assistant(assistant)
