"""Business calendars as people write them: the hours (split shifts, ranges, lists, 24/7), the
zone, the holidays (regions of the holidays library and dates), the teams' file (YAML, TOML) —
each read into one canonical calendar, and anything invalid refused with one sentence that
says what is valid."""

from __future__ import annotations

from datetime import date

import pytest

from kpi_engine.calendars import BusinessCalendar, CalendarError, configured_calendars
from kpi_engine.calendars.model import calendar_hash, parse_holidays, parse_hours
from tests.builders import make_settings

NINE_TO_FIVE = ((540, 1020),)


def test_a_week_of_split_shifts_and_a_saturday():
    week = parse_hours("mon-fri 09:00-12:00,13:00-17:00; sat 10:00-14:00")
    assert week[:5] == (((540, 720), (780, 1020)),) * 5
    assert week[5] == ((600, 840),)
    assert week[6] == ()


@pytest.mark.parametrize("text", [
    "mon-fri 09:00-17:00", "Mon-Fri 9:00-17:00", "monday-friday 09:00 - 17:00",
    "mon,tue,wed,thu,fri 09:00-17:00", "weekdays 09:00-12:00,12:00-17:00",
    "mon-wed 09:00-17:00; thu-fri 09:00-17:00", "mon, tue , wed-fri 09:00-17:00",
])
def test_one_calendar_however_it_is_written(text):
    assert parse_hours(text) == (NINE_TO_FIVE,) * 5 + ((), ())
    assert BusinessCalendar.parse(text, "UTC").hours == "mon-fri 09:00-17:00"


def test_every_minute_24_7_and_a_week_that_wraps():
    assert parse_hours("24/7") == (((0, 1440),),) * 7
    assert parse_hours("fri-mon 10:00-11:00") == (
        ((600, 660),), (), (), (), ((600, 660),), ((600, 660),), ((600, 660),))


def test_the_canonical_text_and_the_words_of_an_answer():
    calendar = BusinessCalendar.parse("mon-fri 09:00-12:00,13:00-17:00; sat 10:00-14:00",
                                      "Europe/Berlin", "de-be, 2026-12-31,2026-12-24")
    assert calendar.regions == ("DE-BE",)
    assert calendar.dates == (date(2026, 12, 24), date(2026, 12, 31))
    assert calendar.canonical == ("hours=mon-fri 09:00-12:00,13:00-17:00; sat 10:00-14:00"
                                  "|tz=Europe/Berlin|holidays=DE-BE,2026-12-24,2026-12-31")
    assert calendar.describe() == ("Mon–Fri 09:00–12:00, 13:00–17:00; Sat 10:00–14:00 "
                                   "Europe/Berlin, DE-BE holidays and days off 2026-12-24, "
                                   "2026-12-31")
    plain = BusinessCalendar.parse("mon-fri 09:00-17:00", "Europe/Berlin", "DE-BE")
    assert plain.describe() == "Mon–Fri 09:00–17:00 Europe/Berlin, DE-BE holidays"
    assert BusinessCalendar.parse("mon-fri 09:00-17:00", "UTC").describe() == \
        "Mon–Fri 09:00–17:00 UTC, no holidays"


def test_the_hash_changes_with_the_calendar_only():
    one = BusinessCalendar.parse("mon-fri 09:00-17:00", "Europe/Berlin", "DE-BE")
    same = BusinessCalendar.parse("monday-friday 9:00-17:00", "Europe/Berlin", "de-be")
    other = BusinessCalendar.parse("mon-fri 09:00-17:00", "Europe/Berlin", "DE-BB")
    assert calendar_hash(one) == calendar_hash(same) != calendar_hash(other)


def test_holiday_regions_of_three_countries():
    assert parse_holidays("DE-BE,US-CA,GB") == (("DE-BE", "US-CA", "GB"), ())
    assert parse_holidays("gb-sct") == (("GB-SCT",), ())


