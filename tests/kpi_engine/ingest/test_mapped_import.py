"""Tests for kpi_engine.ingest.mapped: any helpdesk's CSV export through a mapping file
(`kpibot import FILE --map MAP.yaml`), on SQLite, PostgreSQL and DuckDB.

The shipped examples (docs/import/*/) are imported with their maps and a few fields checked by
hand; every other export and map is written by the test. UTC conversions are worked out in the
comments.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from kpi_engine.errors import ImportRejected, UserError
from kpi_engine.ingest import BadRow, import_mapped, load_map
from kpi_engine.storage.schema import ticket_tags, tickets
from tests.builders import NOW, run_kpibot

DOCS = Path(__file__).resolve().parents[3] / "docs" / "import"
FIELDS = ("source", "id", "created_at", "first_response_at", "solved_at", "status", "channel",
          "priority", "tier", "team", "agent", "customer", "agent_replies",
          "handle_time_seconds")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


def records(db: sa.Engine) -> dict[str, dict]:
    """Every stored ticket by id: FIELDS and its tags (sorted)."""
    with db.connect() as connection:
        rows = connection.execute(sa.select(*(tickets.c[name] for name in FIELDS))).all()
        tags = connection.execute(sa.select(ticket_tags.c.ticket_id, ticket_tags.c.tag)).all()
    found = {row.id: dict(row._mapping) | {"tags": []} for row in rows}
    for ticket_id, tag in sorted(tags):
        found[ticket_id]["tags"].append(tag)
    return found


def dump(db: sa.Engine) -> list:
    with db.connect() as connection:
        return [connection.execute(sa.select(table).order_by(*table.primary_key.columns)).all()
                for table in (tickets, ticket_tags)]


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def pick(record: dict, *names: str) -> tuple:
    return tuple(record[name] for name in names)


# A small export of a made-up helpdesk and its map; the tests vary one or the other.
EXPORT = (
    "Ticket,Opened,Answered,Closed,State,Via,Urgency,Queue,Owner,Requester,Labels,Notes\n"
    "A-1,02/11/2026 10:30,02/11/2026 10:45,02/11/2026 12:00,Done,Phone call,P2,Billing EU,"
    'Asha Rao,c1@example.com,"vip, refund",call back\n'
    "A-2,03/11/2026 09:00,,,Waiting,Live chat,P1,Tech,,c2@example.com,,\n"
)
MAP = """columns:
  id: Ticket
  created_at: Opened
  first_response_at: Answered
  solved_at: Closed
  status: State
  channel: Via
  priority: Urgency
  team: Queue
  agent: Owner
  customer: Requester
  tags: Labels
timezone: Europe/Berlin
timestamp_format: "%d/%m/%Y %H:%M"
tags_separator: ","
values:
  status: {Done: solved, Waiting: pending, Open: open}
  channel: {Phone call: phone, Live chat: chat}
  priority: {P1: urgent, P2: high, P3: normal}
