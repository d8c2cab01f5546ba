"""Periods: time words ("last week", "since Nov 1", "Oct 1–15") turned into half-open
[start, end) intervals in the workspace time zone, the previous period to compare with, and the
default when a question names none. Reading the words lives in `words.py` (the grammar) and
`readings.py` (what they say, and the year of a date without one); this module places what
they say on the clock.

Calendar arithmetic is done on local dates and wall-clock times of the zone; each boundary is
then made an aware datetime in that zone, so a day across a daylight-saving change is 23 or 25
hours long. Rolling days and months are wall clock; rolling hours are absolute.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kpi_engine.errors import PeriodError
from kpi_engine.periods import readings
from kpi_engine.periods import words as vocab


class CalendarUnit(enum.Enum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


class PeriodKind(enum.Enum):
    CALENDAR = "calendar"  # a whole calendar unit: yesterday, last week, in October, in 2025
    CALENDAR_TO_DATE = "to_date"  # a calendar unit from its start up to now: today, this month
    ROLLING = "rolling"  # last N days / past N hours: [now - N, now)
    RANGE = "range"  # since X, between X and Y, explicit --start/--end


_MONTHS_IN = {CalendarUnit.MONTH: 1, CalendarUnit.QUARTER: 3, CalendarUnit.YEAR: 12}


@dataclass(frozen=True, kw_only=True)
class Period:
    """Half-open [start, end), both aware datetimes in the workspace zone."""

    start: datetime
    end: datetime
    label: str
    kind: PeriodKind
    unit: CalendarUnit | None = None  # for CALENDAR and CALENDAR_TO_DATE

    def to_json(self) -> dict:
        return {"start": self.start.isoformat(timespec="seconds"),
                "end": self.end.isoformat(timespec="seconds"), "label": self.label}

    def describe(self) -> str:
        """The label and its dates: "last week (Mon 9 Nov – Sun 15 Nov 2026)"."""
        start, end = self.start, self.end.astimezone(self.start.tzinfo)
        if start.time() == end.time() == datetime.min.time():
            first, last = start.date(), end.date() - timedelta(days=1)
            if last <= first:
                return f"{self.label} ({_day(first, True)})"
            return f"{self.label} ({_day(first, first.year != last.year)} – {_day(last, True)})"
        if start.date() == end.date():
            return f"{self.label} ({_day(start, True)}, {start:%H:%M} – {end:%H:%M})"
        return (f"{self.label} ({_day(start, start.year != end.year)} {start:%H:%M} – "
                f"{_day(end, True)} {end:%H:%M})")


def _day(day: date, with_year: bool) -> str:
    weekday, month = vocab.WEEKDAY_NAMES[day.weekday()][:3], vocab.MONTH_ABBREVIATIONS[day.month]
    text = f"{weekday} {day.day} {month}"
    return f"{text} {day.year}" if with_year else text


def week_start_day(name: str) -> int:
    """'monday'..'sunday' (any case; 'mon'..'sun' too) -> 0..6."""
    key = name.strip().lower() if isinstance(name, str) else None
    if key not in vocab.WEEKDAYS:
        raise PeriodError(f"unknown first day of the week {name!r}", ["monday", "sunday"])
    return vocab.WEEKDAYS[key]


# --- calendar arithmetic on local dates -----------------------------------------------------


def _unit_start(day: date, unit: CalendarUnit, week_start: int) -> date:
    match unit:
        case CalendarUnit.DAY:
            return day
        case CalendarUnit.WEEK:
            return day - timedelta(days=(day.weekday() - week_start) % 7)
        case CalendarUnit.MONTH:
            return day.replace(day=1)
        case CalendarUnit.QUARTER:
            return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
        case CalendarUnit.YEAR:
            return date(day.year, 1, 1)


def _step(first: date, unit: CalendarUnit, count: int) -> date:
    """The start of the unit `count` units after the one starting on `first`."""
    match unit:
        case CalendarUnit.DAY:
            return first + timedelta(days=count)
        case CalendarUnit.WEEK:
            return first + timedelta(weeks=count)
        case CalendarUnit.MONTH | CalendarUnit.QUARTER | CalendarUnit.YEAR:
            index = first.year * 12 + first.month - 1 + count * _MONTHS_IN[unit]
            return date(index // 12, index % 12 + 1, 1)


def _days_in_month(year: int, month: int) -> int:
    return (date(year + month // 12, month % 12 + 1, 1) - date(year, month, 1)).days


def _months_back(moment: datetime, months: int, *, clamp: bool) -> datetime:
    """The same day and wall time `months` earlier. A day the month lacks (Feb 30) becomes its
    last day (clamp) or the first moment of the following month (not clamp)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = index // 12, index % 12 + 1
    length = _days_in_month(year, month)
    if moment.day <= length:
        return moment.replace(year=year, month=month)
    if clamp:
        return moment.replace(year=year, month=month, day=length)
    return datetime.combine(date(year, month, length) + timedelta(days=1), datetime.min.time())


