"""When a digest is due: its local time on the days it runs, in its own time zone.

`last_due(definition, now)` is the scheduled instant (in UTC) a run at `now` is for — the latest one
at or before `now` — so a digest that fires late (after an outage) still covers the period
of its scheduled day. `next_due` is the one after `now`. Times are wall-clock times of the
zone: 09:00 in Europe/Berlin is 08:00 UTC in winter and 07:00 UTC in summer; a time that a
daylight-saving change skips moves forward by the gap, one that it repeats is taken once.

The days are the definition's `Days`: every day, weekdays, named days of the week, or one day
of each month — "the 31st" runs on the last day of a shorter month (`schedule_note` says so
in the digest). `describe_schedule` says it all in words: "Mondays and Thursdays at 09:00
Europe/Berlin", "the 1st of each month at 09:00 Europe/Berlin".
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from kpi_engine.digests.definitions import DigestDefinition, ordinal

# The longest gap between two runs: a monthly digest on the 31st runs again within 31 days.
_SEARCH_DAYS = 63


def runs_on(definition: DigestDefinition, day: date) -> bool:
    return definition.days.runs_on(day)


def due_on(definition: DigestDefinition, day: date) -> datetime:
    """The scheduled instant on local date `day`, in UTC (an instant in a local zone at a
    repeated wall-clock time would never compare equal to itself in another zone)."""
    naive = datetime.combine(day, definition.at)
    return naive.replace(tzinfo=definition.zone).astimezone(timezone.utc)


def last_due(definition: DigestDefinition, now: datetime) -> datetime:
    """The latest scheduled instant at or before `now`."""
    today = now.astimezone(definition.zone).date()
    for back in range(_SEARCH_DAYS):
        day = today - timedelta(days=back)
        if runs_on(definition, day) and due_on(definition, day) <= now:
            return due_on(definition, day)
    raise AssertionError("a digest runs at least once a month")


def next_due(definition: DigestDefinition, now: datetime) -> datetime:
    """The first scheduled instant after `now`."""
    today = now.astimezone(definition.zone).date()
    for ahead in range(_SEARCH_DAYS):
        day = today + timedelta(days=ahead)
        if runs_on(definition, day) and due_on(definition, day) > now:
            return due_on(definition, day)
    raise AssertionError("a digest runs at least once a month")


def schedule_note(definition: DigestDefinition, due: datetime) -> str | None:
    """What a digest posted on another day than its own says: "Runs on the 31st: posted on
    Sat 28 Feb 2026, the last day of February." None on its own day."""
    wanted = definition.days.month_day
    local = due.astimezone(definition.zone).date()
    if wanted is None or local.day == wanted:
        return None
    return (f"Runs on the {ordinal(wanted)}: posted on {local:%a %d %b %Y}, the last day of "
            f"{local:%B}.")


def describe_schedule(definition: DigestDefinition) -> str:
    """"weekdays at 09:00 Europe/Berlin", "Mondays and Thursdays at 09:00 Europe/Berlin", "the
    1st of each month at 09:00 Europe/Berlin"."""
    return f"{definition.days.words} at {definition.at:%H:%M} {definition.tz}"
