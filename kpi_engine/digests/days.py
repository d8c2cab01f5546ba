"""The days a digest runs (`Days`): some days of the week — every day, weekdays, named days
(`mon,thu`, `tue-thu`) — or one day of each month (`monthly:1`; on a month without that day,
its last day: `monthly:31` is every month's last day); `parse_days` reads them as people write
them, with one sentence and the nearest word for anything else, and `ordinal` says "1st".
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar

from kpi_engine.errors import UserError

_WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEKDAY_PLURALS = ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays",
                    "Sundays")
MAX_MONTH_DAY = 31


@dataclass(frozen=True)
class Days:
    """The days a digest runs: some days of the week (`weekdays`, 0 = Monday), or one day of
    each month (`month_day`; in a month without that day, its last day). Written as `daily`,
    `weekdays`, weekday names (`mon`, `mon,thu`) or `monthly:N` (`value`); said in words for
    people (`words`): "every day", "Mondays and Thursdays", "the 1st of each month"."""

    weekdays: frozenset[int] = frozenset(range(7))
    month_day: int | None = None

    DAILY: ClassVar[Days]
    WEEKDAYS: ClassVar[Days]

    @property
    def monthly(self) -> bool:
        return self.month_day is not None

    @property
    def value(self) -> str:
        """The written form, which `parse_days` reads back: daily, weekdays, mon,thu, monthly:1."""
        if self.month_day is not None:
            return f"monthly:{self.month_day}"
        if self == Days.DAILY:
            return "daily"
        if self == Days.WEEKDAYS:
            return "weekdays"
        return ",".join(_WEEKDAY_NAMES[day] for day in sorted(self.weekdays))

    @property
    def words(self) -> str:
        """"every day", "weekdays", "Mondays and Thursdays", "the 1st of each month"."""
        if self.month_day is not None:
            words = f"the {ordinal(self.month_day)} of each month"
            if self.month_day > 28:
                words += " (its last day when the month is shorter)"
            return words
        if self == Days.DAILY:
            return "every day"
        if self == Days.WEEKDAYS:
            return "weekdays"
        names = [_WEEKDAY_PLURALS[day] for day in sorted(self.weekdays)]
        return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"

    def day_of_month(self, year: int, month: int) -> int | None:
        """The day a monthly digest runs in that month: its day, or the month's last day when
        the month is shorter (the 31st in April is the 30th). None for a weekly one."""
        if self.month_day is None:
            return None
        return min(self.month_day, calendar.monthrange(year, month)[1])

    def runs_on(self, day: date) -> bool:
        if self.month_day is not None:
            return day.day == self.day_of_month(day.year, day.month)
        return day.weekday() in self.weekdays


Days.DAILY = Days()
Days.WEEKDAYS = Days(weekdays=frozenset(range(5)))


def ordinal(number: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 21st, 31st."""
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10,
                                                                                "th")
    return f"{number}{suffix}"


_DAY_WORDS = {"daily": Days.DAILY, "every day": Days.DAILY, "everyday": Days.DAILY,
              "all": Days.DAILY, "weekdays": Days.WEEKDAYS, "weekday": Days.WEEKDAYS,
              "workdays": Days.WEEKDAYS, "monday to friday": Days.WEEKDAYS,
              "weekends": Days(weekdays=frozenset({5, 6})),
              "weekend": Days(weekdays=frozenset({5, 6}))}
_WEEKDAY_ALIASES = {
    **{name: index for index, name in enumerate(_WEEKDAY_NAMES)},
    **{full: index for index, full in enumerate(
        ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))},
    "tues": 1, "weds": 2, "thur": 3, "thurs": 3,
}
_MONTHLY = re.compile(r"^monthly(?:\s*[:= ]\s*(?P<day>\S+))?$")
_DAYS_HELP = ("daily, weekdays, weekday names (mon or mon,thu) or monthly:N (day N of each "
              "month, 1–31)")


def parse_days(value: Any) -> Days:
    """`daily`, `weekdays`, `weekends`, weekday names and ranges (`mon`, `mon,thu`, `Mondays
    and Thursdays`, `tue-thu`; a list of them too), or `monthly:N` → Days. A seven-day list is
    `daily`, Monday to Friday is `weekdays`."""
    if isinstance(value, list | tuple):
        value = ",".join(str(item) for item in value)
    text = " ".join(str(value).lower().split())
    if text in _DAY_WORDS:
        return _DAY_WORDS[text]
    monthly = _MONTHLY.match(text)
    if monthly:
        day = monthly["day"] or "1"
        day = day.removesuffix("st").removesuffix("nd").removesuffix("rd").removesuffix("th")
        if not day.isdigit() or not 1 <= int(day) <= MAX_MONTH_DAY:
            raise ValueError(f"{value!r}: monthly:N takes a day of the month from 1 to "
                             f"{MAX_MONTH_DAY} (monthly:31 is the last day of every month)")
        return Days(weekdays=frozenset(), month_day=int(day))
    chosen: set[int] = set()
    text = re.sub(r"\s*(?:-|\bto\b)\s*", "-", text)
    for part in re.split(r"\s*(?:,|;|&|\band\b|\s)\s*", text):
        if not part:
            continue
        ends = part.split("-")
        if len(ends) > 2:
            raise ValueError(f"{part!r} is not a day or a range of days such as tue-thu")
        first, last = (_weekday(end, value) for end in (ends[0], ends[-1]))
        chosen.update((first + step) % 7 for step in range((last - first) % 7 + 1))
    if not chosen:
        raise ValueError(f"{value!r}: a digest runs {_DAYS_HELP}")
    days = Days(weekdays=frozenset(chosen))
    return next((known for known in (Days.DAILY, Days.WEEKDAYS) if known == days), days)


def _weekday(word: str, given: Any) -> int:
    found = _WEEKDAY_ALIASES.get(word) if word else None
    if found is None and word.endswith("s"):
        found = _WEEKDAY_ALIASES.get(word[:-1])
    if found is None:
        from kpi_engine.metrics import nearest

        raise UserError(f"{given!r}: {word!r} is not a day; a digest runs {_DAYS_HELP}",
                        nearest(word, list(_WEEKDAY_NAMES) + ["daily", "weekdays", "monthly:1"])
                        if word else [])
    return found
