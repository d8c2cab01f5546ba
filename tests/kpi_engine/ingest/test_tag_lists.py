"""`tickets.tag_list` — each ticket's tags in one value on its row, which a change explained
groups by instead of joining the tag rows — says what `ticket_tags` says after every way tickets
are written: the CSV import (into empty tables, the merge, a re-import that changes tags, one
without the tags column, `--replace-missing`), the Zendesk import (straight into empty tables on
PostgreSQL, staged elsewhere and on a second import), and the migration that adds the column to
a database holding tickets. On every backend. The expected lists are written out by hand; the
invariant is checked against the tag rows read back and sorted here."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from kpi_engine.ingest import import_csv, merging
from kpi_engine.ingest.helpdesk import import_helpdesk
from kpi_engine.storage.database import create_database_engine, migrate
from kpi_engine.storage.schema import ticket_tags, tickets
from tests.builders import make_settings
from tests.conftest import DEFAULT_POSTGRES_URL

HEADER = "id,created_at,status,channel,priority,tier,customer,tags"
NO_TAGS_HEADER = "id,created_at,status,channel,priority,tier,customer"
ZENDESK = Path(__file__).parent / "data" / "zendesk"


def _write(tmp_path: Path, name: str, *lines: str) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _row(ticket_id: str, tags: str = "", *, with_tags: bool = True) -> str:
    fields = [ticket_id, "2026-11-02T09:30:00Z", "open", "chat", "normal", "1", "c"]
    return ",".join(fields + [tags] if with_tags else fields)


def _lists(db: sa.Engine) -> dict[str, str | None]:
    with db.connect() as connection:
        return dict(connection.execute(sa.select(tickets.c.id, tickets.c.tag_list)).all())


def assert_lists_say_the_tag_rows(db: sa.Engine) -> None:
    """Every ticket's list is its tag rows, sorted (None: no tag row)."""
    with db.connect() as connection:
        rows = connection.execute(sa.select(ticket_tags.c.ticket_id, ticket_tags.c.tag)).all()
    tags: dict[str, list[str]] = {}
    for ticket_id, tag in rows:
        tags.setdefault(ticket_id, []).append(tag)
    for ticket_id, stored in _lists(db).items():
        expected = sorted(tags.get(ticket_id, []))
        assert (json.loads(stored) if stored is not None else []) == expected, ticket_id


def test_the_csv_import_writes_each_tickets_list(db, tmp_path):
    import_csv(db, _write(tmp_path, "a.csv", HEADER, _row("A", "vip; billing;vip"),
                          _row("B"), _row("C", "zeta;Alpha;émoji")))
    assert _lists(db) == {"A": '["billing","vip"]', "B": None, "C": '["Alpha","zeta","émoji"]'}
    assert_lists_say_the_tag_rows(db)


def test_a_bulk_load_into_empty_tables_writes_the_lists_too(db, tmp_path, monkeypatch):
    monkeypatch.setattr(merging, "BULK_LOAD_MIN_ROWS", 1)  # PostgreSQL's path for large loads
    import_csv(db, _write(tmp_path, "a.csv", HEADER, _row("A", "refund"), _row("B")))
    assert _lists(db) == {"A": '["refund"]', "B": None}


def test_a_reimport_changes_the_lists_of_the_tickets_whose_tags_changed(db, tmp_path):
    import_csv(db, _write(tmp_path, "a.csv", HEADER, _row("A", "refund"), _row("B", "bug"),
                          _row("C")))
    report = import_csv(db, _write(tmp_path, "b.csv", HEADER, _row("A", "refund;vip"),
                                   _row("B"), _row("C", "outage")))
    assert _lists(db) == {"A": '["refund","vip"]', "B": None, "C": '["outage"]'}
    assert (report.tickets_updated, report.tickets_unchanged) == (3, 0)
    assert_lists_say_the_tag_rows(db)

    again = import_csv(db, _write(tmp_path, "c.csv", HEADER, _row("A", "vip;refund"), _row("B"),
                                  _row("C", "outage")))
    assert (again.tickets_updated, again.tickets_unchanged) == (0, 3)  # the same tags, any order