defaults: {source: acme, tier: 2}
"""


def mapped(db, tmp_path, export: str = EXPORT, map_text: str = MAP, **options):
    return import_mapped(db, write(tmp_path, "export.csv", export),
                         write(tmp_path, "map.yaml", map_text), now=NOW, **options)


# --- the shipped examples -----------------------------------------------------------------------


def test_the_intercom_example_imports_with_its_map(db):
    report = import_mapped(db, DOCS / "intercom" / "export.csv", DOCS / "intercom" / "map.yaml",
                           now=NOW)

    assert (report.tickets_read, report.tickets_new, report.bad_row_count,
            report.warning_count) == (12, 12, 0, 0)
    assert report.ignored_columns == (
        "User name", "Company name", "First response time (seconds)", "Number of reassignments",
        "Last teammate rating", "Started by", "Conversation URL")
    found = records(db)
    # Berlin wall-clock times, the night the clocks go back (25 Oct 2026, 03:00 CEST → 02:00
    # CET): 22:40:12 CEST is 20:40:12Z, 09:15:03 CET is 08:15:03Z — 11 h 34 min 51 s, not 10 h.
    assert found["215470011223344"] == {
        "source": "intercom", "id": "215470011223344", "created_at": utc(2026, 10, 24, 20, 40, 12),
        "first_response_at": utc(2026, 10, 24, 20, 52, 40),
        "solved_at": utc(2026, 10, 25, 8, 15, 3), "status": "solved", "channel": "chat",
        "priority": "normal", "tier": 1, "team": "Billing", "agent": "Asha Rao",
        "customer": "lena.vogel@example.de", "agent_replies": 2, "handle_time_seconds": 1260,
        "tags": ["Billing", "Refund"],
    }
    # Snoozed → pending, WhatsApp → social; 08:05:44 CET is 07:05:44Z.
    assert pick(found["215470011223377"], "status", "channel", "created_at", "solved_at") == (
        "pending", "social", utc(2026, 11, 3, 7, 5, 44), None)
    # Open, "Priority" → high, nobody assigned, no reply yet, the tag Complaint → complaint.
    assert pick(found["215470011223389"], "status", "priority", "agent", "first_response_at",
                "tags") == ("open", "high", None, None, ["complaint"])


def test_the_helpscout_example_imports_with_its_map(db):
    report = import_mapped(db, DOCS / "helpscout" / "export.csv", DOCS / "helpscout" / "map.yaml",
                           now=NOW)

    assert (report.tickets_new, report.bad_row_count, report.warning_count) == (10, 0, 0)
    assert report.ignored_columns == ("number", "subject", "threads")
    found = records(db)
    assert pick(found["2871940012"], "source", "created_at", "first_response_at", "solved_at",
                "status", "channel", "priority", "team", "agent", "tags") == (
        "helpscout", utc(2026, 11, 2, 8, 14, 9), utc(2026, 11, 2, 9, 3, 27),
        utc(2026, 11, 2, 11, 2, 51), "solved", "email", "normal", "billing",
        "asha@acme.example", ["billing", "refund"])
    # active → open; mailbox 214981 → billing; unassigned, no reply, no tags.
    assert pick(found["2871941877"], "status", "team", "agent", "first_response_at", "tags") == (
        "open", "billing", None, None, [])
    assert pick(found["2871942719"], "channel", "team", "tags") == (
        "email", "technical", ["api", "bug", "complaint"])


def test_the_jira_service_management_example_imports_with_its_map(db):
    report = import_mapped(db, DOCS / "jira-service-management" / "export.csv",
                           DOCS / "jira-service-management" / "map.yaml", now=NOW)

    assert (report.tickets_new, report.bad_row_count, report.warning_count) == (12, 0, 0)
    assert "Satisfaction rating" in report.ignored_columns
    assert "Labels" not in report.ignored_columns
    found = records(db)
    # New York, the night the clocks go back (1 Nov 2026, 02:00 EDT → 01:00 EST): 31/Oct/26
    # 11:20 PM EDT is 03:20Z, 01/Nov/26 9:05 AM EST is 14:05Z — 10 h 45 min.
    assert pick(found["HELP-101"], "source", "created_at", "first_response_at", "solved_at",
                "status", "channel", "priority", "team", "agent", "customer", "tags") == (
        "jira", utc(2026, 11, 1, 3, 20), utc(2026, 11, 1, 3, 48), utc(2026, 11, 1, 14, 5),
        "solved", "web", "high", "IT Help Desk", "Priya Shah", "Marcus Lee", ["network", "vpn"])
    assert pick(found["HELP-104"], "status", "priority", "agent", "first_response_at",
                "tags") == ("open", "low", None, None, ["hardware", "printer"])
    # Canceled → closed, resolved 06/Nov/26 3:04 PM EST = 20:04Z; Highest → urgent.
    assert pick(found["HELP-109"], "status", "solved_at") == ("closed", utc(2026, 11, 6, 20, 4))
    assert found["HELP-107"]["priority"] == "urgent"
    assert found["HELP-103"]["status"] == "pending"  # Waiting for customer


def test_reimporting_the_same_mapped_export_changes_nothing(db):
    paths = DOCS / "intercom" / "export.csv", DOCS / "intercom" / "map.yaml"
    import_mapped(db, *paths, now=NOW)
    before = dump(db)

    report = import_mapped(db, *paths, now=NOW)

    assert dump(db) == before
    assert (report.tickets_new, report.tickets_updated, report.tickets_unchanged) == (0, 0, 12)


# --- reading an export ---------------------------------------------------------------------------


def test_a_made_up_export_through_value_maps_a_format_and_a_zone(db, tmp_path):
    report = mapped(db, tmp_path)

    assert report.ignored_columns == ("Notes",)
    found = records(db)
    # 02/11/2026 10:30 in Berlin (CET, +01:00) is 09:30Z.
    assert found["A-1"] == {
        "source": "acme", "id": "A-1", "created_at": utc(2026, 11, 2, 9, 30),
        "first_response_at": utc(2026, 11, 2, 9, 45), "solved_at": utc(2026, 11, 2, 11, 0),
        "status": "solved", "channel": "phone", "priority": "high", "tier": 2,
        "team": "Billing EU", "agent": "Asha Rao", "customer": "c1@example.com",
        "agent_replies": 0, "handle_time_seconds": None, "tags": ["refund", "vip"],
    }
    assert pick(found["A-2"], "status", "channel", "priority", "agent", "tags") == (
        "pending", "chat", "urgent", None, [])


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_the_delimiter_is_found_when_the_map_does_not_give_it(db, tmp_path, delimiter):
    # A comma inside a value must not fool it.
    export = "\n".join(delimiter.join(row) for row in (
        ("Ticket", "Opened", "State", "Via", "Urgency", "Requester", "Queue"),
        ("B-1", "02/11/2026 10:30", "Open", "Live chat", "P3", "c1@example.com", "Billing, EU"),
        ("B-2", "02/11/2026 11:00", "Waiting", "Phone call", "P1", "c2@example.com", "Tech"),
    )) + "\n"
    map_text = """columns: {id: Ticket, created_at: Opened, status: State, channel: Via,
          priority: Urgency, customer: Requester, team: Queue}
