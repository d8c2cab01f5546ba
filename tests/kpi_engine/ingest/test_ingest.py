"""Tests for kpi_engine.ingest: the canonical CSV import, on SQLite, PostgreSQL and DuckDB.

Every CSV is written by the test; every expected row, count and reason is worked out by hand
next to it (UTC conversions in comments).
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

import kpi_engine.ingest.merging as merging
import kpi_engine.ingest.reporting as reporting
from kpi_engine.errors import ImportRejected, UserError
from kpi_engine.ingest import BadRow, ImportReport, import_csv
from kpi_engine.storage.schema import (
    RECORD_COLUMNS,
    survey_requests,
    survey_responses,
    ticket_tags,
    tickets,
)

HEADER = (
    "id,created_at,first_response_at,solved_at,status,channel,priority,tier,team,agent,customer,"
    "agent_replies,customer_messages,reopens,escalated,handle_time_seconds,hold_time_seconds,"
    "tags,source,slack_channel,slack_thread_ts"
)
# T1: offsets +00:00 (Z), +01:00 and -05:00; mixed case in the closed sets; tags to clean up.
T1 = ("T1,2026-11-02T09:30:00Z,2026-11-02T11:00:00+01:00,2026-11-02T12:15:30.250000-05:00,"
      "Solved,EMAIL,High,2,billing,Asha Rao,cust@example.com,3,2,1,yes,540,60,"
      " complaint ; refund;;complaint ,zendesk,C0123,1730540000.000100")
# T2: only what is required; everything else takes its default.
T2 = "T2,2026-11-03T08:00:00+05:30,,,open,chat,normal,1,,,u-42,,,,,,,,,,"
SURVEY_HEADER = "ticket_id,kind,sent_at,score,responded_at,comment,source"
FAX = "channel 'fax' is not one of chat, email, phone, slack, web, social"
REQUIRED = {"id": "X", "created_at": "2026-11-02T09:30:00Z", "status": "open", "channel": "chat",
            "priority": "normal", "tier": "1", "customer": "c"}


def ticket(**fields: str) -> str:
    """A ticket line in HEADER's order: the REQUIRED values, then `fields`; others empty."""
    values = REQUIRED | fields
    return ",".join(values.get(name, "") for name in HEADER.split(","))


def survey(ticket_id: str = "T2", kind: str = "csat", sent_at: str = "", score: str = "",
           responded_at: str = "", comment: str = "", source: str = "") -> str:
    """A survey line in SURVEY_HEADER's order."""
    return ",".join((ticket_id, kind, sent_at, score, responded_at, comment, source))


EXPECTED_T1 = (
    "zendesk", "T1",
    datetime(2026, 11, 2, 9, 30, tzinfo=timezone.utc),
    datetime(2026, 11, 2, 10, 0, tzinfo=timezone.utc),  # 11:00+01:00
    datetime(2026, 11, 2, 17, 15, 30, 250000, tzinfo=timezone.utc),  # 12:15:30.25-05:00
    "solved", "email", "high", 2, "billing", "Asha Rao", "cust@example.com",
    3, 2, 1, True, 540, 60, "C0123", "1730540000.000100",
)
EXPECTED_T2 = (
    "import", "T2",
    datetime(2026, 11, 3, 2, 30, tzinfo=timezone.utc),  # 08:00+05:30
    None, None, "open", "chat", "normal", 1, None, None, "u-42",
    0, 1, 0, False, None, None, None, None,
)


def write(tmp_path: Path, name: str, *lines: str) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def ticket_rows(db: sa.Engine) -> list[tuple]:
    with db.connect() as connection:
        # the record as the file gives it: not its tags' list (tag_rows; test_tag_lists.py)
        # nor its readings
        return [tuple(row) for row in connection.execute(
            sa.select(*(tickets.c[name] for name in RECORD_COLUMNS if name != "tag_list"))
            .order_by(tickets.c.source, tickets.c.id))]


