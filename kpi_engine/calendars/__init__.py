"""calendars/: business hours — the calendars and the business clock readings of the tickets.

- model.py: `BusinessCalendar` (working intervals per weekday, split shifts allowed, in a zone,
  minus the holidays of `holidays` library regions and listed dates), its parsing with one
  clear sentence for anything invalid, its canonical text and its words for answers;
  `CalendarSet`, the workspace's calendar and the teams' own.
- config.py: the configured calendars — `KPIBOT_BUSINESS_HOURS`, `KPIBOT_BUSINESS_TZ`,
  `KPIBOT_HOLIDAYS` and the teams' file `KPIBOT_BUSINESS_CALENDARS` (YAML or TOML).
- clock.py: `BusinessClock`, the business seconds from a fixed epoch up to any instant (a
  *reading*), from a sorted array of the working intervals in UTC with cumulative totals: one
  bisect per reading; daylight-saving changes, nights, weekends and holidays included.
- readings.py: the readings stored on each ticket (`created_business`,
  `first_response_business`, `solved_business`) and the calendars they were computed with
  (`business_calendars`): recomputing them when a calendar changes, refreshing those of the
  tickets an import or a support conversation writes.
- ticket_clocks.py: the readings computed in Python on the calendars' clocks, shared by the
  process: a ticket's as an import stages it (`TicketReadings`), and the reading of now as SQL.

A time in business hours is then a difference of two readings — first response minus creation
for FRT, solve minus creation for resolution time — computed in the database like any other
measure (the metrics' `BusinessHours`). Depends on storage (the tables), sql's dialects (the
bulk load, durations) and the layers below; the engine and the importers use it.
"""

from kpi_engine.calendars.clock import BusinessClock
from kpi_engine.calendars.config import configured_calendars
from kpi_engine.calendars.model import BusinessCalendar, CalendarError, CalendarSet
from kpi_engine.calendars.readings import (
    RecomputeReport,
    ensure_current,
    recompute,
    refresh_readings,
    refresh_ticket,
    stored_calendars,
)
from kpi_engine.calendars.ticket_clocks import now_readings

__all__ = [
    "BusinessCalendar", "BusinessClock", "CalendarError", "CalendarSet", "RecomputeReport",
    "configured_calendars", "ensure_current", "now_readings", "recompute", "refresh_readings",
    "refresh_ticket", "stored_calendars",
]