timezone: Europe/Berlin
timestamp_format: "%d/%m/%Y %H:%M"
values:
  status: {Open: open, Waiting: pending}
  channel: {Phone call: phone, Live chat: chat}
  priority: {P1: urgent, P3: normal}
defaults: {tier: 1}
"""
    report = mapped(db, tmp_path, export, map_text)

    assert report.tickets_new == 2
    found = records(db)
    assert pick(found["B-1"], "created_at", "channel", "priority", "team") == (
        utc(2026, 11, 2, 9, 30), "chat", "normal", "Billing, EU")
    assert pick(found["B-2"], "status", "channel", "priority") == ("pending", "phone", "urgent")


def test_a_delimiter_given_by_the_map_is_used(db, tmp_path):
    export = EXPORT.replace(",", "|").replace('"vip| refund"', "vip; refund")
    report = mapped(db, tmp_path, export, MAP.replace('tags_separator: ","',
                                                      'tags_separator: ";"\ndelimiter: "|"'))
    assert report.tickets_new == 2
    assert records(db)["A-1"]["tags"] == ["refund", "vip"]


def test_naive_times_in_berlin_across_the_changes_of_the_clocks(db, tmp_path):
    # Autumn: 22:40 CEST (+02:00) is 20:40Z; 09:15 the next morning CET (+01:00) is 08:15Z,
    # 11 h 35 min later. The repeated hour 02:30 is read as its first pass (CEST): 00:30Z.
    # Spring: 02:30 on 29 March 2026 does not exist in Berlin (02:00 → 03:00).
    export = """Ticket,Opened,Closed,State,Via,Urgency,Requester
C-1,2026-10-24 22:40,2026-10-25 09:15,Done,Live chat,P3,c@example.com
C-2,2026-10-25 02:30,,Open,Live chat,P3,c@example.com
C-3,2026-03-29 02:30,,Open,Live chat,P3,c@example.com
C-4,2026-03-29 03:30,,Open,Live chat,P3,c@example.com
"""
    map_text = """columns: {id: Ticket, created_at: Opened, solved_at: Closed, status: State,
          channel: Via, priority: Urgency, customer: Requester}