@pytest.mark.parametrize("hours, message", [
    ("mon-fri 9-17", "'9' is not a time: write a start as HH:MM, from 00:00 to 24:00"),
    ("mon-fri 09:00-25:00", "'25:00' is not a time of day: hours run from 00:00 to 24:00"),
    ("mon-fri 09:00-12:70", "'12:70' is not a time of day"),
    ("mon-fri 09:00-12:00,11:00-13:00",
     "09:00-12:00 and 11:00-13:00 overlap on Mon: a day's intervals must not overlap"),
    ("mon-fri 09:00-17:00; fri 16:00-18:00", "overlap on Fri"),
    ("mon-fri 17:00-09:00", "'17:00-09:00' ends before it starts: an interval lies within one "
                            "day; a night shift is two intervals"),
    ("mon-fri 09:00-09:00", "ends before it starts"),
    ("funday 09:00-17:00", "'funday' is not a day: days are mon, tue, wed, thu, fri, sat, sun"),
    ("mon-fri", "'mon-fri' is not DAYS INTERVALS, such as mon-fri 09:00-17:00"),
    ("mon-fri 0900", "'0900' is not an interval: write START-END"),
    ("", "no working hours given"),
])
def test_bad_hours_are_one_sentence_saying_what_is_valid(hours, message):
    with pytest.raises(CalendarError) as refused:
        BusinessCalendar.parse(hours, "UTC")
    assert message in refused.value.message
    assert refused.value.message.startswith("business hours: ")
    assert "\n" not in refused.value.message
    assert refused.value.suggestions == ["mon-fri 09:00-12:00,13:00-17:00; sat 10:00-14:00"]


@pytest.mark.parametrize("holidays, message", [
    ("XX", "'XX' is neither a date (YYYY-MM-DD) nor a country the holidays library knows: use "
           "an ISO 3166 code such as DE, US or GB"),
    ("DE-XX", "DE has no region 'XX': its regions are BB, BE, BW, BY"),
    ("US-ZZ", "US has no region 'ZZ': its regions are AK, AL"),
    ("2026-02-30", "'2026-02-30' is not a date (YYYY-MM-DD)"),
])
def test_bad_holidays_name_what_is_valid(holidays, message):
    with pytest.raises(CalendarError) as refused:
        BusinessCalendar.parse("mon-fri 09:00-17:00", "UTC", holidays)
    assert message in refused.value.message


def test_an_unknown_zone_is_refused():
    with pytest.raises(CalendarError, match="unknown time zone 'Mars/Olympus': use an IANA name"):
        BusinessCalendar.parse("mon-fri 09:00-17:00", "Mars/Olympus")


def test_the_workspace_calendar_from_the_settings():
    calendars = configured_calendars(make_settings(
        tz="Europe/Berlin", business_hours="mon-fri 08:00-16:00", holidays="DE-BE,2026-12-24"))
    assert calendars.workspace.tz == "Europe/Berlin"  # KPIBOT_BUSINESS_TZ unset: KPIBOT_TZ
    assert calendars.workspace.hours == "mon-fri 08:00-16:00"
    assert calendars.workspace.regions == ("DE-BE",)
    assert calendars.teams == {}
    defaults = configured_calendars(make_settings())
    assert defaults.workspace.describe() == "Mon–Fri 09:00–17:00 UTC, no holidays"
    other_zone = configured_calendars(make_settings(tz="Europe/Berlin", business_tz="Asia/Tokyo"))
    assert other_zone.workspace.tz == "Asia/Tokyo"


def test_a_bad_setting_is_named():
    with pytest.raises(CalendarError) as refused:
        configured_calendars(make_settings(holidays="DE-XX"))
    assert refused.value.message.startswith("KPIBOT_HOLIDAYS: DE has no region 'XX'")
    with pytest.raises(CalendarError, match="^KPIBOT_BUSINESS_HOURS: 'xx:00' is not a time"):
        configured_calendars(make_settings(business_hours="mon xx:00-10:00"))
    with pytest.raises(CalendarError, match="^KPIBOT_BUSINESS_TZ: unknown time zone"):
        configured_calendars(make_settings(business_tz="Nowhere/Land"))


