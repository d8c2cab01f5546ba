"""`/kpi QUESTION`: acknowledged at once (help is the acknowledgement itself), answered by a
lazy listener in the channel with the question above the answer, so its thread can carry
follow-ups. Where the bot cannot post (a DM between people, a channel it is not in) the answer
comes back privately through the command's response URL. `/kpi digest …` manages digests
(listeners/digests.py), `/kpi support-channel …` the support channels (listeners/support.py)."""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.access import Asker
from bot.answering import Answering
from bot.asking import Question, question_text
from bot.blocks.kit import escape
from bot.blocks.notices import help_message
from bot.listeners.digests import COMMAND_WORD as DIGEST_WORD
from bot.listeners.digests import DigestCommands
from bot.listeners.support import COMMAND_WORD as SUPPORT_WORD
from bot.listeners.support import SupportListener

HELP_WORDS = ("", "help", "?")


def register(app: App, answering: Answering, digests: DigestCommands,
             support: SupportListener) -> None:
    def acknowledge(ack: Ack, command: dict, client: WebClient, context: BoltContext) -> None:
        word, rest = _subcommand(command)
        if word == DIGEST_WORD:
            digests.acknowledge(rest, command, ack, client)
        elif word == SUPPORT_WORD:
            support.acknowledge(rest, command, ack)
        elif _wants_help(command):
            help_text = help_message()
            ack(text=help_text.text, blocks=list(help_text.blocks), response_type="ephemeral")
        else:
            ack()

    def answer_command(command: dict, context: BoltContext, client: WebClient,
                       respond: Respond) -> None:
        word, rest = _subcommand(command)
        if word == DIGEST_WORD:
            digests.answer(rest, respond)
            return
        if word == SUPPORT_WORD:
            return
        if _wants_help(command):
            return
        text = question_text(command.get("text", ""))
        answering.submit(client, Question(
            text=text,
            asker=Asker(user_id=command.get("user_id", ""), workspace_id=context.team_id,
                        channel_id=command.get("channel_id", ""),
                        direct=command.get("channel_name") == "directmessage"),
            channel_id=command.get("channel_id", ""),
            thread_ts=None,
            conversation=None,
            preface=f"<@{command.get('user_id')}> asked: {escape(text)}",
            response_url=command.get("response_url"),
        ))

    app.command("/kpi")(ack=acknowledge, lazy=[answer_command])


def _subcommand(command: dict) -> tuple[str, list[str]]:
    """The first word (lower case) and the rest, for `/kpi digest list` and the like."""
    words = question_text(command.get("text", "")).split()
    return (words[0].lower(), words[1:]) if words else ("", [])


def _wants_help(command: dict) -> bool:
    return question_text(command.get("text", "")).lower() in HELP_WORDS
