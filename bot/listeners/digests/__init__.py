"""Digests managed in Slack (commands.py): the `/kpi digest …` subcommand, declared here for
the subcommand table; the Preview / Edit / Remove buttons of the list, and the modal that adds
or edits a digest. A preview, which measures every KPI, runs after the acknowledgement.
"""

from __future__ import annotations

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.blocks import ids
from bot.deps import Deps
from bot.listeners.command.subcommand import Subcommand
from bot.listeners.digests.commands import DigestCommands


def _acknowledge(deps: Deps, words: list[str], command: dict, ack: Ack,
                 client: WebClient) -> None:
    DigestCommands(deps.digests).acknowledge(words, command, ack, client)


def _answer(deps: Deps, words: list[str], respond: Respond) -> None:
    DigestCommands(deps.digests).answer(words, respond)


DIGEST = Subcommand(acknowledge=_acknowledge, answer=_answer,
                    summary="the scheduled digests and their alerts")


def register(app: App, deps: Deps) -> None:
    commands = DigestCommands(deps.digests)

    def acknowledge_only(ack: Ack) -> None:
        ack()

    app.action(ids.DIGEST_PREVIEW)(ack=acknowledge_only, lazy=[commands.preview_button])
    app.action(ids.DIGEST_EDIT)(commands.edit_button)
    app.action(ids.DIGEST_REMOVE)(commands.remove_button)
    app.view(ids.DIGEST_MODAL)(commands.save)
