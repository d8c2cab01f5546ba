"""Feedback on answers: whether an answer helped, from the people who read it.

A front end records each answer it shows (`FeedbackStore.record_answer`): where it is — a
channel id and a message id, plain strings (in Slack, the channel and the message's ts) — the
question, its reading (the `KpiQuery` as JSON, as conversations.py stores it) and who asked.
A vote names that message: one vote per person per answer, and a later vote replaces the earlier
one. A vote on a message with no recorded answer stores nothing (`Outcome.NO_SUCH_ANSWER`).

This lives beside the conversations store rather than in `storage/`: a vote is about a question
and its reading, and reading them back needs `conversations.query_from_state`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

import sqlalchemy as sa

from kpi_engine.formatting import (
    THRESHOLD_WORDS,
    describe_filters,
    format_value,
    short_label,
    value_label,
)
from kpi_engine.metrics import METRICS_BY_ID
from kpi_engine.query import KpiQuery
from kpi_engine.question.conversations import query_from_state, query_to_state
from kpi_engine.storage.schema import answer_feedback, answers

MAX_ID = 32  # characters of a channel or message id, as the table keeps them
MAX_PERSON = 64


class Outcome(Enum):
    """What a vote did."""

    STORED = "stored"  # the person's first vote on this answer
    CHANGED = "changed"  # it replaced their earlier, different vote
    SAME = "same"  # the same vote again: kept, its time updated
    NO_SUCH_ANSWER = "no such answer"  # no answer is recorded for that message: nothing stored

    @property
    def stored(self) -> bool:
        return self is not Outcome.NO_SUCH_ANSWER


@dataclass(frozen=True, kw_only=True)
class RecordedAnswer:
    """An answer as it was shown: its message, the question and the reading."""

    channel_id: str
    message_id: str
    question: str
    query: KpiQuery | None  # None when the stored reading can no longer be read back
    asked_by: str
    answered_at: datetime


@dataclass(frozen=True, kw_only=True)
class Vote:
    """One person's vote on one answer, with what the answer was about."""

    answer: RecordedAnswer
    voter: str
    helpful: bool
    voted_at: datetime


@dataclass(frozen=True)
class HelpfulShare:
    """How many of the votes since a moment said the answer helped."""

    helpful: int
    votes: int

    @property
    def share(self) -> float | None:
        return self.helpful / self.votes if self.votes else None


