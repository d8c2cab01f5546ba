"""When digests are due: wall-clock times of their zone, worked out by hand in UTC, across
weekends and both daylight-saving changes of 2026 (Europe: 29 March and 25 October; United
States: 8 March and 1 November)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from kpi_engine.digests.definitions import Days, DigestDefinition
from kpi_engine.digests.schedules import describe_schedule, due_on, last_due, next_due, runs_on


def utc(*fields: int) -> datetime:
    return datetime(*fields, tzinfo=timezone.utc)


def schedule(at: time, tz: str, days: Days) -> DigestDefinition:
    return DigestDefinition.from_dict({"name": "Pulse", "channel": "C0123ABC",
                                       "at": at.strftime("%H:%M"), "tz": tz,
                                       "days": days.value, "kpis": ["fcr"]})


BERLIN = schedule(time(9, 0), "Europe/Berlin", Days.DAILY)
NEW_YORK = schedule(time(7, 30), "America/New_York", Days.WEEKDAYS)
BERLIN_0230 = schedule(time(2, 30), "Europe/Berlin", Days.DAILY)


@pytest.mark.parametrize(("now", "last", "following"), [
    # winter, CET = UTC+1: 09:00 is 08:00 UTC (Thursday 15 January 2026)
    (utc(2026, 1, 15, 7, 59), utc(2026, 1, 14, 8, 0), utc(2026, 1, 15, 8, 0)),
    (utc(2026, 1, 15, 8, 1), utc(2026, 1, 15, 8, 0), utc(2026, 1, 16, 8, 0)),
    # 00:30 local on the 15th is still the 14th in UTC: the local date counts
    (utc(2026, 1, 14, 23, 30), utc(2026, 1, 14, 8, 0), utc(2026, 1, 15, 8, 0)),
    # summer, CEST = UTC+2: 09:00 is 07:00 UTC (Wednesday 15 July 2026)
    (utc(2026, 7, 15, 6, 59), utc(2026, 7, 14, 7, 0), utc(2026, 7, 15, 7, 0)),
    (utc(2026, 7, 15, 7, 1), utc(2026, 7, 15, 7, 0), utc(2026, 7, 16, 7, 0)),
    # spring forward on Sunday 29 March: Saturday at 08:00 UTC, Sunday at 07:00 UTC
    (utc(2026, 3, 28, 12, 0), utc(2026, 3, 28, 8, 0), utc(2026, 3, 29, 7, 0)),
    (utc(2026, 3, 29, 6, 59), utc(2026, 3, 28, 8, 0), utc(2026, 3, 29, 7, 0)),
    (utc(2026, 3, 29, 7, 30), utc(2026, 3, 29, 7, 0), utc(2026, 3, 30, 7, 0)),
    # fall back on Sunday 25 October: Saturday at 07:00 UTC, Sunday at 08:00 UTC
    (utc(2026, 10, 24, 12, 0), utc(2026, 10, 24, 7, 0), utc(2026, 10, 25, 8, 0)),
    (utc(2026, 10, 25, 7, 30), utc(2026, 10, 24, 7, 0), utc(2026, 10, 25, 8, 0)),
    (utc(2026, 10, 25, 8, 30), utc(2026, 10, 25, 8, 0), utc(2026, 10, 26, 8, 0)),
])
def test_berlin_daily_at_nine(now, last, following):
    assert last_due(BERLIN, now) == last
    assert next_due(BERLIN, now) == following


@pytest.mark.parametrize(("now", "last", "following"), [
    # winter, EST = UTC-5: 07:30 is 12:30 UTC. Monday 12 January before 07:30 local
    (utc(2026, 1, 12, 12, 0), utc(2026, 1, 9, 12, 30), utc(2026, 1, 12, 12, 30)),
    (utc(2026, 1, 12, 12, 30), utc(2026, 1, 12, 12, 30), utc(2026, 1, 13, 12, 30)),
    # 22:00 on Monday in New York is already Tuesday in UTC
    (utc(2026, 1, 13, 3, 0), utc(2026, 1, 12, 12, 30), utc(2026, 1, 13, 12, 30)),
    # Friday after the run, Saturday and Sunday: last is Friday's, next is Monday's
    (utc(2026, 1, 9, 13, 0), utc(2026, 1, 9, 12, 30), utc(2026, 1, 12, 12, 30)),
    (utc(2026, 1, 10, 15, 0), utc(2026, 1, 9, 12, 30), utc(2026, 1, 12, 12, 30)),
    (utc(2026, 1, 11, 23, 0), utc(2026, 1, 9, 12, 30), utc(2026, 1, 12, 12, 30)),
    # clocks go forward on Sunday 8 March: Friday 6th in EST, Monday 9th in EDT (UTC-4)
    (utc(2026, 3, 7, 12, 0), utc(2026, 3, 6, 12, 30), utc(2026, 3, 9, 11, 30)),
    (utc(2026, 3, 9, 11, 29), utc(2026, 3, 6, 12, 30), utc(2026, 3, 9, 11, 30)),
    (utc(2026, 3, 9, 11, 31), utc(2026, 3, 9, 11, 30), utc(2026, 3, 10, 11, 30)),
    # clocks go back on Sunday 1 November: Friday 30 October in EDT, Monday 2nd in EST
    (utc(2026, 10, 31, 12, 0), utc(2026, 10, 30, 11, 30), utc(2026, 11, 2, 12, 30)),
    (utc(2026, 11, 2, 12, 0), utc(2026, 10, 30, 11, 30), utc(2026, 11, 2, 12, 30)),
])
def test_new_york_weekdays_at_half_past_seven(now, last, following):
    assert last_due(NEW_YORK, now) == last
    assert next_due(NEW_YORK, now) == following


def test_instants_are_utc_and_the_digests_local_time_in_its_zone():
    summer = next_due(BERLIN, utc(2026, 7, 15, 0, 0))
    winter = next_due(BERLIN, utc(2026, 1, 15, 0, 0))
    assert summer.utcoffset() == winter.utcoffset() == timedelta(0)
    summer, winter = (instant.astimezone(ZoneInfo("Europe/Berlin")) for instant in (summer, winter))
    assert (summer.hour, summer.minute, summer.utcoffset()) == (9, 0, timedelta(hours=2))
    assert (winter.hour, winter.minute, winter.utcoffset()) == (9, 0, timedelta(hours=1))


def test_now_may_be_given_in_any_zone():
    tokyo = datetime(2026, 1, 15, 17, 30, tzinfo=ZoneInfo("Asia/Tokyo"))  # 08:30 UTC
    assert last_due(BERLIN, tokyo) == utc(2026, 1, 15, 8, 0)
    assert next_due(BERLIN, tokyo) == utc(2026, 1, 16, 8, 0)


@pytest.mark.parametrize(("definition", "instant"), [
    (BERLIN, utc(2026, 3, 29, 7, 0)),
    (BERLIN, utc(2026, 10, 25, 8, 0)),
    (NEW_YORK, utc(2026, 3, 9, 11, 30)),
    (NEW_YORK, utc(2026, 11, 2, 12, 30)),
])
def test_at_the_due_instant_last_is_now_and_next_is_strictly_after(definition, instant):
    assert last_due(definition, instant) == instant
    assert next_due(definition, instant) > instant
    assert last_due(definition, instant - timedelta(microseconds=1)) < instant
    assert next_due(definition, instant - timedelta(microseconds=1)) == instant


def test_last_at_or_before_now_and_next_strictly_after_all_year():
    # every 22 hours through 2026 (so every hour of the day comes up), both DST changes
    for step in range(400):
        now = utc(2026, 1, 1, 0, 15) + timedelta(hours=22 * step)
        for definition in (BERLIN, NEW_YORK, BERLIN_0230):
            last, following = last_due(definition, now), next_due(definition, now)
            assert last <= now < following
            assert timedelta(hours=22) < following - last <= timedelta(days=4, hours=1)


def test_a_time_skipped_by_spring_forward_moves_forward_by_the_gap():
    # 02:30 does not exist in Berlin on 29 March 2026 (02:00 CET becomes 03:00 CEST):
    # it is 03:30 CEST = 01:30 UTC, the instant 02:30 CET would have been.
    assert due_on(BERLIN_0230, date(2026, 3, 29)) == utc(2026, 3, 29, 1, 30)
    moved = due_on(BERLIN_0230, date(2026, 3, 29)).astimezone(ZoneInfo("Europe/Berlin"))
    assert (moved.hour, moved.minute, moved.utcoffset()) == (3, 30, timedelta(hours=2))
    assert due_on(BERLIN_0230, date(2026, 3, 28)) == utc(2026, 3, 28, 1, 30)  # CET
    assert due_on(BERLIN_0230, date(2026, 3, 30)) == utc(2026, 3, 30, 0, 30)  # CEST
    assert next_due(BERLIN_0230, utc(2026, 3, 28, 12, 0)) == utc(2026, 3, 29, 1, 30)
    assert last_due(BERLIN_0230, utc(2026, 3, 29, 1, 29)) == utc(2026, 3, 28, 1, 30)


def in_utc(instant: datetime) -> datetime:
    return instant.astimezone(timezone.utc)


def test_a_time_repeated_by_fall_back_is_taken_once():
    # 02:30 happens twice in Berlin on 25 October 2026: at 00:30 UTC (CEST), then 01:30 UTC
    # (CET). The digest runs at the first and not again that day. (Compared in UTC: see the
    # next test for why.)
    assert in_utc(due_on(BERLIN_0230, date(2026, 10, 25))) == utc(2026, 10, 25, 0, 30)
    assert in_utc(next_due(BERLIN_0230, utc(2026, 10, 25, 0, 0))) == utc(2026, 10, 25, 0, 30)
    assert in_utc(next_due(BERLIN_0230, utc(2026, 10, 25, 0, 30))) == utc(2026, 10, 26, 1, 30)
    assert in_utc(last_due(BERLIN_0230, utc(2026, 10, 25, 1, 45))) == utc(2026, 10, 25, 0, 30)
    assert in_utc(last_due(BERLIN_0230, utc(2026, 10, 25, 0, 30))) == utc(2026, 10, 25, 0, 30)


def test_a_repeated_time_equals_its_instant_in_utc():
    assert last_due(BERLIN_0230, utc(2026, 10, 25, 0, 30)) == utc(2026, 10, 25, 0, 30)


@pytest.mark.parametrize(("day", "daily", "weekdays"), [
    (date(2026, 1, 9), True, True),     # Friday
    (date(2026, 1, 10), True, False),   # Saturday
    (date(2026, 1, 11), True, False),   # Sunday
    (date(2026, 1, 12), True, True),    # Monday
])
def test_runs_on(day, daily, weekdays):
    assert (runs_on(BERLIN, day), runs_on(NEW_YORK, day)) == (daily, weekdays)


def test_due_on_is_the_local_time_of_that_day():
    assert due_on(NEW_YORK, date(2026, 7, 1)) == utc(2026, 7, 1, 11, 30)
    assert due_on(NEW_YORK, date(2026, 12, 1)) == utc(2026, 12, 1, 12, 30)


@pytest.mark.parametrize(("definition", "text"), [
    (BERLIN, "every day at 09:00 Europe/Berlin"),
    (NEW_YORK, "weekdays at 07:30 America/New_York"),
    (schedule(time(17, 5), "UTC", Days.DAILY), "every day at 17:05 UTC"),
])
def test_describe_schedule(definition, text):
    assert describe_schedule(definition) == text
