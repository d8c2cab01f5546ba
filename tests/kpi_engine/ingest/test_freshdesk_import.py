"""Freshdesk from its own export files — and the outside check: pages written by hand from
Freshdesk's documented objects (data/freshdesk/: /api/v2/tickets with include=requester,stats,
/api/v2/surveys/satisfaction_ratings, /api/v2/agents, /api/v2/groups). kpibot's FRT and
resolution time of each ticket must be stats.first_responded_at and resolved_at (closed_at when
there is none) less created_at; its CSAT the share of positive ratings (103, 102, 101) — the
share Freshdesk reports as satisfied; importing again changes nothing."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from kpi_engine.engine import KpiEngine
from kpi_engine.ingest.helpdesk import HelpdeskImportRejected, import_helpdesk
from kpi_engine.periods import period_from_bounds
from kpi_engine.query import KpiQuery
from kpi_engine.storage.schema import survey_requests, survey_responses, tickets
from kpi_engine.vocabulary import Dimension
from tests.builders import NOW, make_settings

DATA = Path(__file__).parent / "data" / "freshdesk"

# By hand from the stats: customer → (minutes to the first response, minutes to resolution).
EXPECTED = {
    "mia@shop.example": (20, 180),       # 201 resolved
    "tom@berg.example": (2, 90),         # 202 closed: resolved_at, not closed_at
    "9303": (None, None),                # 203 open, no requester embedded: the requester id
    "ana@ruiz.example": (45, None),      # 204 pending
    "noor@haddad.example": (60, 1440),   # 205 resolved after a reopen
    "jon@weiss.example": (5, None),      # 206 waiting on customer
    "kai@vip.example": (30, 60),         # 207 closed without resolved_at: closed_at
}


def _import(db, *paths, settings=None, **options):
    return import_helpdesk(db, settings or make_settings(), "freshdesk", list(paths) or [DATA],
                           **options)


def _by_customer(db, metric: str) -> dict:
    period = period_from_bounds("2026-11-01", "2026-11-20", now=NOW)
    result = KpiEngine(db, make_settings()).run(
        KpiQuery(metric=metric, period=period, group_by=(Dimension.CUSTOMER,)))
    return {row["group"]["customer"]: (row["value"], row["n"]) for row in result.to_json()["rows"]}


def _rows(db) -> dict:
    with db.connect() as connection:
        return {row.id: row for row in connection.execute(sa.select(tickets))}


def test_outside_check_frt_resolution_and_csat_are_freshdesks_own(db):
    counts = _import(db).counts
    assert (counts.tickets_read, counts.tickets_new, counts.ratings_new) == (8, 7, 5)
    frt = _by_customer(db, "frt")
    for customer, (first, _) in EXPECTED.items():
        assert frt[customer] == ((first * 60.0, 1) if first is not None else (None, 0)), customer
    solved = {c: r for c, (_, r) in EXPECTED.items() if r is not None}
    assert _by_customer(db, "resolution_time") == {c: (m * 60.0, 1) for c, m in solved.items()}
    period = period_from_bounds("2026-11-01", "2026-11-20", now=NOW)
    csat = KpiEngine(db, make_settings()).run(KpiQuery(metric="csat", period=period))
    # 103 → 5, 102 → 4, 101 → 4 are satisfied; 100 → 3 and -103 → 1 are not: 3 of 5
    assert (csat.value, csat.current.n) == (3 / 5, 5)
    with db.connect() as connection:
        scores = dict(connection.execute(
            sa.select(survey_responses.c.ticket_id, survey_responses.c.score)).all())
        assert connection.execute(sa.select(sa.func.count()).select_from(
            survey_requests)).scalar_one() == 0  # Freshdesk lists answers, not requests
    assert scores == {"201": 5, "202": 1, "205": 4, "206": 4, "207": 3}


def test_codes_are_mapped_as_documented(db):
    _import(db)
    rows = _rows(db)
    assert "208" not in rows  # deleted
    assert {i: (r.status, r.channel, r.priority) for i, r in rows.items()} == {
        "201": ("solved", "email", "normal"), "202": ("closed", "chat", "high"),
        "203": ("open", "web", "low"), "204": ("pending", "phone", "urgent"),
        "205": ("solved", "web", "normal"), "206": ("pending", "email", "normal"),
        "207": ("closed", "email", "normal")}
    assert {i: (r.agent, r.team) for i, r in rows.items() if i in ("201", "202", "203")} == {
        "201": ("Priya Shah", "Billing"), "202": ("Diego Alvarez", "Technical"),
        "203": (None, "Technical")}
    assert {i: (r.tier, r.escalated) for i, r in rows.items()
            if r.tier != 1 or r.escalated} == {"202": (2, False), "204": (1, True)}
    # the floors documented: one reply when there was a first response, a reopen when
    # reopened_at is set, and the customer's first message plus one per reopen
    assert {i: (r.agent_replies, r.reopens, r.customer_messages) for i, r in rows.items()
            if i in ("203", "205")} == {"203": (0, 0, 1), "205": (1, 1, 2)}


def test_importing_the_same_pages_again_changes_nothing(db):
    _import(db)
    before = _rows(db)
    again = _import(db).counts
    assert (again.tickets_new, again.tickets_updated, again.tickets_unchanged) == (0, 0, 7)
    assert (again.ratings_new, again.ratings_updated, again.ratings_unchanged) == (0, 0, 5)
    assert _rows(db) == before


def test_statuses_and_sources_settings_map_codes_kpibot_does_not_know(sqlite_db, tmp_path):
    page = json.loads((DATA / "tickets.json").read_text())
    page[0].update(status=12, source=11)
    (tmp_path / "tickets.json").write_text(json.dumps(page))
    settings = make_settings(freshdesk_statuses="12=pending", freshdesk_sources="11=web")
    _import(sqlite_db, tmp_path / "tickets.json", settings=settings)
    assert (_rows(sqlite_db)["201"].status, _rows(sqlite_db)["201"].channel) == ("pending", "web")


def _rejected(db, *paths) -> list[str]:
    with pytest.raises(HelpdeskImportRejected) as caught:
        _import(db, *paths)
    assert _rows(db) == {}
    return [bad.sentence() for bad in caught.value.report.counts.bad_items]


def test_bad_input_is_one_sentence_each_and_nothing_is_written(db, tmp_path):
    page = json.loads((DATA / "tickets.json").read_text())
    page[1]["source"] = 99
    page[2]["status"] = 42
    page[4]["stats"]["resolved_at"] = None
    ratings = json.loads((DATA / "ratings.json").read_text())
    ratings[0]["ratings"]["default_question"] = 5
    ratings[1]["ticket_id"] = 777
    (tmp_path / "tickets.json").write_text(json.dumps(page))
    (tmp_path / "ratings.json").write_text(json.dumps(ratings))
    assert _rejected(db, tmp_path / "tickets.json", tmp_path / "ratings.json") == [
        "tickets.json, [1]: ticket 202: source 99 is not a source kpibot knows; map it with "
        "FRESHDESK_SOURCES=99=web (or chat, email, phone, social, slack)",
        "tickets.json, [2]: ticket 203: status 42 is not a status kpibot knows; map it with "
        "FRESHDESK_STATUSES=42=pending (or open, solved, closed)",
        "tickets.json, [4]: ticket 205 is solved but its stats have no resolved_at",
        "ratings.json, [0]: the rating of ticket 201: ratings.default_question 5 is not a "
        "Freshdesk rating (103, 102, 101, 100, -101, -102, -103)",
        "ratings.json, [1]: a rating for ticket 777, which is neither in these pages nor "
        "already imported"]


def test_a_zendesk_page_given_as_freshdesk(sqlite_db, tmp_path):
    shutil.copy(Path(__file__).parent / "data" / "zendesk" / "ratings.json", tmp_path)
    [sentence] = _rejected(sqlite_db, tmp_path / "ratings.json")
    assert sentence.startswith("ratings.json: not a Freshdesk page: a JSON object (a Zendesk "
                               "page?)")