def tag_rows(db: sa.Engine) -> list[tuple]:
    with db.connect() as connection:
        return [tuple(row) for row in connection.execute(
            sa.select(ticket_tags).order_by(*ticket_tags.c))]


def dump(db: sa.Engine) -> dict[str, list[tuple]]:
    """Every row of every table the import writes, in a stable order."""
    with db.connect() as connection:
        return {
            table.name: [tuple(row) for row in connection.execute(
                sa.select(table).order_by(*table.primary_key.columns))]
            for table in (tickets, ticket_tags, survey_requests, survey_responses)
        }


def rejection(db: sa.Engine, tickets_path: Path | None,
              surveys_path: Path | None = None) -> ImportReport:
    with pytest.raises(ImportRejected) as raised:
        import_csv(db, tickets_path, surveys_path)
    return raised.value.report


# --- good imports -------------------------------------------------------------------------------


def test_import_writes_tickets_with_utc_instants_and_clean_tags(db, tmp_path):
    path = write(tmp_path, "tickets.csv", HEADER, T1, T2)

    report = import_csv(db, path)

    assert ticket_rows(db) == [EXPECTED_T2, EXPECTED_T1]  # ordered by source: import < zendesk
    assert tag_rows(db) == [("zendesk", "T1", "complaint"), ("zendesk", "T1", "refund")]
    assert (report.tickets_read, report.tickets_new, report.tickets_updated,
            report.tickets_unchanged) == (2, 2, 0, 0)
    assert (report.bad_rows, report.bad_row_count, report.written) == ((), 0, True)


def test_columns_in_any_order_and_only_the_required_ones(db, tmp_path):
    path = write(tmp_path, "tickets.csv",
                 " Customer ,TIER,priority,channel,status,created_at,id",
                 "c-1,3,urgent,phone,new,2026-11-04T23:30:00-01:00,A-1")

    import_csv(db, path)

    assert ticket_rows(db) == [(
        "import", "A-1", datetime(2026, 11, 5, 0, 30, tzinfo=timezone.utc),  # 23:30-01:00
        None, None, "new", "phone", "urgent", 3, None, None, "c-1",
        0, 1, 0, False, None, None, None, None,
    )]
    assert tag_rows(db) == []


def test_text_values_round_trip_exactly(db, tmp_path):
    # A quoted team with a comma, a doubled quote and a line break; a tab and a backslash in
    # the agent; non-ASCII everywhere. The row spans lines 2-3.
    path = write(tmp_path, "tickets.csv", HEADER,
                 'É-1,2026-11-02T09:30:00Z,,,open,web,low,1,"Ops, ""night""\nshift",'
                 'Zoë\tO\\Brien,ünïcode@example.com,,,,,,,ß;東京,,,')

    import_csv(db, path)

    row = ticket_rows(db)[0]
    assert (row[1], row[9], row[10], row[11]) == (
        "É-1", 'Ops, "night"\nshift', "Zoë\tO\\Brien", "ünïcode@example.com")
    assert tag_rows(db) == [("import", "É-1", "ß"), ("import", "É-1", "東京")]


def test_importing_the_same_files_twice_changes_nothing(db, tmp_path):
    ticket_file = write(tmp_path, "tickets.csv", HEADER, T1, T2)
    survey_file = write(tmp_path, "surveys.csv", SURVEY_HEADER,
                        "T2,csat,2026-11-03T09:00:00Z,4,2026-11-03T09:05:00Z,ok,",
                        "T1,nps,2026-11-03T09:00:00Z,,,,zendesk")
    import_csv(db, ticket_file, survey_file)
    before = dump(db)

    report = import_csv(db, ticket_file, survey_file)

    assert dump(db) == before
    assert (report.tickets_read, report.tickets_new, report.tickets_updated,
            report.tickets_unchanged) == (2, 0, 0, 2)
    assert (report.surveys_read, report.surveys_new, report.surveys_updated,
            report.surveys_unchanged) == (2, 0, 0, 2)
    assert report.written is True


