"""`kpibot calendar show|recompute|between` (interfaces.md): the business calendars (the
workspace's from KPIBOT_BUSINESS_HOURS, KPIBOT_BUSINESS_TZ and KPIBOT_HOLIDAYS, the teams' from
KPIBOT_BUSINESS_CALENDARS), whether the tickets' business clock readings are current, their
recomputation, and the business time between two instants as a calendar counts it.
"""

from __future__ import annotations

import json
from datetime import datetime

import click

from bot.cli.options import common_options
from kpi_engine.errors import UserError


@click.group("calendar")
def calendar_group() -> None:
    """Business hours: the calendars and the tickets' business clock readings."""


@calendar_group.command("show")
@click.option("--json", "as_json", is_flag=True)
@common_options
def show_command(as_json, settings):
    """The configured calendars, and whether the readings were computed with them."""
    from kpi_engine.calendars import configured_calendars
    from kpi_engine.calendars.readings import changed_calendars
    from kpi_engine.storage.database import open_database

    calendars = configured_calendars(settings)
    with open_database(settings.database_url).connect() as connection:
        stale = sorted(changed_calendars(connection, calendars))
    entries = [{"calendar": key, "hours": calendar.hours, "tz": calendar.tz,
                "holidays": calendar.holidays, "description": calendar.describe(),
                "current": key not in stale}
               for key, calendar in calendars.by_key().items()]
    if as_json:
        click.echo(json.dumps({"calendars": entries, "current": not stale,
                               "stale": stale}))
        return
    for entry in entries:
        name = "workspace" if entry["calendar"] == "*" else f"team {entry['calendar']}"
        state = "" if entry["current"] else "  (readings not computed with it yet)"
        click.echo(f"{name}: {entry['description']}{state}")
    if stale:
        click.echo("the readings are recomputed by the next business-hours question, or now "
                   "with: kpibot calendar recompute")


@calendar_group.command("recompute")
@click.option("--all", "everything", is_flag=True,
              help="Recompute every ticket, not only those whose calendar changed.")
@click.option("--json", "as_json", is_flag=True)
@common_options
def recompute_command(everything, as_json, settings):
    """Recompute the tickets' business clock readings under the configured calendars."""
    from kpi_engine.calendars import configured_calendars, recompute
    from kpi_engine.storage.database import open_database

    calendars = configured_calendars(settings)
    report = recompute(open_database(settings.database_url), calendars, force=everything)
    if as_json:
        click.echo(json.dumps(report.to_json()))
        return
    if not report.calendars:
        click.echo("the readings are current: every calendar is the one they were computed "
                   "with (--all recomputes anyway)")
        return
    names = ", ".join("workspace" if key == "*" else f"team {key}" for key in report.calendars)
    click.echo(f"recomputed {names}: {report.tickets_read:,} tickets read, "
               f"{report.tickets_changed:,} changed, in {report.seconds:.1f} s")


@calendar_group.command("between")
@click.argument("start")
@click.argument("end")
@click.option("--team", help="Count on this team's calendar (else the workspace's).")
@click.option("--json", "as_json", is_flag=True)
@common_options
def between_command(start, end, team, as_json, settings):
    """The business time from START to END (ISO 8601; without an offset, in the calendar's
    zone)."""
    from kpi_engine.calendars import BusinessClock, configured_calendars
    from kpi_engine.formatting import format_duration

    calendar = configured_calendars(settings).for_team(team)
    earlier, later = (_instant(text, calendar.zone) for text in (start, end))
    seconds = BusinessClock(calendar).between(earlier, later)
    if as_json:
        click.echo(json.dumps({"seconds": seconds, "calendar": calendar.describe(),
                               "start": earlier.isoformat(), "end": later.isoformat()}))
        return
    click.echo(f"{format_duration(seconds)} ({seconds:,} s) in business hours: "
               f"{calendar.describe()}")


def _instant(text: str, zone) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise UserError(f"{text!r} is not an ISO 8601 time", ["2026-11-02T16:00"]) from None
    return value if value.tzinfo is not None else value.replace(tzinfo=zone)
