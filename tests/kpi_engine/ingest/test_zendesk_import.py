"""Zendesk from its own export files — and the outside check: an export written by hand from
Zendesk's documented objects (data/zendesk/: two pages of the incremental ticket export with
their metric sets, users and groups sideloaded, and a page of satisfaction ratings). kpibot's
calendar FRT and resolution time of each ticket must be the metric sets'
reply_time_in_minutes.calendar and full_resolution_time_in_minutes.calendar, its CSAT Zendesk's
good ÷ (good + bad); importing again changes nothing. Expected values worked out by hand from
the files."""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from kpi_engine.engine import KpiEngine
from kpi_engine.ingest.helpdesk import HelpdeskImportRejected, import_helpdesk
from kpi_engine.periods import period_from_bounds
from kpi_engine.query import KpiQuery
from kpi_engine.storage.schema import (
    dimension_values,
    helpdesk_metrics,
    survey_requests,
    survey_responses,
    ticket_tags,
    tickets,
)
from kpi_engine.vocabulary import Dimension
from tests.builders import NOW, make_settings

DATA = Path(__file__).parent / "data" / "zendesk"
UTC = timezone.utc

# By hand from the metric sets: (customer, reply minutes, full resolution minutes).
EXPECTED = {
    "mia@shop.example": (30, 240),      # 101 solved
    "tom@berg.example": (15, 600),      # 102 solved
    "ana@ruiz.example": (5, 1440),      # 103 closed
    "noor@haddad.example": (45, None),  # 104 open
    "lee@park.example": (None, None),   # 105 pending, no reply yet
    "jon@weiss.example": (60, 90),      # 106 solved
    "sam@idowu.example": (120, None),   # 107 on hold
    "kai@vip.example": (10, 2000),      # 108 solved after two reopens
    "5009": (None, None),               # 110 new; its requester has no email: the id
}


def _import(db, *paths, **options):
    return import_helpdesk(db, make_settings(), "zendesk", list(paths) or [DATA], **options)


def _by_customer(db, metric: str) -> dict[str, tuple[float | None, int]]:
    period = period_from_bounds("2026-11-01", "2026-11-20", now=NOW)
    result = KpiEngine(db, make_settings()).run(
        KpiQuery(metric=metric, period=period, group_by=(Dimension.CUSTOMER,)))
    return {row["group"]["customer"]: (row["value"], row["n"]) for row in result.to_json()["rows"]}


def _stored(db, table, *columns):
    with db.connect() as connection:
        return sorted(connection.execute(sa.select(*(table.c[c] for c in columns))).all())


def test_outside_check_frt_resolution_and_csat_are_zendesks_own(db):
    report = _import(db)
    counts = report.counts
    assert (counts.tickets_read, counts.tickets_new, counts.tickets_removed) == (10, 9, 0)
    assert (counts.ratings_read, counts.ratings_new, counts.bad_count) == (6, 5, 0)

    frt = _by_customer(db, "frt")
    for customer, (reply, _) in EXPECTED.items():
        assert frt[customer] == ((reply * 60.0, 1) if reply is not None else (None, 0)), customer
    resolution = _by_customer(db, "resolution_time")
    solved = {c: r for c, (_, r) in EXPECTED.items() if r is not None}
    assert resolution == {c: (minutes * 60.0, 1) for c, minutes in solved.items()}

    period = period_from_bounds("2026-11-01", "2026-11-20", now=NOW)
    csat = KpiEngine(db, make_settings()).run(KpiQuery(metric="csat", period=period))
    # good: 101, 103, 108; bad: 102 (109's good went with its deleted ticket; 106 offered)
    assert (csat.value, csat.current.n) == (3 / (3 + 1), 4)
    rate = KpiEngine(db, make_settings()).run(KpiQuery(metric="survey_response_rate",
                                                       period=period))
    assert (rate.value, rate.current.n) == (4 / 5, 5)  # offered 101, 102, 103, 106, 108