timezone: Europe/Berlin
values:
  status: {Done: solved, Open: open}
  channel: {Live chat: chat}
  priority: {P3: normal}
defaults: {tier: 1}
"""
    report = mapped(db, tmp_path, export, map_text, skip_bad=True)

    found = records(db)
    assert pick(found["C-1"], "created_at", "solved_at") == (
        utc(2026, 10, 24, 20, 40), utc(2026, 10, 25, 8, 15))
    assert (found["C-1"]["solved_at"] - found["C-1"]["created_at"]).total_seconds() == 41_700
    assert found["C-2"]["created_at"] == utc(2026, 10, 25, 0, 30)
    assert found["C-4"]["created_at"] == utc(2026, 3, 29, 1, 30)  # 03:30 CEST
    assert report.bad_rows == (BadRow(
        str(tmp_path / "export.csv"), 4, "created_at",
        "created_at '2026-03-29 02:30' (column 'Opened') does not exist in Europe/Berlin: the "
        "clocks skip that hour"),)


def test_a_value_the_map_does_not_cover_is_a_bad_row_naming_it(db, tmp_path):
    export = EXPORT + ("A-3,04/11/2026 09:00,,,Open,Fax,P9,Tech,,c3@example.com,,\n"
                       "A-4,04/11/2026 10:00,,,open,EMAIL,P3,Tech,,c4@example.com,,\n")

    with pytest.raises(ImportRejected) as raised:
        mapped(db, tmp_path, export)

    # Line 4 has two problems, both named; line 5's values are canonical already (any case).
    bad = raised.value.report.bad_rows
    channel = ("channel 'Fax' (column 'Via') is not one of chat, email, phone, slack, web, "
               "social: add it to values.channel")
    priority = ("priority 'P9' (column 'Urgency') is not one of low, normal, high, urgent: add "
                "it to values.priority")
    assert bad == (BadRow(str(tmp_path / "export.csv"), 4, "channel", f"{channel}; {priority}",
                          (("channel", channel), ("priority", priority))),)
    assert "line 4" in raised.value.message
    assert records(db) == {}

    report = mapped(db, tmp_path, export, skip_bad=True)
    assert (report.tickets_new, report.bad_row_count) == (3, 1)
    assert pick(records(db)["A-4"], "status", "channel", "priority") == (
        "open", "email", "normal")


def test_a_row_problem_and_a_translation_problem_are_reported_together(db, tmp_path):
    # Line 2: an unmapped status and an empty customer (the canonical check); line 3: a time
    # that does not match the format; line 4: a short row.
    export = """Ticket,Opened,State,Via,Urgency,Requester
D-1,02/11/2026 10:30,Someday,Live chat,P3,
D-2,2026-11-02T10:30:00Z,Open,Live chat,P3,c@example.com
D-3,02/11/2026 10:30,Open
"""
    map_text = """columns: {id: Ticket, created_at: Opened, status: State, channel: Via,
          priority: Urgency, customer: Requester}
timezone: Europe/Berlin
timestamp_format: "%d/%m/%Y %H:%M"
values:
  status: {Open: open}
  channel: {Live chat: chat}
  priority: {P3: normal}
defaults: {tier: 1}
"""

    with pytest.raises(ImportRejected) as raised:
        mapped(db, tmp_path, export, map_text)

    assert [(bad.line, bad.problems) for bad in raised.value.report.bad_rows] == [
        (2, (("status", "status 'Someday' (column 'State') is not one of new, open, pending, "
                        "solved, closed: add it to values.status"),
             ("customer", "customer is empty"))),
        (3, (("created_at", "created_at '2026-11-02T10:30:00Z' (column 'Opened') does not "
                            "match the map's timestamp_format '%d/%m/%Y %H:%M'"),)),
        (4, ((None, "expected 6 fields as in the header, found 3"),)),
    ]


def test_repeated_columns_are_all_read_for_tags_and_the_first_for_the_rest(db, tmp_path):
    # Jira writes one Labels column per label.
    export = """Key,Created,Status,Priority,Reporter,Labels,Labels,Labels
