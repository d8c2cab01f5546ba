"""Posting surveys in support threads and keeping their messages right.

- `survey_solved(ticket)`: when a ticket with a Slack thread is solved, ask its customer —
  unless the rules say not (sampled out, cooldown, surveyed already, not a Slack user). The
  survey's row is claimed before the question is posted, so a resolve seen by two processes,
  or by the reaction and the periodic check at once, posts one survey. A post Slack refuses
  gives the claim back, so the next check asks again.
- `show(survey)`: the message as the survey's step has it now (after a click).
- `check()`: the periodic job — surveys for tickets solved elsewhere (a helpdesk's import with
  `slack_channel`/`slack_thread_ts`, a resolve while kpibot was away), expired surveys closed
  ("This survey has closed"), and surveys whose poster died before posting: found in the
  thread (their metadata names the ticket) or given back to be asked again.
- `low_csat(survey, score)`: a CSAT of 1 or 2 tells the follow-up channel, once per ticket.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.survey import closed_message, low_csat_notice, survey_message
from bot.errors import log_internal_error
from bot.services import SupportServices
from kpi_engine.desk.conversations import TicketRef
from kpi_engine.desk.ids import is_user_id
from kpi_engine.desk.surveys import Survey

logger = logging.getLogger("kpibot.surveys")

SURVEY_EVENT = "kpibot_survey"  # the metadata event type of a survey message
LOOKBACK = timedelta(hours=24)  # tickets solved this recently are surveyed when found


class SurveyPoster:
    def __init__(self, services: SupportServices, client: WebClient) -> None:
        self.services = services
        self.client = client

    def survey_solved(self, ticket: TicketRef) -> Survey | None:
        """Ask the customer of a solved ticket, if the rules say so; the posted survey."""
        surveys = self.services.surveys
        customer = self._slack_user(ticket.customer)
        reason = surveys.why_not(ticket, customer)
        if reason is not None:
            logger.info("no survey for %s/%s: %s", ticket.source, ticket.ticket_id, reason)
            return None
        survey = surveys.begin(ticket, customer)
        if survey is None:
            return None  # another process is asking
        message = survey_message(survey)
        try:
            posted = self.client.chat_postMessage(
                channel=survey.channel_id, thread_ts=survey.thread_id, text=message.text,
                blocks=list(message.blocks), metadata=_metadata(survey), unfurl_links=False)
        except SlackApiError as error:
            surveys.abandon(survey)
            logger.warning("survey of %s could not be posted: %s", ticket.ticket_id,
                           error.response.get("error"))
            return None
        return surveys.posted(survey, posted["ts"])

    def show(self, survey: Survey) -> None:
        """Update the survey's message to its current step (best effort: a click's answer is
        stored whatever Slack says)."""
        message = survey_message(survey, now=self.services.engine.now())
        try:
            self.client.chat_update(channel=survey.channel_id, ts=survey.message_id,
                                    text=message.text, blocks=list(message.blocks))
        except SlackApiError as error:
            logger.warning("survey message %s not updated: %s", survey.message_id,
                           error.response.get("error"))

    def close(self, survey: Survey) -> None:
        message = closed_message()
        try:
            self.client.chat_update(channel=survey.channel_id, ts=survey.message_id,
                                    text=message.text, blocks=list(message.blocks))
        except SlackApiError as error:
            if error.response.get("error") not in ("message_not_found", "channel_not_found"):
                logger.warning("survey %s not closed: %s", survey.message_id,
                               error.response.get("error"))
                return
        self.services.surveys.close(survey)

    def check(self) -> tuple[int, int]:
        """The periodic job; returns (surveys posted, surveys closed)."""
        surveys, posted, closed = self.services.surveys, 0, 0
        try:
            for stale in surveys.unposted(timedelta(seconds=
                                                    self.services.settings.claim_timeout_seconds)):
                self._recover(stale)
            since = self.services.engine.now() - LOOKBACK
            for ticket in surveys.solved_without_survey(since):
                posted += self.survey_solved(ticket) is not None
            for survey in surveys.expired():
                self.close(survey)
                closed += 1
        except Exception:
            log_internal_error("the periodic survey check")
        return posted, closed

    def low_csat(self, survey: Survey, score: int) -> None:
        """Tell the follow-up channel of a CSAT of 1 or 2, once per ticket."""
        channel = self.services.settings.survey_followup_channel
        if not channel or score > 2:
            return
        claim = self.services.claims.claim(f"lowcsat:{survey.source}:{survey.ticket_id}")
        if claim is None:
            return
        try:
            permalink = self.client.chat_getPermalink(
                channel=survey.channel_id, message_ts=survey.thread_id).get("permalink")
        except SlackApiError:
            permalink = None
        ticket = self.services.desk.ticket(survey.source, survey.ticket_id)
        notice = low_csat_notice(survey, score, permalink, ticket.agent if ticket else None)
        try:
            posted = self.client.chat_postMessage(channel=channel, text=notice.text,
                                                  blocks=list(notice.blocks))
            self.services.claims.complete(claim, posted.get("ts"))
        except SlackApiError as error:
            self.services.claims.release(claim)
            logger.warning("low CSAT notice not posted in %s: %s", channel,
                           error.response.get("error"))

    def _recover(self, survey: Survey) -> None:
        """A survey claimed and never recorded as posted: its message if it is in the
        thread, else the claim given back so the next check asks again."""
        try:
            replies = self.client.conversations_replies(
                channel=survey.channel_id, ts=survey.thread_id, include_all_metadata=True,
                limit=200)
            for message in replies.get("messages", []):
                payload = (message.get("metadata") or {}).get("event_payload") or {}
                if payload.get("ticket") == [survey.source, survey.ticket_id]:
                    self.services.surveys.posted(survey, message["ts"])
                    return
        except SlackApiError as error:
            logger.info("could not look for survey %s in its thread: %s", survey.ticket_id,
                        error.response.get("error"))
        self.services.surveys.abandon(survey)

    def _slack_user(self, customer: str) -> str | None:
        """The customer's Slack id: as recorded, or looked up by email for imported tickets."""
        if is_user_id(customer):
            return customer
        if "@" not in (customer or ""):
            return None
        try:
            return self.client.users_lookupByEmail(email=customer)["user"]["id"]
        except SlackApiError:
            return None


def _metadata(survey: Survey) -> dict:
    return {"event_type": SURVEY_EVENT,
            "event_payload": {"ticket": [survey.source, survey.ticket_id]}}