def test_business_and_calendar_minutes_are_kept_as_zendesk_gave_them(db):
    _import(db)
    assert _stored(db, helpdesk_metrics, "ticket_id", "reply_calendar_minutes",
                   "reply_business_minutes", "resolution_calendar_minutes",
                   "resolution_business_minutes") == [
        ("101", 30, 30, 240, 240), ("102", 15, 0, 600, 120), ("103", 5, 5, 1440, 480),
        ("104", 45, 45, None, None), ("105", None, None, None, None),
        ("106", 60, 60, 90, 90), ("107", 120, 60, None, None), ("108", 10, 10, 2000, 600),
        ("110", None, None, None, None)]


def test_every_field_is_mapped_as_documented(db):
    _import(db)
    rows = {row.id: row for row in _stored_rows(db)}
    assert set(rows) == {"101", "102", "103", "104", "105", "106", "107", "108", "110"}
    first = rows["101"]
    assert (first.source, first.status, first.channel, first.priority, first.tier, first.team,
            first.agent, first.customer, first.agent_replies, first.customer_messages,
            first.reopens, first.escalated) == (
        "zendesk", "solved", "email", "normal", 1, "Billing", "Asha Rao", "mia@shop.example",
        2, 1, 0, False)
    assert first.created_at == datetime(2026, 11, 2, 9, tzinfo=UTC)
    assert first.first_response_at == datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
    assert first.solved_at == datetime(2026, 11, 2, 13, tzinfo=UTC)
    assert {i: rows[i].channel for i in rows} == {
        "101": "email", "102": "chat", "103": "phone", "104": "chat", "105": "web",
        "106": "web", "107": "social", "108": "email", "110": "email"}
    assert {i: rows[i].status for i in rows} == {
        "101": "solved", "102": "solved", "103": "closed", "104": "open", "105": "pending",
        "106": "solved", "107": "pending", "108": "solved", "110": "new"}
    assert {i: rows[i].tier for i in rows if rows[i].tier != 1} == {"102": 2, "104": 3}
    # escalated: the tag (105) or a second group station (103)
    assert {i for i in rows if rows[i].escalated} == {"103", "105"}
    assert (rows["103"].priority, rows["103"].reopens, rows["103"].customer_messages) == (
        "normal", 1, 2)
    assert (rows["108"].reopens, rows["108"].customer_messages, rows["108"].agent) == (
        2, 3, "Ben Okafor")
    assert (rows["104"].agent, rows["104"].solved_at) == (None, None)  # unassigned, open
    assert (rows["110"].team, rows["110"].customer) == (None, "5009")
    assert _stored(db, ticket_tags, "ticket_id", "tag") == [
        ("101", "billing"), ("101", "invoice"), ("102", "login"), ("102", "tier_2"),
        ("104", "t3"), ("105", "complaint"), ("105", "escalated"), ("108", "tier_1"),
        ("108", "vip")]
    assert ("agent", "Asha Rao") in _stored(db, dimension_values, "dimension", "value")
    assert _stored(db, survey_requests, "ticket_id", "sent_at")[0] == (
        "101", datetime(2026, 11, 3, 9, tzinfo=UTC))
    assert _stored(db, survey_responses, "ticket_id", "score", "responded_at", "comment") == [
        ("101", 5, datetime(2026, 11, 3, 10, tzinfo=UTC), "Quick and clear"),
        ("102", 1, datetime(2026, 11, 5, 9, 30, tzinfo=UTC), "Took all night"),
        ("103", 5, datetime(2026, 11, 8, 16, 45, tzinfo=UTC), None),
        ("108", 5, datetime(2026, 11, 15, 8, tzinfo=UTC), "Sorted in the end")]


def _stored_rows(db):
    with db.connect() as connection:
        return connection.execute(sa.select(tickets)).all()