def test_reimport_with_one_changed_ticket_updates_only_that_one(db, tmp_path):
    import_csv(db, write(tmp_path, "first.csv", HEADER, T1, T2))
    # T2 is now solved: status, solved_at (an indexed column) and a reply count change.
    changed_t2 = ticket(id="T2", created_at="2026-11-03T08:00:00+05:30",
                        solved_at="2026-11-03T10:00:00Z", status="solved", customer="u-42",
                        agent_replies="1")

    report = import_csv(db, write(tmp_path, "second.csv", HEADER, T1, changed_t2))

    assert (report.tickets_new, report.tickets_updated, report.tickets_unchanged) == (0, 1, 1)
    assert ticket_rows(db) == [
        EXPECTED_T2[:4] + (datetime(2026, 11, 3, 10, 0, tzinfo=timezone.utc), "solved")
        + EXPECTED_T2[6:12] + (1,) + EXPECTED_T2[13:],
        EXPECTED_T1,
    ]


def test_a_tickets_tags_are_replaced_by_the_files(db, tmp_path):
    import_csv(db, write(tmp_path, "first.csv", HEADER, T1, T2))
    # T1 keeps complaint, loses refund, gains vip; T2 gains bug. Nothing else differs.
    t1 = T1.replace(" complaint ; refund;;complaint ", "vip;complaint")
    t2 = T2.replace(",,,,,,,,,,", ",,,,,,,bug,,,")

    t3 = ticket(id="T3", tags="x")
    report = import_csv(db, write(tmp_path, "second.csv", HEADER, t1, t2, t3))

    assert tag_rows(db) == [
        ("import", "T2", "bug"), ("import", "T3", "x"),
        ("zendesk", "T1", "complaint"), ("zendesk", "T1", "vip"),
    ]
    assert (report.tickets_new, report.tickets_updated, report.tickets_unchanged) == (1, 2, 0)
    assert ticket_rows(db)[0] == EXPECTED_T2 and ticket_rows(db)[2] == EXPECTED_T1


def test_survey_file_with_requests_and_responses(db, tmp_path):
    import_csv(db, write(tmp_path, "tickets.csv", HEADER, T1, T2))
    long_comment = "x" * 2500
    surveys = write(
        tmp_path, "surveys.csv", SURVEY_HEADER,
        "T2,csat,2026-11-03T09:00:00Z,,,,",  # a request only
        # request and response; 12:00+02:00 is 10:00Z, after the request
        'T2,NPS,2026-11-03T09:00:00Z,9,2026-11-03T12:00:00+02:00,"Great, thanks",import',
        "T1,ces,,6,2026-11-03T11:00:00Z,  fine  ,zendesk",  # a response only, comment trimmed
        f"T2,ces,,1,2026-11-04T00:00:00-03:00,{long_comment},",  # 03:00Z; comment cut to 2,000
    )

    report = import_csv(db, None, surveys)

    assert dump(db)["survey_requests"] == [
        ("import", "T2", "csat", datetime(2026, 11, 3, 9, 0, tzinfo=timezone.utc)),
        ("import", "T2", "nps", datetime(2026, 11, 3, 9, 0, tzinfo=timezone.utc)),
    ]
    assert dump(db)["survey_responses"] == [
        ("import", "T2", "ces", 1, datetime(2026, 11, 4, 3, 0, tzinfo=timezone.utc), "x" * 2000),
        ("import", "T2", "nps", 9, datetime(2026, 11, 3, 10, 0, tzinfo=timezone.utc),
         "Great, thanks"),
        ("zendesk", "T1", "ces", 6, datetime(2026, 11, 3, 11, 0, tzinfo=timezone.utc), "fine"),
    ]
    assert (report.surveys_read, report.surveys_new, report.surveys_updated,
            report.surveys_unchanged) == (4, 4, 0, 0)

    # A changed score is an update; the other rows are unchanged.
    again = write(tmp_path, "surveys2.csv", SURVEY_HEADER,
                  "T2,csat,2026-11-03T09:00:00Z,,,,",
                  'T2,NPS,2026-11-03T09:00:00Z,10,2026-11-03T12:00:00+02:00,"Great, thanks",import',
                  "T1,ces,,6,2026-11-03T11:00:00Z,  fine  ,zendesk",
                  f"T2,ces,,1,2026-11-04T00:00:00-03:00,{long_comment},")
    report = import_csv(db, None, again)
    assert (report.surveys_new, report.surveys_updated, report.surveys_unchanged) == (0, 1, 3)
    assert dump(db)["survey_responses"][1][3] == 10