class _Clock:
    """`now` in the workspace zone, with the helpers that make local boundaries."""

    __slots__ = ("zone", "now", "week_start")

    def __init__(self, now: datetime, tz: str | tzinfo, week_start: str | int) -> None:
        if isinstance(tz, tzinfo):
            self.zone = tz
        else:
            try:
                self.zone = ZoneInfo(tz)
            except (ZoneInfoNotFoundError, ValueError, TypeError):
                raise PeriodError(f"unknown time zone {tz!r}", ["UTC", "Europe/Berlin"]) from None
        self.week_start = week_start if isinstance(week_start, int) else week_start_day(week_start)
        self.now = (now.replace(tzinfo=self.zone) if now.tzinfo is None  # naive: local time
                    else now.astimezone(self.zone))

    @property
    def today(self) -> date:
        return self.now.date()

    def wall(self, naive: datetime) -> datetime:
        """A local wall time as an aware datetime (a time skipped by DST moves forward)."""
        return naive.replace(tzinfo=self.zone).astimezone(timezone.utc).astimezone(self.zone)

    def at(self, day: date) -> datetime:
        return self.wall(datetime(day.year, day.month, day.day))

    def calendar(self, unit: CalendarUnit, first: date, label: str) -> Period:
        return Period(start=self.at(first), end=self.at(_step(first, unit, 1)), label=label,
                      kind=PeriodKind.CALENDAR, unit=unit)

    def back(self, unit: CalendarUnit, count: int, label: str) -> Period:
        """The whole calendar unit `count` units before the current one."""
        current = _unit_start(self.today, unit, self.week_start)
        return self.calendar(unit, _step(current, unit, -count), label)

    def rolling_start(self, end: datetime, count: int, unit: str) -> datetime:
        """The start of `count` units (day, hour or month) ending at `end`."""
        if unit == "hour":
            return (end.astimezone(timezone.utc) - timedelta(hours=count)).astimezone(self.zone)
        naive = end.replace(tzinfo=None)
        if unit == "month":
            return self.wall(_months_back(naive, count, clamp=True))
        return self.wall(naive - timedelta(days=count))


def _place(reading: readings.Reading, c: _Clock) -> Period:
    """A reading of period words placed on the clock."""
    match reading.kind:
        case "to_date":
            unit = CalendarUnit(reading.unit)
            return Period(start=c.at(_unit_start(c.today, unit, c.week_start)), end=c.now,
                          label=reading.label, kind=PeriodKind.CALENDAR_TO_DATE, unit=unit)
        case "back":
            return c.back(CalendarUnit(reading.unit), reading.count, reading.label)
        case "calendar":
            return c.calendar(CalendarUnit(reading.unit), reading.first, reading.label)
        case "rolling":
            start = c.rolling_start(c.now, reading.count, reading.unit)
            return Period(start=start, end=c.now, label=reading.label, kind=PeriodKind.ROLLING)
        case "since":
            return Period(start=c.at(reading.first), end=c.now, label=reading.label,
                          kind=PeriodKind.RANGE)
        case "range":
            return Period(start=c.at(reading.first), end=c.at(reading.last + timedelta(days=1)),
                          label=reading.label, kind=PeriodKind.RANGE)
        case "week_of":
            first = _unit_start(reading.first, CalendarUnit.WEEK, c.week_start)
            return c.calendar(CalendarUnit.WEEK, first, reading.label)
    raise AssertionError(reading.kind)


