"""What period words say: `read` turns a match of one of the patterns of `words.py` into a
`Reading` (which calendar unit, how many back, which dates), with the year of a date inferred
from today — the most recent one not in the future — and a period in the future an error.
`calendar.py` places a reading on the clock of the workspace zone; no instant is computed here.
"""

from __future__ import annotations

import re
from collections import namedtuple
from datetime import date, timedelta

from kpi_engine.errors import PeriodError
from kpi_engine.periods.words import (
    CALENDAR_UNITS,
    EXAMPLES,
    MONTH_ABBREVIATIONS,
    MONTH_NAMES,
    MONTHS,
    NUMBERS,
    PATTERNS,
    UNITS,
    WEEKDAY_NAMES,
    WEEKDAYS,
)

_TO_DATE_LETTERS = {"w": "week", "m": "month", "q": "quarter", "y": "year"}


def number(word: str) -> int:
    """'3' -> 3, 'three' -> 3, 'a' -> 1."""
    word = word.strip().lower()
    return int(word) if word.isdigit() else NUMBERS[word]


def date_parts(match: re.Match, prefix: str) -> tuple[str, int, int, int | None]:
    """The (text, month, day, year or None) of the date spelled by `words._date(prefix)` in
    `match`."""
    group = match.group
    if iso := group(prefix + "iso"):
        year, month, day = (int(part) for part in iso.split("-"))
        return iso, month, day, year
    if group(prefix + "mon"):
        month, day, year = group(prefix + "mon"), group(prefix + "day"), group(prefix + "year")
    else:
        month, day, year = group(prefix + "mon2"), group(prefix + "day2"), group(prefix + "year2")
    month = month.rstrip(".")
    text = f"{month.title()} {day}"
    return text, MONTHS[month.lower()], int(day.rstrip("stndrhSTNDRH")), int(year) if year else None


class Reading(namedtuple("Reading", "kind label unit count first last",
                         defaults=("", 0, None, None))):
    """What a period expression says, before it is placed on the clock of a time zone.

    kind: to_date | back | rolling | calendar | since | range | week_of; unit: a calendar unit
    (for rolling: day, hour or month); count: for back, how many units before the current one,
    for rolling, its length in units; first: the first day (calendar, since, range; for
    week_of, a day of the week); last: the last day included (range).
    """

    __slots__ = ()


def read(match: re.Match, today: date) -> Reading:
    """What a match of one of PATTERNS means, with years inferred from today."""
    return _READERS[_NAMES[match.re]](match, today)


def short_date(day: date) -> str:
    return f"{MONTH_ABBREVIATIONS[day.month]} {day.day}, {day.year}"


def future(what: str) -> PeriodError:
    return PeriodError(f"{what} is in the future: there is no data for it yet",
                       ["today", "this week", "last week"])


def _resolve(text: str, month: int, day: int, year: int | None, today: date) -> date:
    """A date; without a year, the most recent one that is not in the future."""
    for candidate in [year] if year else range(today.year, today.year - 8, -1):
        try:
            found = date(candidate, month, day)
        except ValueError:
            continue
        if found <= today:
            return found
        if year:
            raise future(short_date(found))
    raise PeriodError(f"{text} is not a date", EXAMPLES)


def _most_recent(weekday: str, today: date) -> date:
    return today - timedelta(days=(today.weekday() - WEEKDAYS[weekday.lower()]) % 7)


def _month_start(word: str, year: str | None, today: date) -> date:
    """The first day of a month; without a year, the most recent one not in the future."""
    month = MONTHS[word.lower().rstrip(".")]
    number = int(year) if year else today.year - (month > today.month)
    if number < 1 or date(number, month, 1) > today:
        raise future(f"{MONTH_NAMES[month]} {number}")
    return date(number, month, 1)


def _year_start(year: str, today: date) -> date:
    if int(year) > today.year:
        raise future(year)
    if int(year) < 1:
        raise PeriodError(f"{year} is not a year", EXAMPLES)
    return date(int(year), 1, 1)


