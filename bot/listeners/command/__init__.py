"""`/kpi QUESTION`: acknowledged at once, answered by a lazy listener in the channel with the
question above the answer, so its thread can carry follow-ups. Where the bot cannot post (a DM
between people, a channel it is not in) the answer comes back privately through the command's
response URL. `/kpi WORD …` for a WORD of the subcommand table (table.py: `digest`,
`support-channel`, `help`) is that subcommand's: acknowledged by it, and its slow part, if any,
run by the lazy listener instead of a question.
"""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.asking.access import Asker
from bot.asking.asking import Question, question_text
from bot.blocks.kit import escape
from bot.deps import Deps
from bot.listeners.command.table import subcommand_of


def register(app: App, deps: Deps) -> None:
    def acknowledge(ack: Ack, command: dict, client: WebClient, context: BoltContext) -> None:
        subcommand, rest = subcommand_of(command)
        if subcommand is not None:
            subcommand.acknowledge(deps, rest, command, ack, client)
        else:
            ack()

    def answer_command(command: dict, context: BoltContext, client: WebClient,
                       respond: Respond) -> None:
        subcommand, rest = subcommand_of(command)
        if subcommand is not None:
            if subcommand.answer is not None:
                subcommand.answer(deps, rest, respond)
            return
        deps.answering.submit(client, question_of_command(command, context))

    app.command("/kpi")(ack=acknowledge, lazy=[answer_command])


def question_of_command(command: dict, context: BoltContext) -> Question:
    """The question `/kpi QUESTION` asks, answered in the channel with who asked above it."""
    text = question_text(command.get("text", ""))
    return Question(
        text=text,
        asker=Asker(user_id=command.get("user_id", ""), workspace_id=context.team_id,
                    channel_id=command.get("channel_id", ""),
                    direct=command.get("channel_name") == "directmessage"),
        channel_id=command.get("channel_id", ""),
        thread_ts=None,
        conversation=None,
        preface=f"<@{command.get('user_id')}> asked: {escape(text)}",
        response_url=command.get("response_url"),
    )
