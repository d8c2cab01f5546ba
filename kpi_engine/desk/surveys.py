"""Post-conversation surveys: who is asked, what is stored, once. Chat-free: the bot posts the
questions and passes the clicks (a survey is found by its channel and message ids, plain
strings); this module decides and writes.

A survey belongs to one ticket and walks its steps: CSAT (1–5), then CES 2.0 (1–7), then —
when the workspace asks for it and the customer was not asked within the NPS cooldown — NPS
(0–10), then done. Every question shown is a survey request (`survey_requests`), so the survey
response rate is real; every answer is a survey response of the ticket (`survey_responses`)
and counts in the KPIs like an imported one.

The rules survey tools have:
- ask 1 in N tickets (the same tickets however often it is asked: by a hash of the ticket);
- no second survey for a customer within the cooldown, and never two for one ticket;
- only the ticket's customer answers: anyone else's click stores nothing;
- one answer per (ticket, kind): a later click changes it, until the survey expires;
- an expired or closed survey stores nothing; a score outside its scale stores nothing.

`answer()` checks and writes in one transaction, and tells the caller what happened, so the
bot acknowledges the click only once the answer is stored.

The `surveys` table keeps the column names it was created with (`thread_ts`, `message_ts`) for
what are `thread_id` and `message_id` here: no migration renames them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import Enum

import sqlalchemy as sa

from kpi_engine.desk import survey_statements as statements
from kpi_engine.desk.conversations import TicketRef
from kpi_engine.desk.ids import is_user_id
from kpi_engine.storage.schema import survey_requests, survey_responses, surveys, tickets
from kpi_engine.vocabulary import SURVEY_SCALES, SurveyKind

MAX_COMMENT = 2_000  # characters of a comment kept; a longer one is cut


class Step(Enum):
    CSAT = "csat"
    CES = "ces"
    NPS = "nps"
    DONE = "done"

    @property
    def kind(self) -> SurveyKind | None:
        return None if self is Step.DONE else SurveyKind(self.value)


STEPS = (Step.CSAT, Step.CES, Step.NPS, Step.DONE)


@dataclass(frozen=True, kw_only=True)
class SurveyPolicy:
    """The workspace's survey rules (settings)."""

    expiry: timedelta = timedelta(hours=72)
    sample: int = 1  # ask 1 in N
    cooldown: timedelta = timedelta(days=7)  # no second survey for a customer within it
    nps: bool = False
    nps_cooldown: timedelta = timedelta(days=90)

    @classmethod
    def from_settings(cls, settings) -> SurveyPolicy:
        return cls(expiry=timedelta(hours=settings.survey_expiry_hours),
                   sample=settings.survey_sample,
                   cooldown=timedelta(days=settings.survey_cooldown_days),
                   nps=settings.survey_nps,
                   nps_cooldown=timedelta(days=settings.nps_cooldown_days))


@dataclass(frozen=True, kw_only=True)
class Survey:
    source: str
    ticket_id: str
    channel_id: str
    thread_id: str
    message_id: str | None  # of the message that shows the survey, once posted
    customer: str
    sent_at: datetime
    expires_at: datetime
    step: Step
    with_nps: bool
    closed: bool

    def is_open(self, now: datetime) -> bool:
        return not self.closed and now < self.expires_at

    def after(self, kind: SurveyKind) -> Step:
        """The step that follows an answer of `kind`."""
        if kind is SurveyKind.CSAT:
            return Step.CES
        if kind is SurveyKind.CES and self.with_nps:
            return Step.NPS
        return Step.DONE

    def offers(self, kind: SurveyKind) -> bool:
        return kind is not SurveyKind.NPS or self.with_nps

    @classmethod
    def of_row(cls, row) -> Survey:
        """The survey of a row of `surveys`, as a mapping of its columns."""
        return cls(source=row["source"], ticket_id=row["ticket_id"],
                   channel_id=row["channel_id"], thread_id=row["thread_ts"],
                   message_id=row["message_ts"], customer=row["customer"],
                   sent_at=row["sent_at"], expires_at=row["expires_at"],
                   step=Step(row["step"]), with_nps=bool(row["with_nps"]),
                   closed=bool(row["closed"]))


