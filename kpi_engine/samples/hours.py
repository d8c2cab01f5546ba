"""The generated range hour by hour: `HourCalendar` (per-hour tables of how many tickets each
hour gets — the weekly and daily rhythm of `desk.py`, a mild trend, day-to-day noise and the
outage week — its local day and when the asynchronous queues next open) and
`TimestampFormatter` (the ISO 8601 text of an instant in the desk's zone, its expensive part
cached per hour). tickets.py draws the tickets from them.
"""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from kpi_engine.samples import desk
from kpi_engine.samples.spec import SampleSpec


class TimestampFormatter:
    """ISO 8601 text of integer epoch seconds in a zone, equal to
    `datetime.fromtimestamp(ts, zone).isoformat()`, with the expensive part cached per hour."""

    def __init__(self, zone: ZoneInfo) -> None:
        self._zone = zone
        self._offsets: dict[int, tuple[int, str]] = {}
        self._prefixes: dict[int, str] = {}

    def __call__(self, ts: int) -> str:
        hour = ts // 3600
        entry = self._offsets.get(hour)
        if entry is None:
            entry = self._offset(hour)
        local = ts + entry[0]
        local_hour, rest = divmod(local, 3600)
        prefix = self._prefixes.get(local_hour)
        if prefix is None:
            moment = datetime.fromtimestamp(local_hour * 3600, timezone.utc)
            prefix = moment.strftime("%Y-%m-%dT%H:")
            self._prefixes[local_hour] = prefix
        minute, second = divmod(rest, 60)
        return f"{prefix}{minute:02d}:{second:02d}{entry[1]}"

    def _offset(self, hour: int) -> tuple[int, str]:
        moment = datetime.fromtimestamp(hour * 3600, self._zone)
        offset = moment.utcoffset() or timedelta(0)
        seconds = int(offset.total_seconds())
        suffix = moment.isoformat()[19:]  # "+HH:MM" (or "+HH:MM:SS" for odd historic offsets)
        entry = (seconds, suffix)
        self._offsets[hour] = entry
        return entry


class HourCalendar:
    """Per-hour tables of the generated range: how many tickets each hour gets, its local
    day, the outage level of that day, and when the asynchronous queues next open."""

    def __init__(self, spec: SampleSpec, rng: random.Random) -> None:
        zone = ZoneInfo(spec.tz)
        self.end = spec.end.timestamp()
        self.start = self.end - spec.days * 86400
        first_hour = math.floor(self.start / 3600)
        last_hour = math.ceil(self.end / 3600)  # exclusive
        horizon = last_hour + 24 * 5  # business hours looked up past the end
        self.hour0 = first_hour
        self.slot_count = last_hour - first_hour

        first_day = None
        day_of_slot: list[int] = []
        weekday_of_slot: list[int] = []
        local_hour_of_slot: list[int] = []
        business: list[bool] = []
        for hour in range(first_hour, horizon):
            local = datetime.fromtimestamp(hour * 3600 + 1800, zone)
            if first_day is None:
                first_day = local.toordinal()
            day_of_slot.append(local.toordinal() - first_day)
            weekday_of_slot.append(local.weekday())
            local_hour_of_slot.append(local.hour)
            opening, closing = desk.WEEKDAY_OPEN if local.weekday() < 5 else desk.WEEKEND_OPEN
            business.append(opening <= local.hour < closing)
        self.day_of_slot = day_of_slot
        self.business = business

        # When the next business hour starts, for slots outside business hours.
        next_open: list[int | None] = [None] * len(business)
        upcoming = horizon * 3600
        for k in range(len(business) - 1, -1, -1):
            if business[k]:
                upcoming = (first_hour + k) * 3600
            else:
                next_open[k] = upcoming
        self.next_open = next_open

        days_spanned = day_of_slot[self.slot_count - 1] + 1
        weekday_of_day = {day: weekday_of_slot[k] for k, day in enumerate(day_of_slot)}
        # The outage week starts on a weekday 55-70% of the way through the range.
        outage_day = rng.randint(int(days_spanned * 0.55), int(days_spanned * 0.70))
        while weekday_of_day.get(outage_day, 0) >= 3:  # starts Monday to Wednesday
            outage_day += 1
        self.outage_day = outage_day
        self.outage_by_day = {outage_day + i: level for i, level in enumerate(desk.OUTAGE_LEVELS)}

        day_noise = [math.exp(rng.gauss(0.0, 0.08)) for _ in range(days_spanned + 2)]
        weights: list[float] = []
        for k in range(self.slot_count):
            slot_start = (first_hour + k) * 3600
            overlap = min(slot_start + 3600, self.end) - max(slot_start, self.start)
            if overlap <= 0:
                weights.append(0.0)
                continue
            day = day_of_slot[k]
            curve = desk.WEEKDAY_HOURS if weekday_of_slot[k] < 5 else desk.WEEKEND_HOURS
            base = curve[local_hour_of_slot[k]]
            progress = (slot_start - self.start) / (self.end - self.start)
            trend = 1.0 + 0.2 * progress
            outage = 1.0 + 0.9 * self.outage_by_day.get(day, 0.0)
            noise = day_noise[day] * math.exp(rng.gauss(0.0, 0.1))
            weights.append(base * trend * outage * noise * overlap / 3600)
        self.weights = weights

    def counts(self, tickets: int) -> list[int]:
        """Tickets per hour slot, in proportion to the weights, summing to `tickets`."""
        total = sum(self.weights)
        counts: list[int] = []
        cumulative, previous = 0.0, 0
        for weight in self.weights:
            cumulative += weight
            target = round(tickets * cumulative / total) if total else 0
            counts.append(target - previous)
            previous = target
        counts[-1] += tickets - previous
        return counts
