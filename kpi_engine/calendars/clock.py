"""The business clock of a calendar: how many business seconds have passed from a fixed epoch
(local midnight of 1 January 2000 in the calendar's zone) up to an instant — its *reading*.
The business time between two instants is the difference of their readings.

The clock holds the calendar's working intervals as a sorted array of UTC epoch seconds
(`starts`, `ends`) with the business seconds before each (`before`): a reading is one `bisect`
and an addition, with no loop over days however far apart two instants are. The intervals are
built once, day by day, from the local wall times of the calendar in its zone made aware and
then UTC — so a day with a daylight-saving change has its true length — leaving out the
holidays; they are extended a year at a time when an instant lies past them.

Wall times that a daylight-saving change makes odd: a time that does not exist (02:30 on the
night the clocks go forward) is the instant the clocks jump; a time that happens twice (02:30
on the night they go back) is its first occurrence. Intervals that touch or overlap once made
UTC (22:00–24:00 and the next day's 00:00–06:00) are one.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from kpi_engine.calendars.model import MINUTES_A_DAY, BusinessCalendar

EPOCH = date(2000, 1, 1)  # readings count from local midnight of this day
LAST_YEAR = 2100  # readings stop growing after this year: a timestamp past it is a typo


class BusinessClock:
    """The business seconds from the epoch up to any instant, under one calendar."""

    def __init__(self, calendar: BusinessCalendar) -> None:
        self.calendar = calendar
        self.zone = calendar.zone
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.before: list[int] = []  # business seconds before each interval starts
        self.total = 0  # business seconds up to the end of the last interval
        self.last_year = EPOCH.year - 1  # intervals are built up to the end of this year
        self.built_until = self._midnight(EPOCH)  # the UTC second they are built up to
        self.origin = self.built_until

    # -- readings ---------------------------------------------------------------------------

    def reading(self, instant: datetime | float) -> int:
        """Business seconds from the epoch up to `instant` (an aware datetime or UTC epoch
        seconds); 0 before the epoch."""
        seconds = instant.timestamp() if isinstance(instant, datetime) else instant
        second = math.floor(seconds)
        if second >= self.built_until:
            self._build_through(second)
        index = bisect_right(self.starts, second) - 1
        if index < 0:
            return 0
        start, end = self.starts[index], self.ends[index]
        return self.before[index] + (second - start if second < end else end - start)

    def readings(self, instants: Iterable[float | None]) -> list[int | None]:
        """`reading` of each UTC epoch second value (None stays None), fast for many."""
        values = list(instants)
        known = [value for value in values if value is not None]
        if known:
            self._build_through(math.floor(max(known)))
        starts, ends, before, find = self.starts, self.ends, self.before, bisect_right
        floor = math.floor
        out: list[int | None] = []
        append = out.append
        for value in values:
            if value is None:
                append(None)
                continue
            second = floor(value)
            index = find(starts, second) - 1
            if index < 0:
                append(0)
                continue
            start, end = starts[index], ends[index]
            append(before[index] + (second - start if second < end else end - start))
        return out

    def between(self, earlier: datetime, later: datetime) -> int:
        """Business seconds from `earlier` to `later` (negative when `later` is earlier)."""
        return self.reading(later) - self.reading(earlier)

    # -- building the intervals -------------------------------------------------------------

    def _build_through(self, second: int) -> None:
        """Build the intervals up to the end of the local year holding UTC `second` (at most
        up to LAST_YEAR)."""
        if second < self.built_until or self.last_year >= LAST_YEAR:
            return
        year = min(datetime.fromtimestamp(second, self.zone).year, LAST_YEAR)
        year = max(year, date.today().year + 1) if self.last_year < EPOCH.year else year
        self._build_years(self.last_year + 1, year)

    def _build_years(self, first: int, last: int) -> None:
        if last < first:
            return
        off = self._days_off(first, last)
        week = self.calendar.week
        day = date(first, 1, 1)
        end = date(last + 1, 1, 1)
        one_day = timedelta(days=1)
        while day < end:
            intervals = week[day.weekday()]
            if intervals and day not in off:
                for start, stop in intervals:
                    self._add(self._instant(day, start), self._instant(day, stop))
            day += one_day
        self.last_year = last
        self.built_until = self._midnight(end)

    def _days_off(self, first: int, last: int) -> set[date]:
        off = {day for day in self.calendar.dates if first <= day.year <= last}
        if self.calendar.regions:
            import holidays

            for region in self.calendar.regions:
                country, _, subdivision = region.partition("-")
                off.update(holidays.country_holidays(
                    country, subdiv=subdivision or None, years=range(first, last + 1)))
        return off

    def _add(self, start: int, end: int) -> None:
        if end <= start:
            return
        if self.ends and start <= self.ends[-1]:  # touching or overlapping once made UTC
            if end > self.ends[-1]:
                self.total += end - self.ends[-1]
                self.ends[-1] = end
            return
        self.starts.append(start)
        self.ends.append(end)
        self.before.append(self.total)
        self.total += end - start

    def _midnight(self, day: date) -> int:
        return self._instant(day, 0)

    def _instant(self, day: date, minutes: int) -> int:
        """The UTC epoch second of local wall time `minutes` after midnight of `day` (24:00 is
        the next midnight): a time in a daylight-saving gap is the instant the clocks jump, a
        time that happens twice its first occurrence."""
        if minutes >= MINUTES_A_DAY:
            day, minutes = day + timedelta(days=1), minutes - MINUTES_A_DAY
        local = datetime(day.year, day.month, day.day, minutes // 60, minutes % 60,
                         tzinfo=self.zone)
        first = local.timestamp()  # fold=0: the earlier offset
        second = local.replace(fold=1).timestamp()
        if second >= first:  # an ordinary time (equal), or one that happens twice
            return int(first)
        return self._jump(int(second), int(first))  # in a gap: find where the clocks jump

    def _jump(self, low: int, high: int) -> int:
        """The first second in (low, high] whose UTC offset is the one at `high`."""
        after = datetime.fromtimestamp(high, self.zone).utcoffset()
        while high - low > 1:
            middle = (low + high) // 2
            if datetime.fromtimestamp(middle, self.zone).utcoffset() == after:
                high = middle
            else:
                low = middle
        return high
