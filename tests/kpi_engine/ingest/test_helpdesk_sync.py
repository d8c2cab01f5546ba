"""The live sync against local API doubles (bot/sandbox/zendesk_double.py, freshdesk_double.py)
driven by the real HTTP client through the settings' base URLs: pages and cursors, the end of
the stream, a 429 waited out for its Retry-After, a 5xx retried, a 5xx that outlasts the
retries and a second sync that resumes from the last page written, a refused token (one
request, one sentence), an unreachable API, the export's request budget, Freshdesk's
updated_since moving forward, and a page the mapping cannot take."""

from __future__ import annotations

import json
import socket

import pytest
import sqlalchemy as sa

from bot.sandbox.freshdesk_double import FreshdeskDouble, freshdesk_desk
from bot.sandbox.zendesk_double import ZendeskDouble, zendesk_desk
from kpi_engine.ingest.helpdesk import (
    HelpdeskError,
    HelpdeskRefused,
    HelpdeskUnavailable,
    SyncNotConfigured,
    read_cursor,
    sync_configured,
    sync_once,
    sync_states,
)
from kpi_engine.ingest.helpdesk.http import RateLimiter
from kpi_engine.storage.schema import survey_responses, sync_state, tickets
from tests.builders import make_settings

FAST = 0.01  # backoff base for tests: retries without the real seconds


def _zendesk_settings(double, **overrides):
    return make_settings(zendesk_url=double.url, zendesk_email="lead@acme.example",
                         zendesk_api_token="zd-token", zendesk_export_rpm=1000, **overrides)


def _freshdesk_settings(double, **overrides):
    return make_settings(freshdesk_url=double.url, freshdesk_api_key="fd-key", **overrides)


def _ids(db, source="zendesk") -> list[str]:
    with db.connect() as connection:
        return sorted(connection.execute(sa.select(tickets.c.id).where(
            tickets.c.source == source)).scalars(), key=int)


def _exports(double) -> list[dict]:
    return [request.query for request in double.paths(ZendeskDouble.EXPORT)]


@pytest.fixture
def zendesk():
    desk = zendesk_desk(25)
    with ZendeskDouble(page_size=10, desk=desk) as double:
        yield double


def test_zendesk_sync_follows_the_cursor_to_the_end_of_the_stream(db, zendesk):
    settings = _zendesk_settings(zendesk)
    report = sync_once(db, settings, "zendesk", backoff=FAST)
    exports = _exports(zendesk)
    assert [sorted(query) for query in exports] == [
        ["include", "start_time"], ["cursor", "include"], ["cursor", "include"]]
    assert exports[0] == {"start_time": "0", "include": "metric_sets,users,groups"}
    tickets_counts = report.streams["tickets"]
    assert (tickets_counts.pages, tickets_counts.tickets_read, tickets_counts.tickets_new) == (
        3, 25, 25)
    assert _ids(db) == [str(n) for n in range(1, 26)]
    rated = [r for r in zendesk.ratings if r["score"] in ("good", "bad")]
    with db.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(
            survey_responses)).scalar_one() == len(rated)
    cursor = read_cursor(db, "zendesk", "tickets")
    assert cursor == {"cursor": _after(zendesk)}  # end_of_stream's after_cursor, kept
    state = {s["stream"]: s for s in sync_states(db)}
    assert state["tickets"]["last_success_at"] is not None
    assert state["tickets"]["last_error"] is None

    # The next sync asks from the stored cursor and finds nothing new …
    again = sync_once(db, settings, "zendesk", backoff=FAST)
    assert _exports(zendesk)[3] == {"cursor": cursor["cursor"],
                                    "include": "metric_sets,users,groups"}
    assert again.streams["tickets"].tickets_read == 0
    # … until a ticket changes: only it comes, and it is updated in place.
    ticket, metric = next((t, m) for t, m in zendesk.log if t["id"] == 7)
    changed = "low" if ticket["priority"] != "low" else "high"
    zendesk.put_ticket(dict(ticket, priority=changed, updated_at="2027-01-01T00:00:00Z"), metric)
    third = sync_once(db, settings, "zendesk", backoff=FAST).streams["tickets"]
    assert (third.tickets_read, third.tickets_updated, third.tickets_new) == (1, 1, 0)
    assert _ids(db) == [str(n) for n in range(1, 26)]


