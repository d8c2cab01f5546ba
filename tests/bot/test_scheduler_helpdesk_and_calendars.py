"""What the scheduler of `kpibot serve` / `kpibot scheduler` does by itself at start for the
helpdesks and business hours: a configured helpdesk's sync job runs at once (then every
KPIBOT_SYNC_MINUTES), without anyone calling it; and when business-hour readings are stored
and the configured calendar changed since (a restart with new settings), every ticket's
readings are recomputed at start — by hand: Mon 9 Nov 2026 16:00 → Tue 10:00 in Berlin is
2 h on 09:00–17:00 and 4 h on 08:00–18:00 — while a workspace that never asked in business
hours has nothing computed."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from bot.sandbox.zendesk_double import ZendeskDouble, zendesk_desk
from bot.scheduler import HELPDESK_JOB
from kpi_engine.calendars import configured_calendars, recompute, stored_calendars
from kpi_engine.storage.schema import tickets
from tests.bot.test_digest_scheduler import scheduler_for, wait_until
from tests.builders import add_tickets, make_settings

BERLIN = ZoneInfo("Europe/Berlin")
CALENDAR = dict(tz="Europe/Berlin", business_tz="Europe/Berlin", holidays="")


def _ticket_count(db) -> int:
    with db.connect() as connection:
        return connection.execute(sa.select(sa.func.count()).select_from(tickets)).scalar()


def test_the_helpdesk_sync_runs_at_start_by_itself(slack, sqlite_db):
    with ZendeskDouble(desk=zendesk_desk(4)) as double:
        scheduler = scheduler_for(slack, sqlite_db, zendesk_url=double.url,
                                  zendesk_email="lead@acme.example",
                                  zendesk_api_token="zd-token", sync_minutes=30)
        scheduler.start()
        try:
            wait_until(lambda: _ticket_count(sqlite_db) == 4, timeout=30)
            job = scheduler.scheduler.get_job(HELPDESK_JOB)
            assert job is not None and job.trigger.interval.total_seconds() == 30 * 60
        finally:
            scheduler.shutdown()
        assert double.paths(ZendeskDouble.EXPORT)  # the API was asked, by the job


def _readings(db) -> tuple:
    with db.connect() as connection:
        return connection.execute(sa.select(
            tickets.c.first_response_business - tickets.c.created_business)).one()


def test_changed_calendars_are_recomputed_at_start(slack, sqlite_db):
    add_tickets(sqlite_db, dict(id="N", created_at=datetime(2026, 11, 9, 16, tzinfo=BERLIN),
                                first_response_at=datetime(2026, 11, 10, 10, tzinfo=BERLIN)))
    before = make_settings(business_hours="mon-fri 09:00-17:00", **CALENDAR)
    recompute(sqlite_db, configured_calendars(before))
    assert _readings(sqlite_db) == (2 * 3600,)
    scheduler = scheduler_for(slack, sqlite_db, business_hours="mon-fri 08:00-18:00", **CALENDAR)
    scheduler.start()
    try:
        scheduler.calendars_thread.join(30)
        assert _readings(sqlite_db) == (4 * 3600,)
    finally:
        scheduler.shutdown()
    with sqlite_db.connect() as connection:
        assert stored_calendars(connection).workspace.hours == "mon-fri 08:00-18:00"


def test_nothing_is_computed_while_business_hours_were_never_used(slack, sqlite_db):
    add_tickets(sqlite_db, dict(id="N", created_at=datetime(2026, 11, 9, 16, tzinfo=BERLIN),
                                first_response_at=datetime(2026, 11, 10, 10, tzinfo=BERLIN)))
    scheduler = scheduler_for(slack, sqlite_db, business_hours="mon-fri 08:00-18:00", **CALENDAR)
    scheduler.start()
    try:
        scheduler.calendars_thread.join(30)
        assert scheduler.refresh_calendars() is None
    finally:
        scheduler.shutdown()
    with sqlite_db.connect() as connection:
        assert stored_calendars(connection) is None
    assert _readings(sqlite_db) == (None,)
