"""Clicks on a survey in a support thread, and its optional comment.

A click's answer is stored first and acknowledged after, so a customer who sees the next
question knows their answer is kept; when storing fails they are told so, not thanked. Then the
message moves to the survey's next step (CSAT → CES → NPS when asked → thank-you). A click by
anyone but the ticket's customer, on a closed survey, on a survey whose ticket is gone, with a
score outside the scale or a value kpibot did not make stores nothing, and the person who
clicked is told why, privately. A button kpibot does not know (an old message, a forged
action id) is acknowledged and answered the same way.
"""

from __future__ import annotations

import json
import re

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.blocks import ids
from bot.blocks.message import SlackMessage
from bot.blocks.survey import KIND_OF_ACTION, comment_modal, not_yours, note, parse_click_value
from bot.errors import log_internal_error
from bot.services import SupportServices
from bot.survey_posting import SurveyPoster
from kpi_engine.surveys import Answered, Outcome
from kpi_engine.vocabulary import SurveyKind

NOT_A_SURVEY = "That button is not part of an open kpibot survey — nothing was recorded."
NOTES = {
    Outcome.CLOSED: "This survey has closed — nothing was recorded. Thank you anyway!",
    Outcome.OUT_OF_SCALE: "That score is not on this survey's scale — nothing was recorded.",
    Outcome.NO_SUCH_SURVEY: NOT_A_SURVEY,
    Outcome.TICKET_GONE: "This conversation no longer exists in kpibot, so its survey is "
                         "closed — nothing was recorded.",
}


def _private(message: SlackMessage) -> dict:
    return {"text": message.text, "blocks": list(message.blocks), "response_type": "ephemeral",
            "replace_original": False}


def _where(body: dict) -> tuple[str | None, str | None]:
    container = body.get("container") or {}
    return container.get("channel_id"), container.get("message_ts")


class SurveyClicks:
    def __init__(self, services: SupportServices) -> None:
        self.services = services

    def on_answer(self, ack: Ack, body: dict, client: WebClient, respond: Respond) -> None:
        action = (body.get("actions") or [{}])[0]
        kind = KIND_OF_ACTION[action.get("action_id")]
        channel, message_ts = _where(body)
        parsed = parse_click_value(action.get("value"))
        user = (body.get("user") or {}).get("id", "")
        if parsed is None or parsed[1] is None or not (channel and message_ts):
            ack()
            respond(**_private(note(NOT_A_SURVEY)))
            return
        ticket, score = parsed
        try:
            answered = self.services.surveys.answer(channel, message_ts, ticket, user, kind,
                                                    score)
        except Exception:
            ack()
            incident = log_internal_error(f"storing a {kind.value} answer on {message_ts}")
            respond(**_private(note(f"Sorry — your answer could not be saved (error id "
                                    f"{incident}). Please click again in a moment.")))
            return
        ack()  # the answer is stored: now the customer may see the next question
        self._after(answered, kind, score, client, respond)

    def _after(self, answered: Answered, kind: SurveyKind, score: int, client: WebClient,
               respond: Respond) -> None:
        poster = SurveyPoster(self.services, client)
        survey = answered.survey
        if answered.outcome.stored:
            poster.show(survey)
            if kind is SurveyKind.CSAT and answered.outcome is not Outcome.SAME:
                poster.low_csat(survey, score)
        elif answered.outcome is Outcome.NOT_THE_CUSTOMER:
            respond(**_private(not_yours(survey.customer)))
        else:
            if answered.outcome is Outcome.CLOSED and survey is not None:
                poster.close(survey)
            respond(**_private(note(NOTES[answered.outcome])))

    def on_comment_button(self, ack: Ack, body: dict, client: WebClient,
                          respond: Respond) -> None:
        ack()
        channel, message_ts = _where(body)
        survey = self.services.surveys.by_message(channel or "", message_ts or "")
        user = (body.get("user") or {}).get("id", "")
        if survey is None:
            respond(**_private(note(NOT_A_SURVEY)))
        elif user != survey.customer:
            respond(**_private(not_yours(survey.customer)))
        elif not survey.is_open(self.services.engine.now()):
            respond(**_private(note(NOTES[Outcome.CLOSED])))
        else:
            client.views_open(trigger_id=body.get("trigger_id"), view=comment_modal(survey))

    def on_comment(self, ack: Ack, body: dict, view: dict) -> None:
        """Keep the comment (cut to its limit) with the customer's CSAT answer."""
        try:
            where = json.loads(view.get("private_metadata") or "{}")
            ticket = tuple(where["ticket"])
            text = view["state"]["values"][ids.SURVEY_COMMENT_INPUT]["value"]["value"] or ""
        except (ValueError, KeyError, TypeError):
            ack(response_action="errors",
                errors={ids.SURVEY_COMMENT_INPUT: "This form is not one of kpibot's."})
            return
        user = (body.get("user") or {}).get("id", "")
        try:
            answered = self.services.surveys.comment(where.get("channel", ""),
                                                     where.get("message_ts", ""), ticket, user,
                                                     text)
        except Exception:
            incident = log_internal_error("storing a survey comment")
            ack(response_action="errors", errors={
                ids.SURVEY_COMMENT_INPUT: f"Your comment could not be saved (error id "
                                          f"{incident}). Please try again."})
            return
        if answered.outcome is Outcome.STORED:
            ack()
        elif answered.outcome is Outcome.NOT_THE_CUSTOMER:
            ack(response_action="errors",
                errors={ids.SURVEY_COMMENT_INPUT: "Only the person who asked can comment."})
        else:
            ack(response_action="errors", errors={
                ids.SURVEY_COMMENT_INPUT: NOTES.get(answered.outcome, NOT_A_SURVEY)})

    def on_unknown(self, ack: Ack, respond: Respond) -> None:
        ack()
        respond(**_private(note(NOT_A_SURVEY)))


def register(app: App, clicks: SurveyClicks) -> None:
    for action in KIND_OF_ACTION:
        app.action(action)(clicks.on_answer)
    app.action(ids.SURVEY_COMMENT)(clicks.on_comment_button)
    app.view(ids.SURVEY_COMMENT_MODAL)(clicks.on_comment)
    # last: any other kpibot survey button (an old message, a forged action id)
    app.action(re.compile(rf"^{re.escape(ids.SURVEY_ACTION_PREFIX)}"))(clicks.on_unknown)