def test_surveys_may_name_tickets_of_the_same_import(db, tmp_path):
    ticket_file = write(tmp_path, "tickets.csv", HEADER, T2)
    survey_file = write(tmp_path, "surveys.csv", "kind,ticket_id,score,responded_at",
                        "csat,T2,5,2026-11-03T09:00:00Z")

    report = import_csv(db, ticket_file, survey_file)

    assert dump(db)["survey_responses"] == [
        ("import", "T2", "csat", 5, datetime(2026, 11, 3, 9, 0, tzinfo=timezone.utc), None)]
    assert (report.tickets_new, report.surveys_new) == (1, 1)


# --- bad rows -----------------------------------------------------------------------------------


def test_one_bad_row_rejects_the_file_and_writes_nothing(db, tmp_path):
    import_csv(db, write(tmp_path, "first.csv", HEADER, T2))
    before = dump(db)
    path = write(tmp_path, "tickets.csv", HEADER, T1, ticket(channel="fax"),
                 T2.replace("open", "pending"))

    with pytest.raises(ImportRejected) as raised:
        import_csv(db, path)

    report = raised.value.report
    assert report.bad_rows == (BadRow(str(path), 3, "channel", FAX),)
    assert (report.bad_row_count, report.written, report.tickets_read) == (1, False, 3)
    assert (report.tickets_new, report.tickets_updated) == (0, 0)
    assert "line 3" in raised.value.message
    assert dump(db) == before  # neither T1 nor T2's new status


def test_skip_bad_writes_the_good_rows_and_reports_the_rest(db, tmp_path):
    path = write(tmp_path, "tickets.csv", HEADER,
                 T1,
                 ticket(channel="fax"),
                 T2,
                 T2.replace("open", "pending"))  # a duplicate: the first T2 is kept

    report = import_csv(db, path, skip_bad=True)

    assert ticket_rows(db) == [EXPECTED_T2, EXPECTED_T1]
    assert report.bad_rows == (
        BadRow(str(path), 3, "channel", FAX),
        BadRow(str(path), 5, "id", "duplicate id: first on line 4"),
    )
    assert (report.tickets_read, report.tickets_new, report.bad_row_count,
            report.written) == (4, 2, 2, True)


