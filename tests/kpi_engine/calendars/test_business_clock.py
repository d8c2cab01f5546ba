"""The business clock, worked out by hand: the business time between two instants over a night,
a weekend, a public holiday, the Sundays of a daylight-saving change (and spans across them),
a ticket opened and answered outside hours, split shifts, a team's calendar beside the
workspace's — each a difference of two readings, one bisect each."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from kpi_engine.calendars import BusinessCalendar, BusinessClock, CalendarSet
from kpi_engine.calendars.clock import EPOCH

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
HOUR = 3600


def berlin(*parts) -> datetime:
    return datetime(*parts, tzinfo=BERLIN)


def clock(hours="mon-fri 09:00-17:00", tz="Europe/Berlin", holidays="") -> BusinessClock:
    return BusinessClock(BusinessCalendar.parse(hours, tz, holidays))


def hours_between(the_clock: BusinessClock, earlier: datetime, later: datetime) -> float:
    return the_clock.between(earlier, later) / HOUR


def test_a_night_counts_nothing():
    # Mon 2 Nov 2026 16:00 → Tue 3 Nov 10:00: 16–17 and 09–10
    assert hours_between(clock(), berlin(2026, 11, 2, 16), berlin(2026, 11, 3, 10)) == 2


def test_a_weekend_counts_nothing():
    # Fri 6 Nov 16:00 → Mon 9 Nov 10:00: Fri 16–17, Mon 09–10
    assert hours_between(clock(), berlin(2026, 11, 6, 16), berlin(2026, 11, 9, 10)) == 2
    # a whole week: five days of eight hours
    assert hours_between(clock(), berlin(2026, 11, 2), berlin(2026, 11, 9)) == 40


def test_a_public_holiday_counts_nothing():
    # Reformation Day, Fri 31 Oct 2025, is a holiday in Brandenburg (DE-BB), not in Berlin
    # (DE-BE had it in 2017 only): Thu 30 Oct 16:00 → Mon 3 Nov 10:00
    start, end = berlin(2025, 10, 30, 16), berlin(2025, 11, 3, 10)
    assert hours_between(clock(holidays="DE-BB"), start, end) == 2  # Thu 16–17, Mon 09–10
    assert hours_between(clock(holidays="DE-BE"), start, end) == 10  # Fri 31 Oct worked
    # in 2017 Berlin kept it (the 500th anniversary): Tue 31 Oct 2017
    assert hours_between(clock(holidays="DE-BE"), berlin(2017, 10, 31), berlin(2017, 11, 1)) == 0
    assert hours_between(clock(), berlin(2017, 10, 31), berlin(2017, 11, 1)) == 8


def test_a_listed_date_counts_nothing():
    # Thu 24 Dec 2026 listed; Fri 25 Dec is Christmas in DE-BE; Mon 28 Dec worked
    start, end = berlin(2026, 12, 23, 16), berlin(2026, 12, 28, 10)
    assert hours_between(clock(holidays="DE-BE,2026-12-24"), start, end) == 2
    assert hours_between(clock(holidays="DE-BE"), start, end) == 10


def test_opened_and_answered_outside_hours_is_zero():
    weekday_evening = (berlin(2026, 11, 2, 18), berlin(2026, 11, 2, 23, 30))
    saturday = (berlin(2026, 11, 7, 9), berlin(2026, 11, 7, 16))
    night_to_morning = (berlin(2026, 11, 2, 20), berlin(2026, 11, 3, 8, 59))
    for start, end in (weekday_evening, saturday, night_to_morning):
        assert clock().between(start, end) == 0


def test_split_shifts_leave_the_lunch_break_out():
    split = clock("mon-fri 09:00-12:00,13:00-17:00; sat 10:00-14:00")
    # Mon 11:00 → 14:00: 11–12 and 13–14
    assert hours_between(split, berlin(2026, 11, 2, 11), berlin(2026, 11, 2, 14)) == 2
    # asked and answered within the break: nothing
    assert split.between(berlin(2026, 11, 2, 12, 5), berlin(2026, 11, 2, 12, 55)) == 0
    # Fri 16:00 → Mon 10:00: Fri 16–17, Sat 10–14, Mon 09–10
    assert hours_between(split, berlin(2026, 11, 6, 16), berlin(2026, 11, 9, 10)) == 6


def test_the_sundays_of_a_daylight_saving_change():
    always = clock("24/7")
    # 29 Mar 2026: the clocks go forward at 02:00 — a day of 23 hours
    assert hours_between(always, berlin(2026, 3, 29), berlin(2026, 3, 30)) == 23
    # 25 Oct 2026: they go back at 03:00 — a day of 25 hours
    assert hours_between(always, berlin(2026, 10, 25), berlin(2026, 10, 26)) == 25
    # Sunday hours across the change: 01:00 CET to 05:00 CEST is three hours
    assert hours_between(clock("sun 01:00-05:00"), berlin(2026, 3, 29),
                         berlin(2026, 3, 30)) == 3
    # 01:00 CEST to 04:00 CET is four (02:00–03:00 happens twice)
    assert hours_between(clock("sun 01:00-04:00"), berlin(2026, 10, 25),
                         berlin(2026, 10, 26)) == 4
    # a start in the hour that does not exist (02:30) is when the clocks jump (03:00 CEST)
    assert hours_between(clock("sun 02:30-05:00"), berlin(2026, 3, 29),
                         berlin(2026, 3, 30)) == 2


def test_a_span_across_the_change():
    always = clock("24/7")
    # Sat 28 Mar 12:00 CET → Mon 30 Mar 12:00 CEST: 48 wall hours, 47 real ones
    assert hours_between(always, berlin(2026, 3, 28, 12), berlin(2026, 3, 30, 12)) == 47
    evenings = clock("daily 18:00-24:00")
    # Sat 24 Oct 20:00 CEST → Mon 26 Oct 19:00 CET: Sat 4 h, Sun 6 h, Mon 1 h
    assert hours_between(evenings, berlin(2026, 10, 24, 20), berlin(2026, 10, 26, 19)) == 11
    # business hours in New York across its own change (Sun 1 Nov 2026), seen from UTC
    new_york = clock("mon-fri 09:00-17:00", tz="America/New_York")
    friday_4pm = datetime(2026, 10, 30, 20, tzinfo=timezone.utc)  # 16:00 EDT
    monday_10am = datetime(2026, 11, 2, 15, tzinfo=timezone.utc)  # 10:00 EST
    assert hours_between(new_york, friday_4pm, monday_10am) == 2


def test_a_night_shift_is_two_intervals_joined_at_midnight():
    nights = clock("mon-fri 22:00-24:00; tue-sat 00:00-06:00")
    # Mon 23:00 → Tue 05:00: one shift, six hours
    assert hours_between(nights, berlin(2026, 11, 2, 23), berlin(2026, 11, 3, 5)) == 6
    assert len(nights.starts) == len(nights.ends)
    assert all(start < end for start, end in zip(nights.starts, nights.ends))
    assert all(end < start for end, start in zip(nights.ends, nights.starts[1:]))


def test_a_team_calendar_beside_the_workspace_calendar():
    workspace = BusinessCalendar.parse("mon-fri 09:00-17:00", "Europe/Berlin", "DE-BE")
    billing = BusinessCalendar.parse("mon-fri 09:00-17:00", "America/New_York", "US")
    calendars = CalendarSet(workspace=workspace, teams={"billing": billing})
    # Thu 26 Nov 2026 14:00 UTC → Fri 27 Nov 14:00 UTC
    start = datetime(2026, 11, 26, 14, tzinfo=timezone.utc)
    end = start + timedelta(days=1)
    # Berlin (15:00 → 15:00): Thu 15–17, Fri 09–15 = 8 h
    assert BusinessClock(calendars.for_team(None)).between(start, end) == 8 * HOUR
    # New York (09:00 → 09:00): Thanksgiving Thursday is a holiday, Fri 09:00 is the start
    assert BusinessClock(calendars.for_team("Billing")).between(start, end) == 0
    assert calendars.key_of("Billing") == "billing" and calendars.key_of("sales") == "*"


def test_readings_count_from_the_epoch_and_the_past_is_zero():
    the_clock = clock()
    assert EPOCH.isoformat() == "2000-01-01"
    assert the_clock.reading(berlin(1999, 12, 31, 12)) == 0
    assert the_clock.reading(berlin(2000, 1, 3, 10)) == HOUR  # Mon 3 Jan 2000, one hour in
    # readings of several instants at once, None kept
    moments = [berlin(2026, 11, 2, 10).timestamp(), None, berlin(2026, 11, 2, 12).timestamp()]
    first, missing, second = the_clock.readings(moments)
    assert missing is None and second - first == 2 * HOUR
    assert the_clock.between(berlin(2026, 11, 2, 12), berlin(2026, 11, 2, 10)) == -2 * HOUR


@pytest.mark.parametrize("year", [2000, 2026, 2041])
def test_a_year_of_weekdays_is_weekdays_times_eight_hours(year):
    the_clock = clock()
    start, end = berlin(year, 1, 1), berlin(year + 1, 1, 1)
    weekdays = sum(1 for day in range((end.date() - start.date()).days)
                   if (start.date() + timedelta(days=day)).weekday() < 5)
    assert the_clock.between(start, end) == weekdays * 8 * HOUR
