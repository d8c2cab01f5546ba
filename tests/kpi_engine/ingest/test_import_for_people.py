"""Tests for the canonical CSV import made for people: every problem of a row at once, a survey
of an unknown ticket that names its source (and the sources there are when that is the likely
mistake), warnings for rows written as they are that look wrong, and the documented example
(docs/import/canonical/) importing cleanly — on SQLite, PostgreSQL and DuckDB.

The clock is pinned to NOW (2026-11-22 14:05 UTC); expected values are worked out by hand.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

import kpi_engine.ingest.reporting as reporting
from kpi_engine.errors import ImportRejected
from kpi_engine.ingest import BadRow, RowWarning, import_csv
from kpi_engine.storage.schema import survey_requests, survey_responses, tickets
from tests.builders import NOW, run_kpibot

DOCS = Path(__file__).resolve().parents[3] / "docs" / "import" / "canonical"
HEADER = ("id,created_at,first_response_at,solved_at,status,channel,priority,tier,team,agent,"
          "customer,agent_replies,customer_messages,reopens,escalated,tags,source")
SURVEY_HEADER = "ticket_id,kind,sent_at,score,responded_at,comment,source"
GOOD = {"id": "T1", "created_at": "2026-11-02T09:30:00Z", "status": "open", "channel": "chat",
        "priority": "normal", "tier": "1", "customer": "c@example.com"}


def ticket(**fields: str) -> str:
    values = GOOD | fields
    return ",".join(values.get(name, "") for name in HEADER.split(","))


def write(tmp_path: Path, name: str, *lines: str) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def rejected(db, tickets_path, surveys_path=None):
    with pytest.raises(ImportRejected) as raised:
        import_csv(db, tickets_path, surveys_path, now=NOW)
    return raised.value.report


def stored_ids(db) -> list[str]:
    with db.connect() as connection:
        return list(connection.execute(sa.select(tickets.c.id).order_by(tickets.c.id)).scalars())


# --- every problem of a row at once -------------------------------------------------------------


def test_every_problem_of_a_ticket_row_is_reported_together(db, tmp_path):
    # One row, five problems; a later column's problem that follows from an earlier one is not
    # repeated (created_at is unreadable, so first_response_at is not compared with it).
    row = ticket(id="T9", created_at="2026-11-31T09:00:00Z",
                 first_response_at="2026-11-02T09:00:00Z", status="done", channel="fax",
                 priority="p1", customer="", agent_replies="-1")
    path = write(tmp_path, "tickets.csv", HEADER, ticket(), row)

    report = rejected(db, path)

    problems = (
        ("created_at", "created_at '2026-11-31T09:00:00Z' does not exist (day is out of range "
                       "for month)"),
        ("status", "status 'done' is not one of new, open, pending, solved, closed"),
        ("channel", "channel 'fax' is not one of chat, email, phone, slack, web, social"),
        ("priority", "priority 'p1' is not one of low, normal, high, urgent"),
        ("customer", "customer is empty"),
        ("agent_replies", "agent_replies is not a non-negative integer: '-1'"),
    )
    assert report.bad_rows == (BadRow(str(path), 3, "created_at",
                                      "; ".join(reason for _, reason in problems), problems),)
    assert report.bad_row_count == 1  # still one bad row
    assert report.to_json()["bad_rows"][0]["problems"] == [
        {"column": column, "reason": reason} for column, reason in problems]
    assert stored_ids(db) == []


def test_every_problem_of_a_survey_row_is_reported_together(db, tmp_path):
    import_csv(db, write(tmp_path, "tickets.csv", HEADER, ticket()), now=NOW)
    # The kind is unknown (so the score cannot be judged), the sent time has no offset and the
    # response lacks its time.
    path = write(tmp_path, "surveys.csv", SURVEY_HEADER, "T1,stars,2026-11-03 09:00,4,,,")

    report = rejected(db, None, path)

    assert report.bad_rows[0].problems == (
        ("kind", "kind 'stars' is not one of csat, ces, nps"),
        ("sent_at", "sent_at has no UTC offset: '2026-11-03 09:00' (add Z or e.g. +02:00)"),
        ("responded_at", "responded_at is empty but score is set"),
    )


def test_the_command_line_shows_a_rows_problems_on_its_line(sqlite_db, tmp_path, capsys,
                                                            monkeypatch):
    url = sqlite_db.url.render_as_string(hide_password=False)
    path = write(tmp_path, "tickets.csv", HEADER, ticket(channel="fax", priority="p1"))

    code, _, err = run_kpibot(capsys, monkeypatch, "import", str(path), "--db", url)

    assert code == 1
    assert ("  tickets.csv line 2: channel 'fax' is not one of chat, email, phone, slack, web, "
            "social; priority 'p1' is not one of low, normal, high, urgent\n") in err


# --- a survey of a ticket that is not found ------------------------------------------------------


UNKNOWN = "not in the database nor in the ticket file"


def test_an_unknown_ticket_is_named_with_its_source(db, tmp_path):
    import_csv(db, write(tmp_path, "tickets.csv", HEADER, ticket(source="zendesk")), now=NOW)
    path = write(tmp_path, "surveys.csv", SURVEY_HEADER,
                 "T404,csat,,5,2026-11-03T09:00:00Z,,zendesk")

    report = rejected(db, None, path)

    # The source exists and no source holds T404: nothing else to say.
    assert report.bad_rows[0].reason == f"unknown ticket 'T404' from source 'zendesk': {UNKNOWN}"


def test_a_survey_file_without_a_source_column_is_told_where_the_ticket_is(db, tmp_path):
    tickets_path = write(tmp_path, "tickets.csv", HEADER, ticket(source="zendesk"),
                         ticket(id="T2", source="intercom"), ticket(id="T3"))
    import_csv(db, tickets_path, now=NOW)
    # No source column: every row reads as source 'import'. T1 is zendesk's, T2 intercom's;
    # T3 is import's.
    path = write(tmp_path, "surveys.csv", "ticket_id,kind,score,responded_at",
                 "T1,csat,5,2026-11-03T09:00:00Z", "T2,csat,4,2026-11-03T09:00:00Z",
                 "T3,csat,4,2026-11-03T09:00:00Z")

    report = rejected(db, None, path)

    no_column = ("(the survey file has no source column, so its rows read as source 'import') "
                 "— is the survey's source right?")
    assert [(bad.line, bad.reason) for bad in report.bad_rows] == [
        (2, f"unknown ticket 'T1' from source 'import': {UNKNOWN}; there is a ticket 'T1' from "
            f"source 'zendesk' {no_column}"),
        (3, f"unknown ticket 'T2' from source 'import': {UNKNOWN}; there is a ticket 'T2' from "
            f"source 'intercom' {no_column}"),
    ]


def test_a_source_no_ticket_has_is_told_which_sources_there_are(db, tmp_path):
    tickets_path = write(tmp_path, "tickets.csv", HEADER, ticket(source="zendesk"),
                         ticket(id="T2", source="intercom"))
    # A typo in the source; T7 is nowhere. The ticket file of the same import counts too.
    surveys_path = write(tmp_path, "surveys.csv", SURVEY_HEADER,
                         "T7,csat,,5,2026-11-03T09:00:00Z,,zendsk",
                         "T2,nps,,9,2026-11-03T09:00:00Z,,intercom")

    report = rejected(db, tickets_path, surveys_path)

    assert [(bad.line, bad.reason) for bad in report.bad_rows] == [
        (2, f"unknown ticket 'T7' from source 'zendsk': {UNKNOWN}; no ticket has source "
            "'zendsk' — the sources are intercom, zendesk"),
    ]


# --- warnings ------------------------------------------------------------------------------------


def test_each_warning_is_reported_and_the_rows_are_written(db, tmp_path):
    tickets_path = write(
        tmp_path, "tickets.csv", HEADER,
        # line 2: open, yet solved_at is set
        ticket(id="W1", status="open", solved_at="2026-11-02T10:00:00Z"),
        # line 3: solved at 10:00, first reply at 11:00
        ticket(id="W2", status="solved", first_response_at="2026-11-02T11:00:00Z",
               solved_at="2026-11-02T10:00:00Z"),
        # line 4: created after now (14:05Z): only created_at is named
        ticket(id="W3", created_at="2026-11-22T15:00:00Z",
               first_response_at="2026-11-22T16:00:00Z"),
        # line 5: created before now, first reply after it (14:30+00:00)
        ticket(id="W4", created_at="2026-11-22T13:00:00Z",
               first_response_at="2026-11-22T15:30:00+01:00"),
        # line 6: nothing to say
        ticket(id="W5"),
    )
    surveys_path = write(
        tmp_path, "surveys.csv", SURVEY_HEADER,
        # line 2: answered 09:00Z, W5 was created 09:30Z (in the ticket file)
        "W5,csat,,4,2026-11-02T09:00:00Z,,",
        # line 3: sent in the future
        "W1,nps,2026-11-23T09:00:00Z,,,,",
        # line 4: fine
        "W2,csat,,5,2026-11-02T12:00:00Z,,",
    )

    report = import_csv(db, tickets_path, surveys_path, now=NOW)

    t, s = str(tickets_path), str(surveys_path)
    assert report.warnings == (
        RowWarning(t, 2, "status", "status is open but solved_at is set: the ticket counts as "
                                   "solved at 2026-11-02T10:00:00Z"),
        RowWarning(t, 3, "solved_at", "solved_at is before first_response_at: solved before "
                                      "the first reply"),
        RowWarning(t, 4, "created_at", "created_at 2026-11-22T15:00:00Z is in the future (now "
                                       "is 2026-11-22T14:05:00+00:00)"),
        RowWarning(t, 5, "first_response_at", "first_response_at 2026-11-22T15:30:00+01:00 is "
                                              "in the future (now is 2026-11-22T14:05:00+00:00)"),
        RowWarning(s, 2, "responded_at", "responded_at 2026-11-02T09:00:00Z is before ticket "
                                         "'W5' was created (2026-11-02T09:30:00Z)"),
        RowWarning(s, 3, "sent_at", "sent_at 2026-11-23T09:00:00Z is in the future (now is "
                                    "2026-11-22T14:05:00+00:00)"),
    )
    assert report.warning_count == 6
    assert (report.tickets_new, report.surveys_new, report.bad_row_count) == (5, 3, 0)
    assert report.to_json()["warnings"][0] == {
        "file": t, "line": 2, "column": "status",
        "reason": "status is open but solved_at is set: the ticket counts as solved at "
                  "2026-11-02T10:00:00Z"}


@pytest.mark.parametrize(("created_at", "future"), [
    ("2026-11-22T15:30:00+01:00", True),   # 14:30Z, after now (14:05Z)
    ("2026-11-22T15:00:00+01:00", False),  # 14:00Z
    ("2026-11-23T02:00:00+12:00", False),  # 14:00Z on the 22nd, though its date is the 23rd
    ("2026-11-22T09:06:00-05:00", True),   # 14:06Z
    ("2026-11-20T23:30:00-12:00", False),  # 11:30Z on the 21st
])
def test_the_future_is_after_now_whatever_the_offset(sqlite_db, tmp_path, created_at, future):
    path = write(tmp_path, "tickets.csv", HEADER, ticket(created_at=created_at))

    report = import_csv(sqlite_db, path, now=NOW)

    assert [w.column for w in report.warnings] == (["created_at"] if future else [])


def test_a_survey_answered_before_its_stored_ticket_was_created(db, tmp_path):
    import_csv(db, write(tmp_path, "tickets.csv", HEADER,
                         ticket(created_at="2026-11-02T10:30:00+01:00")), now=NOW)
    # 09:29:59Z is before 09:30Z (10:30+01:00); 09:30:00Z is not.
    path = write(tmp_path, "surveys.csv", SURVEY_HEADER, "T1,csat,,4,2026-11-02T09:29:59Z,,",
                 "T1,ces,,6,2026-11-02T09:30:00Z,,")

    report = import_csv(db, None, path, now=NOW)

    assert [(w.line, w.reason) for w in report.warnings] == [
        (2, "responded_at 2026-11-02T09:29:59Z is before ticket 'T1' was created "
            "(2026-11-02T09:30:00Z)")]
    with db.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(
            survey_responses)).scalar_one() == 2


def test_warnings_are_capped_but_all_counted_and_a_bad_rows_are_not_repeated(
        sqlite_db, tmp_path, monkeypatch):
    monkeypatch.setattr(reporting, "MAX_REPORTED_BAD_ROWS", 2)
    future = "2026-12-01T00:00:00Z"
    path = write(tmp_path, "tickets.csv", HEADER,
                 *(ticket(id=f"F{n}", created_at=future) for n in range(4)),
                 ticket(id="F0", created_at=future))  # line 6: a duplicate of line 2

    report = import_csv(sqlite_db, path, skip_bad=True, now=NOW)

    assert [w.line for w in report.warnings] == [2, 3]
    assert report.warning_count == 4  # lines 2-5; the duplicate on line 6 is a bad row
    assert [bad.line for bad in report.bad_rows] == [6]


def test_the_command_line_prints_one_line_a_warning(sqlite_db, tmp_path, capsys, monkeypatch):
    url = sqlite_db.url.render_as_string(hide_password=False)
    path = write(tmp_path, "tickets.csv", HEADER,
                 ticket(status="pending", solved_at="2026-11-02T10:00:00Z"))

    code, out, err = run_kpibot(capsys, monkeypatch, "import", str(path), "--db", url)

    assert code == 0 and "1 new" in out
    assert err == ("1 warning (imported as they are):\n"
                   "  tickets.csv line 2: status is pending but solved_at is set: the ticket "
                   "counts as solved at 2026-11-02T10:00:00Z\n")
    code, out, _ = run_kpibot(capsys, monkeypatch, "import", str(path), "--db", url, "--json",
                              "--now", "2026-11-01T00:00:00Z")
    data = json.loads(out)
    # With the clock pinned before the ticket, its created_at is in the future too (and so
    # its solved_at, which is not named again).
    assert data["warning_count"] == 2
    assert [w["column"] for w in data["warnings"]] == ["status", "created_at"]
    assert len(data["warnings"]) == 2 and data["warnings"][1]["line"] == 2


# --- the documented example -----------------------------------------------------------------------


def test_the_documented_canonical_example_imports_cleanly(db):
    report = import_csv(db, DOCS / "tickets.csv", DOCS / "surveys.csv", now=NOW)

    assert (report.tickets_new, report.surveys_read, report.surveys_new) == (6, 5, 5)
    assert (report.bad_row_count, report.warning_count, report.kept_columns) == (0, 0, ())
    with db.connect() as connection:
        row = connection.execute(sa.select(
            tickets.c.created_at, tickets.c.solved_at, tickets.c.status,
            tickets.c.hold_time_seconds,
        ).where(tickets.c.id == "1002")).one()
        requests = connection.execute(sa.select(sa.func.count()).select_from(
            survey_requests)).scalar_one()
    # 10:12:09+01:00 is 09:12:09Z; 10:40+01:00 is 09:40Z.
    assert tuple(row) == (datetime(2026, 11, 2, 9, 12, 9, tzinfo=timezone.utc),
                          datetime(2026, 11, 2, 9, 40, tzinfo=timezone.utc), "closed", 95)
    assert requests == 4  # 1001, 1002, 1005 (csat) and 1006 (ces) were sent; 1005's NPS was not