def _after(double) -> str:
    """The after_cursor the double gave last."""
    from bot.sandbox.zendesk_double import _cursor

    return _cursor(len(double.log))


def test_a_429_is_waited_out_for_its_retry_after(sqlite_db, zendesk):
    zendesk.fail(429, retry_after=1, match=lambda path, query: "cursor" in query)
    report = sync_once(sqlite_db, _zendesk_settings(zendesk), "zendesk", backoff=FAST)
    exports = zendesk.paths(ZendeskDouble.EXPORT)
    assert [r.status for r in exports] == [200, 429, 200, 200]
    assert exports[2].at - exports[1].at >= 1.0
    assert report.waited_seconds >= 1.0
    assert len(_ids(sqlite_db)) == 25


def test_a_5xx_is_retried_with_backoff(sqlite_db, zendesk):
    zendesk.fail(502, times=2, match=lambda path, query: "cursor" in query)
    sync_once(sqlite_db, _zendesk_settings(zendesk), "zendesk", backoff=FAST)
    assert [r.status for r in zendesk.paths(ZendeskDouble.EXPORT)] == [200, 502, 502, 200, 200]
    assert len(_ids(sqlite_db)) == 25


def test_a_5xx_mid_stream_stops_the_sync_and_the_next_resumes_from_the_last_page(db, zendesk):
    settings = _zendesk_settings(zendesk)
    zendesk.fail(503, times=5, match=lambda path, query: "cursor" in query)  # 1 + 4 retries
    with pytest.raises(HelpdeskUnavailable) as stopped:
        sync_once(db, settings, "zendesk", backoff=FAST)
    assert stopped.value.message == (
        "Zendesk kept failing: 503 Service Unavailable to GET "
        "/api/v2/incremental/tickets/cursor.json after 5 tries; the next sync resumes from the "
        "last page written")
    assert _ids(db) == [str(n) for n in range(1, 11)]  # the first page, written
    saved = read_cursor(db, "zendesk", "tickets")
    state = {s["stream"]: s for s in sync_states(db)}["tickets"]
    assert state["last_error"] == stopped.value.message and state["last_success_at"] is None

    before = len(zendesk.requests)
    sync_once(db, settings, "zendesk", backoff=FAST)
    resumed = zendesk.paths(ZendeskDouble.EXPORT)[len(_exports(zendesk)) - 2:]
    assert zendesk.requests[before].query == {"cursor": saved["cursor"],
                                              "include": "metric_sets,users,groups"}
    assert [r.status for r in resumed] == [200, 200]
    assert _ids(db) == [str(n) for n in range(1, 26)]  # every ticket once
    assert {s["stream"]: s for s in sync_states(db)}["tickets"]["last_error"] is None


def test_a_refused_token_is_one_request_and_one_sentence(db, zendesk):
    settings = make_settings(zendesk_url=zendesk.url, zendesk_email="lead@acme.example",
                             zendesk_api_token="revoked")
    with pytest.raises(HelpdeskRefused) as refused:
        sync_once(db, settings, "zendesk", backoff=FAST)
    assert refused.value.message == (
        "Zendesk refused the API token (401 Unauthorized): check ZENDESK_EMAIL and "
        "ZENDESK_API_TOKEN (an agent's or admin's API token, with token access on in the "
        "Admin Center)")
    assert len(zendesk.requests) == 1
    assert zendesk.requests[0].authorization != zendesk.expected_authorization
    assert [s["last_error"] for s in sync_states(db)] == [refused.value.message]


def test_the_basic_auth_is_email_slash_token(sqlite_db, zendesk):
    sync_once(sqlite_db, _zendesk_settings(zendesk), "zendesk", backoff=FAST)
    import base64

    sent = zendesk.requests[0].authorization.removeprefix("Basic ")
    assert base64.b64decode(sent).decode() == "lead@acme.example/token:zd-token"


def test_an_unreachable_api_is_one_sentence_after_the_retries(sqlite_db):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens there once closed
    settings = make_settings(zendesk_url=f"http://127.0.0.1:{port}", zendesk_email="a@b.c",
                             zendesk_api_token="t")
    with pytest.raises(HelpdeskUnavailable, match=rf"^cannot reach Zendesk at "
                                                  rf"http://127\.0\.0\.1:{port}: "):
        sync_once(sqlite_db, settings, "zendesk", backoff=FAST)


