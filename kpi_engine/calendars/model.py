"""A business calendar: working intervals per weekday in a zone, minus public holidays.

`BusinessCalendar.parse(hours, tz, holidays)` reads the three settings as people write them —

- hours: `mon-fri 09:00-12:00,13:00-17:00; sat 10:00-14:00` (groups of days and their
  intervals, `;` between groups; days as `mon`…`sun`, ranges `mon-fri`, lists `mon,wed`,
  `daily`/`weekdays`/`weekends`; times `HH:MM` from 00:00 to 24:00; `24/7` for every minute);
- tz: an IANA zone (the intervals are wall-clock times there);
- holidays: regions of the `holidays` library (`DE-BE`, `US-CA`, `GB`) and dates
  (`2026-12-24`), comma-separated: each such local day is not worked at all —

and refuses anything else with one sentence saying what is valid. A calendar has one canonical
text (`canonical`: the same calendar always reads the same, however it was written) and a
short description for answers (`describe`: "Mon–Fri 09:00–17:00 Europe/Berlin, DE-BE
holidays"). `CalendarSet` is the workspace's calendar and the teams' own ones.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kpi_engine.errors import UserError

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SHOWN_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_DAY_ALIASES = {
    **{name: index for index, name in enumerate(DAY_NAMES)},
    **{full: index for index, full in enumerate(
        ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))},
    "tues": 1, "wednes": 2, "thur": 3, "thurs": 3,
}
_DAY_GROUPS = {"daily": range(7), "everyday": range(7), "weekdays": range(5),
               "weekends": range(5, 7), "weekend": range(5, 7)}
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MINUTES_A_DAY = 24 * 60
HOURS_EXAMPLE = "mon-fri 09:00-12:00,13:00-17:00; sat 10:00-14:00"
HOLIDAYS_EXAMPLE = "DE-BE,2026-12-24,2026-12-31"
ALL_HOURS = "24/7"

Interval = tuple[int, int]  # minutes after local midnight: [start, end)


class CalendarError(UserError):
    """A business calendar that cannot be read: one sentence, with what is valid."""


def _hours_error(message: str) -> CalendarError:
    return CalendarError(f"business hours: {message}", [HOURS_EXAMPLE])


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _parse_time(text: str, what: str) -> int:
    found = _TIME.match(text.strip())
    if found is None:
        raise _hours_error(f"{text.strip()!r} is not a time: write {what} as HH:MM, from 00:00 "
                           "to 24:00")
    hour, minute = int(found[1]), int(found[2])
    if minute > 59 or hour > 24 or (hour == 24 and minute):
        raise _hours_error(f"{text.strip()!r} is not a time of day: hours run from 00:00 to "
                           "24:00, minutes from 00 to 59")
    return hour * 60 + minute


def _parse_days(text: str) -> list[int]:
    days: list[int] = []
    for part in filter(None, (piece.strip() for piece in text.lower().split(","))):
        if part in _DAY_GROUPS:
            days.extend(_DAY_GROUPS[part])
            continue
        first, dash, last = part.partition("-")
        if first not in _DAY_ALIASES or (dash and last not in _DAY_ALIASES):
            wrong = first if first not in _DAY_ALIASES else last
            raise _hours_error(f"{wrong!r} is not a day: days are mon, tue, wed, thu, fri, sat, "
                               "sun, ranges such as mon-fri, or daily, weekdays, weekends")
        start = _DAY_ALIASES[first]
        end = _DAY_ALIASES[last] if dash else start
        span = end - start if end >= start else end + 7 - start  # fri-mon wraps the week
        days.extend((start + step) % 7 for step in range(span + 1))
    if not days:
        raise _hours_error(f"{text.strip()!r} names no day")
    return days


def _parse_intervals(text: str) -> list[Interval]:
    intervals = []
    for part in filter(None, (piece.strip() for piece in text.split(","))):
        start_text, dash, end_text = part.partition("-")
        if not dash:
            raise _hours_error(f"{part!r} is not an interval: write START-END, such as "
                               "09:00-17:00")
        start = _parse_time(start_text, "a start")
        end = _parse_time(end_text, "an end")
        if start == MINUTES_A_DAY:
            raise _hours_error(f"{part!r} starts at 24:00: a day's intervals start before "
                               "24:00")
        if end <= start:
            raise _hours_error(
                f"{part!r} ends before it starts: an interval lies within one day; a night "
                "shift is two intervals, such as mon-fri 22:00-24:00; tue-sat 00:00-06:00")
        intervals.append((start, end))
    if not intervals:
        raise _hours_error(f"{text.strip()!r} has no interval such as 09:00-17:00")
    return intervals


def parse_hours(text: str) -> tuple[tuple[Interval, ...], ...]:
    """The working intervals of each weekday (Monday first), sorted; overlapping intervals on
    a day are refused, touching ones (09:00-12:00,12:00-17:00) joined."""
    text = " ".join(str(text).split())
    if not text:
        raise _hours_error("no working hours given")
    if text.lower() == ALL_HOURS:
        text = "mon-sun 00:00-24:00"
    week: list[list[Interval]] = [[] for _ in DAY_NAMES]
    for group in filter(None, (piece.strip() for piece in text.split(";"))):
        group = re.sub(r"\s*([,-])\s*", r"\1", group)  # "mon, wed 9:00 - 12:00"
        days_text, _, intervals_text = group.partition(" ")
        if not intervals_text.strip():
            raise _hours_error(f"{group!r} is not DAYS INTERVALS, such as mon-fri 09:00-17:00")
        intervals = _parse_intervals(intervals_text.replace(" ", ""))
        for day in _parse_days(days_text):
            week[day].extend(intervals)
    result = []
    for day, intervals in enumerate(week):
        intervals.sort()
        joined: list[Interval] = []
        for start, end in intervals:
            if joined and start < joined[-1][1]:
                previous = joined[-1]
                raise _hours_error(
                    f"{_clock(previous[0])}-{_clock(previous[1])} and {_clock(start)}-"
                    f"{_clock(end)} overlap on {SHOWN_DAYS[day]}: a day's intervals must not "
                    "overlap")
            if joined and start == joined[-1][1]:
                joined[-1] = (joined[-1][0], end)
            else:
                joined.append((start, end))
        result.append(tuple(joined))
    if not any(result):
        raise _hours_error("no working hours given")
    return tuple(result)


def parse_zone(text: str | None, *, what: str = "business time zone") -> str:
    zone = (text or "").strip()
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise CalendarError(f"{what}: unknown time zone {zone!r}: use an IANA name such as "
                            "Europe/Berlin or America/New_York", ["Europe/Berlin", "UTC"]) \
            from None
    return zone


def parse_holidays(text: str | list | tuple | None) -> tuple[tuple[str, ...], tuple[date, ...]]:
    """(regions, dates): `DE-BE,US,2026-12-24` → (("DE-BE", "US"), (2026-12-24,)). Regions are
    checked against the `holidays` library: an unknown country or region is refused naming the
    valid ones."""
    parts = text if isinstance(text, list | tuple) else str(text or "").split(",")
    regions: list[str] = []
    dates: list[date] = []
    for part in filter(None, (str(piece).strip() for piece in parts)):
        if _DATE.match(part):
            try:
                dates.append(date.fromisoformat(part))
            except ValueError:
                raise CalendarError(f"holidays: {part!r} is not a date (YYYY-MM-DD)",
                                    [HOLIDAYS_EXAMPLE]) from None
            continue
        region = _region(part)
        if region not in regions:
            regions.append(region)
    return tuple(regions), tuple(sorted(set(dates)))


def _region(text: str) -> str:
    """`de-be` → `DE-BE`, checked against the holidays library."""
    import holidays

    country, dash, subdivision = text.partition("-")
    country = country.upper()
    supported = holidays.list_supported_countries()
    if country not in supported:
        raise CalendarError(
            f"holidays: {text!r} is neither a date (YYYY-MM-DD) nor a country the holidays "
            f"library knows: use an ISO 3166 code such as DE, US or GB, optionally with its "
            f"region (DE-BE, US-CA)", [HOLIDAYS_EXAMPLE])
    if not dash:
        return country
    regions = {code.upper(): code for code in supported[country]}
    if subdivision.upper() not in regions:
        listing = ", ".join(supported[country][:40]) or "none"
        raise CalendarError(
            f"holidays: {country} has no region {subdivision!r}: its regions are {listing}",
            [f"{country}-{code}" for code in supported[country][:5]] or [country])
    return f"{country}-{regions[subdivision.upper()]}"


def _days_text(days: list[int], *, shown: bool) -> str:
    names = SHOWN_DAYS if shown else DAY_NAMES
    dash = "–" if shown else "-"
    runs: list[list[int]] = []
    for day in days:
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return ",".join(names[run[0]] if len(run) == 1 else f"{names[run[0]]}{dash}{names[run[-1]]}"
                    for run in runs)


def hours_text(week: tuple[tuple[Interval, ...], ...], *, shown: bool = False) -> str:
    """The week's hours in one line: days with equal intervals together, Monday first —
    `mon-fri 09:00-17:00; sat 10:00-14:00`, or for people `Mon–Fri 09:00–17:00; Sat …`."""
    groups: dict[tuple[Interval, ...], list[int]] = {}
    for day, intervals in enumerate(week):
        if intervals:
            groups.setdefault(intervals, []).append(day)
    dash = "–" if shown else "-"
    parts = []
    for intervals, days in sorted(groups.items(), key=lambda item: item[1][0]):
        times = ("," if not shown else ", ").join(
            f"{_clock(start)}{dash}{_clock(end)}" for start, end in intervals)
        parts.append(f"{_days_text(days, shown=shown)} {times}")
    return "; ".join(parts)


@dataclass(frozen=True)
class BusinessCalendar:
    """Working intervals per weekday (Monday first; minutes after local midnight) in a zone,
    minus the local days that are holidays of `regions` or listed in `dates`."""

    week: tuple[tuple[Interval, ...], ...]
    tz: str
    regions: tuple[str, ...] = ()
    dates: tuple[date, ...] = ()

    @classmethod
    def parse(cls, hours: str, tz: str, holidays: str | list | tuple | None = "") -> \
            BusinessCalendar:
        regions, dates = parse_holidays(holidays)
        return cls(week=parse_hours(hours), tz=parse_zone(tz), regions=regions, dates=dates)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)

    @property
    def hours(self) -> str:
        return hours_text(self.week)

    @property
    def holidays(self) -> str:
        return ",".join([*self.regions, *(day.isoformat() for day in self.dates)])

    @cached_property
    def canonical(self) -> str:
        """One line that is the same for the same calendar however it was written."""
        return f"hours={self.hours}|tz={self.tz}|holidays={self.holidays}"

    def describe(self) -> str:
        """"Mon–Fri 09:00–17:00 Europe/Berlin, DE-BE holidays" (listed dates counted)."""
        text = f"{hours_text(self.week, shown=True)} {self.tz}"
        holidays = []
        if self.regions:
            holidays.append(f"{', '.join(self.regions)} holidays")
        if self.dates:
            shown = ", ".join(day.isoformat() for day in self.dates[:3])
            more = f" and {len(self.dates) - 3} more" if len(self.dates) > 3 else ""
            holidays.append(f"days off {shown}{more}")
        return text + (", " + " and ".join(holidays) if holidays else ", no holidays")


WORKSPACE = "*"  # the key of the workspace's calendar among a set's


@dataclass(frozen=True)
class CalendarSet:
    """The workspace's calendar and the teams' own (by team name, matched case-insensitively):
    a ticket's business clock is its team's calendar, else the workspace's."""

    workspace: BusinessCalendar
    teams: Mapping[str, BusinessCalendar] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "teams", {name.strip().lower(): calendar for name, calendar
                                           in sorted(self.teams.items())})

    def by_key(self) -> dict[str, BusinessCalendar]:
        """Every calendar by its key: `*` for the workspace's, the lower-cased team name."""
        return {WORKSPACE: self.workspace, **self.teams}

    def for_team(self, team: str | None) -> BusinessCalendar:
        if team is None:
            return self.workspace
        return self.teams.get(team.strip().lower(), self.workspace)

    def key_of(self, team: str | None) -> str:
        if team is None:
            return WORKSPACE
        key = team.strip().lower()
        return key if key in self.teams else WORKSPACE

    @property
    def canonical(self) -> str:
        return "\n".join(f"{key}: {calendar.canonical}" for key, calendar in self.by_key().items())

    def hashes(self) -> dict[str, str]:
        """Each calendar's hash by key (see `calendar_hash`)."""
        return {key: calendar_hash(calendar) for key, calendar in self.by_key().items()}

    def describe(self, teams: tuple[str, ...] | None = None) -> str:
        """The calendars that apply: the workspace's and each team's own; with `teams` (a
        filter on teams), only those that apply to them."""
        if teams is not None:
            keys = list(dict.fromkeys(self.key_of(team) for team in teams))
        else:
            keys = [WORKSPACE, *self.teams]
        parts = []
        for key in keys:
            calendar = self.by_key()[key]
            parts.append(calendar.describe() if key == WORKSPACE
                         else f"team {key}: {calendar.describe()}")
        return "; ".join(parts)


def calendar_hash(calendar: BusinessCalendar) -> str:
    """The hash the stored readings are checked against: the canonical text, and the holidays
    library's version when regions are used (a new version may move a holiday)."""
    text = calendar.canonical
    if calendar.regions:
        import holidays

        text += f"|holidays-library={holidays.__version__}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]