def test_a_file_without_the_tags_column_keeps_them_and_replace_missing_clears_them(db, tmp_path):
    import_csv(db, _write(tmp_path, "a.csv", HEADER, _row("A", "refund;vip")))
    import_csv(db, _write(tmp_path, "b.csv", NO_TAGS_HEADER, _row("A", with_tags=False)))
    assert _lists(db) == {"A": '["refund","vip"]'}

    import_csv(db, _write(tmp_path, "c.csv", NO_TAGS_HEADER, _row("A", with_tags=False)),
               replace_missing=True)
    assert _lists(db) == {"A": None}
    assert_lists_say_the_tag_rows(db)


def test_the_zendesk_import_writes_the_lists_and_a_second_import_changes_them(db, tmp_path):
    # tickets-1.json and -2.json, by hand: 101 billing+invoice, 102 tier_2+login, 104 t3, 105
    # escalated+complaint, 108 tier_1+vip; 103, 106, 107, 110 none; 109 deleted.
    import_helpdesk(db, make_settings(), "zendesk", [ZENDESK])
    assert _lists(db) == {
        "101": '["billing","invoice"]', "102": '["login","tier_2"]', "103": None,
        "104": '["t3"]', "105": '["complaint","escalated"]', "106": None, "107": None,
        "108": '["tier_1","vip"]', "110": None}
    assert_lists_say_the_tag_rows(db)

    page = json.loads((ZENDESK / "tickets-1.json").read_text())
    page["tickets"] = [dict(page["tickets"][0], tags=["refund"], updated_at="2026-11-20T09:00:00Z"),
                       dict(page["tickets"][1], tags=[], updated_at="2026-11-20T09:00:00Z")]
    page["metric_sets"] = page["metric_sets"][:2]
    (tmp_path / "later.json").write_text(json.dumps(page))
    import_helpdesk(db, make_settings(), "zendesk", [tmp_path / "later.json"])
    lists = _lists(db)
    assert (lists["101"], lists["102"], lists["108"]) == ('["refund"]', None, '["tier_1","vip"]')
    assert_lists_say_the_tag_rows(db)


def _old_tickets(connection: sa.Connection) -> None:
    """Tickets and tag rows as a database before 0011 holds them (no list)."""
    for ticket_id in ("M1", "M2", "M3"):
        connection.execute(sa.text(
            "INSERT INTO tickets (source, id, created_at, status, channel, priority, tier, "
            "customer, agent_replies, customer_messages, reopens, escalated) VALUES ('import', "
            ":id, :at, 'open', 'chat', 'normal', 1, 'c', 0, 1, 0, false)"),
            {"id": ticket_id, "at": 1_793_000_000_000_000 if connection.dialect.name == "sqlite"
             else "2026-10-25 09:00:00"})
    connection.execute(sa.text(
        "INSERT INTO ticket_tags (source, ticket_id, tag) VALUES ('import', 'M1', 'vip'), "
        "('import', 'M1', 'billing'), ('import', 'M2', 'bug')"))


@pytest.mark.parametrize("backend", ["sqlite", "duckdb", "postgresql"])
def test_the_migration_fills_the_lists_of_the_tickets_stored(backend, tmp_path):
    admin = None
    if backend == "postgresql":
        base = sa.engine.make_url(os.environ.get("KPIBOT_TEST_POSTGRES_URL",
                                                 DEFAULT_POSTGRES_URL))
        name = f"kpibot_test_{uuid.uuid4().hex[:10]}"
        admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        url = base.set(database=name).render_as_string(hide_password=False)
    else:
        url = f"{backend}:///{tmp_path / 'old.db'}"
    engine = create_database_engine(url)
    try:
        migrate(engine, "0010")
        with engine.begin() as connection:
            _old_tickets(connection)
        migrate(engine)
        assert _lists(engine) == {"M1": '["billing","vip"]', "M2": '["bug"]', "M3": None}
    finally:
        engine.dispose()
        if admin is not None:
            with admin.connect() as connection:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
