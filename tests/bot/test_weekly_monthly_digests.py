"""Weekly and monthly digests with the real scheduler, poster, Bolt app and command line, Slack
played by the double: a Monday digest at 09:00 in Berlin and a Monday-and-Thursday one in New
York fire on their wall clock across the spring change, moved with time-machine; "the 31st"
fires on 28 February and on 30 April and the digest says so; a digest of "last week" posts once
a week whatever days it runs on (the claim is the digest and its period); the modal and
`kpibot digest add --days` take the same days and say the schedule in words.
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta

import pytest
import time_machine

from bot.blocks import ids
from bot.posting.digest_posting import Outcome
from bot.scheduler import DIGEST_JOB_PREFIX
from kpi_engine.digests.definitions import DigestDefinition
from kpi_engine.digests.store import DigestStore
from tests.bot.conftest import posted_text
from tests.bot.digest_desk import UTC, add_desk, add_digest, top_level_posts
from tests.bot.listeners.test_digest_commands import GOOD, command, state, submit
from tests.bot.posting.test_digest_posting import Clock, poster_at
from tests.bot.test_digest_scheduler import scheduler_for, wait_until
from tests.builders import NOW, run_kpibot

pytestmark = pytest.mark.slow


def utc(*fields: int) -> datetime:
    return datetime(*fields, tzinfo=UTC)


@pytest.fixture
def desk(sqlite_db):
    add_desk(sqlite_db)
    return sqlite_db


def _fire(scheduler, clock, instant: datetime, posts_before: int, slack) -> None:
    """Move the clock just past `instant` and wait for the post it makes."""
    clock.move_to(instant + timedelta(seconds=1))
    scheduler.scheduler.wakeup()
    wait_until(lambda: len(top_level_posts(slack)) == posts_before + 1)


def _next_run(scheduler, job_id: str) -> datetime:
    return scheduler.scheduler.get_job(job_id).next_run_time


def _wait_next_run(scheduler, job_id: str, expected: datetime) -> None:
    wait_until(lambda: _next_run(scheduler, job_id) == expected)


def test_a_monday_digest_in_berlin_fires_at_nine_before_and_after_the_spring_change(slack, desk):
    digest = add_digest(desk, days="mon", period="last week")
    job = DIGEST_JOB_PREFIX + digest.id
    before, after = utc(2026, 3, 23, 8, 0), utc(2026, 3, 30, 7, 0)  # 09:00 CET, 09:00 CEST
    with time_machine.travel(before - timedelta(hours=1), tick=False) as clock:
        scheduler = scheduler_for(slack, desk)
        scheduler.start()
        try:
            assert _next_run(scheduler, job) == before
            clock.move_to(before - timedelta(seconds=1))
            scheduler.scheduler.wakeup()
            time.sleep(0.3)
            assert top_level_posts(slack) == []
            _fire(scheduler, clock, before, 0, slack)
            _wait_next_run(scheduler, job, after)  # a week later, an hour earlier in UTC
            _fire(scheduler, clock, after, 1, slack)
            _wait_next_run(scheduler, job, utc(2026, 4, 6, 7, 0))
        finally:
            scheduler.shutdown()
    first, second = (posted_text(post) for post in top_level_posts(slack))
    assert "last week (Mon 16 Mar – Sun 22 Mar 2026)" in first
    assert "last week (Mon 23 Mar – Sun 29 Mar 2026)" in second


def test_mondays_and_thursdays_in_new_york_follow_its_own_change(slack, desk):
    digest = add_digest(desk, days="mon,thu", at="08:30", tz="America/New_York")
    job = DIGEST_JOB_PREFIX + digest.id
    thursday, monday = utc(2026, 3, 5, 13, 30), utc(2026, 3, 9, 12, 30)  # EST, then EDT
    with time_machine.travel(thursday - timedelta(minutes=5), tick=False) as clock:
        scheduler = scheduler_for(slack, desk)
        scheduler.start()
        try:
            assert _next_run(scheduler, job) == thursday
            _fire(scheduler, clock, thursday, 0, slack)
            _wait_next_run(scheduler, job, monday)
            _fire(scheduler, clock, monday, 1, slack)
            _wait_next_run(scheduler, job, utc(2026, 3, 12, 12, 30))
        finally:
            scheduler.shutdown()


def test_the_31st_fires_on_the_last_day_of_february_and_april_and_says_so(slack, desk):
    digest = add_digest(desk, days="monthly:31", period="last month")
    job = DIGEST_JOB_PREFIX + digest.id
    february, march, april = utc(2026, 2, 28, 8, 0), utc(2026, 3, 31, 7, 0), \
        utc(2026, 4, 30, 7, 0)
    with time_machine.travel(utc(2026, 2, 27, 12, 0), tick=False) as clock:
        scheduler = scheduler_for(slack, desk)
        scheduler.start()
        try:
            assert _next_run(scheduler, job) == february
            _fire(scheduler, clock, february, 0, slack)
            _wait_next_run(scheduler, job, march)
            _fire(scheduler, clock, march, 1, slack)
            _wait_next_run(scheduler, job, april)
            _fire(scheduler, clock, april, 2, slack)
        finally:
            scheduler.shutdown()
    in_february, in_march, in_april = (posted_text(post) for post in top_level_posts(slack))
    assert "Runs on the 31st: posted on Sat 28 Feb 2026, the last day of February." in in_february
    assert "last month (Sun 1 Jan – " not in in_february
    assert "last month (Thu 1 Jan – Sat 31 Jan 2026)" in in_february
    assert "Runs on the 31st" not in in_march
    assert "Runs on the 31st: posted on Thu 30 Apr 2026, the last day of April." in in_april


def test_a_digest_of_last_week_posts_once_a_week_whatever_days_it_runs(slack, desk):
    digest = add_digest(desk, days="weekdays", period="last week")
    outcomes, keys = [], set()
    for day in range(23, 31):  # Mon 23 Nov … Mon 30 Nov 2026, 09:00 in Berlin
        moment = utc(2026, 11, day, 8, 1)
        if moment.weekday() > 4:
            continue
        result = poster_at(slack, desk, Clock(moment)).post_due(digest.id)
        outcomes.append(result.outcome)
    assert outcomes == [Outcome.POSTED, *[Outcome.ALREADY_POSTED] * 4, Outcome.POSTED]
    posts = top_level_posts(slack)
    for post in posts:
        keys.add(post.params["metadata"]["event_payload"]["claim"])
    assert keys == {f"digest:{digest.id}:2026-11-23", f"digest:{digest.id}:2026-11-30"}
    assert "last week (Mon 16 Nov – Sun 22 Nov 2026)" in posted_text(posts[0])
    assert "last week (Mon 23 Nov – Sun 29 Nov 2026)" in posted_text(posts[1])


def test_a_weekly_digest_that_died_claiming_is_retried_for_its_week(slack, desk):
    digest = add_digest(desk, days="mon", period="last week")
    poster = poster_at(slack, desk, Clock(utc(2026, 11, 23, 8, 0, 5)))
    claim = poster.services.claims.claim(f"digest:{digest.id}:2026-11-23")
    assert claim is not None  # … and its holder died
    later = poster_at(slack, desk, Clock(utc(2026, 11, 23, 8, 11)))
    [result] = later.retry_stale()
    assert result.outcome is Outcome.POSTED
    assert result.due == utc(2026, 11, 23, 8, 0)


# ---------------------------------------------------------------- the modal and the CLI


def test_the_modal_takes_weekly_and_monthly_days(app, slack, tickets_db):
    store = DigestStore(tickets_db, lambda: NOW)
    command(app, slack, "digest add Weekly")
    opened = slack.wait_for("views.open")
    view = opened.params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    days = {block["block_id"]: block for block in view["blocks"]}[ids.DIGEST_FIELD_DAYS]
    assert days["element"]["type"] == "plain_text_input"
    assert days["element"]["initial_value"] == "daily"
    assert "monthly:N" in days["hint"]["text"]

    assert submit(app, state(**GOOD | {"days": "Mondays and Thursdays"})).body == ""
    saved = store.get("tier 1 morning")
    assert saved.days.value == "mon,thu"
    confirmation = slack.wait_for("chat.postEphemeral")
    assert "Mondays and Thursdays at 08:30 Europe/Berlin" in posted_text(confirmation)

    refused = json.loads(submit(app, state(**GOOD | {"name": "Other",
                                                     "days": "monthly:40"})).body)
    assert refused["response_action"] == "errors"
    assert "from 1 to 31" in refused["errors"][ids.DIGEST_FIELD_DAYS]

    store.add(DigestDefinition.from_dict(saved.to_dict() | {
        "name": "Monthly", "days": "monthly:1", "period": "last month"}))
    command(app, slack, "digest edit Monthly")
    edit = slack.wait_for("views.open", count=2).params["view"]
    edit = json.loads(edit) if isinstance(edit, str) else edit
    element = {block["block_id"]: block for block in edit["blocks"]}[ids.DIGEST_FIELD_DAYS]
    assert element["element"]["initial_value"] == "monthly:1"
    listed = json.loads(command(app, slack, "digest list").body)
    text = json.dumps(listed["blocks"], ensure_ascii=False)
    assert "the 1st of each month at 08:30 Europe/Berlin" in text


def test_kpibot_digest_add_takes_the_days(sqlite_db, capsys, monkeypatch):
    url = sqlite_db.url.render_as_string(hide_password=False)
    flags = ("--db", url, "--now", "2026-11-22T14:05:00+00:00")
    code, out, err = run_kpibot(capsys, monkeypatch, "digest", "add", "Twice", "--channel",
                                "C0123", "--at", "09:00", "--tz", "Europe/Berlin", "--days",
                                "mon,thu", "--period", "last week", "--kpis", "fcr", *flags)
    assert code == 0, err
    assert "Mondays and Thursdays at 09:00 Europe/Berlin" in out
    assert "next Mon 23 Nov 09:00 CET" in out
    code, out, err = run_kpibot(capsys, monkeypatch, "digest", "add", "Monthly", "--channel",
                                "C0123", "--at", "09:00", "--days", "monthly:31", "--period",
                                "last month", "--kpis", "fcr", "--json", *flags)
    assert code == 0, err
    assert json.loads(out)["days"] == "monthly:31"
    code, out, _ = run_kpibot(capsys, monkeypatch, "digest", "list", "--json", *flags)
    assert [d["next_due"] for d in json.loads(out)] == ["2026-11-30T09:00+00:00",
                                                       "2026-11-23T08:00+00:00"]
    code, out, err = run_kpibot(capsys, monkeypatch, "digest", "add", "Bad", "--channel",
                                "C0123", "--at", "09:00", "--days", "mon,thr", "--kpis", "fcr",
                                *flags)
    assert code == 1 and out == ""
    assert "days: 'mon,thr': 'thr' is not a day" in err and "did you mean thu" in err
