"""When a digest is due: its local time on the days it runs, in its own time zone.

`last_due(definition, now)` is the scheduled instant (in UTC) a run at `now` is for — the latest one
at or before `now` — so a digest that fires late (after an outage) still covers the period
of its scheduled day. `next_due` is the one after `now`. Times are wall-clock times of the
zone: 09:00 in Europe/Berlin is 08:00 UTC in winter and 07:00 UTC in summer; a time that a
daylight-saving change skips moves forward by the gap, one that it repeats is taken once.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from kpi_engine.digests.definitions import Days, DigestDefinition

_WEEKEND = (5, 6)


def runs_on(definition: DigestDefinition, day: date) -> bool:
    return definition.days is Days.DAILY or day.weekday() not in _WEEKEND


def due_on(definition: DigestDefinition, day: date) -> datetime:
    """The scheduled instant on local date `day`, in UTC (an instant in a local zone at a
    repeated wall-clock time would never compare equal to itself in another zone)."""
    naive = datetime.combine(day, definition.at)
    return naive.replace(tzinfo=definition.zone).astimezone(timezone.utc)


def last_due(definition: DigestDefinition, now: datetime) -> datetime:
    """The latest scheduled instant at or before `now`."""
    today = now.astimezone(definition.zone).date()
    for back in range(8):
        day = today - timedelta(days=back)
        if runs_on(definition, day) and due_on(definition, day) <= now:
            return due_on(definition, day)
    raise AssertionError("a digest runs at least five days a week")


def next_due(definition: DigestDefinition, now: datetime) -> datetime:
    """The first scheduled instant after `now`."""
    today = now.astimezone(definition.zone).date()
    for ahead in range(8):
        day = today + timedelta(days=ahead)
        if runs_on(definition, day) and due_on(definition, day) > now:
            return due_on(definition, day)
    raise AssertionError("a digest runs at least five days a week")


def describe_schedule(definition: DigestDefinition) -> str:
    """"weekdays at 09:00 Europe/Berlin"."""
    return f"{definition.days.words} at {definition.at:%H:%M} {definition.tz}"
