"""The period grammar of kpi-definitions.md ("Periods"): words -> [start, end) in the workspace
zone, previous periods, explicit bounds, and the errors for periods that cannot be read or
cannot exist. Every expected instant is written out by hand.

The main clock is NOW = 2026-11-22 14:05 UTC, a Sunday. Around it: Mon 16 Nov starts this week,
Mon 9 Nov last week, Mon 2 Nov the week before; Q4 2026 started on Thu 1 Oct.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from kpi_engine.errors import PeriodError
from kpi_engine.periods import (
    CalendarUnit,
    Period,
    PeriodKind,
    default_period,
    find_period,
    parse_period,
    period_from_bounds,
    previous_period,
    week_start_day,
)

UTC = ZoneInfo("UTC")
NOW = datetime(2026, 11, 22, 14, 5, tzinfo=timezone.utc)

CAL, TO_DATE, ROLLING, RANGE = (PeriodKind.CALENDAR, PeriodKind.CALENDAR_TO_DATE,
                                PeriodKind.ROLLING, PeriodKind.RANGE)
DAY, WEEK, MONTH, QUARTER, YEAR = (CalendarUnit.DAY, CalendarUnit.WEEK, CalendarUnit.MONTH,
                                   CalendarUnit.QUARTER, CalendarUnit.YEAR)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


UP_TO_NOW = utc(2026, 11, 22, 14, 5)  # the end of every period that runs up to NOW


# words, start, end, label, kind, unit — all at NOW in UTC, weeks from Monday.
GRAMMAR = [
    # today / yesterday
    ("today", utc(2026, 11, 22), UP_TO_NOW, "today", TO_DATE, DAY),
    ("today so far", utc(2026, 11, 22), UP_TO_NOW, "today", TO_DATE, DAY),
    ("yesterday", utc(2026, 11, 21), utc(2026, 11, 22), "yesterday", CAL, DAY),
    ("the day before yesterday", utc(2026, 11, 20), utc(2026, 11, 21),
     "the day before yesterday", CAL, DAY),
    # this week / month / quarter / year, and "to date"
    ("this week", utc(2026, 11, 16), UP_TO_NOW, "this week", TO_DATE, WEEK),
    ("this month", utc(2026, 11, 1), UP_TO_NOW, "this month", TO_DATE, MONTH),
    ("this quarter", utc(2026, 10, 1), UP_TO_NOW, "this quarter", TO_DATE, QUARTER),
    ("this year", utc(2026, 1, 1), UP_TO_NOW, "this year", TO_DATE, YEAR),
    ("so far this month", utc(2026, 11, 1), UP_TO_NOW, "this month", TO_DATE, MONTH),
    ("month to date", utc(2026, 11, 1), UP_TO_NOW, "month to date", TO_DATE, MONTH),
    ("mtd", utc(2026, 11, 1), UP_TO_NOW, "month to date", TO_DATE, MONTH),
    ("wtd", utc(2026, 11, 16), UP_TO_NOW, "week to date", TO_DATE, WEEK),
    ("qtd", utc(2026, 10, 1), UP_TO_NOW, "quarter to date", TO_DATE, QUARTER),
    ("ytd", utc(2026, 1, 1), UP_TO_NOW, "year to date", TO_DATE, YEAR),
    ("year to date", utc(2026, 1, 1), UP_TO_NOW, "year to date", TO_DATE, YEAR),
    # last / previous: whole previous calendar units
    ("last week", utc(2026, 11, 9), utc(2026, 11, 16), "last week", CAL, WEEK),
    ("previous week", utc(2026, 11, 9), utc(2026, 11, 16), "last week", CAL, WEEK),
    ("last wk", utc(2026, 11, 9), utc(2026, 11, 16), "last week", CAL, WEEK),
    ("last month", utc(2026, 10, 1), utc(2026, 11, 1), "last month", CAL, MONTH),
    ("last mo", utc(2026, 10, 1), utc(2026, 11, 1), "last month", CAL, MONTH),
    ("last quarter", utc(2026, 7, 1), utc(2026, 10, 1), "last quarter", CAL, QUARTER),
    ("last year", utc(2025, 1, 1), utc(2026, 1, 1), "last year", CAL, YEAR),
    # the week before (last), N units ago
    ("the week before last", utc(2026, 11, 2), utc(2026, 11, 9), "the week before last", CAL, WEEK),
    ("the week before", utc(2026, 11, 2), utc(2026, 11, 9), "the week before last", CAL, WEEK),
    ("two weeks ago", utc(2026, 11, 2), utc(2026, 11, 9), "2 weeks ago", CAL, WEEK),
    ("2 weeks ago", utc(2026, 11, 2), utc(2026, 11, 9), "2 weeks ago", CAL, WEEK),
    ("3 days ago", utc(2026, 11, 19), utc(2026, 11, 20), "3 days ago", CAL, DAY),
    ("3 months ago", utc(2026, 8, 1), utc(2026, 9, 1), "3 months ago", CAL, MONTH),
    ("2 quarters ago", utc(2026, 4, 1), utc(2026, 7, 1), "2 quarters ago", CAL, QUARTER),
    ("a year ago", utc(2025, 1, 1), utc(2026, 1, 1), "1 year ago", CAL, YEAR),
    # rolling: [now - N, now)
    ("last 7 days", utc(2026, 11, 15, 14, 5), UP_TO_NOW, "last 7 days", ROLLING, None),
    ("last 30 days", utc(2026, 10, 23, 14, 5), UP_TO_NOW, "last 30 days", ROLLING, None),
    ("past 30d", utc(2026, 10, 23, 14, 5), UP_TO_NOW, "past 30 days", ROLLING, None),
    ("last seven days", utc(2026, 11, 15, 14, 5), UP_TO_NOW, "last 7 days", ROLLING, None),
    ("past 24 hours", utc(2026, 11, 21, 14, 5), UP_TO_NOW, "past 24 hours", ROLLING, None),
    ("last 24h", utc(2026, 11, 21, 14, 5), UP_TO_NOW, "last 24 hours", ROLLING, None),
    ("past twelve hours", utc(2026, 11, 22, 2, 5), UP_TO_NOW, "past 12 hours", ROLLING, None),
    ("past an hour", utc(2026, 11, 22, 13, 5), UP_TO_NOW, "past hour", ROLLING, None),
    ("past week", utc(2026, 11, 15, 14, 5), UP_TO_NOW, "past week", ROLLING, None),
    ("past month", utc(2026, 10, 22, 14, 5), UP_TO_NOW, "past month", ROLLING, None),
    ("last 2 weeks", utc(2026, 11, 8, 14, 5), UP_TO_NOW, "last 2 weeks", ROLLING, None),
    ("last 3 months", utc(2026, 8, 22, 14, 5), UP_TO_NOW, "last 3 months", ROLLING, None),
    ("last fortnight", utc(2026, 11, 8, 14, 5), UP_TO_NOW, "last fortnight", ROLLING, None),
    ("past fortnight", utc(2026, 11, 8, 14, 5), UP_TO_NOW, "past fortnight", ROLLING, None),
    # in October, in Q3, in 2025: the most recent one whose start is not in the future
    ("in October", utc(2026, 10, 1), utc(2026, 11, 1), "in October 2026", CAL, MONTH),
    ("in Oct", utc(2026, 10, 1), utc(2026, 11, 1), "in October 2026", CAL, MONTH),
    ("in November", utc(2026, 11, 1), utc(2026, 12, 1), "in November 2026", CAL, MONTH),
    ("in December", utc(2025, 12, 1), utc(2026, 1, 1), "in December 2025", CAL, MONTH),
    ("in October 2025", utc(2025, 10, 1), utc(2025, 11, 1), "in October 2025", CAL, MONTH),
    ("October 2025", utc(2025, 10, 1), utc(2025, 11, 1), "in October 2025", CAL, MONTH),
    ("in Q3", utc(2026, 7, 1), utc(2026, 10, 1), "in Q3 2026", CAL, QUARTER),
    ("Q3", utc(2026, 7, 1), utc(2026, 10, 1), "in Q3 2026", CAL, QUARTER),
    ("in Q4", utc(2026, 10, 1), utc(2027, 1, 1), "in Q4 2026", CAL, QUARTER),
    ("in Q3 2025", utc(2025, 7, 1), utc(2025, 10, 1), "in Q3 2025", CAL, QUARTER),
    ("in 2025", utc(2025, 1, 1), utc(2026, 1, 1), "in 2025", CAL, YEAR),
    # one day
    ("on Nov 3", utc(2026, 11, 3), utc(2026, 11, 4), "on Nov 3, 2026", CAL, DAY),
    ("Nov 3", utc(2026, 11, 3), utc(2026, 11, 4), "on Nov 3, 2026", CAL, DAY),
    ("November 3rd", utc(2026, 11, 3), utc(2026, 11, 4), "on Nov 3, 2026", CAL, DAY),
    ("3 Nov", utc(2026, 11, 3), utc(2026, 11, 4), "on Nov 3, 2026", CAL, DAY),
    ("2026-11-03", utc(2026, 11, 3), utc(2026, 11, 4), "on Nov 3, 2026", CAL, DAY),
    ("Dec 25", utc(2025, 12, 25), utc(2025, 12, 26), "on Dec 25, 2025", CAL, DAY),
    ("Feb 29", utc(2024, 2, 29), utc(2024, 3, 1), "on Feb 29, 2024", CAL, DAY),
    ("on Monday", utc(2026, 11, 16), utc(2026, 11, 17), "on Monday", CAL, DAY),
    ("on Sunday", utc(2026, 11, 22), utc(2026, 11, 23), "on Sunday", CAL, DAY),
    # since X: [X, now)
    ("since Nov 1", utc(2026, 11, 1), UP_TO_NOW, "since Nov 1, 2026", RANGE, None),
    ("since 2026-11-01", utc(2026, 11, 1), UP_TO_NOW, "since Nov 1, 2026", RANGE, None),
    ("since Monday", utc(2026, 11, 16), UP_TO_NOW, "since Monday", RANGE, None),
    ("since Dec 1", utc(2025, 12, 1), UP_TO_NOW, "since Dec 1, 2025", RANGE, None),
    # between X and Y: both days included
    ("between Oct 1 and Oct 15", utc(2026, 10, 1), utc(2026, 10, 16), "Oct 1 – Oct 15, 2026",
     RANGE, None),
    ("from Oct 1 to Oct 15", utc(2026, 10, 1), utc(2026, 10, 16), "Oct 1 – Oct 15, 2026",
     RANGE, None),
    ("Oct 1–15", utc(2026, 10, 1), utc(2026, 10, 16), "Oct 1 – Oct 15, 2026", RANGE, None),
    ("Oct 1—15", utc(2026, 10, 1), utc(2026, 10, 16), "Oct 1 – Oct 15, 2026", RANGE, None),
    ("Oct 1-15", utc(2026, 10, 1), utc(2026, 10, 16), "Oct 1 – Oct 15, 2026", RANGE, None),
    ("Oct 1 - Oct 15", utc(2026, 10, 1), utc(2026, 10, 16), "Oct 1 – Oct 15, 2026", RANGE, None),
    ("1–15 Oct", utc(2026, 10, 1), utc(2026, 10, 16), "Oct 1 – Oct 15, 2026", RANGE, None),
    ("2026-10-01 to 2026-10-15", utc(2026, 10, 1), utc(2026, 10, 16), "Oct 1 – Oct 15, 2026",
     RANGE, None),
    ("Oct 1 – Oct 15, 2025", utc(2025, 10, 1), utc(2025, 10, 16), "Oct 1 – Oct 15, 2025",
     RANGE, None),
    ("Dec 20 - Jan 5", utc(2025, 12, 20), utc(2026, 1, 6), "Dec 20, 2025 – Jan 5, 2026",
     RANGE, None),
    # tolerance: case, spaces, "the", trailing punctuation
    ("  Last   Week?! ", utc(2026, 11, 9), utc(2026, 11, 16), "last week", CAL, WEEK),
    ("The Week Before Last.", utc(2026, 11, 2), utc(2026, 11, 9), "the week before last",
     CAL, WEEK),
    ("LAST 30 DAYS", utc(2026, 10, 23, 14, 5), UP_TO_NOW, "last 30 days", ROLLING, None),
    ("in the past 24 hours", utc(2026, 11, 21, 14, 5), UP_TO_NOW, "past 24 hours", ROLLING, None),
]


@pytest.mark.parametrize(("words", "start", "end", "label", "kind", "unit"), GRAMMAR,
                         ids=[row[0].strip() for row in GRAMMAR])
def test_grammar(words, start, end, label, kind, unit):
    period = parse_period(words, now=NOW, tz="UTC")
    assert (period.start, period.end) == (start, end)
    assert period.start.utcoffset() == period.end.utcoffset() == timedelta(0)
    assert (period.label, period.kind, period.unit) == (label, kind, unit)


@pytest.mark.parametrize("words", [row[0] for row in GRAMMAR if row[0] == row[0].strip(" ?!.")])
def test_parse_equals_find_on_one_expression(words):
    assert find_period(words, now=NOW, tz="UTC") == (parse_period(words, now=NOW, tz="UTC"),
                                                     (0, len(words)))


# zone, now, words, start, end (isoformat: local wall time and UTC offset)
ZONES = [
    # Europe/Berlin: summer time ends Sun 2026-10-25 03:00 -> 02:00
    ("Europe/Berlin", datetime(2026, 10, 28, 12, 0, tzinfo=timezone.utc), "last week",
     "2026-10-19T00:00:00+02:00", "2026-10-26T00:00:00+01:00"),
    ("Europe/Berlin", datetime(2026, 10, 28, 12, 0, tzinfo=timezone.utc), "this month",
     "2026-10-01T00:00:00+02:00", "2026-10-28T13:00:00+01:00"),
    ("Europe/Berlin", datetime(2026, 10, 28, 12, 0, tzinfo=timezone.utc), "on Oct 25",
     "2026-10-25T00:00:00+02:00", "2026-10-26T00:00:00+01:00"),
    ("Europe/Berlin", datetime(2026, 10, 28, 12, 0, tzinfo=timezone.utc), "last 7 days",
     "2026-10-21T13:00:00+02:00", "2026-10-28T13:00:00+01:00"),
    ("Europe/Berlin", datetime(2026, 10, 25, 11, 0, tzinfo=timezone.utc), "past 24 hours",
     "2026-10-24T13:00:00+02:00", "2026-10-25T12:00:00+01:00"),
    ("Europe/Berlin", NOW, "in October", "2026-10-01T00:00:00+02:00", "2026-11-01T00:00:00+01:00"),
    # America/New_York: daylight time starts Sun 2026-03-08, ends Sun 2026-11-01
    ("America/New_York", datetime(2026, 3, 10, 16, 0, tzinfo=timezone.utc), "yesterday",
     "2026-03-09T00:00:00-04:00", "2026-03-10T00:00:00-04:00"),
    ("America/New_York", datetime(2026, 3, 10, 16, 0, tzinfo=timezone.utc), "on Mar 8",
     "2026-03-08T00:00:00-05:00", "2026-03-09T00:00:00-04:00"),
    ("America/New_York", datetime(2026, 3, 10, 16, 0, tzinfo=timezone.utc), "last week",
     "2026-03-02T00:00:00-05:00", "2026-03-09T00:00:00-04:00"),
    ("America/New_York", datetime(2026, 3, 10, 16, 0, tzinfo=timezone.utc), "last 7 days",
     "2026-03-03T12:00:00-05:00", "2026-03-10T12:00:00-04:00"),
    ("America/New_York", datetime(2026, 3, 8, 17, 0, tzinfo=timezone.utc), "past 24 hours",
     "2026-03-07T12:00:00-05:00", "2026-03-08T13:00:00-04:00"),
    ("America/New_York", NOW, "today", "2026-11-22T00:00:00-05:00", "2026-11-22T09:05:00-05:00"),
    ("America/New_York", NOW, "in November",
     "2026-11-01T00:00:00-04:00", "2026-12-01T00:00:00-05:00"),
    ("America/New_York", NOW, "on Nov 1", "2026-11-01T00:00:00-04:00", "2026-11-02T00:00:00-05:00"),
    ("America/New_York", NOW, "since Oct 31",
     "2026-10-31T00:00:00-04:00", "2026-11-22T09:05:00-05:00"),
    # Asia/Kolkata: +05:30, no daylight saving; at 20:00 UTC it is already Monday 01:30 there
    ("Asia/Kolkata", NOW, "today", "2026-11-22T00:00:00+05:30", "2026-11-22T19:35:00+05:30"),
    ("Asia/Kolkata", datetime(2026, 11, 22, 20, 0, tzinfo=timezone.utc), "yesterday",
     "2026-11-22T00:00:00+05:30", "2026-11-23T00:00:00+05:30"),
    ("Asia/Kolkata", datetime(2026, 11, 22, 20, 0, tzinfo=timezone.utc), "this week",
     "2026-11-23T00:00:00+05:30", "2026-11-23T01:30:00+05:30"),
    ("Asia/Kolkata", datetime(2026, 11, 22, 20, 0, tzinfo=timezone.utc), "last week",
     "2026-11-16T00:00:00+05:30", "2026-11-23T00:00:00+05:30"),
]


@pytest.mark.parametrize(("zone", "now", "words", "start", "end"), ZONES,
                         ids=[f"{row[0]}-{row[2]}-{row[1]:%m%d}" for row in ZONES])
def test_time_zones_and_daylight_saving(zone, now, words, start, end):
    period = parse_period(words, now=now, tz=zone)
    assert (period.start.isoformat(), period.end.isoformat()) == (start, end)
    assert str(period.start.tzinfo) == str(period.end.tzinfo) == zone


def test_tz_may_be_a_zoneinfo():
    period = parse_period("last week", now=NOW, tz=ZoneInfo("Europe/Berlin"))
    assert period.start.isoformat() == "2026-11-09T00:00:00+01:00"


WEEK_STARTS = [
    ("sunday", "this week", utc(2026, 11, 22), UP_TO_NOW),
    ("sunday", "last week", utc(2026, 11, 15), utc(2026, 11, 22)),
    ("sunday", "the week before last", utc(2026, 11, 8), utc(2026, 11, 15)),
    ("Sunday", "wtd", utc(2026, 11, 22), UP_TO_NOW),
    ("saturday", "this week", utc(2026, 11, 21), UP_TO_NOW),
    ("saturday", "last week", utc(2026, 11, 14), utc(2026, 11, 21)),
]


@pytest.mark.parametrize(("week_start", "words", "start", "end"), WEEK_STARTS,
                         ids=[f"{row[0]}-{row[1]}" for row in WEEK_STARTS])
def test_week_start(week_start, words, start, end):
    period = parse_period(words, now=NOW, tz="UTC", week_start=week_start)
    assert (period.start, period.end) == (start, end)


@pytest.mark.parametrize(("name", "day"), [("monday", 0), ("Sunday", 6), (" SATURDAY ", 5),
                                           ("wednesday", 2)])
def test_week_start_day(name, day):
    assert week_start_day(name) == day


@pytest.mark.parametrize("name", ["funday", "", "7"])
def test_week_start_day_rejects_unknown_names(name):
    with pytest.raises(PeriodError):
        week_start_day(name)


# words (or None for the default period), now, start, end, label of the previous period (UTC)
PREVIOUS = [
    ("last week", NOW, utc(2026, 11, 2), utc(2026, 11, 9), "the week before"),
    ("yesterday", NOW, utc(2026, 11, 20), utc(2026, 11, 21), "the day before"),
    ("on Nov 3", NOW, utc(2026, 11, 2), utc(2026, 11, 3), "the day before"),
    ("in October", NOW, utc(2026, 9, 1), utc(2026, 10, 1), "the month before"),
    ("in Q3", NOW, utc(2026, 4, 1), utc(2026, 7, 1), "the quarter before"),
    ("in 2025", NOW, utc(2024, 1, 1), utc(2025, 1, 1), "the year before"),
    ("month to date", NOW, utc(2026, 10, 1), utc(2026, 10, 22, 14, 5), "previous month to date"),
    ("this week", NOW, utc(2026, 11, 9), utc(2026, 11, 15, 14, 5), "previous week to date"),
    ("this quarter", NOW, utc(2026, 7, 1), utc(2026, 8, 22, 14, 5), "previous quarter to date"),
    ("ytd", NOW, utc(2025, 1, 1), utc(2025, 11, 22, 14, 5), "previous year to date"),
    ("today", NOW, utc(2026, 11, 21), utc(2026, 11, 21, 14, 5), "yesterday to the same time"),
    # Mar 31: February has no 31st, so the previous month to date is all of February
    ("mtd", datetime(2026, 3, 31, 10, 0, tzinfo=timezone.utc), utc(2026, 2, 1), utc(2026, 3, 1),
     "previous month to date"),
    # May 31: Feb 31 does not exist either; the previous quarter runs to the end of February
    ("qtd", datetime(2026, 5, 31, 10, 0, tzinfo=timezone.utc), utc(2026, 1, 1), utc(2026, 3, 1),
     "previous quarter to date"),
    ("last 30 days", NOW, utc(2026, 9, 23, 14, 5), utc(2026, 10, 23, 14, 5), "previous 30 days"),
    ("past 24 hours", NOW, utc(2026, 11, 20, 14, 5), utc(2026, 11, 21, 14, 5), "previous 24 hours"),
    ("past week", NOW, utc(2026, 11, 8, 14, 5), utc(2026, 11, 15, 14, 5), "previous 7 days"),
    ("past month", NOW, utc(2026, 9, 22, 14, 5), utc(2026, 10, 22, 14, 5), "previous month"),
    (None, NOW, utc(2026, 11, 8, 14, 5), utc(2026, 11, 15, 14, 5), "previous 7 days"),
    ("between Oct 1 and Oct 15", NOW, utc(2026, 9, 16), utc(2026, 10, 1), "the 15 days before"),
    ("since Nov 1", NOW, utc(2026, 10, 10, 9, 55), utc(2026, 11, 1),
     "the 21 days 14 hours 5 minutes before"),
]


@pytest.mark.parametrize(("words", "now", "start", "end", "label"), PREVIOUS,
                         ids=[f"{row[0] or 'default'}-{row[1]:%m%d}" for row in PREVIOUS])
def test_previous_period(words, now, start, end, label):
    period = (default_period(now=now, tz="UTC") if words is None
              else parse_period(words, now=now, tz="UTC"))
    previous = previous_period(period, now=now, tz="UTC")
    assert (previous.start, previous.end, previous.label) == (start, end, label)
    assert previous.kind is period.kind and previous.unit is period.unit


def test_previous_period_of_explicit_hours():
    period = period_from_bounds("2026-10-01T09:00", "2026-10-01T17:00", now=NOW, tz="UTC")
    previous = previous_period(period, now=NOW, tz="UTC")
    assert (previous.start, previous.end) == (utc(2026, 10, 1, 1), utc(2026, 10, 1, 9))
    assert previous.label == "the 8 hours before"


PREVIOUS_IN_ZONES = [
    # rolling days stay wall clock: 13:00 to 13:00 on both sides of the change
    ("Europe/Berlin", datetime(2026, 10, 28, 12, 0, tzinfo=timezone.utc), "last 7 days",
     "2026-10-14T13:00:00+02:00", "2026-10-21T13:00:00+02:00"),
    ("Europe/Berlin", datetime(2026, 11, 4, 12, 0, tzinfo=timezone.utc), "last week",
     "2026-10-19T00:00:00+02:00", "2026-10-26T00:00:00+01:00"),
    ("America/New_York", datetime(2026, 3, 20, 16, 0, tzinfo=timezone.utc),
     "between Mar 1 and Mar 14", "2026-02-15T00:00:00-05:00", "2026-03-01T00:00:00-05:00"),
    ("America/New_York", datetime(2026, 3, 10, 16, 0, tzinfo=timezone.utc), "this week",
     "2026-03-02T00:00:00-05:00", "2026-03-03T12:00:00-05:00"),
]


@pytest.mark.parametrize(("zone", "now", "words", "start", "end"), PREVIOUS_IN_ZONES,
                         ids=[f"{row[0]}-{row[2]}" for row in PREVIOUS_IN_ZONES])
def test_previous_period_in_zones(zone, now, words, start, end):
    previous = previous_period(parse_period(words, now=now, tz=zone), now=now, tz=zone)
    assert (previous.start.isoformat(), previous.end.isoformat()) == (start, end)


def test_default_period_is_the_last_7_days():
    period = default_period(now=NOW, tz="UTC")
    assert period == Period(start=utc(2026, 11, 15, 14, 5), end=UP_TO_NOW,
                            label="last 7 days", kind=ROLLING)


# start, end, tz, start iso, end iso, label
BOUNDS = [
    ("2026-10-01", "2026-10-16", "UTC", "2026-10-01T00:00:00+00:00", "2026-10-16T00:00:00+00:00",
     "2026-10-01 – 2026-10-15"),
    (date(2026, 10, 1), date(2026, 10, 16), "UTC", "2026-10-01T00:00:00+00:00",
     "2026-10-16T00:00:00+00:00", "2026-10-01 – 2026-10-15"),
    ("2026-10-25", "2026-10-26", "Europe/Berlin", "2026-10-25T00:00:00+02:00",
     "2026-10-26T00:00:00+01:00", "2026-10-25 – 2026-10-25"),
    ("2026-10-01T09:00", "2026-10-01T17:00:00+00:00", "Europe/Berlin",
     "2026-10-01T09:00:00+02:00", "2026-10-01T19:00:00+02:00",
     "2026-10-01 09:00 – 2026-10-01 19:00"),
]


@pytest.mark.parametrize(("start", "end", "zone", "start_iso", "end_iso", "label"), BOUNDS,
                         ids=["dates", "date-objects", "berlin-25h-day", "naive-and-aware"])
def test_period_from_bounds(start, end, zone, start_iso, end_iso, label):
    period = period_from_bounds(start, end, now=NOW, tz=zone)
    assert (period.start.isoformat(), period.end.isoformat()) == (start_iso, end_iso)
    assert (period.label, period.kind) == (label, RANGE)


@pytest.mark.parametrize(("start", "end"), [
    ("2026-10-16", "2026-10-01"),
    ("2026-10-01", "2026-10-01"),
    ("2026-02-30", "2026-03-02"),
    ("soon", "2026-10-01"),
    ("2027-01-01", "2027-02-01"),
    # a naive bound is local: 01:30 EDT is after 03:00 UTC (23:00 EDT the day before)
    (datetime(2026, 11, 1, 1, 30), datetime(2026, 11, 1, 3, 0, tzinfo=timezone.utc)),
], ids=["end-before-start", "empty", "feb-30", "not-iso", "in-the-future", "aware-before-naive"])
def test_period_from_bounds_rejects(start, end):
    with pytest.raises(PeriodError):
        period_from_bounds(start, end, now=NOW, tz="America/New_York")


def test_period_from_bounds_rejects_a_date_a_datetime_cannot_hold():
    # midnight of 0001-01-01 in Kolkata is before the first instant a datetime holds in UTC
    with pytest.raises(PeriodError):
        period_from_bounds("0001-01-01", "2026-10-01", now=NOW, tz="Asia/Kolkata")


# question, span, label
QUESTIONS = [
    ("what was FCR last week for tier 1", (13, 22), "last week"),
    ("csat in the last 30 days by agent?", (5, 24), "last 30 days"),
    ("how many tickets since Monday", (17, 29), "since Monday"),
    ("frt between Oct 1 and Oct 15 for tier 2", (4, 28), "Oct 1 – Oct 15, 2026"),
    ("volume Oct 1-15 please", (7, 15), "Oct 1 – Oct 15, 2026"),
    ("aht this month vs last month", (4, 14), "this month"),
    ("tickets in q3 for billing", (8, 13), "in Q3 2026"),
    ("backlog today?", (8, 13), "today"),
    ("escalation rate the week before last, tier 2", (16, 36), "the week before last"),
    ("resolved tickets on 2026-11-03 by team", (17, 30), "on Nov 3, 2026"),
]


@pytest.mark.parametrize(("question", "span", "label"), QUESTIONS, ids=[q[0] for q in QUESTIONS])
def test_find_period_in_a_question(question, span, label):
    period, found = find_period(question, now=NOW, tz="UTC")
    assert (found, period.label) == (span, label)


@pytest.mark.parametrize("question", ["how many tickets did tier 2 solve?",
                                      "top 10 agents by csat", "escalations for team billing",
                                      "agent Jan's backlog", "next steps w/ tier 1", ""])
def test_find_period_none(question):
    assert find_period(question, now=NOW, tz="UTC") is None


def test_find_period_raises_for_an_impossible_period():
    with pytest.raises(PeriodError, match="future"):
        find_period("what will fcr be next week", now=NOW, tz="UTC")


# words, a piece of the message
BAD = [
    ("between Oct 15 and Oct 1", "before the start"),
    ("Feb 30", "Feb 30"),
    ("2026-13-01", "2026-13-01"),
    ("next week", "future"),
    ("next month", "future"),
    ("tomorrow", "future"),
    ("in the next 7 days", "future"),
    ("the next few weeks", "future"),
    ("in 2031", "2031 is in the future"),
    ("in December 2026", "future"),
    ("Q1 2027", "future"),
    ("since Dec 1 2026", "future"),
    ("last 0 days", "empty"),
    ("5000 years ago", "too far back"),
    ("last 100000000 days", "too far back"),
    ("between Oct 1", "end"),
    ("", "no period"),
    ("   ", "no period"),
    ("blah", "blah"),
    ("last week blah", "last week blah"),
]


@pytest.mark.parametrize(("words", "message"), BAD, ids=[row[0] or "empty" for row in BAD])
def test_bad_input_raises_period_error(words, message):
    with pytest.raises(PeriodError) as raised:
        parse_period(words, now=NOW, tz="UTC")
    assert message in raised.value.message
    assert raised.value.suggestions


def test_unreadable_words_suggest_example_periods():
    with pytest.raises(PeriodError) as raised:
        parse_period("blah", now=NOW, tz="UTC")
    assert "last week" in raised.value.suggestions
    assert all(parse_period(example, now=NOW, tz="UTC") for example in raised.value.suggestions)


def test_unknown_time_zone():
    with pytest.raises(PeriodError):
        parse_period("last week", now=NOW, tz="Mars/Olympus")


DESCRIPTIONS = [
    ("last week", "last week (Mon 9 Nov – Sun 15 Nov 2026)"),
    ("today", "today (Sun 22 Nov 2026, 00:00 – 14:05)"),
    ("yesterday", "yesterday (Sat 21 Nov 2026)"),
    ("past 24 hours", "past 24 hours (Sat 21 Nov 14:05 – Sun 22 Nov 2026 14:05)"),
    ("in December", "in December 2025 (Mon 1 Dec – Wed 31 Dec 2025)"),
    ("Dec 20 - Jan 5", "Dec 20, 2025 – Jan 5, 2026 (Sat 20 Dec 2025 – Mon 5 Jan 2026)"),
]


@pytest.mark.parametrize(("words", "text"), DESCRIPTIONS, ids=[row[0] for row in DESCRIPTIONS])
def test_describe(words, text):
    assert parse_period(words, now=NOW, tz="UTC").describe() == text


def test_to_json_has_offsets_and_whole_seconds():
    now = NOW.replace(microsecond=123456)
    assert parse_period("last week", now=now, tz="Europe/Berlin").to_json() == {
        "start": "2026-11-09T00:00:00+01:00", "end": "2026-11-16T00:00:00+01:00",
        "label": "last week"}
    assert parse_period("today", now=now, tz="UTC").to_json() == {
        "start": "2026-11-22T00:00:00+00:00", "end": "2026-11-22T14:05:00+00:00",
        "label": "today"}