def _range(a: tuple, b: tuple, today: date) -> Reading:
    """From day a to day b, both included. Years come from the start: the most recent start
    not in the future, an end without a year in the same year (or the next one when the range
    crosses a new year: "Dec 20 – Jan 5"); an end before the start is an error."""
    (a_text, a_month, a_day, a_year), (b_text, b_month, b_day, b_year) = a, b
    if a_year is None and b_year is not None:
        a_year = b_year if (a_month, a_day) <= (b_month, b_day) else b_year - 1
    first = _resolve(a_text, a_month, a_day, a_year, today)
    if b_year is None:
        b_year = first.year + (b_month < first.month and 12 + b_month - first.month <= 6)
    try:
        last = date(b_year, b_month, b_day)
    except ValueError:
        raise PeriodError(f"{b_text} is not a date", EXAMPLES) from None
    if last < first:
        raise PeriodError(f"the end ({short_date(last)}) is before the start ({short_date(first)})",
                          [f"between {b_text} and {a_text}"])
    start = (f"{MONTH_ABBREVIATIONS[first.month]} {first.day}" if first.year == last.year
             else short_date(first))
    label = f"{start} – {short_date(last)}"
    return Reading("range", label, first=first, last=last)


def _read_future(m: re.Match, today: date) -> Reading:
    raise future(f"'{' '.join(m[0].split())}'")


def _read_day(m: re.Match, today: date) -> Reading:
    word = " ".join(m["w"].lower().split())
    if word == "today":
        return Reading("to_date", "today", "day")
    if word == "yesterday":
        return Reading("back", "yesterday", "day", 1)
    return Reading("back", "the day before yesterday", "day", 2)


def _read_this(m: re.Match, today: date) -> Reading:
    unit = UNITS[m["u"].lower()]
    return Reading("to_date", f"this {unit}", unit)


def _read_to_date(m: re.Match, today: date) -> Reading:
    if m["u2"]:
        unit = UNITS[m["u2"].lower()]
        return Reading("to_date", f"since the start of the {unit}", unit)
    unit = UNITS[m["u"].lower()] if m["u"] else _TO_DATE_LETTERS[m["abbr"].lower()]
    return Reading("to_date", f"{unit} to date", unit)


def _read_ago(m: re.Match, today: date) -> Reading:
    count, unit = number(m["n"]), UNITS[m["u"].lower()]
    if count < 1:
        raise PeriodError(f"'{m[0].strip()}' is not in the past", EXAMPLES)
    return Reading("back", f"{count} {unit}{'s' if count > 1 else ''} ago", unit, count)


def _read_before(m: re.Match, today: date) -> Reading:
    unit = m["u"].lower()
    label = "the day before yesterday" if unit == "day" else f"the {unit} before last"
    return Reading("back", label, unit, 2)


def _read_last(m: re.Match, today: date) -> Reading:
    word, unit = m["w"].lower(), UNITS[(m["u"] or m["named"]).lower()]
    if m["n"] is None and word != "past" and unit in CALENDAR_UNITS:
        return Reading("back", "yesterday" if unit == "day" else f"last {unit}", unit, 1)
    count = number(m["n"]) if m["n"] else 1
    if count < 1:
        raise PeriodError(f"'{m[0].strip()}' is an empty period", EXAMPLES)
    word = "past" if word == "past" else "last"
    spelled = m["n"] and m["n"].strip().lower() not in ("a", "an")
    label = f"{word} {count} {unit}{'s' if count > 1 else ''}" if spelled else f"{word} {unit}"
    factor, base = {"week": (7, "day"), "fortnight": (14, "day"), "quarter": (3, "month"),
                    "year": (12, "month")}.get(unit, (1, unit))
    return Reading("rolling", label, base, count * factor)


def _read_month(m: re.Match, today: date) -> Reading:
    first = _month_start(m["m"], m["y"], today)
    return Reading("calendar", f"in {MONTH_NAMES[first.month]} {first.year}", "month", first=first)


def _read_quarter(m: re.Match, today: date) -> Reading:
    quarter = int(m["q"])
    year = int(m["y"]) if m["y"] else today.year - (quarter * 3 - 2 > today.month)
    if year < 1 or date(year, quarter * 3 - 2, 1) > today:
        raise future(f"Q{quarter} {year}")
    first = date(year, quarter * 3 - 2, 1)
    return Reading("calendar", f"in Q{quarter} {year}", "quarter", first=first)


