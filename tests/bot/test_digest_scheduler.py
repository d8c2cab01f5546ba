"""The scheduler: a digest posts at its local time in its own zone, once; a digest missed during
a short outage posts when the process is back, one missed for too long is skipped with a log
line; a holder that posted and died before recording it is not posted twice; a removed digest
loses its job. Scheduler processes (two over one database, one killed after claiming) are in
tests/e2e/test_scheduler_processes.py.

The clock is moved with time-machine, never slept: APScheduler reads the wall clock, and
`wakeup()` makes it look again at once.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

import pytest
import time_machine
from slack_sdk import WebClient

from bot.scheduler import DIGEST_JOB_PREFIX, DigestScheduler

from .conftest import posted_text
from .digest_desk import (
    CHANNEL,
    DUE,
    UTC,
    add_desk,
    add_digest,
    digest_services,
    top_level_posts,
)

pytestmark = pytest.mark.slow


def scheduler_for(slack, db, **settings) -> DigestScheduler:
    return DigestScheduler(digest_services(slack, db, **settings),
                           WebClient(token="xoxb-test", base_url=slack.api_url))


def wait_until(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


@pytest.fixture
def desk(sqlite_db):
    add_desk(sqlite_db)
    return sqlite_db


@pytest.mark.parametrize(("day", "due_utc"), [
    ((2026, 11, 23), (8, 0)),  # winter: 09:00 CET is 08:00 UTC
    ((2026, 6, 15), (7, 0)),  # summer: 09:00 CEST is 07:00 UTC
])
def test_a_digest_posts_at_nine_in_berlin_when_the_clock_gets_there(slack, desk, day, due_utc):
    digest = add_digest(desk)
    due = DUE.replace(year=day[0], month=day[1], day=day[2], hour=due_utc[0], minute=due_utc[1])
    with time_machine.travel(due - timedelta(minutes=30), tick=False) as clock:
        scheduler = scheduler_for(slack, desk)
        scheduler.start()
        try:
            job = scheduler.scheduler.get_job(DIGEST_JOB_PREFIX + digest.id)
            assert job.next_run_time == due
            clock.move_to(due - timedelta(seconds=1))
            scheduler.scheduler.wakeup()
            time.sleep(0.3)  # a moment for a wrong early run to show; the clock does not move
            assert top_level_posts(slack) == []
            clock.move_to(due + timedelta(seconds=1))
            scheduler.scheduler.wakeup()
            wait_until(lambda: len(top_level_posts(slack)) == 1)
            wait_until(lambda: job.id and scheduler.scheduler.get_job(job.id).next_run_time
                       == due + timedelta(days=1))
        finally:
            scheduler.shutdown()
    assert len(top_level_posts(slack)) == 1


def test_the_posted_digest_covers_the_berlin_yesterday(slack, desk):
    add_digest(desk)
    with time_machine.travel(DUE - timedelta(minutes=1), tick=False) as clock:
        scheduler = scheduler_for(slack, desk)
        scheduler.start()
        try:
            clock.move_to(DUE + timedelta(seconds=1))
            scheduler.scheduler.wakeup()
            wait_until(lambda: top_level_posts(slack))
        finally:
            scheduler.shutdown()
    text = posted_text(top_level_posts(slack)[0])
    assert "Berlin morning — yesterday (Sun 22 Nov 2026)" in text
    assert "75.0%" in text and "n = 4 tickets" in text and "target ≥ 70%: met" in text


def _stored_job_due_at(slack, db) -> None:
    """A scheduler that ran an hour before the digest's time and stopped: its job is in the
    database, due at DUE."""
    with time_machine.travel(DUE - timedelta(hours=1), tick=False):
        scheduler = scheduler_for(slack, db)
        scheduler.start()
        scheduler.shutdown()


def test_a_digest_missed_during_a_short_outage_posts_once_when_the_process_is_back(slack, desk):
    add_digest(desk)
    _stored_job_due_at(slack, desk)
    with time_machine.travel(DUE + timedelta(minutes=10), tick=False):
        scheduler = scheduler_for(slack, desk)
        scheduler.start()
        try:
            wait_until(lambda: top_level_posts(slack))
            time.sleep(0.3)
        finally:
            scheduler.shutdown()
    [post] = top_level_posts(slack)
    assert "Sun 22 Nov 2026" in posted_text(post)  # the scheduled day's yesterday, not today's


def test_a_digest_missed_for_longer_than_the_grace_is_skipped_with_a_log_line(slack, desk, caplog):
    add_digest(desk)
    _stored_job_due_at(slack, desk)
    caplog.set_level(logging.WARNING)
    with time_machine.travel(DUE + timedelta(hours=5), tick=False):
        scheduler = scheduler_for(slack, desk)  # grace: 2 hours (KPIBOT_DIGEST_GRACE)
        scheduler.start()
        try:
            wait_until(lambda: "was missed" in caplog.text)
        finally:
            scheduler.shutdown()
    assert top_level_posts(slack) == []
    assert "grace of 2:00:00: skipped" in caplog.text


def test_a_holder_that_posted_and_died_before_recording_it_is_not_posted_twice(slack, desk):
    digest = add_digest(desk)
    key = f"digest:{digest.id}:2026-11-23"
    client = WebClient(token="xoxb-test", base_url=slack.api_url)
    with time_machine.travel(DUE + timedelta(seconds=5), tick=False) as clock:
        services = digest_services(slack, desk)
        assert services.claims.claim(key) is not None  # … and it posted, then died:
        lost = client.chat_postMessage(channel=CHANNEL, text="Berlin morning …", metadata={
            "event_type": "kpibot_post", "event_payload": {"claim": key}})
        clock.move_to(DUE + timedelta(minutes=11))
        scheduler_for(slack, desk).poster.retry_stale()
    assert len(top_level_posts(slack)) == 1  # the lost post only
    record = services.claims.record(key)
    assert record.posted and record.posted_ts == lost["ts"]


def test_removing_a_digest_removes_its_job_at_the_next_sync(slack, desk):
    digest = add_digest(desk)
    with time_machine.travel(DUE - timedelta(hours=1), tick=False):
        scheduler = scheduler_for(slack, desk)
        scheduler.start()
        try:
            assert scheduler.scheduler.get_job(DIGEST_JOB_PREFIX + digest.id) is not None
            scheduler.services.digests.remove(digest.name)
            add_digest(desk, name="Evening", at="18:00")
            scheduler.sync()
            jobs = [job for job in scheduler.scheduler.get_jobs()
                    if job.id.startswith(DIGEST_JOB_PREFIX)]
        finally:
            scheduler.shutdown()
    assert [job.next_run_time for job in jobs] == [DUE.replace(hour=17)]  # 18:00 CET
    assert jobs[0].next_run_time.tzinfo is not None and DUE.tzinfo is UTC


def test_stopping_while_a_sync_is_running_waits_for_it_and_returns(slack, desk, monkeypatch):
    with time_machine.travel(DUE - timedelta(hours=1), tick=False):
        scheduler = scheduler_for(slack, desk)
        scheduler.start()
        started, release, real_sync = threading.Event(), threading.Event(), scheduler.sync

        def slow_sync() -> None:
            started.set()
            release.wait(10)
            real_sync()  # lists the jobs: needs APScheduler's job store lock

        monkeypatch.setattr(scheduler, "sync", slow_sync)
        scheduler.scheduler.get_job("sync").modify(next_run_time=DUE - timedelta(hours=1))
        scheduler.scheduler.wakeup()
        assert started.wait(10)
        stopping = threading.Thread(target=scheduler.shutdown)
        stopping.start()
        time.sleep(0.2)
        release.set()
        stopping.join(15)
    assert not stopping.is_alive()  # APScheduler's own shutdown(wait=True) deadlocks here
