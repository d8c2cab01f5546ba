"""Reading who asked from an event payload: the same for mentions, messages and the panel."""

from __future__ import annotations

from slack_bolt import BoltContext

from bot.access import Asker


def asker_of_event(event: dict, context: BoltContext, *, direct: bool) -> Asker:
    return Asker(
        user_id=event.get("user") or "",
        workspace_id=context.team_id,
        user_team_id=event.get("user_team") or event.get("source_team"),
        channel_id=event.get("channel") or "",
        direct=direct,
        is_bot=event.get("bot_id") is not None or event.get("subtype") == "bot_message",
    )