TICKET_CASES = {
    # name: (the bad row, column, reason)
    "bad date": (
        ticket(created_at="2026-02-30T10:00:00Z"), "created_at",
        "created_at '2026-02-30T10:00:00Z' does not exist (day is out of range for month)"),
    "not a timestamp": (
        ticket(created_at="yesterday"), "created_at",
        "created_at 'yesterday' is not an ISO 8601 timestamp (e.g. 2026-11-02T09:30:00Z)"),
    "naive timestamp": (
        ticket(created_at="2026-11-02T09:30:00"), "created_at",
        "created_at has no UTC offset: '2026-11-02T09:30:00' (add Z or e.g. +02:00)"),
    "naive first response": (
        ticket(first_response_at="2026-11-02T10:00:00"), "first_response_at",
        "first_response_at has no UTC offset: '2026-11-02T10:00:00' (add Z or e.g. +02:00)"),
    "impossible offset": (
        ticket(created_at="2026-11-02T09:30:00+25:00"), "created_at",
        "created_at '2026-11-02T09:30:00+25:00' has an impossible UTC offset"),
    # 10:00+02:00 is 08:00Z, before 09:30Z
    "solved before created": (
        ticket(status="solved", solved_at="2026-11-02T10:00:00+02:00"), "solved_at",
        "solved_at is before created_at"),
    "first response before created": (
        ticket(first_response_at="2026-11-02T09:29:59Z"), "first_response_at",
        "first_response_at is before created_at"),
    "closed without solved_at": (
        ticket(status="closed"), "solved_at", "solved_at is empty but status is closed"),
    "unknown channel": (ticket(channel="fax"), "channel", FAX),
    "unknown status": (
        ticket(status="done"), "status",
        "status 'done' is not one of new, open, pending, solved, closed"),
    "unknown priority": (
        ticket(priority="p1"), "priority", "priority 'p1' is not one of low, normal, high, urgent"),
    "tier 4": (ticket(tier="4"), "tier", "tier '4' is not one of 1, 2, 3"),
    "empty created_at": (ticket(created_at=""), "created_at", "created_at is empty"),
    "empty customer": (ticket(customer="  "), "customer", "customer is empty"),
    "empty id": (ticket(id=""), "id", "id is empty"),
    "negative integer": (
        ticket(agent_replies="-1"), "agent_replies",
        "agent_replies is not a non-negative integer: '-1'"),
    "fractional integer": (
        ticket(handle_time_seconds="12.5"), "handle_time_seconds",
        "handle_time_seconds is not a non-negative integer: '12.5'"),
    "integer too large": (
        ticket(hold_time_seconds="2147483648"), "hold_time_seconds",
        "hold_time_seconds is not a non-negative integer: '2147483648'"),
    "no customer message": (
        ticket(customer_messages="0"), "customer_messages",
        "customer_messages is 0; it counts the first message, so at least 1"),
    "escalated maybe": (
        ticket(escalated="maybe"), "escalated",
        "escalated 'maybe' is not one of true, false, 1, 0, yes, no"),
    "id too long": (ticket(id="X" * 129), "id", "id is longer than 128 characters (129)"),
    "source too long": (
        ticket(source="s" * 65), "source", "source is longer than 64 characters (65)"),
    "agent too long": (
        ticket(agent="a" * 257), "agent", "agent is longer than 256 characters (257)"),
    "wrong field count": (
        "X,2026-11-02T09:30:00Z,,,open,chat,normal,1,,,c", None,
        "expected 21 fields as in the header, found 11"),
}


@pytest.mark.parametrize("case", list(TICKET_CASES))
def test_bad_ticket_row_is_named_by_line_column_and_reason(db, tmp_path, case):
    row, column, reason = TICKET_CASES[case]
    path = write(tmp_path, "tickets.csv", HEADER, T1, T2, row)

    report = rejection(db, path)

    assert report.bad_rows == (BadRow(str(path), 4, column, reason),)
    assert dump(db)["tickets"] == []


def test_duplicate_id_is_bad_on_the_later_line(db, tmp_path):
    # Same id in another source is another ticket; the same (source, id) again is not.
    path = write(tmp_path, "tickets.csv", HEADER, T2, T2.replace(",,,,,,,,,,", ",,,,,,,,zendesk,,"),
                 T1, T2.replace("open", "pending"), T2)

    report = rejection(db, path)

    assert report.bad_rows == (
        BadRow(str(path), 5, "id", "duplicate id: first on line 2"),
        BadRow(str(path), 6, "id", "duplicate id: first on line 2"),
    )


def test_bad_rows_are_reported_in_line_order_however_found(db, tmp_path):
    # Line 3 duplicates line 2 (found by SQL), line 4 has a bad date (found in Python), line 6
    # is out of shape, and a quoted field spanning two lines makes line 5 a two-line row.
    path = write(tmp_path, "tickets.csv", HEADER, T2, T2,
                 ticket(created_at="2026-11-31T00:00:00Z"),
                 'Y,2026-11-02T09:30:00Z,,,open,chat,normal,1,"team\nwith a newline",,c,,,,,,,,,,',
                 "Z,2026-11-02T09:30:00Z")

    report = rejection(db, path)

    assert [(bad.line, bad.column) for bad in report.bad_rows] == [
        (3, "id"), (4, "created_at"), (7, None)]
    assert report.bad_row_count == 3 and report.tickets_read == 5


