"""The scheduler as processes (`kpibot scheduler`, started with its clock moved by
time-machine): two scheduler processes over one PostgreSQL database post a digest once; a
process killed after claiming and before posting is retried — once — by a scheduler started
later.
"""

from __future__ import annotations

import signal
import time
from datetime import timedelta

import pytest
import time_machine

from kpi_engine.storage.claims import ClaimStore
from tests.bot.digest_desk import DUE, add_desk, add_digest, run_kpibot_at, top_level_posts
from tests.bot.test_digest_scheduler import (  # noqa: F401 (the fixture)
    _stored_job_due_at,
    desk,
    scheduler_for,
    wait_until,
)

pytestmark = pytest.mark.slow


def test_two_scheduler_processes_over_one_postgresql_database_post_once(
        slack, migrated_database, tmp_path):
    db = migrated_database("postgresql")
    add_desk(db)
    digest = add_digest(db)
    _stored_job_due_at(slack, db)
    env = {"KPIBOT_ERROR_LOG": str(tmp_path / "errors.log")}
    processes = [run_kpibot_at(DUE + timedelta(seconds=5), slack, db, "scheduler",
                               extra_env=env) for _ in range(2)]
    try:
        wait_until(lambda: top_level_posts(slack), timeout=40)
        time.sleep(2.0)  # both have had their chance: nothing more may come
        assert len(top_level_posts(slack)) == 1
    finally:
        for process in processes:
            process.send_signal(signal.SIGINT)
        logs = [process.communicate(timeout=20)[1] for process in processes]
    claims = ClaimStore(db, lambda: DUE, timeout=timedelta(minutes=10))
    record = claims.record(f"digest:{digest.id}:2026-11-23")
    assert record.posted and record.attempts == 1
    assert all("Traceback" not in log for log in logs), logs


def test_a_process_killed_after_claiming_is_retried_once(slack, desk, tmp_path):  # noqa: F811
    digest = add_digest(desk)
    key = f"digest:{digest.id}:2026-11-23"
    claim_and_die = (
        "import os, signal\nfrom datetime import timedelta\n"
        "from kpi_engine.storage.claims import ClaimStore\n"
        "from kpi_engine.storage.database import open_database\n"
        "from kpi_engine.settings import system_clock\n"
        f"db = open_database(os.environ['KPIBOT_DATABASE_URL'])\n"
        f"assert ClaimStore(db, system_clock, timeout=timedelta(minutes=10)).claim({key!r})\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n")
    killed = run_kpibot_at(DUE + timedelta(seconds=5), slack, desk, code=claim_and_die,
                           tick=False)
    assert killed.wait(30) == -signal.SIGKILL, killed.stderr.read()
    assert top_level_posts(slack) == []
    with time_machine.travel(DUE + timedelta(minutes=11), tick=False) as clock:
        scheduler = scheduler_for(slack, desk)  # claim timeout 10 min; the retry job every 5
        scheduler.start()
        try:
            assert top_level_posts(slack) == []  # nothing is due at its start
            clock.move_to(DUE + timedelta(minutes=16, seconds=1))
            scheduler.scheduler.wakeup()
            wait_until(lambda: top_level_posts(slack))
            clock.move_to(DUE + timedelta(minutes=21, seconds=2))
            scheduler.scheduler.wakeup()
            time.sleep(0.5)
        finally:
            scheduler.shutdown()
    assert len(top_level_posts(slack)) == 1
    record = ClaimStore(desk, lambda: DUE, timeout=timedelta(minutes=10)).record(key)
    assert record.posted and record.attempts == 2
    assert record.posted_ts == top_level_posts(slack)[0].response["ts"]
