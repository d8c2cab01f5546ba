"""The straight load of a helpdesk import into an empty PostgreSQL database (ingest/helpdesk/
straight.py), its pages read in a worker process (worker.py): the tables hold exactly what the
same load read in this process holds — versions replaced, names given on a later page and
business clock readings included — its keys, indexes and references are all back at the end,
and an error in the reading process is raised here with nothing written."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from kpi_engine.calendars import configured_calendars, recompute
from kpi_engine.ingest.helpdesk import import_helpdesk
from kpi_engine.ingest.helpdesk import writer as writer_module
from kpi_engine.ingest.zendesk import ZendeskVendor
from kpi_engine.storage.schema import (
    dimension_values,
    helpdesk_metrics,
    survey_requests,
    survey_responses,
    ticket_tags,
    tickets,
)
from tests.builders import make_settings

DATA = Path(__file__).parent / "data" / "zendesk"
TABLES = (tickets, ticket_tags, helpdesk_metrics, survey_requests, survey_responses,
          dimension_values)
CALENDAR = {"business_hours": "mon-fri 09:00-17:00", "business_tz": "Europe/Berlin"}


@pytest.fixture
def pg(migrated_database) -> sa.Engine:
    return migrated_database("postgresql")


def _export(folder: Path) -> Path:
    """The hand-made export, with a newer version of ticket 104 read first and the users of
    the first tickets page given only on a page read after it."""
    folder.mkdir()
    newer = json.loads((DATA / "tickets-1.json").read_text())
    newer["tickets"] = [dict(newer["tickets"][3], status="solved",
                             updated_at="2026-11-07T12:00:00Z")]
    newer["metric_sets"] = [dict(newer["metric_sets"][3], solved_at="2026-11-07T12:00:00Z")]
    (folder / "1-newer.json").write_text(json.dumps(newer))
    page = json.loads((DATA / "tickets-1.json").read_text())
    users = page.pop("users")
    (folder / "2-tickets.json").write_text(json.dumps(page))
    shutil.copy(DATA / "tickets-2.json", folder / "3-tickets.json")
    (folder / "4-users.json").write_text(json.dumps({"users": users}))
    shutil.copy(DATA / "ratings.json", folder / "5-ratings.json")
    return folder


def _contents(db: sa.Engine) -> list[list[tuple]]:
    with db.connect() as connection:
        return [sorted(tuple(row) for row in connection.execute(sa.select(table)))
                for table in TABLES]


def _indexes(db: sa.Engine) -> set[str]:
    with db.connect() as connection:
        return set(connection.execute(sa.text(
            "SELECT indexname FROM pg_indexes WHERE tablename IN ('tickets', 'ticket_tags', "
            "'helpdesk_metrics', 'survey_requests', 'survey_responses', 'surveys')")).scalars())


def _references(db: sa.Engine) -> set[str]:
    with db.connect() as connection:
        return set(connection.execute(sa.text(
            "SELECT conname FROM pg_constraint WHERE contype = 'f' AND confrelid = "
            "'tickets'::regclass AND convalidated")).scalars())


@pytest.mark.parametrize("calendar", [False, True], ids=["calendar time", "business calendar"])
def test_the_worker_process_writes_what_reading_here_writes(pg, migrated_database, tmp_path,
                                                            monkeypatch, calendar):
    settings = make_settings(**(CALENDAR if calendar else {}))
    export = _export(tmp_path / "export")
    indexes, references = _indexes(pg), _references(pg)

    def load() -> list[list[tuple]]:
        if calendar:
            recompute(pg, configured_calendars(settings))
        report = import_helpdesk(pg, settings, "zendesk", [export])
        assert (report.counts.tickets_read, report.counts.tickets_new) == (11, 9)
        return _contents(pg)

    in_worker = load()
    assert (_indexes(pg), _references(pg)) == (indexes, references)
    row = next(row for row in in_worker[0] if row[1] == "104")
    assert row[5] == "solved"  # the newer version
    assert next(row for row in in_worker[0] if row[1] == "101")[9:12] == (
        "Billing", "Asha Rao", "mia@shop.example")  # named on a later page
    assert all(row[-1] is not None for row in in_worker[0] if row[4]) is calendar

    migrated_database("postgresql")  # emptied
    monkeypatch.setattr(writer_module, "can_fork", lambda: False)
    assert load() == in_worker
    assert (_indexes(pg), _references(pg)) == (indexes, references)


def test_an_error_in_the_worker_process_is_raised_here_nothing_written(pg, monkeypatch):
    indexes = _indexes(pg)

    def broken(self, page, people):
        raise RuntimeError("the reading broke")

    monkeypatch.setattr(ZendeskVendor, "read_page", broken)
    with pytest.raises(RuntimeError, match="the reading broke"):
        import_helpdesk(pg, make_settings(), "zendesk", [DATA])
    assert _contents(pg)[0] == []
    assert _indexes(pg) == indexes