_ROLLING_LABEL = re.compile(r"(?:last|past|previous) (?:(?P<n>\d+) )?(?P<u>[a-z]+?)s?")
_ROLLING_UNITS = {"day": (1, "day"), "hour": (1, "hour"), "week": (7, "day"),
                  "fortnight": (14, "day"), "month": (1, "month"), "quarter": (3, "month"),
                  "year": (12, "month")}


# --- the public functions -------------------------------------------------------------------


def find_period(text: str, *, now: datetime, tz: str | tzinfo = "UTC",
                week_start: str = "monday") -> tuple[Period, tuple[int, int]] | None:
    """The first period expression in a longer question, with its (start, end) span in text;
    None when there is none. An expression that names an impossible period ("next week",
    "Feb 30", "between Oct 15 and Oct 1") raises PeriodError rather than being skipped."""
    found = vocab.find(text)
    if found is None:
        return None
    return _placed(found, _Clock(now, tz, week_start))


def find_periods(text: str, *, now: datetime, tz: str | tzinfo = "UTC",
                 week_start: str = "monday") -> list[tuple[Period, tuple[int, int]]]:
    """Every period expression in a question, in order, each with its span (see find_period)."""
    c = _Clock(now, tz, week_start)
    return [_placed(found, c) for found in vocab.find_all(text)]


def _placed(found: re.Match, c: _Clock) -> tuple[Period, tuple[int, int]]:
    try:
        return _place(readings.read(found, c.today), c), found.span()
    except (OverflowError, ValueError):  # beyond the years a datetime can hold
        raise PeriodError(f"'{' '.join(found[0].split())}' is too far back",
                          vocab.EXAMPLES) from None


def parse_period(words: str, *, now: datetime, tz: str | tzinfo = "UTC",
                 week_start: str = "monday") -> Period:
    """The period that `words` (one period expression, nothing else) names."""
    found = find_period(words, now=now, tz=tz, week_start=week_start)
    start, end = found[1] if found else (0, 0)
    if found is None or words[:start].strip() or not vocab.LEFTOVER.fullmatch(words, end):
        shown = " ".join(words.split())
        message = f"I can't read the period {shown!r}" if shown else "no period given"
        raise PeriodError(message, vocab.EXAMPLES)
    return found[0]


def default_period(*, now: datetime, tz: str | tzinfo = "UTC",
                   week_start: str = "monday") -> Period:
    """The period of a question that names none: the last 7 days."""
    c = _Clock(now, tz, week_start)
    return _place(readings.Reading("rolling", "last 7 days", "day", 7), c)


def period_from_bounds(start: str | date | datetime, end: str | date | datetime, *, now: datetime,
                       tz: str | tzinfo = "UTC", week_start: str = "monday") -> Period:
    """An explicit [start, end): ISO dates (local midnight) or datetimes (naive ones are local)."""
    c = _Clock(now, tz, week_start)
    first, last = _bound(start, c), _bound(end, c)
    if last <= first:
        raise PeriodError(f"the end ({end}) is not after the start ({start})",
                          ["--start 2026-10-01 --end 2026-10-16"])
    if first > c.now:
        raise readings.future(str(start))
    midnight = datetime.min.time()
    if first.time() == last.time() == midnight:
        label = f"{first.date()} – {last.date() - timedelta(days=1)}"
    else:
        label = f"{first:%Y-%m-%d %H:%M} – {last:%Y-%m-%d %H:%M}"
    return Period(start=first, end=last, label=label, kind=PeriodKind.RANGE)


def _bound(value: str | date | datetime, c: _Clock) -> datetime:
    """A bound in the zone: a date is its local midnight, a naive datetime is local."""
    try:
        if isinstance(value, str):
            text = value.strip()
            value = date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
        if not isinstance(value, datetime):
            return c.at(value)
        return c.wall(value) if value.tzinfo is None else value.astimezone(c.zone)
    except (OverflowError, ValueError):
        raise PeriodError(f"{value!r} is not an ISO date or time that can be used",
                          ["2026-10-01", "2026-10-01T09:00"]) from None