def test_a_helpdesk_without_its_settings_says_which_are_missing(sqlite_db):
    with pytest.raises(SyncNotConfigured, match=r"^Zendesk is not configured: set "
                                                r"ZENDESK_SUBDOMAIN \(or ZENDESK_URL\), "
                                                r"ZENDESK_EMAIL, ZENDESK_API_TOKEN$"):
        sync_once(sqlite_db, make_settings(), "zendesk")
    with pytest.raises(SyncNotConfigured, match="FRESHDESK_API_KEY"):
        sync_once(sqlite_db, make_settings(freshdesk_domain="acme"), "freshdesk")


def test_the_export_budget_is_kept_by_the_client_side_limiter(sqlite_db, monkeypatch):
    from kpi_engine.ingest.helpdesk import http

    monkeypatch.setattr(http, "_limiters", {})  # no bucket drained by an earlier test
    with ZendeskDouble(page_size=2, desk=zendesk_desk(24)) as double:
        slept: list[float] = []
        settings = _zendesk_settings(double).model_copy(update={"zendesk_export_rpm": 10})
        sync_once(sqlite_db, settings, "zendesk", sleep=slept.append, backoff=FAST)
    assert len(double.paths(ZendeskDouble.EXPORT)) == 12
    # 10 at once, then one every 6 s (less the real time the first ten took)
    assert len(slept) == 2 and all(4.0 < seconds <= 6.0 for seconds in slept)
    assert all(r.status == 200 for r in double.requests)


