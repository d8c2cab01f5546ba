"""The feedback store on the three databases: answers recorded by their message (channel id and
message id, plain strings) with the question and its reading; one vote per person per answer,
replaced by a later one; nothing stored for a message with no answer; the votes newest first,
only the thumbs down, since a moment; the helpful share; a reading said in words."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from kpi_engine.periods import parse_period
from kpi_engine.query import Filter, KpiQuery, Threshold
from kpi_engine.question.feedback import FeedbackStore, HelpfulShare, Outcome, describe_query
from kpi_engine.storage.schema import answer_feedback, answers
from kpi_engine.vocabulary import Dimension, Granularity, Statistic
from tests.builders import NOW

CHANNEL, ANSWER, OTHER_ANSWER = "C1", "1795341900.000100", "1795342000.000100"


def last_week() -> KpiQuery:
    return KpiQuery(metric="fcr", period=parse_period("last week", now=NOW),
                    filters=(Filter(dimension=Dimension.TIER, values=("1",)),))


class Clock:
    def __init__(self):
        self.now = NOW

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def store(db, clock) -> FeedbackStore:
    store = FeedbackStore(db, clock)
    store.record_answer(CHANNEL, ANSWER, question="what was FCR last week for tier 1?",
                        query=last_week(), asked_by="U1")
    return store


def rows(db, table) -> list:
    with db.connect() as connection:
        return connection.execute(sa.select(table)).all()


def test_an_answer_is_kept_with_its_question_and_reading(store):
    kept = store.answer(CHANNEL, ANSWER)
    assert kept.question == "what was FCR last week for tier 1?"
    assert kept.query == last_week()  # the reading, read back as the KpiQuery it was
    assert (kept.channel_id, kept.message_id, kept.asked_by, kept.answered_at) == (
        CHANNEL, ANSWER, "U1", NOW)
    assert store.answer(CHANNEL, OTHER_ANSWER) is None
    assert store.answer("", ANSWER) is None and store.answer(CHANNEL, "x" * 40) is None


def test_one_vote_per_person_per_answer_and_a_later_one_replaces_it(store, db, clock):
    assert store.vote(CHANNEL, ANSWER, "U2", helpful=True) is Outcome.STORED
    clock.now = NOW + timedelta(minutes=3)
    assert store.vote(CHANNEL, ANSWER, "U2", helpful=False) is Outcome.CHANGED
    assert store.vote(CHANNEL, ANSWER, "U2", helpful=False) is Outcome.SAME
    assert [(r.voter, r.helpful, r.voted_at) for r in rows(db, answer_feedback)] == [
        ("U2", False, NOW + timedelta(minutes=3))]
    assert store.vote(CHANNEL, ANSWER, "U3", helpful=True) is Outcome.STORED
    assert sorted((r.voter, r.helpful) for r in rows(db, answer_feedback)) == [
        ("U2", False), ("U3", True)]


def test_a_vote_on_a_message_with_no_answer_stores_nothing(store, db):
    assert store.vote(CHANNEL, OTHER_ANSWER, "U2", helpful=True) is Outcome.NO_SUCH_ANSWER
    assert store.vote("C9", ANSWER, "U2", helpful=False) is Outcome.NO_SUCH_ANSWER
    assert not Outcome.NO_SUCH_ANSWER.stored
    assert rows(db, answer_feedback) == []
    with pytest.raises(ValueError):
        store.vote(CHANNEL, ANSWER, "", helpful=True)


def test_recording_an_answer_again_replaces_it(store, db):
    store.record_answer(CHANNEL, ANSWER, question="fcr last month", query=last_week(),
                        asked_by="U9")
    assert [(r.question, r.asked_by) for r in rows(db, answers)] == [("fcr last month", "U9")]


def test_votes_newest_first_only_thumbs_down_and_since(store, clock):
    store.record_answer(CHANNEL, OTHER_ANSWER, question="csat by agent", asked_by="U1",
                        query=KpiQuery(metric="csat", period=parse_period("last week", now=NOW),
                                       group_by=(Dimension.AGENT,)))
    store.vote(CHANNEL, ANSWER, "U2", helpful=True)
    clock.now = NOW + timedelta(hours=1)
    store.vote(CHANNEL, OTHER_ANSWER, "U2", helpful=False)
    clock.now = NOW + timedelta(hours=2)
    store.vote(CHANNEL, ANSWER, "U3", helpful=False)
    everything = store.votes()
    assert [(v.voter, v.answer.question, v.helpful) for v in everything] == [
        ("U3", "what was FCR last week for tier 1?", False),
        ("U2", "csat by agent", False),
        ("U2", "what was FCR last week for tier 1?", True),
    ]
    assert everything[1].answer.query.group_by == (Dimension.AGENT,)
    assert [v.voter for v in store.votes(unhelpful_only=True)] == ["U3", "U2"]
    assert [v.voter for v in store.votes(since=NOW + timedelta(minutes=30))] == ["U3", "U2"]
    assert len(store.votes(limit=1)) == 1


def test_the_helpful_share_counts_the_votes_since_a_moment(store, clock):
    assert store.helpful_share(NOW - timedelta(days=30)) == HelpfulShare(helpful=0, votes=0)
    assert HelpfulShare(0, 0).share is None
    for voter, helpful in (("U2", True), ("U3", True), ("U4", False)):
        store.vote(CHANNEL, ANSWER, voter, helpful=helpful)
    share = store.helpful_share(NOW - timedelta(days=30))
    assert (share.helpful, share.votes) == (2, 3) and share.share == pytest.approx(2 / 3)
    assert store.helpful_share(NOW + timedelta(seconds=1)).votes == 0


def test_a_reading_in_words():
    assert describe_query(last_week()) == "First contact resolution · last week · tier 1"
    period = parse_period("last week", now=NOW)
    by_agent = KpiQuery(metric="csat", period=period, group_by=(Dimension.AGENT,), limit=3,
                        worst_first=True, threshold=Threshold(op="<", value=0.8))
    assert describe_query(by_agent) == (
        "Customer satisfaction (CSAT) · last week · top 3 by agent, worst first · "
        "CSAT under 80.0%")
    trend = KpiQuery(metric="frt", period=period, trend=Granularity.DAY,
                     statistic=Statistic.MEDIAN)
    assert describe_query(trend) == "Median first response time · last week · by day"
    assert describe_query(None) == "(a reading this kpibot cannot read back)"
