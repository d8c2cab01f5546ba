"""Posting digests and alerts through the real slack_sdk client to the Slack double: what a
digest says in Slack, "no data" instead of zeros, once however many posters race, the thread
reply, alerts once per crossing and again after recovery, follow-ups in an alert's thread."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from slack_sdk import WebClient

from bot.posting.digest_posting import DigestPoster, Outcome
from bot.services import DigestServices
from kpi_engine.digests.schedules import last_due
from kpi_engine.engine import KpiEngine
from kpi_engine.question.conversations import ConversationStore
from tests.bot.conftest import posted_text
from tests.bot.digest_desk import (
    CHANNEL,
    DUE,
    UTC,
    add_desk,
    add_digest,
    digest_settings,
    top_level_posts,
)
from tests.builders import add_tickets


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def client_for(slack) -> WebClient:
    return WebClient(token="xoxb-test", base_url=slack.api_url)


def poster_at(slack, db, clock: Clock, **settings) -> DigestPoster:
    settings = digest_settings(slack, db, **settings)
    services = DigestServices.build(settings, engine=KpiEngine(db, settings, clock=clock))
    return DigestPoster(services, client_for(slack))


@pytest.fixture
def desk(sqlite_db):
    add_desk(sqlite_db)
    return sqlite_db


def test_a_digest_in_slack_says_the_value_n_target_and_how_it_was_computed(slack, desk):
    digest = add_digest(desk)
    result = poster_at(slack, desk, Clock(DUE + timedelta(minutes=1))).post_due(digest.id)
    assert result.outcome is Outcome.POSTED
    [post] = top_level_posts(slack)
    text = posted_text(post)
    assert (":white_check_mark: *First contact resolution*  75.0% · n = 4 tickets — "
            "target ≥ 70%: met") in text
    assert "How computed: Each KPI over yesterday (Sun 22 Nov 2026) in Europe/Berlin" in text
    assert post.params["metadata"]["event_payload"]["claim"] == f"digest:{digest.id}:2026-11-23"
    reply = slack.wait_for("chat.postMessage", lambda call: call.params.get("thread_ts"))
    assert reply.params["thread_ts"] == result.ts
    assert "share of tickets solved in the period" in posted_text(reply)  # the definitions


def test_the_trend_chart_is_uploaded_into_the_digests_thread(slack, desk):
    digest = add_digest(desk)
    poster = poster_at(slack, desk, Clock(DUE + timedelta(minutes=1)), digest_charts=True)
    try:
        result = poster.post_due(digest.id)
        poster.chart_queue.drain(timeout=60)
    finally:
        poster.chart_queue.close()
    [upload] = slack.uploads.values()
    assert (upload.channel_id, upload.thread_ts) == (CHANNEL, result.ts)
    assert upload.completed and upload.content.startswith(b"\x89PNG")


def test_a_digest_over_a_day_without_data_posts_no_data_not_zeros(slack, sqlite_db):
    digest = add_digest(sqlite_db)  # no tickets at all
    poster_at(slack, sqlite_db, Clock(DUE + timedelta(minutes=1))).post_due(digest.id)
    [post] = top_level_posts(slack)
    text = posted_text(post)
    assert "No data for yesterday (Sun 22 Nov 2026)" in text
    assert "0.0%" not in text and "n = 0" not in text and "target" not in text


def test_eight_posters_racing_for_one_digest_post_it_once(slack, migrated_database):
    db = migrated_database("postgresql")
    add_desk(db)
    digest = add_digest(db)
    posters = [poster_at(slack, db, Clock(DUE + timedelta(minutes=1))) for _ in range(8)]
    start, outcomes = threading.Barrier(8), []

    def post(poster: DigestPoster) -> None:
        start.wait()
        outcomes.append(poster.post_due(digest.id).outcome)

    threads = [threading.Thread(target=post, args=(poster,)) for poster in posters]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(top_level_posts(slack)) == 1
    assert outcomes.count(Outcome.POSTED) == 1
    assert set(outcomes) <= {Outcome.POSTED, Outcome.BEING_POSTED, Outcome.ALREADY_POSTED}


def test_a_second_run_for_the_same_day_posts_nothing_unless_forced(slack, desk):
    digest = add_digest(desk)
    poster = poster_at(slack, desk, Clock(DUE + timedelta(minutes=1)))
    due = last_due(digest, DUE + timedelta(minutes=1))
    assert poster.post(digest, due).outcome is Outcome.POSTED
    assert poster.post(digest, due).outcome is Outcome.ALREADY_POSTED
    assert len(top_level_posts(slack)) == 1
    assert poster.post(digest, due, force=True).outcome is Outcome.POSTED
    assert len(top_level_posts(slack)) == 2


def test_a_slack_failure_is_retried_by_the_next_run(slack, desk):
    digest = add_digest(desk)
    poster = poster_at(slack, desk, Clock(DUE + timedelta(minutes=1)))
    slack.fail_always("chat.postMessage", "not_in_channel")
    assert poster.post_due(digest.id).outcome is Outcome.FAILED
    slack.clear_failures()
    assert [result.outcome for result in poster.retry_stale()] == [Outcome.POSTED]
    assert len(top_level_posts(slack)) == 1


def test_a_digest_too_late_to_be_useful_is_not_posted(slack, desk):
    digest = add_digest(desk)
    late = poster_at(slack, desk, Clock(DUE + timedelta(hours=3)))  # grace: 2 h
    assert late.post_due(digest.id).outcome is Outcome.TOO_LATE
    assert top_level_posts(slack) == []


# ---------------------------------------------------------------------------- alerts

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # the window: the last 24 hours


def add_solved(db, prefix: str, moment: datetime, fcr: int, other: int) -> None:
    add_tickets(db, *(dict(id=f"{prefix}{i}", created_at=moment - timedelta(hours=1),
                           first_response_at=moment - timedelta(minutes=30), solved_at=moment,
                           status="solved", agent_replies=1 if i < fcr else 2)
                      for i in range(fcr + other)))


def alert_posts(slack) -> list:
    return [call for call in top_level_posts(slack)
            if call.params["metadata"]["event_payload"]["claim"].startswith("alert:")]


def test_a_crossing_alerts_once_and_again_only_after_recovery(slack, sqlite_db):
    db = sqlite_db
    add_digest(db, kpis=[{"metric": "fcr", "threshold": ">= 65%"}])
    clock = Clock(NOW)
    poster = poster_at(slack, db, clock, alert_min_n=4)
    add_solved(db, "a", NOW - timedelta(hours=2), fcr=1, other=4)  # 1/5 = 20%: crossed
    assert len(poster.check_alerts()) == 1
    text = posted_text(alert_posts(slack)[0])
    assert "First contact resolution crossed its threshold" in text
    assert "is 20.0% over the last 24 hours (n = 5 tickets)" in text and "≥ 65%" in text
    assert "<https://slack.com/app_redirect?app=A1&team=T1|ask kpibot directly>" in text
    clock.now = NOW + timedelta(hours=1)
    assert poster.check_alerts() == []  # still crossed, same episode: nothing more
    assert len(alert_posts(slack)) == 1
    clock.now = NOW + timedelta(days=1)
    add_solved(db, "b", clock.now - timedelta(hours=2), fcr=5, other=0)  # 5/5: recovered
    assert poster.check_alerts() == []
    clock.now = NOW + timedelta(days=2)
    add_solved(db, "c", clock.now - timedelta(hours=2), fcr=0, other=5)  # crossed again
    assert len(poster.check_alerts()) == 1
    assert len(alert_posts(slack)) == 2


def test_an_alerts_thread_continues_its_question(slack, sqlite_db):
    add_digest(sqlite_db, kpis=[{"metric": "fcr", "threshold": ">= 65%"}])
    add_solved(sqlite_db, "a", NOW - timedelta(hours=2), fcr=1, other=4)
    poster = poster_at(slack, sqlite_db, Clock(NOW), alert_min_n=4)
    poster.check_alerts()
    ts = alert_posts(slack)[0].response["ts"]
    stored = ConversationStore(sqlite_db, lambda: NOW).previous(f"slack:T1:{CHANNEL}:{ts}")
    assert stored.metric == "fcr" and stored.period.label == "last 24 hours"


def test_too_little_data_does_not_alert(slack, sqlite_db):
    add_digest(sqlite_db, kpis=[{"metric": "fcr", "threshold": ">= 65%"}])
    add_solved(sqlite_db, "a", NOW - timedelta(hours=2), fcr=0, other=3)
    poster = poster_at(slack, sqlite_db, Clock(NOW))  # alert_min_n 30 by default
    assert poster.check_alerts() == [] and alert_posts(slack) == []



def test_a_kpi_that_missed_its_target_names_its_top_driver_in_slack(slack, desk):
    # Besides the four tickets of Sun 22 Nov (team general, 3 FCR): Sat 21 Nov, billing 20 and
    # technical 20, all FCR (40/40); Sun 22 Nov, billing 20 (2 FCR) and technical 20 (all FCR)
    # → 25/44 = 56.8%, missing ≥ 80%. R̄ = (1 + 25/44)/2 = 69/88. billing: share 1/2 → 20/44,
    # 100% → 10%: rate ½(1/2 + 20/44)·(−90 pts) = −43.0 pts, mix (55% − 69/88)·(20/44 − 1/2)
    # = +1.1 pts; contribution −41.9 pts. No other team moved beyond noise.
    rows = []
    for day, billing_fcr in ((21, 20), (22, 2)):
        solved = datetime(2026, 11, day, 15, 0, tzinfo=UTC)
        rows += [dict(id=f"{team}-{day}-{i}", created_at=solved - timedelta(hours=3),
                      first_response_at=solved - timedelta(hours=2), solved_at=solved,
                      status="solved", team=team, agent_replies=1 if i < one_touch else 2)
                 for team, one_touch in (("billing", billing_fcr), ("technical", 20))
                 for i in range(20)]
    add_tickets(desk, *rows)
    digest = add_digest(desk, kpis=[{"metric": "fcr", "target": ">= 80%"}, "resolved"])
    poster_at(slack, desk, Clock(DUE + timedelta(minutes=1))).post_due(digest.id)
    [post] = top_level_posts(slack)
    text = posted_text(post)
    assert "56.8% · n = 44 tickets — target ≥ 80%: missed" in text
    assert (":mag: top driver against the day before: team billing −41.9 pts (rate −43.0 pts, "
            "mix +1.1 pts; 100.0% → 10.0%, n = 20 tickets)") in text
    assert text.count(":mag:") == 1  # resolved tickets has no target and no alert