def test_at_most_max_reported_bad_rows_but_all_counted(sqlite_db, tmp_path, monkeypatch):
    monkeypatch.setattr(reporting, "MAX_REPORTED_BAD_ROWS", 3)
    bad = ticket(created_at="2026-11-02")  # a date only: no UTC offset
    path = write(tmp_path, "tickets.csv", HEADER, T2, T2, bad, T2, bad, bad)

    report = rejection(sqlite_db, path)

    assert [bad.line for bad in report.bad_rows] == [3, 4, 5]
    assert report.bad_row_count == 5  # lines 3 and 5 (duplicates of line 2), 4, 6 and 7 (dates)
    assert report.to_json()["bad_rows"][0] == {
        "file": str(path), "line": 3, "column": "id", "reason": "duplicate id: first on line 2",
        "problems": [{"column": "id", "reason": "duplicate id: first on line 2"}]}


UNKNOWN = "not in the database nor in the ticket file"
SURVEY_CASES = {
    # name: (the bad row, column, reason); line 2 is a good NPS response of ticket T2
    "score off the CES scale": (
        survey(kind="ces", score="8", responded_at="2026-11-03T09:00:00Z"), "score",
        "score '8' is not on the CES scale (an integer from 1 to 7)"),
    "score off the CSAT scale": (
        survey(kind="csat", score="0", responded_at="2026-11-03T09:00:00Z"), "score",
        "score '0' is not on the CSAT scale (an integer from 1 to 5)"),
    "score off the NPS scale": (
        survey(kind="nps", score="11", responded_at="2026-11-03T09:00:00Z"), "score",
        "score '11' is not on the NPS scale (an integer from 0 to 10)"),
    "score not a number": (
        survey(kind="ces", score="good", responded_at="2026-11-03T09:00:00Z"), "score",
        "score 'good' is not on the CES scale (an integer from 1 to 7)"),
    "unknown kind": (
        survey(kind="rating", score="3", responded_at="2026-11-03T09:00:00Z"), "kind",
        "kind 'rating' is not one of csat, ces, nps"),
    "score without time": (
        survey(score="3"), "responded_at", "responded_at is empty but score is set"),
    "time without score": (
        survey(responded_at="2026-11-03T09:00:00Z"), "score",
        "score is empty but responded_at is set"),
    # 09:00+01:00 is 08:00Z
    "responded before sent": (
        survey(sent_at="2026-11-03T09:00:00Z", score="3", responded_at="2026-11-03T09:00:00+01:00"),
        "responded_at", "responded_at is before sent_at"),
    "naive sent_at": (
        survey(sent_at="2026-11-03 09:00"), "sent_at",
        "sent_at has no UTC offset: '2026-11-03 09:00' (add Z or e.g. +02:00)"),
    "neither": (
        survey(), None, "neither a request (sent_at) nor a response (score and responded_at)"),
    "comment without a response": (
        survey(sent_at="2026-11-03T09:00:00Z", comment="why?"), "comment",
        "a comment needs a response (score and responded_at)"),
    "unknown ticket": (
        survey(ticket_id="T404", score="5", responded_at="2026-11-03T09:00:00Z"), "ticket_id",
        f"unknown ticket 'T404' from source 'import': {UNKNOWN}"),
    "ticket of another source": (
        survey(score="5", responded_at="2026-11-03T09:00:00Z", source="zendesk"), "ticket_id",
        f"unknown ticket 'T2' from source 'zendesk': {UNKNOWN}; there is a ticket 'T2' from "
        "source 'import' — is the survey's source right?"),
    "duplicate ticket and kind": (
        survey(kind="NPS", score="7", responded_at="2026-11-03T09:00:00Z"), "ticket_id",
        "duplicate ticket_id and kind: first on line 2"),
    "wrong field count": ("T2,nps,,7", None, "expected 7 fields as in the header, found 4"),
}