def test_team_calendars_from_a_yaml_file(tmp_path):
    path = tmp_path / "calendars.yaml"
    path.write_text("teams:\n"
                    "  Billing:\n"
                    "    hours: mon-fri 08:00-16:00\n"
                    "    tz: America/New_York\n"
                    "    holidays: US-NY\n"
                    "  technical: {hours: 'mon-sat 07:00-19:00'}\n"
                    "  onboarding: {holidays: ''}\n", encoding="utf-8")
    calendars = configured_calendars(make_settings(
        tz="Europe/Berlin", holidays="DE-BE", business_calendars=str(path)))
    assert sorted(calendars.teams) == ["billing", "onboarding", "technical"]
    billing = calendars.for_team("BILLING")
    assert (billing.hours, billing.tz, billing.regions) == (
        "mon-fri 08:00-16:00", "America/New_York", ("US-NY",))
    technical = calendars.for_team("technical")  # what a team leaves out is the workspace's
    assert (technical.hours, technical.tz, technical.regions) == (
        "mon-sat 07:00-19:00", "Europe/Berlin", ("DE-BE",))
    assert calendars.for_team("onboarding").regions == ()
    assert calendars.for_team("accounts") is calendars.workspace
    assert calendars.for_team(None) is calendars.workspace
    assert calendars.describe(("Billing",)) == \
        "team billing: Mon–Fri 08:00–16:00 America/New_York, US-NY holidays"
    assert calendars.describe(("accounts",)) == "Mon–Fri 09:00–17:00 Europe/Berlin, DE-BE holidays"
    assert calendars.describe().startswith("Mon–Fri 09:00–17:00 Europe/Berlin, DE-BE holidays; "
                                           "team billing: Mon–Fri 08:00–16:00 America/New_York")


def test_team_calendars_from_a_toml_file(tmp_path):
    path = tmp_path / "calendars.toml"
    path.write_text('[teams.billing]\nhours = "mon-fri 08:00-16:00"\ntz = "Europe/London"\n'
                    'holidays = ["GB", "2026-12-24"]\n', encoding="utf-8")
    calendars = configured_calendars(make_settings(business_calendars=str(path)))
    billing = calendars.for_team("billing")
    assert (billing.tz, billing.regions, billing.dates) == (
        "Europe/London", ("GB",), (date(2026, 12, 24),))


@pytest.mark.parametrize("text, message", [
    ("teams:\n  billing: {hours: 'mon-fri 9-17'}\n",
     "team 'billing': business hours: '9' is not a time"),
    ("teams:\n  billing: {holidays: XX}\n", "team 'billing': holidays: 'XX' is neither a date"),
    ("teams:\n  billing: {hours: 'mon-fri 09:00-17:00', lunch: '12:00'}\n",
     "team 'billing' has unknown field 'lunch': a team's fields are hours, tz and holidays"),
    ("teams:\n  billing: {tz: Nowhere/Land}\n", "team 'billing': business time zone: unknown"),
    ("billing: {hours: 'mon-fri 09:00-17:00'}\n", "a calendars file holds one table, teams"),
    ("teams:\n  billing: 'mon-fri 09:00-17:00'\n", "team 'billing' needs a table of hours"),
    ("teams:\n  billing: {hours: [\n", "is not valid YAML (line"),
    ("teams:\n  Billing: {}\n  billing: {}\n", "team 'billing' is given twice"),
])
def test_a_bad_calendars_file_is_one_sentence(tmp_path, text, message):
    path = tmp_path / "calendars.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CalendarError) as refused:
        configured_calendars(make_settings(business_calendars=str(path)))
    assert message in refused.value.message
    assert str(path) in refused.value.message


def test_a_missing_calendars_file_is_named(tmp_path):
    with pytest.raises(CalendarError, match="KPIBOT_BUSINESS_CALENDARS: no such file"):
        configured_calendars(make_settings(business_calendars=str(tmp_path / "none.yaml")))