E-1,2026-11-02T10:30:00Z,Open,Medium,c@example.com,network,,vpn
"""
    map_text = """columns: {id: Key, created_at: Created, status: Status, priority: Priority,
          customer: Reporter, tags: Labels}
values:
  status: {Open: open}
  priority: {Medium: normal}
defaults: {channel: web, tier: 1}
"""
    report = mapped(db, tmp_path, export, map_text)
    assert report.ignored_columns == ()
    assert records(db)["E-1"]["tags"] == ["network", "vpn"]


def test_defaults_fill_a_mapped_columns_empty_cells(db, tmp_path):
    export = EXPORT.replace(",P1,", ",,")  # A-2 has no urgency
    mapped(db, tmp_path, export, MAP.replace("defaults: {source: acme, tier: 2}",
                                             "defaults: {source: acme, tier: 2, priority: low}"))
    assert records(db)["A-2"]["priority"] == "low"


def test_a_toml_map(db, tmp_path):
    map_text = """timezone = "Europe/Berlin"
timestamp_format = "%d/%m/%Y %H:%M"
tags_separator = ","

[columns]
id = "Ticket"
created_at = "Opened"
status = "State"
channel = "Via"
priority = "Urgency"
customer = "Requester"

[values.status]
Done = "solved"
Waiting = "pending"

[values.channel]
"Phone call" = "phone"
"Live chat" = "chat"

[values.priority]
P1 = "urgent"
P2 = "high"