@pytest.mark.parametrize("case", list(SURVEY_CASES))
def test_bad_survey_row_is_named_by_line_column_and_reason(db, tmp_path, case):
    import_csv(db, write(tmp_path, "tickets.csv", HEADER, T2))
    row, column, reason = SURVEY_CASES[case]
    path = write(tmp_path, "surveys.csv", SURVEY_HEADER, "T2,nps,,9,2026-11-03T09:00:00Z,,", row)

    report = rejection(db, None, path)

    assert report.bad_rows == (BadRow(str(path), 3, column, reason),)
    assert dump(db)["survey_responses"] == []


def test_bad_rows_of_both_files_tickets_first(db, tmp_path):
    ticket_file = write(tmp_path, "tickets.csv", HEADER, T2, ticket(channel="fax"))
    # The survey of X is unknown: X's row was bad.
    survey_file = write(tmp_path, "surveys.csv", SURVEY_HEADER,
                        survey(ticket_id="X", score="5", responded_at="2026-11-03T09:00:00Z"),
                        survey(score="5", responded_at="2026-11-03T09:00:00Z"))

    report = import_csv(db, ticket_file, survey_file, skip_bad=True)

    assert [(Path(bad.file).name, bad.line, bad.column) for bad in report.bad_rows] == [
        ("tickets.csv", 3, "channel"), ("surveys.csv", 2, "ticket_id")]
    assert (report.tickets_new, report.surveys_new) == (1, 1)


# --- file-level problems ------------------------------------------------------------------------


def test_missing_required_column_is_named(db, tmp_path):
    path = write(tmp_path, "tickets.csv", "id,created_at,status,channel,tier,customer",
                 "T1,2026-11-02T09:30:00Z,open,chat,1,c")

    with pytest.raises(UserError, match="required column 'priority' missing") as raised:
        import_csv(db, path)
    assert not isinstance(raised.value, ImportRejected)


def test_unknown_column_is_named_with_the_nearest_known_one(db, tmp_path):
    path = write(tmp_path, "tickets.csv", HEADER.replace("created_at", "creatd_at"), T1)

    with pytest.raises(UserError, match="unknown column 'creatd_at'; did you mean 'created_at'"
                       ) as raised:
        import_csv(db, path)
    assert raised.value.suggestions[0] == "created_at"


def test_survey_file_needs_ticket_id_and_kind(db, tmp_path):
    path = write(tmp_path, "surveys.csv", "ticket_id,score,responded_at",
                 "T2,5,2026-11-03T09:00:00Z")

    with pytest.raises(UserError, match="required column 'kind' missing"):
        import_csv(db, None, path)


def test_file_problems(db, tmp_path):
    with pytest.raises(UserError, match="no such file"):
        import_csv(db, tmp_path / "missing.csv")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(UserError, match="is empty"):
        import_csv(db, empty)
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes((HEADER + "\n" + T2.replace("u-42", "Zoë") + "\n").encode("latin-1"))
    with pytest.raises(UserError, match="is not UTF-8"):
        import_csv(db, latin1)
    with pytest.raises(UserError, match="nothing to import"):
        import_csv(db, None, None)
    assert dump(db)["tickets"] == []


def test_bom_crlf_and_blank_lines_are_fine(db, tmp_path):
    path = tmp_path / "tickets.csv"
    path.write_bytes(("\ufeff" + HEADER + "\r\n" + T2 + "\r\n\r\n").encode("utf-8"))

    report = import_csv(db, path)

    assert ticket_rows(db) == [EXPECTED_T2]
    assert report.tickets_read == 1


# --- the rest of the API ------------------------------------------------------------------------


