"""A re-import from a file with fewer columns never blanks data silently: the columns the file
lacks keep what is stored on the tickets already there, and the report (and the command line)
says which; `--replace-missing` blanks them on purpose. On SQLite, PostgreSQL and DuckDB.

The desk: 50 tickets imported with every column (agent, team and tags included); then the same
50 from a file without agent, team and tags — the case that used to report "50 updated" and
blank all three on every ticket."""

from __future__ import annotations

import json

from kpi_engine.ingest import import_csv
from tests.builders import run_kpibot

from .test_ingest import HEADER, tag_rows, ticket_rows, write

FULL_COLUMNS = HEADER.split(",")
SHORT_COLUMNS = [name for name in FULL_COLUMNS if name not in ("agent", "team", "tags")]


def _line(columns: list[str], values: dict[str, str]) -> str:
    return ",".join(values.get(name, "") for name in columns)


def _ticket(number: int, **changes: str) -> dict[str, str]:
    return {"id": f"R{number:02d}", "created_at": f"2026-11-{1 + number % 20:02d}T09:00:00Z",
            "status": "open", "channel": "email", "priority": "normal", "tier": "1",
            "customer": f"c{number}", "team": "billing", "agent": "Asha Rao",
            "tags": "refund;vip", "agent_replies": "1"} | changes


def _files(tmp_path, columns: list[str], tickets: list[dict[str, str]], name: str):
    return write(tmp_path, name, ",".join(columns), *(_line(columns, t) for t in tickets))


def _full_then_short(db, tmp_path, **options):
    tickets = [_ticket(n) for n in range(50)]
    import_csv(db, _files(tmp_path, FULL_COLUMNS, tickets, "full.csv"))
    before = (ticket_rows(db), tag_rows(db))
    report = import_csv(db, _files(tmp_path, SHORT_COLUMNS, tickets, "short.csv"), **options)
    return before, report


def test_a_shorter_file_keeps_the_stored_agent_team_and_tags(db, tmp_path):
    before, report = _full_then_short(db, tmp_path)
    assert (ticket_rows(db), tag_rows(db)) == before  # nothing blanked
    assert (report.tickets_new, report.tickets_updated, report.tickets_unchanged) == (0, 0, 50)
    assert report.kept_columns == ("team", "agent", "tags")


def test_replace_missing_blanks_them_on_purpose(db, tmp_path):
    _, report = _full_then_short(db, tmp_path, replace_missing=True)
    rows = ticket_rows(db)
    assert {(row[9], row[10]) for row in rows} == {(None, None)}  # team, agent
    assert tag_rows(db) == []
    assert (report.tickets_updated, report.kept_columns) == (50, ())


def test_a_shorter_file_still_updates_the_columns_it_has_and_adds_new_tickets(db, tmp_path):
    tickets = [_ticket(n) for n in range(3)]
    import_csv(db, _files(tmp_path, FULL_COLUMNS, tickets, "full.csv"))
    changed = [_ticket(0, status="solved", solved_at="2026-11-01T10:00:00Z"),
               _ticket(1), _ticket(7)]
    report = import_csv(db, _files(tmp_path, SHORT_COLUMNS, changed, "short.csv"))
    rows = {row[1]: row for row in ticket_rows(db)}
    assert rows["R00"][5] == "solved" and rows["R00"][10] == "Asha Rao"  # status new, agent kept
    assert rows["R07"][9:11] == (None, None)  # a new ticket: no team or agent in the file
    assert (report.tickets_new, report.tickets_updated, report.tickets_unchanged) == (1, 1, 1)
    assert ("import", "R00", "refund") in tag_rows(db)  # tags kept
    assert not any(ticket_id == "R07" for _, ticket_id, _ in tag_rows(db))


def test_the_command_line_says_what_it_kept(sqlite_db, tmp_path, capsys, monkeypatch):
    url = sqlite_db.url.render_as_string(hide_password=False)
    tickets = [_ticket(n) for n in range(50)]
    full = _files(tmp_path, FULL_COLUMNS, tickets, "full.csv")
    short = _files(tmp_path, SHORT_COLUMNS, tickets, "short.csv")
    assert run_kpibot(capsys, monkeypatch, "import", str(full), "--db", url)[0] == 0
    code, out, _ = run_kpibot(capsys, monkeypatch, "import", str(short), "--db", url)
    assert code == 0
    assert "0 updated, 50 unchanged" in out
    assert ("not in short.csv: team, agent, tags — kept as stored for the 50 tickets already "
            "here (--replace-missing blanks them)") in out
    code, out, _ = run_kpibot(capsys, monkeypatch, "import", str(short), "--db", url, "--json")
    assert json.loads(out)["kept_columns"] == ["team", "agent", "tags"]
    code, out, _ = run_kpibot(capsys, monkeypatch, "import", str(short), "--db", url,
                              "--replace-missing")
    assert code == 0 and "50 updated" in out and "kept as stored" not in out