def test_importing_the_same_pages_again_changes_nothing(db):
    _import(db)
    before = [_stored_rows(db), _stored(db, ticket_tags, "ticket_id", "tag"),
              _stored(db, helpdesk_metrics, "ticket_id", "reply_calendar_minutes"),
              _stored(db, survey_responses, "ticket_id", "score")]
    again = _import(db).counts
    assert (again.tickets_new, again.tickets_updated, again.tickets_unchanged) == (0, 0, 9)
    assert (again.ratings_new, again.ratings_updated, again.ratings_unchanged) == (0, 0, 5)
    assert [_stored_rows(db), _stored(db, ticket_tags, "ticket_id", "tag"),
            _stored(db, helpdesk_metrics, "ticket_id", "reply_calendar_minutes"),
            _stored(db, survey_responses, "ticket_id", "score")] == before


def test_json_lines_and_single_files_read_the_same(sqlite_db, tmp_path):
    lines = tmp_path / "export.jsonl"
    lines.write_text("\n".join(json.dumps(json.loads((DATA / name).read_text()))
                               for name in ("tickets-1.json", "tickets-2.json", "ratings.json")))
    counts = _import(sqlite_db, lines).counts
    assert (counts.pages, counts.tickets_new, counts.ratings_new) == (3, 9, 5)
    again = _import(sqlite_db, DATA / "tickets-1.json", DATA / "tickets-2.json",
                    DATA / "ratings.json").counts
    assert (again.tickets_unchanged, again.ratings_unchanged) == (9, 5)


def test_a_ticket_deleted_later_goes_with_its_survey_rows(db, tmp_path):
    alive = json.loads((DATA / "tickets-2.json").read_text())
    alive["tickets"][3].update(status="solved", updated_at="2026-11-14T10:00:00Z")
    alive["metric_sets"].append({"ticket_id": 109, "reopens": 0, "replies": 1,
                                 "solved_at": "2026-11-14T10:00:00Z",
                                 "reply_time_in_minutes": {"calendar": 20, "business": 20},
                                 "full_resolution_time_in_minutes": {"calendar": 1380,
                                                                     "business": 480}})
    ratings = json.loads((DATA / "ratings.json").read_text())
    ratings["satisfaction_ratings"] = [r for r in ratings["satisfaction_ratings"]
                                       if r["ticket_id"] >= 106]
    (tmp_path / "first").mkdir()
    (tmp_path / "first" / "tickets.json").write_text(json.dumps(alive))
    (tmp_path / "first" / "ratings.json").write_text(json.dumps(ratings))
    first = _import(db, tmp_path / "first").counts
    assert (first.tickets_new, first.ratings_new) == (5, 3)  # 106–110; 106, 108, 109 rated
    assert ("109", 5) in _stored(db, survey_responses, "ticket_id", "score")

    removed = _import(db, DATA / "tickets-2.json").counts  # 109 deleted since
    assert removed.tickets_removed == 1
    assert "109" not in {row.id for row in _stored_rows(db)}
    assert ("109", 5) not in _stored(db, survey_responses, "ticket_id", "score")
    assert "109" not in {r[0] for r in _stored(db, survey_requests, "ticket_id")}
    assert "109" not in {r[0] for r in _stored(db, helpdesk_metrics, "ticket_id")}


def test_the_newest_version_of_a_ticket_wins_whatever_the_page_order(db, tmp_path):
    newer = json.loads((DATA / "tickets-1.json").read_text())
    newer["tickets"] = [dict(newer["tickets"][3], status="solved",
                             updated_at="2026-11-07T12:00:00Z")]
    newer["metric_sets"] = [dict(newer["metric_sets"][3], solved_at="2026-11-07T12:00:00Z",
                                 full_resolution_time_in_minutes={"calendar": 1440,
                                                                  "business": 600})]
    (tmp_path / "a-newer.json").write_text(json.dumps(newer))
    shutil.copy(DATA / "tickets-1.json", tmp_path / "b-older.json")  # read after the newer
    counts = _import(db, tmp_path).counts
    assert (counts.tickets_read, counts.tickets_new) == (6, 5)
    row = next(r for r in _stored_rows(db) if r.id == "104")
    assert (row.status, row.solved_at) == ("solved", datetime(2026, 11, 7, 12, tzinfo=UTC))