def test_progress_and_report_json(db, tmp_path):
    ticket_file = write(tmp_path, "tickets.csv", HEADER, T1, T2)
    survey_file = write(tmp_path, "surveys.csv", SURVEY_HEADER, "T2,csat,,5,2026-11-03T09:00:00Z,,")
    total = ticket_file.stat().st_size + survey_file.stat().st_size
    calls = []

    report = import_csv(db, ticket_file, survey_file,
                        progress=lambda done, of: calls.append((done, of)))

    assert calls[-1] == (total, total)
    assert all(0 <= done <= total and all_ == total for done, all_ in calls)
    data = report.to_json()
    assert {key: data[key] for key in data if key != "seconds"} == {
        "tickets_read": 2, "tickets_new": 2, "tickets_updated": 0, "tickets_unchanged": 0,
        "surveys_read": 1, "surveys_new": 1, "surveys_updated": 0, "surveys_unchanged": 0,
        "bad_rows": [], "bad_row_count": 0, "written": True, "kept_columns": [],
        "warnings": [], "warning_count": 0, "ignored_columns": [],
    }
    assert data["seconds"] >= 0


def _schema_objects(engine: sa.Engine) -> list:
    inspector = sa.inspect(engine)
    return [
        (name,
         sorted((index["name"], tuple(index["column_names"]))
                for index in inspector.get_indexes(name)),
         inspector.get_pk_constraint(name)["constrained_columns"],
         sorted((tuple(fk["constrained_columns"]), fk["referred_table"])
                for fk in inspector.get_foreign_keys(name)))
        for name in ("tickets", "ticket_tags")
    ]


def test_bulk_load_into_an_empty_table_keeps_indexes_and_constraints(db, tmp_path, monkeypatch):
    # On PostgreSQL, a large load into empty tables rebuilds indexes after it; make "large" 1.
    monkeypatch.setattr(merging, "BULK_LOAD_MIN_ROWS", 1)
    inspectable = db.dialect.name in ("postgresql", "sqlite")  # duckdb-engine cannot reflect these
    before = _schema_objects(db) if inspectable else None

    report = import_csv(db, write(tmp_path, "tickets.csv", HEADER, T1, T2))

    if inspectable:
        assert _schema_objects(db) == before
        assert len(before[0][1]) == 3 and before[1][3] == [(("source", "ticket_id"), "tickets")]
    assert ticket_rows(db) == [EXPECTED_T2, EXPECTED_T1]
    assert tag_rows(db) == [("zendesk", "T1", "complaint"), ("zendesk", "T1", "refund")]
    assert (report.tickets_new, report.tickets_updated) == (2, 0)
    if db.dialect.name in ("postgresql", "sqlite"):  # the tag's foreign key is back and enforced
        with pytest.raises(sa.exc.IntegrityError), db.begin() as connection:
            connection.execute(
                ticket_tags.insert().values(source="import", ticket_id="nope", tag="x"))


def test_a_nul_character_rejects_its_row_by_line_and_column_on_every_backend(db, tmp_path):
    """PostgreSQL cannot store \\x00 in text and SQLite would keep it as is: the row is bad,
    named by its line and column, and nothing is written; with skip_bad the others are."""
    tickets_path = write(tmp_path, "tickets.csv", HEADER, ticket(id="A"),
                         ticket(id="B", agent="Asha\x00Rao"), ticket(id="C"))
    surveys_path = write(tmp_path, "surveys.csv", SURVEY_HEADER,
                         survey("A", score="5", responded_at="2026-11-03T09:00:00Z",
                                comment="great\x00"))
    report = rejection(db, tickets_path, surveys_path)
    assert [(Path(bad.file).name, bad.line, bad.column) for bad in report.bad_rows] == [
        ("tickets.csv", 3, "agent"), ("surveys.csv", 2, "comment")]
    assert "NUL" in report.bad_rows[0].reason
    assert dump(db) == {name: [] for name in dump(db)}

    import_csv(db, tickets_path, skip_bad=True)
    assert [row[1] for row in ticket_rows(db)] == ["A", "C"]
