"""The handlers of digests managed in Slack: `/kpi digest list|add|edit|preview|remove`, the
Preview / Edit / Remove buttons of the list, and the modal that adds or edits a digest.

Everything is acknowledged at once: the list, removals and notes are the acknowledgement
itself; `add` and `edit` open the modal with the command's trigger; a preview, which measures
every KPI, is computed after the acknowledgement and shown only to the person who asked.
The modal's problems are shown beside the inputs they concern. Only members of the workspace
manage digests: the access middleware (bot/middleware/access.py) refuses anyone else before
any of this runs.
"""

from __future__ import annotations

import logging

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.digest import digest_message
from bot.blocks.digest_admin import (
    digest_help,
    digest_list_message,
    digest_modal,
    modal_errors,
    modal_metadata,
    note,
    preview_message,
    submitted_digest,
)
from bot.blocks.home import digest_summaries
from bot.blocks.message import SlackMessage
from bot.blocks.notices import apology_message
from bot.errors import log_internal_error
from bot.services import DigestServices
from kpi_engine.digests.content import build_digest
from kpi_engine.digests.definitions import DigestDefinition, DigestInvalid, definition_from_parts
from kpi_engine.digests.schedules import describe_schedule, last_due
from kpi_engine.errors import UserError

logger = logging.getLogger("kpibot.slack")


def split_command(words: list[str]) -> tuple[str, str]:
    """("edit", "Morning pulse") from the words after `/kpi digest`."""
    if not words:
        return "list", ""
    return words[0].lower(), " ".join(words[1:])


def _ephemeral(message: SlackMessage) -> dict:
    return {"text": message.text, "blocks": list(message.blocks), "response_type": "ephemeral"}


class DigestCommands:
    """The handlers, sharing the digest services of the serving process."""

    def __init__(self, services: DigestServices) -> None:
        self.services = services

    # ---------------------------------------------------------------- /kpi digest

    def acknowledge(self, words: list[str], command: dict, ack: Ack, client: WebClient) -> None:
        """Answer `/kpi digest …` within the acknowledgement (or open the modal)."""
        try:
            action, name = split_command(words)
            store = self.services.digests
            match action:
                case "list":
                    found = store.all()
                    ack(**_ephemeral(digest_list_message(digest_summaries(found),
                                                         [d.id for d in found])))
                case "add" | "new":
                    ack()
                    self._open_modal(client, command.get("trigger_id"), None,
                                     command.get("channel_id"), name=name or None)
                case "edit":
                    definition = store.get(name)
                    ack()
                    self._open_modal(client, command.get("trigger_id"), definition,
                                     command.get("channel_id"))
                case "remove" | "delete":
                    removed = store.remove(name)
                    ack(**_ephemeral(note(f"Removed the digest “{removed.name}”: it will not "
                                          "post again, and its alerts stop.")))
                case "preview":
                    definition = store.get(name)
                    ack(**_ephemeral(note(f"Working out “{definition.name}” as it would post "
                                          "now…")))
                case _:
                    ack(**_ephemeral(digest_help()))
        except UserError as error:
            ack(**_ephemeral(note(error.message, *error.suggestions[:3])))
        except Exception:
            ack(**_ephemeral(apology_message(log_internal_error("/kpi digest"))))

    def answer(self, words: list[str], respond: Respond) -> None:
        """The slow part after the acknowledgement: a preview."""
        action, name = split_command(words)
        if action != "preview":
            return
        definition = self.services.digests.find(name)
        if definition is not None:
            self._preview(definition, respond)

    # ---------------------------------------------------------------- buttons

    def preview_button(self, body: dict, respond: Respond) -> None:
        definition = self.services.digests.by_id(_button_value(body))
        if definition is None:
            respond(**_ephemeral(note("That digest was removed.")), replace_original=False)
            return
        self._preview(definition, respond)

    def edit_button(self, ack: Ack, body: dict, client: WebClient) -> None:
        ack()
        try:
            definition = self.services.digests.by_id(_button_value(body))
            if definition is not None:
                self._open_modal(client, body.get("trigger_id"), definition,
                                 (body.get("channel") or {}).get("id"))
        except Exception:  # after the acknowledgement nothing may escape (Bolt would retry)
            log_internal_error("opening a digest to edit")

    def remove_button(self, ack: Ack, body: dict, respond: Respond) -> None:
        ack()
        try:
            self._remove(body, respond)
        except Exception:  # after the acknowledgement nothing may escape (Bolt would retry)
            respond(**_ephemeral(apology_message(log_internal_error("removing a digest"))),
                    replace_original=False)

    def _remove(self, body: dict, respond: Respond) -> None:
        definition = self.services.digests.by_id(_button_value(body))
        if definition is None:
            respond(**_ephemeral(note("That digest was removed already.")), replace_original=False)
            return
        self.services.digests.remove(definition.name)
        respond(**_ephemeral(note(f"Removed the digest “{definition.name}”.")),
                replace_original=False)

    # ---------------------------------------------------------------- the modal

    def save(self, ack: Ack, body: dict, view: dict, client: WebClient) -> None:
        """Validate and store the modal's digest; its problems go back beside the inputs."""
        user = (body.get("user") or {}).get("id", "")
        metadata = modal_metadata(view)
        fields, kpis, rules = submitted_digest(view)
        settings = self.services.settings
        try:
            definition = definition_from_parts(
                fields, kpis, default_tz=settings.tz, digest_id=metadata.get("digest_id"),
                **rules)
            store = self.services.digests
            saved = store.update(definition) if definition.id else store.add(definition)
        except DigestInvalid as invalid:
            ack(response_action="errors", errors=modal_errors(invalid))
            return
        except UserError as error:
            ack(response_action="errors", errors=modal_errors(DigestInvalid(
                {"name": error.message})))
            return
        ack()
        lines = [f"{describe_schedule(saved)}, in <#{saved.channel_id}>"]
        if not _bot_is_in(client, saved.channel_id):
            lines.append(f"invite me to <#{saved.channel_id}> (/invite @kpibot) so I can post")
        answer_in = metadata.get("channel") or saved.channel_id
        try:
            message = note(f"Saved the digest “{saved.name}”.", *lines)
            client.chat_postEphemeral(channel=answer_in, user=user, text=message.text,
                                      blocks=list(message.blocks))
        except SlackApiError as error:
            logger.info("could not confirm the saved digest: %s", error.response.get("error"))

    # ---------------------------------------------------------------- shared

    def _open_modal(self, client: WebClient, trigger_id: str | None,
                    definition: DigestDefinition | None, channel_id: str | None, *,
                    name: str | None = None) -> None:
        client.views_open(trigger_id=trigger_id, view=digest_modal(
            definition, channel_id=channel_id, default_tz=self.services.settings.tz, name=name))

    def _preview(self, definition: DigestDefinition, respond: Respond) -> None:
        try:
            engine = self.services.engine
            report = build_digest(engine, definition, last_due(definition, engine.now()))
            message = preview_message(digest_message(report), definition.channel_id)
        except Exception:
            message = apology_message(log_internal_error(f"previewing {definition.name!r}"))
        respond(**_ephemeral(message), replace_original=False)


def _button_value(body: dict) -> str:
    actions = body.get("actions") or [{}]
    return str(actions[0].get("value") or "")


def _bot_is_in(client: WebClient, channel_id: str) -> bool:
    """Whether kpibot is a member of the channel (True when Slack cannot tell us)."""
    try:
        return bool(client.conversations_info(channel=channel_id)["channel"].get("is_member"))
    except SlackApiError:
        return True
