"""The business clock readings stored on the tickets, on every backend: computed for every
ticket by the first business-hours question, recomputed when a calendar changes (only the
tickets of the calendars that changed; the readings and the answers move as worked out by
hand), kept by an import (the canonical CSV's merge) and by a support conversation.

The workspace calendar is Mon–Fri 09:00–17:00 in Europe/Berlin with DE-BE's holidays."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

import kpi_engine.calendars.readings as readings
from kpi_engine.calendars import configured_calendars, ensure_current, recompute, stored_calendars
from kpi_engine.desk.conversations import Role, SupportChannel, SupportDesk
from kpi_engine.engine import KpiEngine
from kpi_engine.ingest import import_csv
from kpi_engine.periods import parse_period, period_from_bounds
from kpi_engine.query import KpiQuery
from kpi_engine.storage.schema import business_calendars, tickets
from tests.builders import NOW, add_tickets, make_settings

BERLIN = ZoneInfo("Europe/Berlin")
HOUR = 3600
LAST_WEEK = parse_period("last week", now=NOW, tz=BERLIN)  # [Mon 9 Nov, Mon 16 Nov 2026)
CALENDAR = dict(tz="Europe/Berlin", business_hours="mon-fri 09:00-17:00", holidays="DE-BE")


def berlin(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=BERLIN)


def settings(**overrides):
    return make_settings(**(CALENDAR | overrides))


def durations(db) -> dict[str, tuple]:
    """Each ticket's business FRT and resolution time from its readings (None where missing)."""
    t = tickets
    with db.connect() as connection:
        rows = connection.execute(sa.select(
            t.c.id, t.c.created_business, t.c.first_response_business, t.c.solved_business)
            .order_by(t.c.id)).all()
    return {ticket: (None if first is None or created is None else first - created,
                     None if solved is None or created is None else solved - created)
            for ticket, created, first, solved in rows}


def two_tickets(db) -> None:
    add_tickets(
        db,
        # Mon 9 16:00 → Tue 10 10:00 (a night): 2 h; solved Wed 11 12:00: 1 + 8 + 3 = 12 h
        dict(id="N", created_at=berlin(9, 16), first_response_at=berlin(10, 10),
             solved_at=berlin(11, 12), status="solved"),
        # Fri 13 16:30 → Mon 16 09:15 (a weekend): 45 min; never solved
        dict(id="W", created_at=berlin(13, 16, 30), first_response_at=berlin(16, 9, 15)),
    )


def frt(db, **overrides) -> float:
    kpi = KpiEngine(db, settings(**overrides))
    return kpi.run(KpiQuery(metric="frt", period=LAST_WEEK, business_hours=True)).value


def test_the_first_business_question_computes_every_reading(db):
    two_tickets(db)
    with db.connect() as connection:
        assert stored_calendars(connection) is None
    assert durations(db) == {"N": (None, None), "W": (None, None)}
    assert frt(db) == pytest.approx((2 * HOUR + 45 * 60) / 2)
    assert durations(db) == {"N": (2 * HOUR, 12 * HOUR), "W": (45 * 60, None)}
    with db.connect() as connection:
        stored = connection.execute(sa.select(business_calendars.c.key,
                                              business_calendars.c.definition)).all()
    assert stored == [("*", "hours=mon-fri 09:00-17:00|tz=Europe/Berlin|holidays=DE-BE")]
    assert ensure_current(db, configured_calendars(settings())) is None  # nothing to do now


def test_recompute_after_a_calendar_change(db):
    two_tickets(db)
    recompute(db, configured_calendars(settings()))
    # 08:00–18:00 (lunch off on Mondays): N Mon 16–18 + Tue 08–10 = 4 h; solved Wed 12:00:
    # 2 + 10 + 4 = 16 h. W Fri 16:30–18:00 + Mon 08:00–09:15 (before lunch) = 2 h 45
    hours = "mon 08:00-12:00,13:00-18:00; tue-fri 08:00-18:00"
    changed = settings(business_hours=hours)
    report = recompute(db, configured_calendars(changed))
    assert (report.calendars, report.tickets_read, report.tickets_changed) == (("*",), 2, 2)
    assert durations(db) == {"N": (4 * HOUR, 16 * HOUR), "W": (2 * HOUR + 45 * 60, None)}
    assert frt(db, business_hours=hours) == pytest.approx((4 * HOUR + 2 * HOUR + 45 * 60) / 2)
    unchanged = recompute(db, configured_calendars(changed))
    assert unchanged.calendars == () and unchanged.tickets_read == 0
    forced = recompute(db, configured_calendars(changed), force=True)
    assert (forced.tickets_read, forced.tickets_changed) == (2, 0)