def _read_year(m: re.Match, today: date) -> Reading:
    first = _year_start(m["y"], today)
    return Reading("calendar", f"in {first.year}", "year", first=first)


def _read_dates(m: re.Match, today: date) -> Reading:
    """One day, "since" a day, or a range of days."""
    if m["biso"] or m["bmon"] or m["bmon2"]:
        return _range(date_parts(m, "a"), date_parts(m, "b"), today)
    if m["btw"]:
        raise PeriodError(f"'{' '.join(m[0].split())}' needs an end date",
                          ["between Oct 1 and Oct 15"])
    day = _resolve(*date_parts(m, "a"), today)
    if m["lead"] and m["lead"].lower() != "on":
        return Reading("since", f"since {short_date(day)}", first=day)
    return Reading("calendar", f"on {short_date(day)}", "day", first=day)


def _read_weekday(m: re.Match, today: date) -> Reading:
    day = _most_recent(m["wd"], today)
    return Reading("calendar", f"on {WEEKDAY_NAMES[day.weekday()]}", "day", first=day)


def _read_weekday_last(m: re.Match, today: date) -> Reading:
    """The most recent such weekday before today ("last Tuesday" on a Tuesday: a week ago)."""
    day = _most_recent(m["wd"], today - timedelta(days=1))
    return Reading("calendar", f"last {WEEKDAY_NAMES[day.weekday()]}", "day", first=day)


def _read_now(m: re.Match, today: date) -> Reading:
    """"right now", "currently": today up to now (a level such as the backlog is at now)."""
    return Reading("to_date", "right now", "day")


def _read_weekend(m: re.Match, today: date) -> Reading:
    """The most recent weekend that has begun: this one so far on a Saturday or Sunday
    ("this weekend", "the weekend"), else the last whole one ("over the weekend" on Monday);
    "last weekend" on a weekend day is the one before."""
    saturday = _most_recent("saturday", today)
    if (m["which"] or "").lower() in ("last", "past", "previous") and today.weekday() >= 5:
        saturday -= timedelta(days=7)
    sunday = saturday + timedelta(days=1)
    if sunday >= today:
        return Reading("since", "this weekend", first=saturday)
    label = f"the weekend of {MONTH_ABBREVIATIONS[saturday.month]} {saturday.day}–{sunday.day}"
    return Reading("range", label, first=saturday, last=sunday)


def _read_week_of(m: re.Match, today: date) -> Reading:
    """"the week of Nov 9": the calendar week holding that day (Monday first here; the clock
    moves it to the workspace's first day)."""
    day = _resolve(*date_parts(m, "a"), today)
    return Reading("week_of", f"the week of {short_date(day)}", "week", first=day)


def _read_since(m: re.Match, today: date) -> Reading:
    if m["wd"]:
        first = _most_recent(m["wd"], today)
        label = WEEKDAY_NAMES[first.weekday()]
    elif m["yest"]:
        first, label = today - timedelta(days=1), "yesterday"
    elif m["m"]:
        first = _month_start(m["m"], m["y"], today)
        label = f"{MONTH_NAMES[first.month]} {first.year}"
    else:
        first = _year_start(m["yy"], today)
        label = str(first.year)
    return Reading("since", f"since {label}", first=first)


def _read_days(m: re.Match, today: date) -> Reading:
    month, year = m["m"].rstrip(".").title(), int(m["y"]) if m["y"] else None
    a, b = ((f"{month} {m[g]}", MONTHS[month.lower()], int(m[g].rstrip("stndrhSTNDRH")), year)
            for g in ("d1", "d2"))
    return _range(a, b, today)


_READERS = {
    "future": _read_future, "day": _read_day, "this": _read_this, "to_date": _read_to_date,
    "ago": _read_ago, "before": _read_before, "last": _read_last, "month": _read_month,
    "month_year": _read_month, "quarter": _read_quarter, "year": _read_year, "dates": _read_dates,
    "weekday": _read_weekday, "since": _read_since, "month_days": _read_days,
    "days_month": _read_days, "weekday_last": _read_weekday_last, "weekday_bare": _read_weekday,
    "now": _read_now, "weekend": _read_weekend, "week_of": _read_week_of,
    "month_bare": _read_month,
}
_NAMES = {pattern: name for name, pattern in PATTERNS}