def test_a_user_named_only_on_a_later_page_is_filled_in(db, tmp_path):
    page = json.loads((DATA / "tickets-1.json").read_text())
    users = page.pop("users")
    (tmp_path / "1-tickets.json").write_text(json.dumps(page))
    (tmp_path / "2-users.json").write_text(json.dumps({"users": users}))
    _import(db, tmp_path)
    row = next(r for r in _stored_rows(db) if r.id == "101")
    assert (row.agent, row.customer, row.team) == ("Asha Rao", "mia@shop.example", "Billing")


def test_zendesk_channels_setting_maps_a_channel_kpibot_does_not_know(sqlite_db, tmp_path):
    page = json.loads((DATA / "tickets-1.json").read_text())
    page["tickets"][0]["via"]["channel"] = "closed_ticket"
    (tmp_path / "page.json").write_text(json.dumps(page))
    settings = make_settings(zendesk_channels="closed_ticket=email")
    import_helpdesk(sqlite_db, settings, "zendesk", [tmp_path])
    assert next(r for r in _stored_rows(sqlite_db) if r.id == "101").channel == "email"


# -- bad input: one sentence each, by file and position; nothing half-written ------------------


def _rejected(db, *paths) -> list[str]:
    with pytest.raises(HelpdeskImportRejected) as caught:
        _import(db, *paths)
    assert caught.value.report.written is False
    assert _stored_rows(db) == []  # nothing half-written
    return [bad.sentence() for bad in caught.value.report.counts.bad_items]


def test_a_page_that_is_not_a_zendesk_page(db, tmp_path):
    (tmp_path / "tickets.json").write_text(json.dumps({"results": [], "next_page": None}))
    shutil.copy(DATA / "tickets-1.json", tmp_path / "a.json")
    assert _rejected(db, tmp_path / "a.json", tmp_path / "tickets.json") == [
        "tickets.json: not a Zendesk page: expected an incremental ticket export page "
        "(tickets, metric_sets, users, groups) or a satisfaction ratings page "
        "(satisfaction_ratings)"]


def test_a_freshdesk_page_given_as_zendesk(sqlite_db):
    fresh = Path(__file__).parent / "data" / "freshdesk" / "tickets.json"
    [sentence] = _rejected(sqlite_db, fresh)
    assert sentence.startswith("tickets.json: not a Zendesk page: a JSON array (a Freshdesk "
                               "page?)")