def test_a_team_calendar_moves_only_that_teams_readings(db, tmp_path):
    two_tickets(db)
    add_tickets(db, dict(id="B", team="billing", created_at=berlin(9, 16),
                         first_response_at=berlin(10, 10)))
    recompute(db, configured_calendars(settings()))
    assert durations(db)["B"] == (2 * HOUR, None)
    path = tmp_path / "calendars.yaml"
    path.write_text("teams:\n  billing: {hours: mon-fri 07:00-19:00}\n", encoding="utf-8")
    report = recompute(db, configured_calendars(settings(business_calendars=str(path))))
    assert (report.calendars, report.tickets_read, report.tickets_changed) == (
        ("billing",), 1, 1)
    assert durations(db)["B"] == (6 * HOUR, None)  # Mon 16–19, Tue 07–10
    assert durations(db)["N"] == (2 * HOUR, 12 * HOUR)
    # the team's calendar gone: its tickets are the workspace's again
    report = recompute(db, configured_calendars(settings()))
    assert report.calendars == ("billing",) and durations(db)["B"] == (2 * HOUR, None)


def test_an_import_computes_the_readings(db, tmp_path):
    recompute(db, configured_calendars(settings()))  # a calendar is stored, no ticket yet
    header = "id,created_at,first_response_at,solved_at,status,channel,priority,tier,customer"
    rows = ["N,2026-11-09T16:00:00+01:00,2026-11-10T10:00:00+01:00,2026-11-11T12:00:00+01:00,"
            "solved,chat,normal,1,c1",
            "S,2026-11-14T10:00:00+01:00,2026-11-14T11:00:00+01:00,,open,chat,normal,1,c2"]
    path = tmp_path / "tickets.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    import_csv(db, path)
    assert durations(db) == {"N": (2 * HOUR, 12 * HOUR), "S": (0, None)}  # S on a Saturday
    again = import_csv(db, path)
    assert (again.tickets_new, again.tickets_updated, again.tickets_unchanged) == (0, 0, 2)
    assert durations(db) == {"N": (2 * HOUR, 12 * HOUR), "S": (0, None)}
    # answered on Monday instead: 09:00–10:00
    path.write_text("\n".join([header, rows[0], rows[1].replace(
        "2026-11-14T11:00:00+01:00", "2026-11-16T10:00:00+01:00")]) + "\n", encoding="utf-8")
    import_csv(db, path)
    assert durations(db)["S"] == (HOUR, None)


def test_an_import_before_any_calendar_leaves_them_to_the_first_question(db, tmp_path):
    path = tmp_path / "tickets.csv"
    path.write_text("id,created_at,first_response_at,status,channel,priority,tier,customer\n"
                    "N,2026-11-09T16:00:00+01:00,2026-11-10T10:00:00+01:00,open,chat,normal,"
                    "1,c1\n", encoding="utf-8")
    import_csv(db, path)
    assert durations(db) == {"N": (None, None)}
    assert frt(db) == pytest.approx(2 * HOUR)


def test_many_readings_at_once_on_every_backend(db, monkeypatch):
    """Past the plain UPDATEs: the readings through the TEMPORARY table and one UPDATE … FROM,
    and the backend's rewrite of most of the table (PostgreSQL: its indexes built again)."""
    monkeypatch.setattr(readings, "MANY", 300)
    add_tickets(db, *(dict(id=f"T{index:04d}", created_at=berlin(9, 16),
                           first_response_at=berlin(10, 10)) for index in range(450)))
    report = recompute(db, configured_calendars(settings()))
    assert report.tickets_changed == 450
    assert set(durations(db).values()) == {(2 * HOUR, None)}
    monkeypatch.setattr(readings, "BATCH", 100)  # five batches, staged across them
    report = recompute(db, configured_calendars(settings(business_hours="mon-fri 08:00-17:00")))
    assert (report.tickets_read, report.tickets_changed) == (450, 450)
    assert set(durations(db).values()) == {(3 * HOUR, None)}
    if db.dialect.name != "duckdb":  # DuckDB's dialect cannot reflect indexes
        names = {index["name"] for index in sa.inspect(db).get_indexes("tickets")}
        assert {"ix_tickets_created_at", "ix_tickets_solved_at"} <= names


