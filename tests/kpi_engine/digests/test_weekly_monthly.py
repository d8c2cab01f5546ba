"""Weekly and monthly digests, without Slack: the days a digest runs as people write them
(`daily`, `weekdays`, `mon`, `mon,thu`, `monthly:N`) with one validation for the command line,
files and the modal; their instants on the wall clock of the digest's zone across both
daylight-saving changes of 2026 (Europe: 29 March and 25 October; United States: 8 March and
1 November), worked out by hand in UTC; "the 31st" in February and April, and what the digest
says then; the schedule in words.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

import pytest

from kpi_engine.digests.definitions import (
    Days,
    DigestDefinition,
    DigestInvalid,
    definition_from_parts,
    ordinal,
    parse_days,
)
from kpi_engine.digests.files import read_definitions, write_definitions
from kpi_engine.digests.schedules import (
    describe_schedule,
    due_on,
    last_due,
    next_due,
    runs_on,
    schedule_note,
)


def utc(*fields: int) -> datetime:
    return datetime(*fields, tzinfo=timezone.utc)


def digest(days, *, at: str = "09:00", tz: str = "Europe/Berlin",
           period: str = "yesterday") -> DigestDefinition:
    return DigestDefinition.from_dict({"name": "Pulse", "channel": "C0123ABC", "at": at,
                                       "tz": tz, "days": days, "period": period,
                                       "kpis": ["fcr"]})


# ---------------------------------------------------------------- the days, as written


@pytest.mark.parametrize(("given", "value", "words"), [
    ("daily", "daily", "every day"),
    ("weekdays", "weekdays", "weekdays"),
    ("mon-fri", "weekdays", "weekdays"),
    ("mon", "mon", "Mondays"),
    ("Monday", "mon", "Mondays"),
    ("mondays", "mon", "Mondays"),
    ("mon,thu", "mon,thu", "Mondays and Thursdays"),
    ("thu, mon", "mon,thu", "Mondays and Thursdays"),
    ("Mondays and Thursdays", "mon,thu", "Mondays and Thursdays"),
    ("mon wed fri", "mon,wed,fri", "Mondays, Wednesdays and Fridays"),
    ("tue-thu", "tue,wed,thu", "Tuesdays, Wednesdays and Thursdays"),
    ("fri-mon", "mon,fri,sat,sun", "Mondays, Fridays, Saturdays and Sundays"),
    ("weekends", "sat,sun", "Saturdays and Sundays"),
    ("mon,tue,wed,thu,fri,sat,sun", "daily", "every day"),
    (["mon", "thu"], "mon,thu", "Mondays and Thursdays"),
    ("monthly:1", "monthly:1", "the 1st of each month"),
    ("monthly", "monthly:1", "the 1st of each month"),
    ("Monthly: 15", "monthly:15", "the 15th of each month"),
    ("monthly:2nd", "monthly:2", "the 2nd of each month"),
    ("monthly:28", "monthly:28", "the 28th of each month"),
    ("monthly:31", "monthly:31",
     "the 31st of each month (its last day when the month is shorter)"),
])
def test_the_days_as_people_write_them(given, value, words):
    days = parse_days(given)
    assert (days.value, days.words) == (value, words)
    assert parse_days(days.value) == days  # the written form reads back


def test_daily_and_weekdays_read_as_the_known_days():
    assert parse_days("mon-fri") is Days.WEEKDAYS
    assert parse_days("sun,mon,tue,wed,thu,fri,sat") is Days.DAILY


@pytest.mark.parametrize(("given", "words"), [
    ("fortnightly", "'fortnightly' is not a day"),
    ("mon,thr", "'thr' is not a day"),
    ("monthly:0", "monthly:N takes a day of the month from 1 to 31"),
    ("monthly:32", "monthly:N takes a day of the month from 1 to 31"),
    ("monthly:first", "monthly:N takes a day of the month from 1 to 31"),
    ("mon-tue-wed", "not a day or a range of days"),
    (",", "a digest runs daily, weekdays, weekday names"),
])
def test_days_refused_say_what_is_valid(given, words):
    with pytest.raises(DigestInvalid, match=words) as refused:
        digest(given)
    assert list(refused.value.errors) == ["days"]


def test_a_misspelt_day_is_answered_with_the_nearest():
    with pytest.raises(DigestInvalid) as refused:
        digest("mon,thr")
    assert "did you mean thu" in refused.value.errors["days"]


def test_the_command_line_and_the_modal_go_through_the_same_validation():
    made = definition_from_parts({"name": "Weekly", "channel": "C0123ABC", "at": "09:00",
                                  "tz": "Europe/Berlin", "days": "mon", "period": "last week"},
                                 ["fcr", "csat"])
    assert made.days == Days(weekdays=frozenset({0}))
    with pytest.raises(DigestInvalid) as refused:
        definition_from_parts({"name": "Weekly", "channel": "C0123ABC", "at": "09:00",
                               "days": "monthly:40"}, ["fcr"])
    assert list(refused.value.errors) == ["days"]


@pytest.mark.parametrize("suffix", [".yaml", ".toml"])
def test_weekly_and_monthly_digests_in_files(tmp_path: Path, suffix):
    digests = [digest("mon,thu", period="last week"),
               replace(digest("monthly:31", period="last month"), name="Monthly")]
    path = tmp_path / f"digests{suffix}"
    write_definitions(path, digests)
    assert [d.to_dict()["days"] for d in digests] == ["mon,thu", "monthly:31"]
    assert read_definitions(path) == digests


def test_a_file_may_list_the_days(tmp_path: Path):
    path = tmp_path / "digests.yaml"
    path.write_text("digests:\n  - {name: Twice, channel: C0123ABC, at: '09:00', "
                    "days: [mon, thu], kpis: [fcr]}\n", encoding="utf-8")
    [read] = read_definitions(path)
    assert read.days.value == "mon,thu"


def test_ordinals():
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 30, 31)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "23rd", "30th",
        "31st"]


# ---------------------------------------------------------------- in words


@pytest.mark.parametrize(("days", "tz", "text"), [
    ("mon,thu", "Europe/Berlin", "Mondays and Thursdays at 09:00 Europe/Berlin"),
    ("mon", "America/New_York", "Mondays at 09:00 America/New_York"),
    ("monthly:1", "Europe/Berlin", "the 1st of each month at 09:00 Europe/Berlin"),
    ("weekdays", "UTC", "weekdays at 09:00 UTC"),
])
def test_the_schedule_in_words(days, tz, text):
    assert describe_schedule(digest(days, tz=tz)) == text


# ---------------------------------------------------------------- across daylight saving

MONDAYS_BERLIN = digest("mon", period="last week")
MON_THU_NEW_YORK = digest("mon,thu", at="08:30", tz="America/New_York")
FIRST_BERLIN = digest("monthly:1", period="last month")


@pytest.mark.parametrize(("now", "last", "following"), [
    # Monday 23 March 2026, CET (UTC+1): 09:00 is 08:00 UTC
    (utc(2026, 3, 23, 7, 59), utc(2026, 3, 16, 8, 0), utc(2026, 3, 23, 8, 0)),
    (utc(2026, 3, 23, 8, 0), utc(2026, 3, 23, 8, 0), utc(2026, 3, 30, 7, 0)),
    # clocks go forward on Sunday 29 March: Monday 30 March is CEST (UTC+2), 07:00 UTC
    (utc(2026, 3, 29, 12, 0), utc(2026, 3, 23, 8, 0), utc(2026, 3, 30, 7, 0)),
    (utc(2026, 3, 30, 7, 30), utc(2026, 3, 30, 7, 0), utc(2026, 4, 6, 7, 0)),
    # clocks go back on Sunday 25 October: Monday 19th at 07:00 UTC, Monday 26th at 08:00 UTC
    (utc(2026, 10, 21, 12, 0), utc(2026, 10, 19, 7, 0), utc(2026, 10, 26, 8, 0)),
    (utc(2026, 10, 26, 8, 0), utc(2026, 10, 26, 8, 0), utc(2026, 11, 2, 8, 0)),
])
def test_mondays_at_nine_in_berlin_across_both_changes(now, last, following):
    assert last_due(MONDAYS_BERLIN, now) == last
    assert next_due(MONDAYS_BERLIN, now) == following


@pytest.mark.parametrize(("now", "last", "following"), [
    # Thursday 5 March 2026, EST (UTC-5): 08:30 is 13:30 UTC; the Monday after the change
    # (Sunday 8 March) is EDT (UTC-4): 12:30 UTC
    (utc(2026, 3, 5, 14, 0), utc(2026, 3, 5, 13, 30), utc(2026, 3, 9, 12, 30)),
    (utc(2026, 3, 9, 12, 30), utc(2026, 3, 9, 12, 30), utc(2026, 3, 12, 12, 30)),
    # back to EST on Sunday 1 November: Thursday 29 October at 12:30 UTC, Monday 2nd at 13:30
    (utc(2026, 10, 31, 0, 0), utc(2026, 10, 29, 12, 30), utc(2026, 11, 2, 13, 30)),
    (utc(2026, 11, 2, 13, 29), utc(2026, 10, 29, 12, 30), utc(2026, 11, 2, 13, 30)),
])
def test_mondays_and_thursdays_in_new_york_across_both_changes(now, last, following):
    assert last_due(MON_THU_NEW_YORK, now) == last
    assert next_due(MON_THU_NEW_YORK, now) == following


@pytest.mark.parametrize(("now", "last", "following"), [
    # 1 March 2026 is CET (08:00 UTC), 1 April is CEST (07:00 UTC)
    (utc(2026, 3, 15, 0, 0), utc(2026, 3, 1, 8, 0), utc(2026, 4, 1, 7, 0)),
    # 1 October is CEST, 1 November CET
    (utc(2026, 10, 31, 23, 30), utc(2026, 10, 1, 7, 0), utc(2026, 11, 1, 8, 0)),
    # 00:30 on 1 January in Berlin is still 31 December in UTC: the local date counts
    (utc(2026, 12, 31, 23, 30), utc(2026, 12, 1, 8, 0), utc(2027, 1, 1, 8, 0)),
])
def test_the_first_of_each_month_in_berlin(now, last, following):
    assert last_due(FIRST_BERLIN, now) == last
    assert next_due(FIRST_BERLIN, now) == following


def test_weekly_and_monthly_instants_all_year():
    # every 22 hours through 2026: last at or before now, next strictly after, one week apart
    # (a month apart), both on the digest's day at 09:00 on its wall clock
    berlin = MONDAYS_BERLIN.zone
    for step in range(400):
        now = utc(2026, 1, 1, 0, 15) + timedelta(hours=22 * step)
        last, following = last_due(MONDAYS_BERLIN, now), next_due(MONDAYS_BERLIN, now)
        assert last <= now < following
        assert following.astimezone(berlin).date() - last.astimezone(berlin).date() == \
            timedelta(days=7)
        for instant in (last, following):
            local = instant.astimezone(berlin)
            assert (local.weekday(), local.hour, local.minute) == (0, 9, 0)
        first_last, first_next = last_due(FIRST_BERLIN, now), next_due(FIRST_BERLIN, now)
        assert first_last <= now < first_next
        assert first_next.astimezone(berlin).day == first_last.astimezone(berlin).day == 1


# ---------------------------------------------------------------- the 31st of a short month

LAST_DAY = digest("monthly:31", period="last month")


@pytest.mark.parametrize(("month_start", "runs"), [
    (date(2026, 1, 1), date(2026, 1, 31)),
    (date(2026, 2, 1), date(2026, 2, 28)),   # February
    (date(2028, 2, 1), date(2028, 2, 29)),   # a leap February
    (date(2026, 4, 1), date(2026, 4, 30)),   # April
    (date(2026, 12, 1), date(2026, 12, 31)),
])
def test_the_31st_runs_on_the_last_day_of_a_shorter_month(month_start, runs):
    start = datetime.combine(month_start, time(0, 0), tzinfo=LAST_DAY.zone)
    assert next_due(LAST_DAY, start).astimezone(LAST_DAY.zone).date() == runs
    assert [runs_on(LAST_DAY, month_start + timedelta(days=d)) for d in range(31)].count(True) == 1


@pytest.mark.parametrize(("days", "short_month_day"), [
    ("monthly:29", date(2026, 2, 28)), ("monthly:30", date(2026, 2, 28)),
    ("monthly:30", date(2028, 2, 29)),
])
def test_the_29th_and_30th_in_february(days, short_month_day):
    definition = digest(days)
    assert runs_on(definition, short_month_day)
    assert not runs_on(definition, short_month_day - timedelta(days=1))


def test_the_digest_says_when_the_31st_fell_on_another_day():
    february = due_on(LAST_DAY, date(2026, 2, 28))
    april = due_on(LAST_DAY, date(2026, 4, 30))
    assert schedule_note(LAST_DAY, february) == \
        "Runs on the 31st: posted on Sat 28 Feb 2026, the last day of February."
    assert schedule_note(LAST_DAY, april) == \
        "Runs on the 31st: posted on Thu 30 Apr 2026, the last day of April."
    assert schedule_note(LAST_DAY, due_on(LAST_DAY, date(2026, 3, 31))) is None
    assert schedule_note(MONDAYS_BERLIN, last_due(MONDAYS_BERLIN, utc(2026, 3, 1))) is None