def test_a_truncated_file(db, tmp_path):
    text = (DATA / "tickets-1.json").read_text()
    (tmp_path / "cut.json").write_text(text[:len(text) // 2])
    [sentence] = _rejected(db, DATA / "tickets-2.json", tmp_path / "cut.json")
    assert sentence.startswith("cut.json, line ")
    assert sentence.endswith("the JSON stops before its value is complete: the file looks "
                             "truncated")


def test_a_truncated_line_of_a_json_lines_file(sqlite_db, tmp_path):
    good = json.dumps(json.loads((DATA / "tickets-1.json").read_text()))
    (tmp_path / "pages.jsonl").write_text(good + "\n" + good[:500] + "\n")
    assert _rejected(sqlite_db, tmp_path / "pages.jsonl") == [
        "pages.jsonl, line 2 column 501: the JSON stops before its value is complete: the "
        "file looks truncated"]


def test_an_unknown_channel(db, tmp_path):
    page = json.loads((DATA / "tickets-1.json").read_text())
    page["tickets"][2]["via"]["channel"] = "carrier_pigeon"
    (tmp_path / "page.json").write_text(json.dumps(page))
    assert _rejected(db, tmp_path / "page.json") == [
        "page.json, tickets[2]: ticket 103: via.channel 'carrier_pigeon' is not a channel "
        "kpibot knows; map it with ZENDESK_CHANNELS=carrier_pigeon=web (or chat, email, "
        "phone, social, slack)"]


def test_a_rating_for_a_ticket_not_in_the_export(db, tmp_path):
    ratings = json.loads((DATA / "ratings.json").read_text())
    ratings["satisfaction_ratings"][4]["ticket_id"] = 4242
    (tmp_path / "ratings.jsonl").write_text(json.dumps(ratings) + "\n")
    assert _rejected(db, DATA / "tickets-1.json", DATA / "tickets-2.json",
                     tmp_path / "ratings.jsonl") == [
        "ratings.jsonl, line 1, satisfaction_ratings[4]: a rating for ticket 4242, which is "
        "neither in these pages nor already imported"]


def test_a_rating_of_a_ticket_imported_before_is_taken(sqlite_db, tmp_path):
    _import(sqlite_db, DATA / "tickets-1.json", DATA / "tickets-2.json")
    ratings = json.loads((DATA / "ratings.json").read_text())
    ratings["satisfaction_ratings"] = [r for r in ratings["satisfaction_ratings"]
                                       if r["ticket_id"] != 109]  # deleted: not imported
    (tmp_path / "ratings.json").write_text(json.dumps(ratings))
    counts = _import(sqlite_db, tmp_path / "ratings.json").counts
    assert (counts.ratings_read, counts.ratings_new) == (5, 5)


def test_every_bad_item_is_told_and_skip_bad_writes_the_rest(sqlite_db, tmp_path):
    page = json.loads((DATA / "tickets-1.json").read_text())
    page["tickets"][0]["status"] = "archived"
    page["tickets"][1]["created_at"] = "yesterday"
    page["tickets"][2]["priority"] = "p1"
    page["metric_sets"] = [m for m in page["metric_sets"] if m["ticket_id"] != 104]
    (tmp_path / "page.json").write_text(json.dumps(page))
    assert _rejected(sqlite_db, tmp_path / "page.json") == [
        "page.json, tickets[0]: ticket 101: status 'archived' is not a Zendesk status (new, "
        "open, pending, hold, solved, closed, deleted)",
        "page.json, tickets[1]: ticket 102: created_at 'yesterday' is not an ISO 8601 time",
        "page.json, tickets[2]: ticket 103: priority 'p1' is not low, normal, high or urgent",
        "page.json, tickets[3]: ticket 104 has no metric set on its page: export with "
        "include=metric_sets,users,groups"]
    report = _import(sqlite_db, tmp_path / "page.json", skip_bad=True)
    assert (report.written, report.counts.tickets_new, report.counts.bad_count) == (True, 1, 4)
    assert [row.id for row in _stored_rows(sqlite_db)] == ["105"]


def test_a_tickets_page_without_metric_sets(sqlite_db, tmp_path):
    page = json.loads((DATA / "tickets-1.json").read_text())
    del page["metric_sets"]
    (tmp_path / "page.json").write_text(json.dumps(page))
    assert _rejected(sqlite_db, tmp_path / "page.json") == [
        "page.json: a tickets page without metric_sets: export it with "
        "include=metric_sets,users,groups"]


def test_a_path_that_is_not_there_or_holds_no_pages(sqlite_db, tmp_path):
    from kpi_engine.errors import UserError

    with pytest.raises(UserError, match="no such file or directory"):
        _import(sqlite_db, tmp_path / "missing")
    with pytest.raises(UserError, match="holds no .json or .jsonl files"):
        _import(sqlite_db, tmp_path)


def test_a_file_that_is_not_utf8_or_is_empty(sqlite_db, tmp_path):
    (tmp_path / "a.jsonl").write_bytes(b'{"tickets": []}\n{"tickets": ["caf\xe9"]}\n')
    (tmp_path / "b.json").write_text("  \n")
    assert _rejected(sqlite_db, tmp_path) == [
        "a.jsonl, line 2: is not UTF-8 text: export the pages as JSON",
        "b.json: is empty: a page is one JSON object or array"]
