"""Reading a question from an event payload: who asked, where, and the thread it belongs to —
the same for mentions, messages and the assistant panel."""

from __future__ import annotations

from slack_bolt import BoltContext

from bot.asking.access import Asker
from bot.asking.asking import Question, question_text, thread_conversation


def asker_of_event(event: dict, context: BoltContext, *, direct: bool) -> Asker:
    return Asker(
        user_id=event.get("user") or "",
        workspace_id=context.team_id,
        user_team_id=event.get("user_team") or event.get("source_team"),
        channel_id=event.get("channel") or "",
        direct=direct,
        is_bot=event.get("bot_id") is not None or event.get("subtype") == "bot_message",
    )


def question_of_event(event: dict, context: BoltContext, *, direct: bool, reply_in: str | None,
                      conversation_ts: str, quiet: bool = False) -> Question:
    """The question `event` asks, answered in thread `reply_in` (None: the channel itself) and
    continuing the conversation of `conversation_ts` in its channel."""
    channel = event.get("channel") or ""
    return Question(
        text=question_text(event.get("text", "")),
        asker=asker_of_event(event, context, direct=direct),
        channel_id=channel,
        thread_ts=reply_in,
        conversation=thread_conversation(context.team_id, channel, conversation_ts),
        quiet=quiet,
    )
