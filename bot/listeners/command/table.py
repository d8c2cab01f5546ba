"""The table of `/kpi` subcommands: the first word of the command's text → its `Subcommand`.
Adding a subcommand is one entry here (the surface that owns it declares it); any other text
is a question.
"""

from __future__ import annotations

from slack_bolt import Ack
from slack_sdk import WebClient

from bot.asking.asking import question_text
from bot.blocks.notices import help_message
from bot.deps import Deps
from bot.listeners.command.subcommand import Subcommand
from bot.listeners.digests import DIGEST
from bot.listeners.support import SUPPORT_CHANNEL


def _help(deps: Deps, words: list[str], command: dict, ack: Ack, client: WebClient) -> None:
    help_text = help_message(
        [(word, found.summary) for word, found in SUBCOMMANDS.items() if found.summary])
    ack(text=help_text.text, blocks=list(help_text.blocks), response_type="ephemeral")


HELP = Subcommand(acknowledge=_help, alone=True)

SUBCOMMANDS: dict[str, Subcommand] = {
    "digest": DIGEST,
    "support-channel": SUPPORT_CHANNEL,
    "help": HELP,
    "?": HELP,
    "": HELP,  # `/kpi` alone
}


def subcommand_of(command: dict) -> tuple[Subcommand | None, list[str]]:
    """The subcommand `command` names (None: the text is a question) and the words after its
    first word (lower-cased to look up: `/kpi Digest list` is `digest`)."""
    words = question_text(command.get("text", "")).split()
    word, rest = (words[0].lower(), words[1:]) if words else ("", [])
    found = SUBCOMMANDS.get(word)
    if found is None or (found.alone and rest):
        return None, rest
    return found, rest
