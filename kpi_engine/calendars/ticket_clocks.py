"""Each ticket's business clock readings computed here, in Python, on the calendars' clocks —
built once a process and shared by its threads (`CLOCKS_LOCK` guards their extension):

- `TicketReadings`: the readings of a ticket as an import stages it (a bisect per timestamp
  under the stored calendar of its team), the values `refresh_readings` would store;
- `now_readings`: the SQL of each ticket's reading of now (one bound value per calendar), for
  the open tickets' business ages;
- `clock_for`, `reading_now`: a calendar's clock, and its reading of an instant.

What the database holds and how it is kept (recompute, refresh) is readings.py.
"""

from __future__ import annotations

import math
import threading
from bisect import bisect_right
from collections.abc import Callable
from datetime import datetime
from functools import lru_cache

import sqlalchemy as sa

from kpi_engine.calendars.clock import BusinessClock
from kpi_engine.calendars.model import WORKSPACE, BusinessCalendar, CalendarSet

CLOCKS_LOCK = threading.Lock()  # a clock is extended under it, and read beside it


def clock_for(calendar: BusinessCalendar) -> BusinessClock:
    """The business clock of `calendar`, built once a process."""
    with CLOCKS_LOCK:
        return _clock(calendar)


@lru_cache(maxsize=32)
def _clock(calendar: BusinessCalendar) -> BusinessClock:
    return BusinessClock(calendar)


def reading_now(calendar: BusinessCalendar, now: datetime) -> int:
    """The reading of `now` on the calendar's clock."""
    with CLOCKS_LOCK:
        return _clock(calendar).reading(now)


class TicketReadings:
    """The readings of tickets as an import writes them, under the stored calendars: called
    with a ticket's team and its created, first response and solved instants (aware datetimes
    or None), it gives (created_business, first_response_business, solved_business) — the
    values `refresh_readings` would store, computed while the row is in hand. The clocks are
    shared with every other reader; one is extended (under their lock) only when an instant
    lies past what it has built."""

    def __init__(self, calendars: CalendarSet) -> None:
        self.calendars = calendars
        self.clocks = {key: clock_for(calendar) for key, calendar in calendars.by_key().items()}
        self.workspace = self.clocks[WORKSPACE]
        self.by_team: dict[str, BusinessClock] = {}  # a team's text as written → its clock

    def clock(self, team: str | None) -> BusinessClock:
        if team is None or not self.calendars.teams:
            return self.workspace
        clock = self.by_team.get(team)
        if clock is None:
            clock = self.by_team[team] = self.clocks[self.calendars.key_of(team)]
        return clock

    def __call__(self, team: str | None, created: datetime | None, first: datetime | None,
                 solved: datetime | None) -> tuple[int | None, int | None, int | None]:
        clock = self.workspace if team is None or not self.calendars.teams \
            else self.clock(team)
        return _reading(clock, created), _reading(clock, first), _reading(clock, solved)


def _reading(clock: BusinessClock, moment: datetime | None) -> int | None:
    """`clock.reading(moment)`, safe beside other threads reading the same clock."""
    if moment is None:
        return None
    second = math.floor(moment.timestamp())
    if second >= clock.built_until:
        with CLOCKS_LOCK:
            clock._build_through(second)
    index = bisect_right(clock.starts, second) - 1
    if index < 0:
        return 0
    start, end = clock.starts[index], clock.ends[index]
    return clock.before[index] + (second - start if second < end else end - start)


def now_readings(calendars: CalendarSet,
                 now: datetime) -> Callable[[sa.FromClause], sa.ColumnElement]:
    """SQL for each ticket's reading of `now` on its business clock, computed here and bound
    as parameters: one value, or with team calendars one per calendar chosen by the team."""
    values = {key: reading_now(calendar, now) for key, calendar in calendars.by_key().items()}

    def expression(t: sa.FromClause) -> sa.ColumnElement:
        default = sa.literal(values[WORKSPACE], sa.BigInteger())
        if not calendars.teams:
            return default
        team = sa.func.lower(t.c.team)
        return sa.case(*((team == key, sa.literal(values[key], sa.BigInteger()))
                         for key in calendars.teams), else_=default)

    return expression
