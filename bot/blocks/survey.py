"""The survey in a support thread, one message whose content follows its step: the CSAT
question with five buttons, then the CES 2.0 question with seven, then (when asked) NPS with
eleven, then a thank-you with "Add a comment" — or "This survey has closed". Also the comment
modal, the notes a click gets when it stores nothing, and the notice a low CSAT sends the
team. Pure builders: no client, no database.

Each button's value names the ticket and the score (`click_value`), and is checked against the
survey in the database when clicked: a forged value stores nothing.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot.blocks import ids
from bot.blocks.kit import clip, context, escape, plain_text, section
from bot.blocks.message import SlackMessage
from kpi_engine.desk.surveys import MAX_COMMENT, Step, Survey
from kpi_engine.vocabulary import SURVEY_SCALES, SurveyKind

QUESTIONS = {
    SurveyKind.CSAT: "How satisfied are you with the help you got?",
    SurveyKind.CES: "“The company made it easy for me to handle my issue.” How much do you "
                    "agree?",
    SurveyKind.NPS: "How likely are you to recommend us to a friend or colleague?",
}
ANCHORS = {
    SurveyKind.CSAT: "1 = very dissatisfied · 5 = very satisfied",
    SurveyKind.CES: "1 = strongly disagree · 7 = strongly agree",
    SurveyKind.NPS: "0 = not at all likely · 10 = extremely likely",
}
ACTIONS = {SurveyKind.CSAT: ids.SURVEY_CSAT, SurveyKind.CES: ids.SURVEY_CES,
           SurveyKind.NPS: ids.SURVEY_NPS}
KIND_OF_ACTION = {action: kind for kind, action in ACTIONS.items()}
THANKS = "Thank you — your answers help the team get better."
CLOSED = "This survey has closed. Thank you for your time."


def click_value(survey: Survey, score: int) -> str:
    return json.dumps({"t": [survey.source, survey.ticket_id], "s": score},
                      separators=(",", ":"))


def parse_click_value(value: str | None) -> tuple[tuple[str, str], int | None] | None:
    """(ticket key, score) from a button's value; None when it is not one kpibot made."""
    try:
        data = json.loads(value or "")
        source, ticket_id = data["t"]
        score = data.get("s")
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
    if not (isinstance(source, str) and isinstance(ticket_id, str)):
        return None
    return (source, ticket_id), score if isinstance(score, int) and not isinstance(score, bool) \
        else None


def survey_message(survey: Survey, *, now: datetime | None = None) -> SlackMessage:
    """The survey's message as its step shows it (closed once it is no longer open)."""
    if now is not None and not survey.is_open(now):
        return closed_message()
    if survey.step is Step.DONE:
        return thanks_message(survey)
    kind = survey.step.kind
    low, high = SURVEY_SCALES[kind]
    question = f"<@{escape(survey.customer)}> {escape(QUESTIONS[kind])}"
    buttons = [{"type": "button", "action_id": ACTIONS[kind], "text": plain_text(str(score)),
                "value": click_value(survey, score)} for score in range(low, high + 1)]
    blocks = (
        section(question, ids.SURVEY_QUESTION),
        {"type": "actions", "block_id": f"{ids.SURVEY_BUTTONS}_{kind.value}",
         "elements": buttons},
        context(f"{ANCHORS[kind]} · one click; only <@{escape(survey.customer)}> can answer",
                block_id=ids.SURVEY_HINT),
    )
    return SlackMessage(text=QUESTIONS[kind], blocks=blocks)


def thanks_message(survey: Survey) -> SlackMessage:
    comment = {"type": "button", "action_id": ids.SURVEY_COMMENT,
               "text": plain_text("Add a comment"), "value": click_value(survey, 0)}
    return SlackMessage(text=THANKS, blocks=(
        section(f":pray: {THANKS}", ids.SURVEY_THANKS),
        {"type": "actions", "block_id": ids.SURVEY_COMMENT, "elements": [comment]},
    ))


def closed_message() -> SlackMessage:
    return SlackMessage(text=CLOSED, blocks=(section(CLOSED, ids.SURVEY_CLOSED),))


def comment_modal(survey: Survey) -> dict[str, Any]:
    """The form for an optional comment (Slack refuses more than MAX_COMMENT characters)."""
    return {
        "type": "modal", "callback_id": ids.SURVEY_COMMENT_MODAL,
        "title": plain_text("Your comment"), "submit": plain_text("Send"),
        "close": plain_text("Cancel"),
        "private_metadata": json.dumps({"channel": survey.channel_id,
                                        "message_ts": survey.message_id,
                                        "ticket": [survey.source, survey.ticket_id]}),
        "blocks": [{
            "type": "input", "block_id": ids.SURVEY_COMMENT_INPUT,
            "label": plain_text("Anything you would like the team to know?"),
            "element": {"type": "plain_text_input", "action_id": "value", "multiline": True,
                        "max_length": MAX_COMMENT},
        }],
    }


def note(text: str) -> SlackMessage:
    """A private note to the person who clicked (plain text, shown as typed)."""
    return mrkdwn_note(escape(text))


def mrkdwn_note(text: str) -> SlackMessage:
    """A private note whose text is mrkdwn already (its channel links and mentions work;
    anything from data in it must have been escaped)."""
    return SlackMessage(text=text, blocks=(section(text, ids.SURVEY_NOTE),))


def not_yours(survey_customer: str) -> SlackMessage:
    text = f"Only <@{escape(survey_customer)}> can answer this survey — nothing was recorded."
    return SlackMessage(text=text, blocks=(section(text, ids.SURVEY_NOTE),))


def low_csat_notice(survey: Survey, score: int, permalink: str | None,
                    agent: str | None) -> SlackMessage:
    """For the team: a customer rated a conversation 1 or 2 out of 5."""
    where = f"<{permalink}|the conversation>" if permalink else f"<#{survey.channel_id}>"
    by = f", handled by {escape(agent)}" if agent else ""
    text = (f":warning: <@{escape(survey.customer)}> rated {where} {score} / 5 for "
            f"satisfaction{by}. It may be worth following up.")
    return SlackMessage(text=clip(f"Low CSAT ({score}/5): a conversation may need a follow-up",
                                  150), blocks=(section(text, ids.SURVEY_LOW_CSAT),))