def previous_period(period: Period, *, now: datetime, tz: str | tzinfo = "UTC",
                    week_start: str = "monday") -> Period:
    """The period to compare with: the previous calendar unit, the previous unit up to the same
    point, or the same length just before (see kpi-definitions.md, "Periods")."""
    c = _Clock(now, tz, week_start)
    start, end = period.start.astimezone(c.zone), period.end.astimezone(c.zone)
    unit = period.unit
    if period.kind is PeriodKind.CALENDAR and unit is not None:
        first = _step(start.date(), unit, -1)
        return Period(start=c.at(first), end=start, label=f"the {unit.value} before",
                      kind=PeriodKind.CALENDAR, unit=unit)
    if period.kind is PeriodKind.CALENDAR_TO_DATE and unit is not None:
        point = end.replace(tzinfo=None)
        if unit in _MONTHS_IN:
            point = _months_back(point, _MONTHS_IN[unit], clamp=False)
        else:
            point -= timedelta(days=7 if unit is CalendarUnit.WEEK else 1)
        label = (f"previous {unit.value} to date" if unit is not CalendarUnit.DAY
                 else "yesterday to the same time")
        return Period(start=c.at(_step(start.date(), unit, -1)), end=min(c.wall(point), start),
                      label=label, kind=PeriodKind.CALENDAR_TO_DATE, unit=unit)
    if period.kind is PeriodKind.ROLLING and (length := _rolling_length(period.label)):
        count, base = length
        label = f"previous {count} {base}s" if count > 1 else f"previous {base}"
        return Period(start=c.rolling_start(start, count, base), end=start, label=label,
                      kind=PeriodKind.ROLLING)
    midnight = datetime.min.time()
    if period.kind is PeriodKind.RANGE and start.time() == end.time() == midnight:
        days = (end.date() - start.date()).days
        label = f"the {days} days before" if days != 1 else "the day before"
        return Period(start=c.at(start.date() - timedelta(days=days)), end=start, label=label,
                      kind=PeriodKind.RANGE)
    length = end.astimezone(timezone.utc) - start.astimezone(timezone.utc)
    return Period(start=(start.astimezone(timezone.utc) - length).astimezone(c.zone), end=start,
                  label=f"the {_length_words(length)} before", kind=period.kind, unit=unit)


def units_before(period: Period, count: int, *, tz: str | tzinfo = "UTC",
                 week_start: str = "monday", label: str | None = None) -> Period:
    """The `count` whole calendar units just before `period`, itself a whole calendar unit
    (yesterday, last week): [start of the unit `count` before it, start of `period`)."""
    if period.kind is not PeriodKind.CALENDAR or period.unit is None:
        raise ValueError(f"{period.label!r} is not a whole calendar unit")
    c = _Clock(period.start, tz, week_start)
    first = _step(period.start.astimezone(c.zone).date(), period.unit, -count)
    name = period.unit.value
    return Period(start=c.at(first), end=period.start,
                  label=label or f"the {count} {name}s before", kind=PeriodKind.RANGE)


def unit_starts(start: datetime, end: datetime, unit: CalendarUnit, *, tz: str | tzinfo = "UTC",
                week_start: str | int = "monday") -> Iterator[datetime]:
    """The local starts of the calendar units (days, weeks, months …) that [start, end)
    touches, in time order, as aware datetimes in the zone: the first is the start of the
    unit holding `start` (at or before it). Lazy, so a caller can stop early."""
    c = _Clock(start, tz, week_start)  # "now" is `start`: only its local date is used
    first = _unit_start(c.today, unit, c.week_start)
    count = 0
    while (boundary := c.at(_step(first, unit, count))) < end:
        yield boundary
        count += 1


def _rolling_length(label: str) -> tuple[int, str] | None:
    """(count, day|hour|month) of a rolling period's label: "last 30 days" -> (30, "day")."""
    found = _ROLLING_LABEL.fullmatch(label)
    if found is None or found["u"] not in _ROLLING_UNITS:
        return None
    factor, base = _ROLLING_UNITS[found["u"]]
    return int(found["n"] or 1) * factor, base


def _length_words(length: timedelta) -> str:
    minutes = round(length.total_seconds() / 60)
    parts = [(minutes // 1440, "day"), (minutes // 60 % 24, "hour"), (minutes % 60, "minute")]
    words = [f"{n} {name}{'s' if n != 1 else ''}" for n, name in parts if n]
    return " ".join(words) or "same length"