[defaults]
tier = 3
source = "acme"
"""
    report = import_mapped(db, write(tmp_path, "export.csv", EXPORT.replace(
        "02/11/2026 12:00,Done", ",Waiting")), write(tmp_path, "map.toml", map_text), now=NOW)
    assert report.tickets_new == 2
    assert pick(records(db)["A-1"], "tier", "status", "channel") == (3, "pending", "phone")


# --- problems of the map: one sentence each ------------------------------------------------------


MAP_PROBLEMS = {
    # name: (what to change in MAP, the message)
    "unknown field": (
        ("  agent: Owner\n", "  agnet: Owner\n"),
        "map.yaml: columns: 'agnet' is not a canonical field; did you mean 'agent'? (the fields "
        "are id, created_at, first_response_at, solved_at, status, channel, priority, tier, "
        "team, agent, customer, agent_replies, customer_messages, reopens, escalated, "
        "handle_time_seconds, hold_time_seconds, tags, source, slack_channel, slack_thread_ts)"),
    "unknown key": (
        ("tags_separator:", "tag_separator:"),
        "map.yaml: unknown key 'tag_separator'; did you mean 'tags_separator'? (the keys are "
        "columns, timezone, timestamp_format, values, tags_separator, delimiter, encoding, "
        "defaults)"),
    "a value mapped to nothing kpibot knows": (
        ("Live chat: chat", "Live chat: livechat"),
        "map.yaml: values.channel maps 'Live chat' to 'livechat', which is not one of chat, "
        "email, phone, slack, web, social"),
    "a default outside its set": (
        ("tier: 2", "tier: 4"),
        "map.yaml: defaults.tier is '4', which is not one of 1, 2, 3"),
    "a required field without column nor default": (
        ("  priority: Urgency\n", ""),
        "map.yaml: no column nor default for the required field 'priority' (add e.g. "
        "columns.priority: \"…\" or defaults.priority: …)"),
    "a value map for a field the map does not read": (
        ("values:\n", "values:\n  escalated: {Y: true}\n"),
        "map.yaml: values.escalated is given but columns has no escalated"),
    "an unknown time zone": (
        ("timezone: Europe/Berlin", "timezone: Europe/Berln"),
        "map.yaml: timezone 'Europe/Berln' is not an IANA time zone (e.g. Europe/Berlin, "
        "America/New_York, UTC)"),
    "not YAML": (
        ("columns:\n", "columns: [\n"),
        "map.yaml is not valid YAML: expected ',' or ']', but got ':' (line 3)"),
}


@pytest.mark.parametrize("case", list(MAP_PROBLEMS))
def test_a_problem_of_the_map_is_one_sentence(sqlite_db, tmp_path, case):
    (old, new), message = MAP_PROBLEMS[case]
    assert old in MAP

    with pytest.raises(UserError) as raised:
        mapped(sqlite_db, tmp_path, map_text=MAP.replace(old, new))

    assert raised.value.message == message
    assert not isinstance(raised.value, ImportRejected)
    assert records(sqlite_db) == {}


def test_a_required_field_with_neither_column_nor_default(tmp_path):
    path = write(tmp_path, "map.yaml", MAP.replace("  customer: Requester\n", ""))
    with pytest.raises(UserError) as raised:
        load_map(path)
    assert raised.value.message == (
        "map.yaml: no column nor default for the required field 'customer' (add e.g. "
        "columns.customer: \"…\" or defaults.customer: …)")


def test_a_column_the_export_does_not_have_is_named(db, tmp_path):
    map_text = MAP.replace("created_at: Opened", "created_at: Opened at").replace(
        "agent: Owner", "agent: Assignee")

    with pytest.raises(UserError) as raised:
        mapped(db, tmp_path, map_text=map_text)

    assert raised.value.message == (
        "map.yaml: columns.created_at names 'Opened at' and columns.agent names 'Assignee', "
        "which export.csv does not have; did you mean 'Opened'? (its columns: Ticket, Opened, "
        "Answered, Closed, State, Via, Urgency, Queue, Owner, Requester, Labels, Notes)")
    assert records(db) == {}


def test_a_column_is_found_whatever_its_case_and_spaces(db, tmp_path):
    mapped(db, tmp_path, EXPORT.replace("Opened,", " OPENED ,"))
    assert records(db)["A-1"]["created_at"] == utc(2026, 11, 2, 9, 30)


# --- the command line --------------------------------------------------------------------------


def test_the_command_line_imports_through_a_map_and_lists_the_ignored_columns_once(
        sqlite_db, tmp_path, capsys, monkeypatch):
    url = sqlite_db.url.render_as_string(hide_password=False)
    export = write(tmp_path, "export.csv", EXPORT.replace("Notes\n", "Notes,Notes\n").replace(
        "call back\n", "call back,again\n").replace("Tech,,c2@example.com,,\n",
                                                    "Tech,,c2@example.com,,,\n"))
    map_path = write(tmp_path, "map.yaml", MAP)

    code, out, err = run_kpibot(capsys, monkeypatch, "import", str(export), "--map",
                                str(map_path), "--db", url)

    assert code == 0, err
    assert "tickets: 2 read — 2 new, 0 updated, 0 unchanged" in out
    assert out.count("ignored (not in the map): Notes\n") == 1
    code, out, _ = run_kpibot(capsys, monkeypatch, "import", str(export), "--map",
                              str(map_path), "--db", url, "--json")
    report = json.loads(out)
    assert (code, report["ignored_columns"], report["tickets_unchanged"]) == (0, ["Notes"], 2)


def test_the_command_line_says_a_map_problem_in_one_line(sqlite_db, tmp_path, capsys,
                                                         monkeypatch):
    url = sqlite_db.url.render_as_string(hide_password=False)
    export = write(tmp_path, "export.csv", EXPORT)
    map_path = write(tmp_path, "map.yaml", MAP.replace("agent: Owner", "agnet: Owner"))

    code, out, err = run_kpibot(capsys, monkeypatch, "import", str(export), "--map",
                                str(map_path), "--db", url)

    assert code == 1 and out == ""
    assert err.startswith("kpibot: map.yaml: columns: 'agnet' is not a canonical field; did you "
                          "mean 'agent'?")
    assert err.count("\n") == 1
    code, out, _ = run_kpibot(capsys, monkeypatch, "import", "--map", str(map_path), "--db",
                              url, "--json")
    assert code == 1 and "error" in json.loads(out)


def test_a_mapped_export_and_a_canonical_survey_file_in_one_import(db, tmp_path):
    surveys = write(tmp_path, "surveys.csv", "ticket_id,kind,score,responded_at,source\n"
                    "215470011223350,csat,4,2026-11-02T10:30:00Z,intercom\n")

    report = import_mapped(db, DOCS / "intercom" / "export.csv", DOCS / "intercom" / "map.yaml",
                           surveys, now=NOW)

    assert (report.tickets_new, report.surveys_new, report.bad_row_count) == (12, 1, 0)


def test_an_export_in_another_encoding(db, tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(EXPORT.replace("Asha Rao", "Jürgen Weiß").encode("cp1252"))

    import_mapped(db, path, write(tmp_path, "map.yaml", MAP + "encoding: cp1252\n"), now=NOW)

    assert records(db)["A-1"]["agent"] == "Jürgen Weiß"


def test_an_export_in_an_encoding_the_map_does_not_say(db, tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(EXPORT.replace("Asha Rao", "Jürgen Weiß").encode("cp1252"))

    with pytest.raises(UserError) as raised:
        import_mapped(db, path, write(tmp_path, "map.yaml", MAP), now=NOW)

    # The text is decoded a block at a time: the line is where the block starts.
    assert raised.value.message == (
        f"{path} is not utf-8-sig text (an invalid byte near line 1); give the map the "
        "export's encoding, e.g. encoding: cp1252")


def test_a_wrong_delimiter_is_suspected(db, tmp_path):
    export = EXPORT.replace(",", ";").replace('"vip; refund"', "vip")

    with pytest.raises(UserError) as raised:
        mapped(db, tmp_path, export, MAP + 'delimiter: ","\n')

    assert raised.value.message.endswith(
        " — is the delimiter right? the map can give it (delimiter: \";\")")


FORMATS = ["%d/%m/%Y %H:%M", "%d/%b/%y %I:%M %p", "%Y-%m-%d %H:%M:%S", "%m/%d/%Y %I:%M:%S %p",
           "%d.%m.%Y %H:%M:%S.%f", "%B %d, %Y %H:%M", "%d %b %Y"]
TEXTS = ["02/11/2026 10:30", "2/11/2026 9:05", "31/02/2026 10:00", "02/11/2026 24:00",
         "02/Nov/26 9:30 AM", "02/nov/26 12:00 am", "02/Nov/26 12:30 PM", "02/Nov/26 13:00 PM",
         "02/Nov/69 9:30 AM", "02/Nov/68 9:30 AM", "2026-11-02 10:30:05", "2026-11-02 10:30",
         "11/02/2026 09:30:05 pm", "02.11.2026 10:30:05.123", "May 02, 2026 10:30",
         "Nov 02, 2026 10:30", "November 2, 2026 10:30", "2 May 2026", "2 June 2026",
         "02/11/2026  10:30", "02/11/2026 10:30 ", "00/11/2026 10:00", "02/11/26 10:30"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_timestamp_formats_are_read_as_strptime_reads_them(fmt):
    from kpi_engine.ingest.timestamps import fast_strptime

    fast = fast_strptime(fmt)
    assert fast is not None
    for text in TEXTS:
        try:
            expected = datetime.strptime(text, fmt)
        except ValueError:
            expected = ValueError
        try:
            found = fast(text)
        except ValueError:
            found = ValueError
        assert found == expected, text


def test_a_format_with_other_directives_is_left_to_strptime(db, tmp_path):
    from kpi_engine.ingest.timestamps import fast_strptime

    assert fast_strptime("%d/%m/%Y %H:%M %Z") is None and fast_strptime("%j %Y") is None
    assert fast_strptime("%a %d/%m/%Y %H:%M") is None  # %a: strptime reads it
    export = (EXPORT.replace("02/11/2026", "Mon 02/11/2026")
              .replace("03/11/2026", "Tue 03/11/2026"))
    map_text = MAP.replace('"%d/%m/%Y %H:%M"', '"%a %d/%m/%Y %H:%M"')

    mapped(db, tmp_path, export, map_text)

    assert pick(records(db)["A-1"], "created_at", "solved_at") == (
        utc(2026, 11, 2, 9, 30), utc(2026, 11, 2, 11, 0))
