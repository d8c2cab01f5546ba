"""Each Slack delivery handled at most once, on PostgreSQL where processes share it: the same
signed event delivered three times, Slack's retries of any reason, a replayed slash command and
a replayed survey click, deliveries racing on eight threads, two apps (as two processes) on one
database, and an app restarted on it; and `DeliveryLog` itself on every backend."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from bot.blocks import ids
from bot.sandbox import signed_requests as slack_requests
from kpi_engine.storage.deliveries import DeliveryLog
from kpi_engine.storage.schema import handled_deliveries
from tests.bot.conftest import CHANNEL, MEMBER, SECRET, posted_text, send, settle
from tests.bot.listeners.test_support_conversations import (  # noqa: F401 (fixtures)
    CUSTOMER,
    HELP,
    OPENED,
    answers,
    solved,
    support_app,
)

FCR = "what was FCR last week for tier 1?"


def _mention(ts: str, event_id: str) -> tuple[str, str]:
    return slack_requests.event_callback(
        slack_requests.app_mention(FCR, user=MEMBER, channel=CHANNEL, ts=ts), event_id=event_id)


def _deliver(app, payload, *, retry_num=None, retry_reason="http_timeout"):
    body, content_type = payload
    headers = slack_requests.signed_headers(body, SECRET, content_type=content_type,
                                            retry_num=retry_num, retry_reason=retry_reason)
    return app.dispatch(slack_requests.bolt_request(body, headers))


def _answers(slack, ts: str) -> list:
    return [call for call in slack.calls("chat.postMessage")
            if call.params.get("thread_ts") == ts and "75.0%" in posted_text(call)]


@pytest.fixture
def pg_app(make_app, postgres_tickets_db):
    return make_app(db=postgres_tickets_db)


def test_the_same_event_three_times_is_answered_once(pg_app, slack):
    payload = _mention("200.1", "EvSAME000001")
    assert [_deliver(pg_app, payload).status for _ in range(3)] == [200, 200, 200]
    settle(pg_app)
    assert len(_answers(slack, "200.1")) == 1


@pytest.mark.parametrize("reason", ["http_timeout", "http_error", "too_many_requests",
                                    "unknown_error", "ssl_error"])
def test_a_retry_of_any_reason_after_the_first_is_not_answered(pg_app, slack, reason):
    payload = _mention("201.1", f"EvRETRY{reason[:5].upper()}")
    _deliver(pg_app, payload)
    for number in (1, 2, 3):
        assert _deliver(pg_app, payload, retry_num=number, retry_reason=reason).status == 200
    settle(pg_app)
    assert len(_answers(slack, "201.1")) == 1


def test_a_retry_whose_first_delivery_never_arrived_is_answered_once(pg_app, slack):
    """Slack retries because our first answer was lost (a 500, a dropped connection): the
    retry is the first delivery we see, so it is answered — once."""
    payload = _mention("202.1", "EvLOST000001")
    _deliver(pg_app, payload, retry_num=1, retry_reason="http_error")
    _deliver(pg_app, payload, retry_num=2, retry_reason="http_error")
    settle(pg_app)
    assert len(_answers(slack, "202.1")) == 1


def test_two_apps_on_one_database_answer_once(make_app, postgres_tickets_db, slack):
    first, second = make_app(db=postgres_tickets_db), make_app(db=postgres_tickets_db)
    payload = _mention("203.1", "EvTWOAPPS001")
    _deliver(first, payload)
    _deliver(second, payload)
    settle(first)
    settle(second)
    assert len(_answers(slack, "203.1")) == 1


def test_an_app_restarted_on_the_database_does_not_answer_again(make_app, postgres_tickets_db,
                                                                slack):
    payload = _mention("204.1", "EvRESTART001")
    before = make_app(db=postgres_tickets_db)
    _deliver(before, payload)
    settle(before)
    after = make_app(db=postgres_tickets_db)  # a new process: nothing in memory
    _deliver(after, payload, retry_num=1, retry_reason="http_timeout")
    settle(after)
    assert len(_answers(slack, "204.1")) == 1


def test_eight_deliveries_racing_are_answered_once(make_app, postgres_tickets_db, slack):
    apps = [make_app(db=postgres_tickets_db) for _ in range(2)]
    payload = _mention("205.1", "EvRACE000001")
    start = threading.Barrier(8)

    def deliver(index: int) -> None:
        start.wait()
        _deliver(apps[index % 2], payload)

    threads = [threading.Thread(target=deliver, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for app in apps:
        settle(app)
    assert len(_answers(slack, "205.1")) == 1


def test_a_replayed_slash_command_is_answered_once(pg_app, slack):
    payload = slack_requests.slash_command(FCR, user=MEMBER, channel=CHANNEL,
                                           response_url=slack.response_url("cmd"),
                                           trigger_id="1.1.replayed")
    assert send(pg_app, payload).status == 200
    assert send(pg_app, payload).status == 200
    settle(pg_app)
    answers = [call for call in slack.calls("chat.postMessage") if "75.0%" in posted_text(call)]
    assert len(answers) == 1


def test_distinct_events_are_each_answered(pg_app, slack):
    _deliver(pg_app, _mention("206.1", "EvDISTINCT01"))
    _deliver(pg_app, _mention("206.2", "EvDISTINCT02"))
    settle(pg_app)
    assert len(_answers(slack, "206.1")) == len(_answers(slack, "206.2")) == 1


# ---------------------------------------------------------------- the log itself


T0 = datetime(2026, 11, 22, 14, 5, tzinfo=timezone.utc)


def test_the_first_caller_of_a_key_wins_until_it_expires(db):
    clock = [T0]
    log = DeliveryLog(db, lambda: clock[0], keep=timedelta(hours=2))
    assert log.first("event:Ev1") is True
    assert log.first("event:Ev1") is False
    assert log.first("event:Ev2") is True
    clock[0] = T0 + timedelta(hours=1, minutes=59)
    assert log.first("event:Ev1") is False
    clock[0] = T0 + timedelta(hours=2)
    assert log.first("event:Ev1") is True  # expired: a new delivery (Slack gave up long ago)
    assert log.first("event:Ev1") is False


def test_expired_keys_are_purged(db):
    clock = [T0]
    DeliveryLog(db, lambda: clock[0], keep=timedelta(hours=2)).first("event:old")
    clock[0] = T0 + timedelta(hours=3)
    DeliveryLog(db, lambda: clock[0], keep=timedelta(hours=2)).first("event:new")
    with db.connect() as connection:
        keys = connection.execute(sa.select(handled_deliveries.c.key)).scalars().all()
    assert keys == ["event:new"]


def test_twenty_threads_one_key_one_winner(migrated_database):
    db = migrated_database("postgresql")
    log = DeliveryLog(db, lambda: T0)
    start = threading.Barrier(20)
    wins = []

    def claim() -> None:
        start.wait()
        wins.append(log.first("event:contested"))

    threads = [threading.Thread(target=claim) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(wins) == [False] * 19 + [True]


def test_a_replayed_survey_click_does_not_undo_a_later_answer(solved, slack, tickets_db):  # noqa: F811
    """The customer clicks 5, then changes it to 3; someone replays the first click (signed,
    within its five minutes): the answer stays 3."""
    app, survey_ts, by_score = solved

    def click_payload(score: int):
        button = by_score[(ids.SURVEY_CSAT, score)]
        return slack_requests.block_actions(
            user=CUSTOMER, channel=HELP, message_ts=survey_ts, thread_ts=OPENED,
            action_id=button["action_id"], value=button["value"],
            response_url=slack.response_url("replay"))

    first = click_payload(5)
    send(app, first)
    send(app, click_payload(3))
    assert answers(tickets_db) == [("csat", 3, None)]
    assert send(app, first).status == 200
    settle(app)
    assert answers(tickets_db) == [("csat", 3, None)]
