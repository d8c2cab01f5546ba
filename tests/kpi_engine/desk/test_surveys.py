"""Survey rules and storage: who is asked (1 in N, a cooldown per customer, once per ticket),
only the customer's click stores an answer, one answer per (ticket, kind) that a later click
changes until the survey expires, steps that only move forward, every question a request."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from kpi_engine.desk.conversations import TicketRef
from kpi_engine.desk.surveys import MAX_COMMENT, Outcome, Step, SurveyPolicy, SurveyStore, sampled
from kpi_engine.engine import KpiEngine
from kpi_engine.periods import Period, PeriodKind
from kpi_engine.query import KpiQuery
from kpi_engine.storage.schema import survey_requests, survey_responses
from kpi_engine.vocabulary import SurveyKind
from tests.builders import add_survey_requests, add_tickets, make_settings

UTC = timezone.utc
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
CSAT, CES, NPS = SurveyKind.CSAT, SurveyKind.CES, SurveyKind.NPS


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def ticket(ticket_id: str = "t1", customer: str = "UCUST") -> TicketRef:
    return TicketRef(source="slack", ticket_id=ticket_id, customer=customer, channel_id="CHELP",
                     thread_id="1.000100", status="solved", solved_at=T0, agent="Asha Rao")


@pytest.fixture(params=["sqlite", "postgresql"])
def survey_db(request, migrated_database):
    db = migrated_database(request.param)
    add_tickets(db, *({"id": f"t{i}", "source": "slack", "created_at": T0 - timedelta(hours=2),
                       "solved_at": T0, "status": "solved", "customer": "UCUST",
                       "slack_channel": "CHELP", "slack_thread_ts": f"{i}.000100"}
                      for i in range(1, 4)))
    return db


@pytest.fixture
def clock():
    return Clock()


def store_for(db, clock, **policy) -> SurveyStore:
    return SurveyStore(db, clock, SurveyPolicy(**policy))


@pytest.fixture
def posted(survey_db, clock):
    """A posted survey of ticket t1 in message 2.000100."""
    store = store_for(survey_db, clock)
    survey = store.posted(store.begin(ticket(), "UCUST"), "2.000100")
    return store, survey


def answer(store, kind, score, user="UCUST", ticket_key=("slack", "t1"), message="2.000100"):
    return store.answer("CHELP", message, ticket_key, user, kind, score)


def responses(db):
    with db.connect() as connection:
        return sorted(connection.execute(sa.select(
            survey_responses.c.ticket_id, survey_responses.c.kind, survey_responses.c.score,
            survey_responses.c.comment)).all())


def requests(db):
    with db.connect() as connection:
        return sorted(connection.execute(sa.select(
            survey_requests.c.ticket_id, survey_requests.c.kind, survey_requests.c.sent_at)).all())


def test_the_customers_csat_then_ces_are_stored_and_each_question_is_a_request(posted, survey_db,
                                                                              clock):
    store, _ = posted
    assert requests(survey_db) == [("t1", "csat", T0)]
    clock.now = T0 + timedelta(minutes=5)
    first = answer(store, CSAT, 4)
    assert first.outcome is Outcome.STORED and first.survey.step is Step.CES
    assert requests(survey_db) == [("t1", "ces", T0 + timedelta(minutes=5)), ("t1", "csat", T0)]
    done = answer(store, CES, 6)
    assert done.outcome is Outcome.STORED and done.survey.step is Step.DONE
    assert responses(survey_db) == [("t1", "ces", 6, None), ("t1", "csat", 4, None)]


def test_someone_elses_click_stores_nothing(posted, survey_db):
    store, _ = posted
    assert answer(store, CSAT, 1, user="UOTHER").outcome is Outcome.NOT_THE_CUSTOMER
    assert responses(survey_db) == []


def test_the_same_click_twice_is_one_answer_and_a_different_one_changes_it(posted, survey_db):
    store, _ = posted
    assert answer(store, CSAT, 5).outcome is Outcome.STORED
    assert answer(store, CSAT, 5).outcome is Outcome.SAME
    changed = answer(store, CSAT, 2)
    assert (changed.outcome, changed.previous_score) == (Outcome.CHANGED, 5)
    assert responses(survey_db) == [("t1", "csat", 2, None)]
    assert changed.survey.step is Step.CES  # a late CSAT click does not move the survey back
    assert [kind for _, kind, _ in requests(survey_db)] == ["ces", "csat"]  # CES asked once


def test_an_expired_survey_stores_nothing(posted, survey_db, clock):
    store, survey = posted
    assert survey.expires_at == T0 + timedelta(hours=72)
    clock.now = T0 + timedelta(hours=72)
    assert answer(store, CSAT, 5).outcome is Outcome.CLOSED
    assert [s.ticket_id for s in store.expired()] == ["t1"]
    store.close(survey)
    assert store.expired() == []
    assert responses(survey_db) == []


@pytest.mark.parametrize(("kind", "score"), [(CSAT, 0), (CSAT, 6), (CES, 8), (CSAT, "5")])
def test_a_score_outside_the_scale_stores_nothing(posted, survey_db, kind, score):
    store, _ = posted
    assert answer(store, kind, score).outcome is Outcome.OUT_OF_SCALE
    assert responses(survey_db) == []


def test_a_click_naming_another_ticket_or_an_unknown_message_stores_nothing(posted, survey_db):
    store, _ = posted
    assert answer(store, CSAT, 5, ticket_key=("slack", "t2")).outcome is Outcome.NO_SUCH_SURVEY
    assert answer(store, CSAT, 5, message="9.000100").outcome is Outcome.NO_SUCH_SURVEY
    assert answer(store, NPS, 10).outcome is Outcome.NO_SUCH_SURVEY  # NPS not asked
    assert responses(survey_db) == []


def test_a_comment_is_kept_with_the_csat_answer_cut_to_its_limit(posted, survey_db):
    store, _ = posted
    answer(store, CSAT, 2)
    text = "word " * 2_000  # 10,000 characters
    assert store.comment("CHELP", "2.000100", ("slack", "t1"), "UCUST", text).outcome \
        is Outcome.STORED
    [(_, _, _, kept)] = [row for row in responses(survey_db) if row[1] == "csat"]
    assert len(kept) == MAX_COMMENT and kept.startswith("word word")
    other = store.comment("CHELP", "2.000100", ("slack", "t1"), "UOTHER", "hi")
    assert other.outcome is Outcome.NOT_THE_CUSTOMER


def test_a_ticket_is_surveyed_once_and_a_customer_not_again_within_the_cooldown(survey_db,
                                                                               clock):
    store = store_for(survey_db, clock, cooldown=timedelta(days=7))
    assert store.why_not(ticket(), "UCUST") is None
    assert store.begin(ticket(), "UCUST") is not None
    assert store.begin(ticket(), "UCUST") is None  # claimed: a second poster gets nothing
    assert store.why_not(ticket(), "UCUST") == "this ticket was surveyed already"
    assert "cooldown" in store.why_not(ticket("t2"), "UCUST")
    clock.now = T0 + timedelta(days=7, seconds=1)
    assert store.why_not(ticket("t2"), "UCUST") is None


def test_only_slack_users_are_asked(survey_db, clock):
    store = store_for(survey_db, clock)
    assert "not a Slack user" in store.why_not(ticket(), "jo@example.com")
    assert "not a Slack user" in store.why_not(ticket(), None)


def test_one_in_n_is_stable_per_ticket_and_about_one_in_n():
    ids = [f"C1-{i}.000100" for i in range(4000)]
    chosen = [ticket_id for ticket_id in ids if sampled("slack", ticket_id, 4)]
    assert 850 < len(chosen) < 1150  # 1,000 expected; the binomial sd is 27
    assert chosen == [ticket_id for ticket_id in ids if sampled("slack", ticket_id, 4)]
    assert all(sampled("slack", ticket_id, 1) for ticket_id in ids[:50])


def test_nps_is_a_third_step_at_most_once_per_customer_in_90_days(survey_db, clock):
    add_survey_requests(survey_db, {"ticket_id": "t3", "source": "slack", "kind": "nps",
                                    "sent_at": T0 - timedelta(days=30)})
    store = store_for(survey_db, clock, nps=True, cooldown=timedelta(0))
    assert store.begin(ticket("t1"), "UCUST").with_nps is False  # asked 30 days ago
    clock.now = T0 + timedelta(days=61)
    survey = store.posted(store.begin(ticket("t2"), "UCUST"), "5.000100")
    assert survey.with_nps is True
    answer(store, CSAT, 5, ticket_key=("slack", "t2"), message="5.000100")
    assert answer(store, CES, 7, ticket_key=("slack", "t2"), message="5.000100").survey.step \
        is Step.NPS
    last = answer(store, NPS, 9, ticket_key=("slack", "t2"), message="5.000100")
    assert (last.outcome, last.survey.step) == (Outcome.STORED, Step.DONE)


def test_answers_count_in_the_kpis(posted, survey_db, clock):
    store, _ = posted
    clock.now = T0 + timedelta(minutes=5)
    answer(store, CSAT, 5)
    answer(store, CES, 3)
    engine = KpiEngine(survey_db, make_settings(now=T0 + timedelta(hours=1)))
    today = Period(start=T0.replace(hour=0), end=T0 + timedelta(hours=1), label="today",
                   kind=PeriodKind.RANGE)
    csat = engine.run(KpiQuery(metric="csat", period=today))
    assert (csat.value, csat.n) == (1.0, 1)
    assert engine.run(KpiQuery(metric="ces", period=today)).value == 3.0
    rate = engine.run(KpiQuery(metric="survey_response_rate", period=today))
    assert (rate.value, rate.n) == (1.0, 2)  # the CSAT and the CES question, both answered


def test_ten_identical_clicks_at_once_are_one_answer(posted, survey_db):
    store, _ = posted
    start, outcomes = threading.Barrier(10), []

    def click() -> None:
        start.wait()
        outcomes.append(answer(store, CSAT, 4).outcome)

    threads = [threading.Thread(target=click) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(o.value for o in outcomes) == ["same"] * 9 + ["stored"]
    assert responses(survey_db) == [("t1", "csat", 4, None)]


def test_solved_tickets_with_a_slack_thread_and_no_survey_are_found(survey_db, clock):
    store = store_for(survey_db, clock)
    store.begin(ticket("t1"), "UCUST")
    found = store.solved_without_survey(T0 - timedelta(days=1))
    assert [ref.ticket_id for ref in found] == ["t2", "t3"]
    assert store.solved_without_survey(T0 + timedelta(seconds=1)) == []


def test_an_unposted_survey_can_be_abandoned_and_asked_again(survey_db, clock):
    store = store_for(survey_db, clock)
    survey = store.begin(ticket(), "UCUST")
    clock.now = T0 + timedelta(minutes=11)
    assert [s.ticket_id for s in store.unposted(timedelta(minutes=10))] == ["t1"]
    store.abandon(survey)
    assert requests(survey_db) == [] and store.why_not(ticket(), "UCUST") is None