class FeedbackStore:
    """The recorded answers and the votes on them, read and written in the database."""

    def __init__(self, db: sa.Engine, clock: Callable[[], datetime]) -> None:
        self.db = db
        self.clock = clock

    def record_answer(self, channel_id: str, message_id: str, *, question: str,
                      query: KpiQuery, asked_by: str) -> None:
        """Keep the answer shown in `message_id` of `channel_id` (recording it again replaces
        what was kept: a message shows one answer)."""
        key = _message(channel_id, message_id)
        values = {"question": question, "reading": query_to_state(query),
                  "asked_by": asked_by[:MAX_PERSON], "answered_at": self.clock()}
        where = (answers.c.channel_id == key[0]) & (answers.c.message_id == key[1])
        with self.db.begin() as connection:
            if connection.execute(sa.update(answers).where(where).values(**values)).rowcount:
                return
        try:
            with self.db.begin() as connection:
                connection.execute(sa.insert(answers).values(
                    channel_id=key[0], message_id=key[1], **values))
        except sa.exc.IntegrityError:  # recorded meanwhile by another process: ours wins
            with self.db.begin() as connection:
                connection.execute(sa.update(answers).where(where).values(**values))

    def answer(self, channel_id: str, message_id: str) -> RecordedAnswer | None:
        """The answer shown in that message, or None when none is recorded."""
        if not _valid(channel_id, message_id):
            return None
        statement = sa.select(answers).where(answers.c.channel_id == channel_id,
                                             answers.c.message_id == message_id)
        with self.db.connect() as connection:
            row = connection.execute(statement).one_or_none()
        return _recorded(row) if row is not None else None

    def vote(self, channel_id: str, message_id: str, voter: str, *, helpful: bool) -> Outcome:
        """`voter` says whether the answer in that message helped; their earlier vote on it, if
        any, is replaced. Nothing is stored for a message with no recorded answer."""
        if not voter or len(voter) > MAX_PERSON:
            raise ValueError(f"a voter is 1 to {MAX_PERSON} characters")
        if self.answer(channel_id, message_id) is None:
            return Outcome.NO_SUCH_ANSWER
        now = self.clock()
        where = ((answer_feedback.c.channel_id == channel_id)
                 & (answer_feedback.c.message_id == message_id)
                 & (answer_feedback.c.voter == voter))
        with self.db.begin() as connection:
            before = connection.execute(
                sa.select(answer_feedback.c.helpful).where(where)).scalar_one_or_none()
            if before is not None:
                connection.execute(sa.update(answer_feedback).where(where)
                                   .values(helpful=helpful, voted_at=now))
                return Outcome.SAME if bool(before) == helpful else Outcome.CHANGED
        try:
            with self.db.begin() as connection:
                connection.execute(sa.insert(answer_feedback).values(
                    channel_id=channel_id, message_id=message_id, voter=voter,
                    helpful=helpful, voted_at=now))
        except sa.exc.IntegrityError:
            # Their other click landed first (or the answer went meanwhile): the later one wins.
            if self.answer(channel_id, message_id) is None:
                return Outcome.NO_SUCH_ANSWER
            with self.db.begin() as connection:
                connection.execute(sa.update(answer_feedback).where(where)
                                   .values(helpful=helpful, voted_at=now))
        return Outcome.STORED

    def votes(self, *, since: datetime | None = None, unhelpful_only: bool = False,
              limit: int | None = None) -> list[Vote]:
        """The votes, newest first; optionally only those since a moment, only thumbs down."""
        statement = (
            sa.select(answer_feedback.c.voter, answer_feedback.c.helpful,
                      answer_feedback.c.voted_at, answers)
            .join(answers, (answers.c.channel_id == answer_feedback.c.channel_id)
                  & (answers.c.message_id == answer_feedback.c.message_id))
            .order_by(answer_feedback.c.voted_at.desc(), answer_feedback.c.voter)
        )
        if since is not None:
            statement = statement.where(answer_feedback.c.voted_at >= since)
        if unhelpful_only:
            statement = statement.where(answer_feedback.c.helpful == sa.false())
        if limit is not None:
            statement = statement.limit(limit)
        with self.db.connect() as connection:
            rows = connection.execute(statement).all()
        return [Vote(answer=_recorded(row), voter=row.voter, helpful=bool(row.helpful),
                     voted_at=row.voted_at) for row in rows]

    def helpful_share(self, since: datetime) -> HelpfulShare:
        """How many of the votes cast (or last changed) since `since` said "helpful"."""
        helpful = sa.func.sum(sa.case((answer_feedback.c.helpful == sa.true(), 1), else_=0))
        statement = (sa.select(sa.func.count(), helpful)
                     .where(answer_feedback.c.voted_at >= since))
        with self.db.connect() as connection:
            votes, up = connection.execute(statement).one()
        return HelpfulShare(helpful=int(up or 0), votes=int(votes or 0))


def describe_query(query: KpiQuery | None) -> str:
    """A reading in words: "First contact resolution · last week · tier 1 · by agent · compared
    with the week before"."""
    if query is None:
        return "(a reading this kpibot cannot read back)"
    metric = METRICS_BY_ID.get(query.metric)
    parts = [value_label(metric, query.statistic) if metric else query.metric,
             query.period.label]
    if query.filters:
        parts.append(describe_filters(query.filters))
    if query.trend is not None:
        parts.append(f"by {query.trend.value}")
    elif query.group_by:
        order = "worst first" if query.worst_first else "best first"
        top = f"top {query.limit} " if query.limit else ""
        parts.append(f"{top}by {' and '.join(d.value for d in query.group_by)}, {order}")
    if query.threshold is not None and metric is not None:
        parts.append(f"{short_label(metric, query.statistic)} "
                     f"{THRESHOLD_WORDS[query.threshold.op]} "
                     f"{format_value(metric, query.threshold.value)}")
    if query.compare:
        parts.append("compared with " + (query.previous.label if query.previous
                                         else "the previous period"))
    if query.percentiles:
        parts.append("with percentiles")
    if query.business_hours:
        parts.append("in business hours")
    if query.explain_change:
        parts.append("why it changed")
    return " · ".join(parts)


def _message(channel_id: str, message_id: str) -> tuple[str, str]:
    if not _valid(channel_id, message_id):
        raise ValueError(f"a channel id and a message id are 1 to {MAX_ID} characters")
    return channel_id, message_id


def _valid(channel_id: str, message_id: str) -> bool:
    return bool(channel_id and message_id) and len(channel_id) <= MAX_ID \
        and len(message_id) <= MAX_ID


def _recorded(row) -> RecordedAnswer:
    return RecordedAnswer(channel_id=row.channel_id, message_id=row.message_id,
                          question=row.question, query=query_from_state(row.reading),
                          asked_by=row.asked_by, answered_at=row.answered_at)