class Outcome(Enum):
    """What became of an answer (or a comment)."""

    STORED = "stored"
    CHANGED = "changed"  # a later click changed an earlier answer
    SAME = "same"  # the same click again: nothing to change
    NOT_THE_CUSTOMER = "not the customer"
    CLOSED = "closed"  # expired or closed: nothing stored
    NO_SUCH_SURVEY = "no such survey"  # unknown, forged, or a question it does not ask
    TICKET_GONE = "ticket gone"
    OUT_OF_SCALE = "out of scale"

    @property
    def stored(self) -> bool:
        return self in (Outcome.STORED, Outcome.CHANGED, Outcome.SAME)


@dataclass(frozen=True)
class Answered:
    outcome: Outcome
    survey: Survey | None = None  # as it is after the answer
    previous_score: int | None = None


def sampled(source: str, ticket_id: str, sample: int) -> bool:
    """Whether a ticket is among the 1 in `sample` that are asked (stable per ticket)."""
    digest = hashlib.sha256(f"{source}\x00{ticket_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % sample == 0


class SurveyStore:
    def __init__(self, db: sa.Engine, clock: Callable[[], datetime],
                 policy: SurveyPolicy) -> None:
        self.db = db
        self.clock = clock
        self.policy = policy

    # ---------------------------------------------------------------- asking

    def why_not(self, ticket: TicketRef, customer: str | None) -> str | None:
        """None when the ticket's customer should be asked now; otherwise why not."""
        if not is_user_id(customer):
            return "the customer is not a Slack user kpibot can ask"
        if not sampled(ticket.source, ticket.ticket_id, self.policy.sample):
            return f"not among the 1 in {self.policy.sample} tickets surveyed"
        with self.db.connect() as connection:
            if connection.execute(sa.select(sa.literal(1)).where(
                    surveys.c.source == ticket.source,
                    surveys.c.ticket_id == ticket.ticket_id)).first():
                return "this ticket was surveyed already"
            if self.policy.cooldown and connection.execute(sa.select(sa.literal(1)).where(
                    surveys.c.customer == customer,
                    surveys.c.sent_at > self.clock() - self.policy.cooldown)).first():
                return "the customer had a survey within the cooldown"
        return None

    def begin(self, ticket: TicketRef, customer: str) -> Survey | None:
        """Claim the ticket's survey (its row, before anything is posted) and record the
        CSAT request; None when another process claimed it first."""
        now = self.clock()
        survey = Survey(source=ticket.source, ticket_id=ticket.ticket_id,
                        channel_id=ticket.channel_id, thread_id=ticket.thread_id,
                        message_id=None, customer=customer, sent_at=now,
                        expires_at=now + self.policy.expiry, step=Step.CSAT,
                        with_nps=self._nps_due(customer, now), closed=False)
        try:
            with self.db.begin() as connection:
                connection.execute(sa.insert(surveys).values(
                    source=survey.source, ticket_id=survey.ticket_id,
                    channel_id=survey.channel_id, thread_ts=survey.thread_id,
                    customer=customer, sent_at=now, expires_at=survey.expires_at,
                    step=Step.CSAT.value, with_nps=survey.with_nps, closed=False))
                _request(connection, survey, SurveyKind.CSAT, now)
        except sa.exc.IntegrityError:
            return None
        return survey

    def posted(self, survey: Survey, message_id: str) -> Survey:
        with self.db.begin() as connection:
            connection.execute(sa.update(surveys).where(*_key(survey))
                               .values(message_ts=message_id))
        return replace(survey, message_id=message_id)

    def abandon(self, survey: Survey) -> None:
        """The survey could not be posted: forget it (and its request), so it may be asked
        again and the response rate does not count a question nobody saw."""
        with self.db.begin() as connection:
            connection.execute(sa.delete(survey_requests).where(
                survey_requests.c.source == survey.source,
                survey_requests.c.ticket_id == survey.ticket_id))
            connection.execute(sa.delete(surveys).where(*_key(survey)))

    def _nps_due(self, customer: str, now: datetime) -> bool:
        if not self.policy.nps:
            return False
        cutoff = now - self.policy.nps_cooldown
        asked = (sa.select(sa.literal(1)).select_from(survey_requests.join(
            tickets, sa.and_(tickets.c.source == survey_requests.c.source,
                             tickets.c.id == survey_requests.c.ticket_id)))
                 .where(tickets.c.customer == customer,
                        survey_requests.c.kind == SurveyKind.NPS.value,
                        survey_requests.c.sent_at > cutoff))
        offered = sa.select(sa.literal(1)).where(surveys.c.customer == customer,
                                                 surveys.c.with_nps,
                                                 surveys.c.sent_at > cutoff)
        with self.db.connect() as connection:
            return connection.execute(asked).first() is None and \
                connection.execute(offered).first() is None

    # ---------------------------------------------------------------- answering

    def by_message(self, channel_id: str, message_id: str) -> Survey | None:
        with self.db.connect() as connection:
            row = connection.execute(sa.select(surveys).where(
                surveys.c.channel_id == channel_id, surveys.c.message_ts == message_id)
            ).mappings().first()
        return None if row is None else Survey.of_row(row)

    def answer(self, channel_id: str, message_id: str, ticket: tuple[str, str], user: str,
               kind: SurveyKind, score: int) -> Answered:
        """Store the customer's answer of `kind` to the survey in that message (the ticket
        the click names must be the survey's), and move the survey on. Two clicks at once
        both write: the one that finds the other's answer inserted tries again and sees it."""
        try:
            return self._answer(channel_id, message_id, ticket, user, kind, score)
        except sa.exc.IntegrityError:
            return self._answer(channel_id, message_id, ticket, user, kind, score)

    def _answer(self, channel_id: str, message_id: str, ticket: tuple[str, str], user: str,
                kind: SurveyKind, score: int) -> Answered:
        now = self.clock()
        with self.db.begin() as connection:
            checked = self._check(connection, channel_id, message_id, ticket, user, now,
                                  answered=kind)
            if isinstance(checked, Answered):
                return checked
            survey, before = checked
            low, high = SURVEY_SCALES[kind]
            if not survey.offers(kind):
                return Answered(Outcome.NO_SUCH_SURVEY)
            if not (isinstance(score, int) and low <= score <= high):
                return Answered(Outcome.OUT_OF_SCALE, survey)
            if before is None:
                connection.execute(statements.INSERT_RESPONSE, {
                    "source": survey.source, "ticket_id": survey.ticket_id,
                    "kind": kind.value, "score": score, "responded_at": now})
                outcome = Outcome.STORED
            elif before != score:
                connection.execute(statements.UPDATE_RESPONSE, {
                    "r_source": survey.source, "r_ticket_id": survey.ticket_id,
                    "r_kind": kind.value, "r_score": score, "r_at": now})
                outcome = Outcome.CHANGED
            else:
                outcome = Outcome.SAME
            survey = self._advance(connection, survey, survey.after(kind), now)
        return Answered(outcome, survey, before)

    def comment(self, channel_id: str, message_id: str, ticket: tuple[str, str], user: str,
                text: str) -> Answered:
        """Keep the customer's comment (cut to MAX_COMMENT) with their CSAT answer."""
        now = self.clock()
        with self.db.begin() as connection:
            checked = self._check(connection, channel_id, message_id, ticket, user, now)
            if isinstance(checked, Answered):
                return checked
            survey, _ = checked
            kept = str(text).strip()[:MAX_COMMENT] or None
            updated = connection.execute(sa.update(survey_responses).where(
                survey_responses.c.source == survey.source,
                survey_responses.c.ticket_id == survey.ticket_id,
                survey_responses.c.kind == SurveyKind.CSAT.value).values(comment=kept))
        return Answered(Outcome.STORED if updated.rowcount else Outcome.NO_SUCH_SURVEY, survey)

    def _check(self, connection, channel_id: str, message_id: str, ticket: tuple[str, str],
               user: str, now: datetime, answered: SurveyKind | None = None
               ) -> tuple[Survey, int | None] | Answered:
        """The survey a click may answer with the score already given for `answered` (None
        when there is none), or the refusal (with the survey, when there is one, for the note
        the person gets)."""
        # the survey, whether its ticket still exists and the answer given before, in one
        # round trip (a burst of clicks makes each round trip count)
        kind = None if answered is None else answered.value
        row = connection.execute(statements.SURVEY_BY_MESSAGE, {
            "kind": kind, "channel_id": channel_id, "message_ts": message_id}).mappings().first()
        if row is None:  # clicked the moment it was posted, its id being recorded meanwhile?
            row = connection.execute(statements.SURVEY_BY_TICKET, {
                "kind": kind, "source": ticket[0], "ticket_id": ticket[1],
                "channel_id": channel_id}).mappings().first()
            if row is None or row["message_ts"] not in (None, message_id):
                return Answered(Outcome.NO_SUCH_SURVEY)
            if row["message_ts"] is None:
                connection.execute(sa.update(surveys).where(
                    surveys.c.source == row["source"], surveys.c.ticket_id == row["ticket_id"],
                    surveys.c.message_ts.is_(None)).values(message_ts=message_id))
                row = dict(row) | {"message_ts": message_id}
        survey = Survey.of_row(row)
        if (survey.source, survey.ticket_id) != tuple(ticket):
            return Answered(Outcome.NO_SUCH_SURVEY)  # a click naming another ticket: forged
        if row["ticket_exists"] is None:
            return Answered(Outcome.TICKET_GONE, survey)
        if user != survey.customer:
            return Answered(Outcome.NOT_THE_CUSTOMER, survey)
        if not survey.is_open(now):
            return Answered(Outcome.CLOSED, survey)
        return survey, row["score_before"]

    def _advance(self, connection, survey: Survey, step: Step, now: datetime) -> Survey:
        """Move the survey forward to `step` (never back), recording the request of the
        question that step asks the first time it is shown."""
        key = {"s_source": survey.source, "s_ticket_id": survey.ticket_id}
        moved = connection.execute(statements.ADVANCE, key | {
            "s_step": step.value, "s_earlier": [s.value for s in STEPS[:STEPS.index(step)]]})
        if moved.rowcount:
            if step.kind is not None:
                _request(connection, survey, step.kind, now)
            return replace(survey, step=step)
        current = connection.execute(statements.STEP, key).scalar_one()
        return replace(survey, step=Step(current))

    # ---------------------------------------------------------------- housekeeping

    def expired(self) -> list[Survey]:
        """Posted surveys whose time is up and whose message still shows buttons."""
        with self.db.connect() as connection:
            rows = connection.execute(sa.select(surveys).where(
                ~surveys.c.closed, surveys.c.message_ts.is_not(None),
                surveys.c.expires_at <= self.clock())).mappings().all()
        return [Survey.of_row(row) for row in rows]

    def close(self, survey: Survey) -> None:
        with self.db.begin() as connection:
            connection.execute(sa.update(surveys).where(*_key(survey)).values(closed=True))

    def unposted(self, older_than: timedelta) -> list[Survey]:
        """Surveys claimed and never posted (their poster died), older than `older_than`."""
        with self.db.connect() as connection:
            rows = connection.execute(sa.select(surveys).where(
                surveys.c.message_ts.is_(None),
                surveys.c.sent_at <= self.clock() - older_than)).mappings().all()
        return [Survey.of_row(row) for row in rows]

    def solved_without_survey(self, since: datetime, limit: int = 200) -> list[TicketRef]:
        """Tickets with a thread solved since `since` that have no survey: solved in a
        helpdesk and imported, or resolved while kpibot was away."""
        statement = (
            sa.select(tickets)
            .where(tickets.c.slack_channel.is_not(None), tickets.c.slack_thread_ts.is_not(None),
                   tickets.c.status.in_(("solved", "closed")), tickets.c.solved_at >= since,
                   ~sa.exists().where(surveys.c.source == tickets.c.source,
                                      surveys.c.ticket_id == tickets.c.id))
            .order_by(tickets.c.solved_at).limit(limit)
        )
        with self.db.connect() as connection:
            rows = connection.execute(statement).all()
        return [TicketRef(source=row.source, ticket_id=row.id, customer=row.customer,
                          channel_id=row.slack_channel, thread_id=row.slack_thread_ts,
                          status=row.status, solved_at=row.solved_at, agent=row.agent)
                for row in rows]


def _key(survey: Survey) -> tuple:
    return (surveys.c.source == survey.source, surveys.c.ticket_id == survey.ticket_id)


def _request(connection, survey: Survey, kind: SurveyKind, now: datetime) -> None:
    """Record that the question of `kind` was asked (once per ticket and kind; one
    statement)."""
    connection.execute(statements.REQUEST, {"q_source": survey.source,
                                            "q_ticket_id": survey.ticket_id,
                                            "q_kind": kind.value, "q_sent_at": now})
