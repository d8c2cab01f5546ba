"""A click on an answer's thumbs up or down: `FeedbackVotes.on_vote` stores the vote and then
acknowledges — so the vote is kept by the time Slack shows the click (as survey clicks are) —
and the note that follows the acknowledgement (`after_vote`, module-level: a worker process is
sent its name) runs where answers are worked out.

The clicked message names the answer (the payload's container: channel and message ts). One
vote per person per answer; a later click replaces the earlier one. The voter is told
privately "Thanks — noted", and after a thumbs down where to say what was wrong (the answer's
thread). A click on a message whose answer kpibot no longer keeps stores nothing and says so in
one sentence; so does a button value kpibot did not make.
"""

from __future__ import annotations

from slack_bolt import Ack
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.asking.answering import Answering
from bot.blocks import ids
from bot.blocks.answer import feedback_note, feedback_thanks
from bot.errors import log_internal_error
from bot.listeners.surveys.clicks import tell
from kpi_engine.question.feedback import FeedbackStore, Outcome

NO_SUCH_ANSWER = "I no longer have that answer, so your vote was not recorded."
HELPFUL = {ids.FEEDBACK_HELPFUL: True, ids.FEEDBACK_UNHELPFUL: False}


def _click(body: dict) -> dict:
    """What a note to the voter needs, small enough to send to a worker process."""
    return {"response_url": body.get("response_url"), "channel": _where(body)[0],
            "user": (body.get("user") or {}).get("id")}


def _where(body: dict) -> tuple[str | None, str | None]:
    container = body.get("container") or {}
    return container.get("channel_id"), container.get("message_ts")


def after_vote(services, client: WebClient, click: dict, outcome: Outcome, helpful: bool,
               message_ts: str | None) -> None:
    """The private note after an acknowledged vote. Never raises."""
    try:
        if not outcome.stored:
            tell(click, client, feedback_note(NO_SUCH_ANSWER))
            return
        permalink = None
        if not helpful and click.get("channel") and message_ts:
            try:
                permalink = client.chat_getPermalink(channel=click["channel"],
                                                     message_ts=message_ts).get("permalink")
            except SlackApiError:
                permalink = None  # thanks without the link
        tell(click, client, feedback_thanks(helpful, permalink))
    except Exception:
        log_internal_error("telling a voter their vote was noted")


def note_to_voter(services, client: WebClient, click: dict, text: str) -> None:
    try:
        tell(click, client, feedback_note(text))
    except Exception:
        log_internal_error("telling a voter why nothing was stored")


class FeedbackVotes:
    def __init__(self, store: FeedbackStore, answering: Answering) -> None:
        self.store = store
        self.answering = answering  # the note after the acknowledgement runs where answers do

    def on_vote(self, ack: Ack, body: dict) -> None:
        action = (body.get("actions") or [{}])[0]
        helpful = HELPFUL.get(action.get("value"))
        channel, message_ts = _where(body)
        voter = (body.get("user") or {}).get("id", "")
        if helpful is None or not (channel and message_ts and voter):
            ack()
            self.answering.follow_up(note_to_voter, _click(body), NO_SUCH_ANSWER)
            return
        try:
            outcome = self.store.vote(channel, message_ts, voter, helpful=helpful)
        except Exception:
            ack()
            incident = log_internal_error(f"storing a vote on {message_ts}")
            self.answering.follow_up(note_to_voter, _click(body), (
                f"Sorry — your vote could not be saved (error id {incident}). Please click "
                "again in a moment."))
            return
        ack()  # the vote is stored
        self.answering.follow_up(after_vote, _click(body), outcome, helpful, message_ts)