def test_the_rate_limiter_allows_a_burst_then_one_request_per_interval():
    now = [100.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(10, clock=lambda: now[0], sleep=sleep)
    for _ in range(10):
        assert limiter.acquire() == 0
    assert limiter.acquire() == pytest.approx(6.0)
    now[0] += 3
    assert limiter.acquire() == pytest.approx(3.0)
    now[0] += 60
    assert [limiter.acquire() for _ in range(10)] == [0] * 10


def test_a_ticket_the_mapping_cannot_take_stops_the_sync_on_its_page(sqlite_db, zendesk):
    index = next(i for i, (t, _) in enumerate(zendesk.log) if t["id"] == 15)
    ticket, metric = zendesk.log[index]
    zendesk.log[index] = (dict(ticket, via={"channel": "rule"}), metric)  # on page 2
    settings = _zendesk_settings(zendesk)
    with pytest.raises(HelpdeskError) as stopped:
        sync_once(sqlite_db, settings, "zendesk", backoff=FAST)
    assert "via.channel 'rule' is not a channel kpibot knows; map it with " \
           "ZENDESK_CHANNELS=rule=web" in stopped.value.message
    assert stopped.value.message.startswith("Zendesk sync stopped at a page it cannot take (")
    assert _ids(sqlite_db) == [str(n) for n in range(1, 11)]  # page 2 not half-written
    fixed = settings.model_copy(update={"zendesk_channels": "rule=web"})
    sync_once(sqlite_db, fixed, "zendesk", backoff=FAST)
    assert _ids(sqlite_db) == [str(n) for n in range(1, 26)]


def test_a_rating_whose_ticket_is_not_synced_yet_waits(sqlite_db, zendesk):
    zendesk.ratings.append({"id": 1, "ticket_id": 999, "score": "good",
                            "created_at": "2026-01-02T00:00:00Z",
                            "updated_at": "2026-01-02T00:00:00Z"})
    report = sync_once(sqlite_db, _zendesk_settings(zendesk), "zendesk", backoff=FAST)
    assert report.streams["ratings"].ratings_waiting == 1
    assert report.streams["ratings"].bad_count == 0


def test_ratings_are_read_again_within_the_lookback(sqlite_db, zendesk):
    zendesk.ratings = [
        {"id": 1, "ticket_id": 1, "score": "offered", "created_at": "2026-01-10T00:00:00Z",
         "updated_at": "2026-01-10T00:00:00Z"},
        {"id": 2, "ticket_id": 2, "score": "offered", "created_at": "2026-01-20T00:00:00Z",
         "updated_at": "2026-01-20T00:00:00Z"}]
    settings = _zendesk_settings(zendesk, zendesk_ratings_lookback_days=7)
    sync_once(sqlite_db, settings, "zendesk", backoff=FAST)
    start = read_cursor(sqlite_db, "zendesk", "ratings")["start_time"]
    assert start == 1768867200 - 7 * 86_400  # 2026-01-20 less a week
    for rating in zendesk.ratings:  # both answered later
        rating.update(score="good", updated_at="2026-01-22T00:00:00Z")
    report = sync_once(sqlite_db, settings, "zendesk", backoff=FAST).streams["ratings"]
    assert zendesk.paths(ZendeskDouble.RATINGS)[-1].query["start_time"] == str(start)
    # the rating offered within the week before the newest is read again, with its answer;
    # the older one is not (docs/helpdesks.md: ZENDESK_RATINGS_LOOKBACK_DAYS)
    assert (report.ratings_read, report.ratings_new) == (1, 1)


# -- Freshdesk ------------------------------------------------------------------------------


def test_freshdesk_sync_moves_updated_since_forward_page_by_page(db):
    desk = freshdesk_desk(250)
    with FreshdeskDouble(desk=desk) as double:
        report = sync_once(db, _freshdesk_settings(double), "freshdesk", backoff=FAST)
        queries = [r.query for r in double.paths("/api/v2/tickets") if "filter" not in r.query]
    assert [(q["updated_since"], q["page"]) for q in queries] == [
        ("2000-01-01T00:00:00Z", "1"), ("2026-10-01T01:38:59Z", "1"),
        ("2026-10-01T03:17:59Z", "1")]
    assert all(q["order_by"] == "updated_at" and q["order_type"] == "asc"
               and q["include"] == "requester,stats" and q["per_page"] == "100"
               for q in queries)
    assert report.streams["tickets"].tickets_new == 250
    assert _ids(db, "freshdesk") == [str(n) for n in range(1, 251)]
    assert read_cursor(db, "freshdesk", "tickets") == {"updated_since": "2026-10-01T04:08:59Z",
                                                       "page": 1}
    with db.connect() as connection:
        agents = set(connection.execute(sa.select(tickets.c.agent)).scalars())
    assert agents == {f"Agent {n}" for n in range(10)}  # names from /api/v2/agents


def test_freshdesk_tickets_deleted_or_marked_spam_after_a_sync_are_removed(db):
    """Freshdesk's ticket list leaves deleted and spam tickets out: the next sync finds them
    under filter=deleted and filter=spam and removes them, with their survey answers."""
    desk = freshdesk_desk(5)
    desk["ratings"] = [{"id": 70_002, "ticket_id": 2, "survey_id": 1, "feedback": None,
                        "ratings": {"default_question": 103},
                        "created_at": "2026-10-02T00:00:00Z",
                        "updated_at": "2026-10-02T00:00:00Z"}]
    with FreshdeskDouble(desk=desk) as double:
        settings = _freshdesk_settings(double)
        sync_once(db, settings, "freshdesk", backoff=FAST)
        assert _ids(db, "freshdesk") == ["1", "2", "3", "4", "5"]
        double.mark(2, "deleted", "2026-12-01T10:00:00Z")
        double.mark(4, "spam", "2026-12-01T11:00:00Z")
        report = sync_once(db, settings, "freshdesk", backoff=FAST).streams
        assert (report["deleted"].tickets_removed, report["spam"].tickets_removed) == (1, 1)
        assert _ids(db, "freshdesk") == ["1", "3", "5"]
        with db.connect() as connection:
            assert connection.execute(sa.select(survey_responses.c.ticket_id)).all() == []
        asked = [r.query for r in double.paths("/api/v2/tickets") if "filter" in r.query]
        assert {(q["filter"], q["order_by"], q["order_type"]) for q in asked} == {
            ("deleted", "updated_at", "asc"), ("spam", "updated_at", "asc")}
        again = sync_once(db, settings, "freshdesk", backoff=FAST).streams
        assert again["deleted"].tickets_removed == again["spam"].tickets_removed == 0
        assert _ids(db, "freshdesk") == ["1", "3", "5"]
    # the last deletion's updated_at less a second, as for the tickets
    assert read_cursor(db, "freshdesk", "deleted") == {"updated_since": "2026-12-01T09:59:59Z",
                                                       "page": 1}


def test_freshdesk_5xx_mid_stream_stops_and_the_next_sync_resumes(db):
    with FreshdeskDouble(desk=freshdesk_desk(250)) as double:
        settings = _freshdesk_settings(double)
        later = lambda path, query: (path == "/api/v2/tickets" and "filter" not in query  # noqa: E731
                                     and query["updated_since"] != "2000-01-01T00:00:00Z")
        double.fail(503, times=5, match=later)  # the second page: 1 + 4 retries
        with pytest.raises(HelpdeskUnavailable, match=r"^Freshdesk kept failing: 503 "):
            sync_once(db, settings, "freshdesk", backoff=FAST)
        assert _ids(db, "freshdesk") == [str(n) for n in range(1, 101)]  # page 1 written
        saved = read_cursor(db, "freshdesk", "tickets")
        assert saved == {"updated_since": "2026-10-01T01:38:59Z", "page": 1}
        before = len(double.paths("/api/v2/tickets"))
        sync_once(db, settings, "freshdesk", backoff=FAST)
        resumed = double.paths("/api/v2/tickets")[before]
        assert resumed.query["updated_since"] == saved["updated_since"]
    assert _ids(db, "freshdesk") == [str(n) for n in range(1, 251)]  # every ticket once


def test_freshdesk_tickets_sharing_one_second_are_paged_through(sqlite_db):
    desk = freshdesk_desk(150)
    for ticket in desk["tickets"]:
        ticket["updated_at"] = "2026-10-02T00:00:00Z"
    with FreshdeskDouble(desk=desk) as double:
        sync_once(sqlite_db, _freshdesk_settings(double), "freshdesk", backoff=FAST)
        pages = [(r.query["updated_since"], r.query["page"])
                 for r in double.paths("/api/v2/tickets") if "filter" not in r.query]
    assert pages == [("2000-01-01T00:00:00Z", "1"), ("2026-10-01T23:59:59Z", "1"),
                     ("2026-10-01T23:59:59Z", "2")]
    assert len(_ids(sqlite_db, "freshdesk")) == 150


def test_freshdesk_refused_key_and_retry_after(sqlite_db):
    with FreshdeskDouble(desk=freshdesk_desk(5)) as double:
        with pytest.raises(HelpdeskRefused, match=r"^Freshdesk refused the API token \(401 "
                                                  r"Unauthorized\): check FRESHDESK_API_KEY"):
            sync_once(sqlite_db, make_settings(freshdesk_url=double.url,
                                               freshdesk_api_key="wrong"), "freshdesk")
        assert len(double.requests) == 1
        double.fail(429, retry_after=1, match=lambda path, q: path == "/api/v2/tickets")
        report = sync_once(sqlite_db, _freshdesk_settings(double), "freshdesk", backoff=FAST)
        calls = double.paths("/api/v2/tickets")  # (the refused key was told before these)
    # one 429, the same page asked again once its Retry-After had passed, then on: no storm
    assert [r.status for r in calls] == [429] + [200] * (len(calls) - 1)
    assert calls[1].query == calls[0].query and calls[1].at - calls[0].at >= 1.0
    assert report.waited_seconds >= 1.0
    assert len(_ids(sqlite_db, "freshdesk")) == 5


def test_sync_configured_runs_each_helpdesk_and_never_raises(sqlite_db, zendesk):
    settings = _zendesk_settings(zendesk, freshdesk_url="http://127.0.0.1:9",
                                 freshdesk_api_key="k")
    results = sync_configured(sqlite_db, settings, backoff=FAST)
    assert set(results) == {"zendesk", "freshdesk"}
    assert results["zendesk"].streams["tickets"].tickets_new == 25
    assert results["freshdesk"].startswith("cannot reach Freshdesk at http://127.0.0.1:9")
    with sqlite_db.connect() as connection:
        errors = dict(connection.execute(sa.select(sync_state.c.source, sync_state.c.last_error)
                                         .where(sync_state.c.last_error.is_not(None))).all())
    assert set(errors) == {"freshdesk"}


def test_the_report_is_json(sqlite_db, zendesk):
    report = sync_once(sqlite_db, _zendesk_settings(zendesk), "zendesk", backoff=FAST)
    data = json.loads(json.dumps(report.to_json()))
    assert data["streams"]["tickets"]["tickets_new"] == 25 and data["requests"] == 4