@pytest.fixture(params=["sqlite", "postgresql"])
def desk_db(request, migrated_database):
    return migrated_database(request.param)


def test_a_support_conversation_keeps_its_readings(desk_db):
    recompute(desk_db, configured_calendars(settings()))
    desk = SupportDesk(desk_db)
    channel = SupportChannel(channel_id="CHELP", team="billing")
    utc = timezone.utc
    opened = datetime(2026, 11, 9, 15, tzinfo=utc)  # Mon 16:00 in Berlin
    desk.open(channel, "100.000", "U1", opened)
    desk.reply("CHELP", "100.000", "101.000", "A1", Role.AGENT,
               datetime(2026, 11, 10, 9, tzinfo=utc))  # Tue 10:00
    desk.solve("CHELP", "101.000", datetime(2026, 11, 11, 11, tzinfo=utc))  # Wed 12:00
    assert durations(desk_db) == {"CHELP-100.000": (2 * HOUR, 12 * HOUR)}
    # reopened by the customer, solved again on Thursday at 10:00: Mon 1 + Tue 8 + Wed 8 +
    # Thu 1 = 18 h
    desk.reply("CHELP", "100.000", "102.000", "U1", Role.CUSTOMER,
               datetime(2026, 11, 11, 12, tzinfo=utc))
    assert durations(desk_db) == {"CHELP-100.000": (2 * HOUR, None)}
    desk.solve("CHELP", "102.000", datetime(2026, 11, 12, 9, tzinfo=utc))
    assert durations(desk_db) == {"CHELP-100.000": (2 * HOUR, 18 * HOUR)}


def test_the_next_business_question_after_a_change_recomputes_by_itself(db):
    two_tickets(db)
    assert frt(db) == pytest.approx((2 * HOUR + 45 * 60) / 2)
    # the configuration changes (a restart with new settings): no command is run
    assert frt(db, business_hours="mon-fri 08:00-18:00") == \
        pytest.approx((4 * HOUR + 2 * HOUR + 45 * 60) / 2)
    with db.connect() as connection:
        assert stored_calendars(connection).workspace.hours == "mon-fri 08:00-18:00"


def test_split_shifts_and_a_public_holiday_by_hand_on_every_backend(db):
    """Mon–Fri 09:00–12:00 and 13:00–17:00 in Berlin with DE-BE's holidays; Labour Day, Fri 1
    May 2026, is one (CEST, UTC+2):
      H  Thu 30 Apr 16:00 → reply Mon 4 May 09:30: Thu 1 h + Fri 0 + weekend 0 + Mon 0.5 h
         = 1.5 h; solved Mon 14:00: 1 h + Mon 09–12 3 h + 13–14 1 h = 5 h.
      L  Tue 5 May 11:30 → reply 13:30, across lunch: 0.5 h + 0.5 h = 1 h; solved Wed 6 May
         12:45 (in the break): Tue 0.5 + 4 h, Wed 3 h = 7.5 h.
      B  Tue 5 May 12:10 → reply 12:50, both in the break: 0.
    FRT (1.5 + 1 + 0) / 3 h = 50 min; resolution time (5 + 7.5) / 2 h = 6 h 15."""
    def at(month, day, hour, minute=0):
        return datetime(2026, month, day, hour, minute, tzinfo=BERLIN)

    add_tickets(
        db,
        dict(id="H", created_at=at(4, 30, 16), first_response_at=at(5, 4, 9, 30),
             solved_at=at(5, 4, 14), status="solved"),
        dict(id="L", created_at=at(5, 5, 11, 30), first_response_at=at(5, 5, 13, 30),
             solved_at=at(5, 6, 12, 45), status="solved"),
        dict(id="B", created_at=at(5, 5, 12, 10), first_response_at=at(5, 5, 12, 50)))
    split = settings(business_hours="mon-fri 09:00-12:00,13:00-17:00")
    period = period_from_bounds("2026-04-27", "2026-05-10", now=NOW)
    kpi = KpiEngine(db, split)
    assert kpi.run(KpiQuery(metric="frt", period=period, business_hours=True)).value == \
        pytest.approx(50 * 60)
    assert kpi.run(KpiQuery(metric="resolution_time", period=period,
                            business_hours=True)).value == pytest.approx(6.25 * HOUR)
    assert durations(db) == {"B": (0, None), "H": (1.5 * HOUR, 5 * HOUR),
                             "L": (HOUR, 7.5 * HOUR)}
