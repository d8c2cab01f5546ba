"""The survey's buttons and its comment form: `SurveyClicks` holds the listeners, and the
work that follows an acknowledged click (`after_answer`, `note_to_clicker`) is module-level,
as a worker process is sent its name.

A click's answer is stored first and acknowledged after, so a customer who sees the next
question knows their answer is kept; when storing fails they are told so, not thanked. Then the
message moves to the survey's next step (CSAT → CES → NPS when asked → thank-you). A click by
anyone but the ticket's customer, on a closed survey, on a survey whose ticket is gone, with a
score outside the scale or a value kpibot did not make stores nothing, and the person who
clicked is told why, privately. A button kpibot does not know (an old message, a forged
action id) is acknowledged and answered the same way. What follows the acknowledgement runs
where answers are worked out (`Answering.follow_up`: the worker processes of `kpibot serve`),
so a burst of clicks is acknowledged as fast as their answers are stored.
"""

from __future__ import annotations

import json

from slack_bolt import Ack
from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from bot.asking.answering import Answering
from bot.blocks import ids
from bot.blocks.message import SlackMessage
from bot.blocks.survey import KIND_OF_ACTION, comment_modal, not_yours, note, parse_click_value
from bot.errors import log_internal_error
from bot.posting.survey_posting import SurveyPoster
from bot.services import SupportServices
from kpi_engine.desk.surveys import Answered, Outcome
from kpi_engine.vocabulary import SurveyKind

NOT_A_SURVEY = "That button is not part of an open kpibot survey — nothing was recorded."
NOTES = {
    Outcome.CLOSED: "This survey has closed — nothing was recorded. Thank you anyway!",
    Outcome.OUT_OF_SCALE: "That score is not on this survey's scale — nothing was recorded.",
    Outcome.NO_SUCH_SURVEY: NOT_A_SURVEY,
    Outcome.TICKET_GONE: "This conversation no longer exists in kpibot, so its survey is "
                         "closed — nothing was recorded.",
}


def tell(click: dict, client: WebClient, message: SlackMessage) -> None:
    """A private note to the person who clicked (`click`: the payload's response URL, channel
    and user): through the response URL, or as an ephemeral message where there is none."""
    if click.get("response_url"):
        WebhookClient(click["response_url"]).send(
            text=message.text, blocks=list(message.blocks), response_type="ephemeral",
            replace_original=False)
    else:
        client.chat_postEphemeral(channel=click["channel"], user=click["user"],
                                  text=message.text, blocks=list(message.blocks))


def _click(body: dict) -> dict:
    """What a note to the clicker needs, small enough to send to a worker process."""
    return {"response_url": body.get("response_url"), "channel": _where(body)[0],
            "user": (body.get("user") or {}).get("id")}


def after_answer(services: SupportServices, client: WebClient, answered: Answered,
                 kind: SurveyKind, score: int, click: dict) -> None:
    """What follows an acknowledged click: the message's next question (or thanks), a low
    CSAT told to the team, or the note saying why nothing was stored. Never raises."""
    try:
        poster = SurveyPoster(services, client)
        survey = answered.survey
        if answered.outcome.stored:
            poster.show(survey)
            if kind is SurveyKind.CSAT and answered.outcome is not Outcome.SAME:
                poster.low_csat(survey, score)
        elif answered.outcome is Outcome.NOT_THE_CUSTOMER:
            tell(click, client, not_yours(survey.customer))
        else:
            if answered.outcome is Outcome.CLOSED and survey is not None:
                poster.close(survey)
            tell(click, client, note(NOTES[answered.outcome]))
    except Exception:
        log_internal_error("after acknowledging a survey click")


def note_to_clicker(services: SupportServices, client: WebClient, click: dict,
                    text: str) -> None:
    try:
        tell(click, client, note(text))
    except Exception:
        log_internal_error("telling a survey click why nothing was stored")


def _where(body: dict) -> tuple[str | None, str | None]:
    container = body.get("container") or {}
    return container.get("channel_id"), container.get("message_ts")


class SurveyClicks:
    def __init__(self, services: SupportServices, answering: Answering) -> None:
        self.services = services
        # What follows an acknowledgement runs where answers are worked out (in `kpibot
        # serve`, the worker processes), so this process goes back to acknowledging clicks.
        self.answering = answering

    def on_answer(self, ack: Ack, body: dict) -> None:
        action = (body.get("actions") or [{}])[0]
        kind = KIND_OF_ACTION[action.get("action_id")]
        channel, message_ts = _where(body)
        parsed = parse_click_value(action.get("value"))
        user = (body.get("user") or {}).get("id", "")
        if parsed is None or parsed[1] is None or not (channel and message_ts):
            ack()
            self.answering.follow_up(note_to_clicker, _click(body), NOT_A_SURVEY)
            return
        ticket, score = parsed
        try:
            answered = self.services.surveys.answer(channel, message_ts, ticket, user, kind,
                                                    score)
        except Exception:
            ack()
            incident = log_internal_error(f"storing a {kind.value} answer on {message_ts}")
            self.answering.follow_up(
                note_to_clicker, _click(body), f"Sorry — your answer could not be saved (error "
                f"id {incident}). Please click again in a moment.")
            return
        ack()  # the answer is stored: now the customer may see the next question
        self.answering.follow_up(after_answer, answered, kind, score, _click(body))

    @staticmethod
    def _safely(work) -> None:
        """Work after the acknowledgement: an exception escaping a listener makes Bolt forget
        the acknowledgement (and try the next listener), so none may escape."""
        try:
            work()
        except Exception:
            log_internal_error("after acknowledging a survey click")

    def on_comment_button(self, ack: Ack, body: dict, client: WebClient) -> None:
        ack()
        self._safely(lambda: self._open_comment(body, client))

    def _open_comment(self, body: dict, client: WebClient) -> None:
        channel, message_ts = _where(body)
        survey = self.services.surveys.by_message(channel or "", message_ts or "")
        user = (body.get("user") or {}).get("id", "")
        if survey is None:
            tell(_click(body), client, note(NOT_A_SURVEY))
        elif user != survey.customer:
            tell(_click(body), client, not_yours(survey.customer))
        elif not survey.is_open(self.services.engine.now()):
            tell(_click(body), client, note(NOTES[Outcome.CLOSED]))
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

    def on_unknown(self, ack: Ack, body: dict) -> None:
        ack()
        self.answering.follow_up(note_to_clicker, _click(body), NOT_A_SURVEY)
