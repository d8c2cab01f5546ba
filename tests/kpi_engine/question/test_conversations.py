"""Conversation state: the last query of a thread survives a round trip through the database on
every backend, the last write wins, two processes writing the same new thread at once do not
fail, and a state kpibot cannot read back counts as no state."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from kpi_engine.periods import CalendarUnit, Period, PeriodKind
from kpi_engine.query import Filter, KpiQuery, Threshold
from kpi_engine.question.conversations import ConversationStore, query_from_state, query_to_state
from kpi_engine.storage.schema import conversations
from kpi_engine.vocabulary import Dimension, Granularity, Statistic
from tests.builders import NOW

BERLIN = ZoneInfo("Europe/Berlin")
LAST_WEEK = Period(start=datetime(2026, 11, 9, tzinfo=BERLIN), end=datetime(2026, 11, 16, tzinfo=BERLIN),
                   label="last week", kind=PeriodKind.CALENDAR, unit=CalendarUnit.WEEK)
WEEK_BEFORE = Period(start=datetime(2026, 11, 2, tzinfo=BERLIN), end=datetime(2026, 11, 9, tzinfo=BERLIN),
                     label="the week before", kind=PeriodKind.CALENDAR, unit=CalendarUnit.WEEK)
ROLLING = Period(start=datetime(2026, 10, 23, 14, 5, tzinfo=timezone.utc),
                 end=datetime(2026, 11, 22, 14, 5, tzinfo=timezone.utc),
                 label="last 30 days", kind=PeriodKind.ROLLING)

QUERIES = [
    KpiQuery(metric="fcr", period=LAST_WEEK),
    KpiQuery(metric="csat", period=LAST_WEEK, filters=(
        Filter(dimension=Dimension.TIER, values=("1", "2")),
        Filter(dimension=Dimension.TEAM, values=("Billing",))),
        group_by=(Dimension.AGENT, Dimension.CHANNEL), previous=WEEK_BEFORE, limit=5,
        worst_first=True, assumptions=("top without a number: 5 shown",)),
    KpiQuery(metric="frt", period=ROLLING, percentiles=True, compare=True),
    KpiQuery(metric="backlog", period=ROLLING, trend=Granularity.WEEK),
    # the shapes a follow-up must keep: an exclusion, a threshold, a statistic
    KpiQuery(metric="frt", period=LAST_WEEK, filters=(
        Filter(dimension=Dimension.CHANNEL, values=("chat",), exclude=True),),
        group_by=(Dimension.AGENT,), threshold=Threshold(op=">", value=7200.0),
        statistic=Statistic.MEDIAN),
]


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: f"{q.metric}-{q.statistic}")
def test_a_query_reads_back_equal_with_its_zone(query):
    back = query_from_state(query_to_state(query))
    assert back == query
    assert back.period.start.tzinfo == query.period.start.tzinfo


@pytest.mark.parametrize("state", [
    "", "not json", "[]", '{"version": 99}', '{"version": 1}',
    query_to_state(QUERIES[0]).replace('"fcr"', '"no_such_kpi"'),
    query_to_state(QUERIES[1]).replace('"tier"', '"planet"'),
])
def test_a_state_that_cannot_be_read_back_is_no_state(state):
    assert query_from_state(state) is None


def test_the_last_write_wins_and_threads_are_apart(db):
    store = ConversationStore(db, lambda: NOW)
    assert store.previous("slack:T1:C1:1.1") is None
    store.remember("slack:T1:C1:1.1", QUERIES[0])
    store.remember("slack:T1:C1:2.2", QUERIES[2])
    store.remember("slack:T1:C1:1.1", QUERIES[1])
    assert store.previous("slack:T1:C1:1.1") == QUERIES[1]
    assert store.previous("slack:T1:C1:2.2") == QUERIES[2]
    with db.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(conversations)).scalar() == 2


def test_a_second_store_on_the_same_database_sees_the_state(db):
    ConversationStore(db, lambda: NOW).remember("slack:T1:D1:main", QUERIES[3])
    assert ConversationStore(db, lambda: NOW).previous("slack:T1:D1:main") == QUERIES[3]


def test_old_conversations_are_forgotten(db):
    clock = [NOW - timedelta(days=40)]
    store = ConversationStore(db, lambda: clock[0])
    store.remember("old", QUERIES[0])
    clock[0] = NOW
    store.remember("new", QUERIES[0])
    assert store.forget_older_than(timedelta(days=30)) == 1
    assert store.previous("old") is None and store.previous("new") == QUERIES[0]


@pytest.mark.parametrize("key", ["", "x" * 256])
def test_a_bad_key_is_refused(sqlite_db, key):
    with pytest.raises(ValueError):
        ConversationStore(sqlite_db, lambda: NOW).remember(key, QUERIES[0])


@pytest.mark.postgres
def test_writers_racing_on_a_new_thread_all_succeed(migrated_database):
    db = migrated_database("postgresql")
    stores = [ConversationStore(db, lambda: NOW) for _ in range(8)]
    barrier, errors = threading.Barrier(len(stores)), []

    def write(store, query):
        barrier.wait()
        try:
            store.remember("slack:T1:C9:7.7", query)
        except Exception as error:  # noqa: BLE001 - the test reports any failure
            errors.append(error)

    threads = [threading.Thread(target=write, args=(store, QUERIES[i % len(QUERIES)]))
               for i, store in enumerate(stores)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert stores[0].previous("slack:T1:C9:7.7") in QUERIES
