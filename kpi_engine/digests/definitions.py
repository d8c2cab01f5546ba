"""Digest definitions: what a scheduled digest posts, where, when — and the rules on its KPIs.

A `DigestDefinition` is a name, a Slack channel, a local time and zone, the days it runs
(`Days`: every day, weekdays, named days of the week — `mon,thu` — or one day of each month,
`monthly:1`; "the 31st" runs on the last day of a shorter month), the period it covers
(yesterday, last week or last month), filters, and its KPIs. Each KPI may carry

- a target, the goal the digest judges it against ("fcr >= 75%": met / missed);
- a threshold, the floor an alert watches ("fcr >= 65%": an alert when it no longer holds);
- a change alert, a move for the worse large enough to tell ("csat: 10pts" against the
  previous 7 days, only when larger than noise);
- `business_hours`, for a time (frt, resolution_time, service_level): counted in business
  hours only (`{metric: frt, business_hours: true}`); its target stays `frt <= 1h`.

Targets and thresholds are written as the healthy condition, in the KPI's unit (the rule
language is rules.py): `75%` or `0.75` for rates, `1h`, `30min`, `90s` for times,
plain numbers for counts and scores.

`DigestDefinition.from_dict` is the one validation: command-line flags, the Slack modal, YAML
and TOML files and the database all go through it, so a stored definition is a valid one.
Every problem is collected by field in `DigestInvalid.errors`, for the modal to show beside
its input and the command line to list.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any, ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kpi_engine.desk.ids import channel_id
from kpi_engine.digests.rules import (
    Bound,
    ChangeAlert,
    parse_bound,
    parse_change_alert,
)
from kpi_engine.errors import UserError
from kpi_engine.metrics import Metric, get_metric
from kpi_engine.periods import CalendarUnit
from kpi_engine.query import Filter, parse_dimension
from kpi_engine.vocabulary import Dimension

MAX_KPIS = 12
MAX_NAME = 80
# The periods a digest can cover, each a whole calendar unit that has ended when it posts.
DIGEST_PERIODS: dict[str, CalendarUnit] = {
    "yesterday": CalendarUnit.DAY, "last week": CalendarUnit.WEEK,
    "last month": CalendarUnit.MONTH,
}
FIELDS = ("name", "channel", "at", "tz", "days", "period", "where", "kpis")
RULE_FIELDS = ("target", "threshold", "change_alert")


class DigestInvalid(UserError):
    """A digest definition with problems; `errors` maps each field to what is wrong with it."""

    def __init__(self, errors: Mapping[str, str], suggestions: Iterable[str] = ()) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{name}: {problem}" for name, problem in self.errors.items()),
                         list(suggestions))


@dataclass(frozen=True, kw_only=True)
class DigestKpi:
    """One KPI of a digest, with its optional target, threshold and change alert, counted in
    business hours when `business_hours`."""

    metric: str
    target: Bound | None = None
    threshold: Bound | None = None
    change_alert: ChangeAlert | None = None
    business_hours: bool = False

    @property
    def metric_entry(self) -> Metric:
        return get_metric(self.metric)

    @property
    def alerts(self) -> bool:
        return self.threshold is not None or self.change_alert is not None

    def to_dict(self) -> str | dict[str, str]:
        """The bare metric id, or a mapping with its rules."""
        metric = self.metric_entry
        rules = {}
        if self.target is not None:
            rules["target"] = self.target.to_text(metric)
        if self.threshold is not None:
            rules["threshold"] = self.threshold.to_text(metric)
        if self.change_alert is not None:
            rules["change_alert"] = self.change_alert.to_text(metric)
        if self.business_hours:
            rules["business_hours"] = True
        return {"metric": self.metric, **rules} if rules else self.metric


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


_TIME = re.compile(r"^(?P<h>\d{1,2})(?::(?P<m>\d{2}))?\s*(?P<half>am|pm)?$", re.I)


@dataclass(frozen=True, kw_only=True)
class DigestDefinition:
    """A scheduled digest. `id` is given by the store (None before it is stored)."""

    name: str
    channel_id: str
    at: time
    tz: str
    kpis: tuple[DigestKpi, ...]
    days: Days = Days.DAILY
    period: str = "yesterday"
    filters: tuple[Filter, ...] = ()
    id: str | None = field(default=None, compare=False)

    @property
    def key(self) -> str:
        """The name as names are compared: case folded."""
        return name_key(self.name)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)

    @property
    def unit(self) -> CalendarUnit:
        return DIGEST_PERIODS[self.period]

    def to_dict(self) -> dict[str, Any]:
        """The definition as a YAML/TOML file entry (what `from_dict` reads back)."""
        data: dict[str, Any] = {
            "name": self.name, "channel": self.channel_id, "at": self.at.strftime("%H:%M"),
            "tz": self.tz, "days": self.days.value, "period": self.period,
        }
        if self.filters:
            data["where"] = {f.dimension.value: list(f.values) for f in self.filters}
        data["kpis"] = [kpi.to_dict() for kpi in self.kpis]
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, default_tz: str = "UTC",
                  digest_id: str | None = None) -> DigestDefinition:
        """Validate a definition given as a mapping; DigestInvalid lists every problem."""
        if not isinstance(data, Mapping):
            raise DigestInvalid({"digest": "a digest is a table of name, channel, at, kpis, …"})
        errors: dict[str, str] = {}
        unknown = sorted(set(data) - set(FIELDS))
        if unknown:
            errors["digest"] = (f"unknown field{'s' if len(unknown) > 1 else ''} "
                                f"{', '.join(map(repr, unknown))}: the fields are "
                                f"{', '.join(FIELDS)}")

        def read(name: str, parse, default=None):
            value = data.get(name)
            if value is None or (isinstance(value, str) and not value.strip()):
                if default is not None:
                    return default
                errors[name] = "missing"
                return None
            try:
                return parse(value)
            except UserError as problem:
                hint = f" (did you mean {' or '.join(problem.suggestions[:3])}?)" \
                    if problem.suggestions else ""
                errors[name] = problem.message + hint
            except ValueError as problem:
                errors[name] = str(problem)
            return None

        name = read("name", _name)
        channel = read("channel", _channel)
        at = read("at", _time)
        tz = read("tz", _zone, default_tz)
        days = read("days", _days, Days.DAILY)
        period = read("period", _period, "yesterday")
        filters = read("where", _filters, ())
        kpis = read("kpis", _kpis)
        if errors:
            raise DigestInvalid(errors)
        return cls(name=name, channel_id=channel, at=at, tz=tz, days=days, period=period,
                   filters=filters, kpis=kpis, id=digest_id)


def name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def _name(value: Any) -> str:
    name = " ".join(str(value).split())
    if len(name) > MAX_NAME:
        raise ValueError(f"at most {MAX_NAME} characters")
    if any(not character.isprintable() for character in name):
        raise ValueError("control characters are not allowed")
    return name


def _channel(value: Any) -> str:
    found = channel_id(value)
    if found is None:
        raise ValueError(f"{value!r} is not a Slack channel id: use the id (C…) from the "
                         "channel's details, or pick the channel in Slack")
    return found


def _time(value: Any) -> time:
    if isinstance(value, time):
        return value.replace(second=0, microsecond=0, tzinfo=None)
    if isinstance(value, int) and not isinstance(value, bool):  # YAML reads 09:00 as minutes
        value = f"{value // 60}:{value % 60:02d}"
    found = _TIME.match(str(value).strip())
    hour = int(found["h"]) if found else -1
    minute = int(found["m"] or 0) if found else -1
    if found and found["half"]:
        if not 1 <= hour <= 12:
            hour = -1
        else:
            hour = hour % 12 + (12 if found["half"].lower() == "pm" else 0)
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise ValueError(f"{value!r} is not a time of day such as 09:00 or 17:30")
    return time(hour, minute)


def _zone(value: Any) -> str:
    text = str(value).strip()
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {text!r}: use an IANA name such as Europe/Berlin "
                         "or America/New_York") from None
    return text


def _days(value: Any) -> Days:
    return parse_days(value)


def _period(value: Any) -> str:
    period = " ".join(str(value).lower().split())
    if period not in DIGEST_PERIODS:
        raise ValueError(f"{value!r}: a digest covers {', '.join(DIGEST_PERIODS)}")
    return period


def _filters(value: Any) -> tuple[Filter, ...]:
    if isinstance(value, Mapping):
        items = []
        for dimension, values in value.items():
            listed = values if isinstance(values, list | tuple) else str(values).split(",")
            items.append(Filter(dimension=parse_dimension(str(dimension)),
                                values=tuple(str(v) for v in listed)))
    elif isinstance(value, list | tuple):
        items = [Filter.parse(str(item)) for item in value]
    else:
        items = [Filter.parse(part) for part in str(value).replace(";", " ").split()]
    if any(f.dimension is Dimension.KIND for f in items):
        raise ValueError("a digest cannot filter by survey kind: it shows the survey "
                         "response rate of each kind beside CSAT and CES")
    if len({f.dimension for f in items}) != len(items):
        raise ValueError("a dimension is filtered twice; give its values once, comma-separated")
    return tuple(items)


def _kpis(value: Any) -> tuple[DigestKpi, ...]:
    entries = value if isinstance(value, list | tuple) else \
        [part.strip() for part in str(value).split(",") if part.strip()]
    if not entries:
        raise ValueError("name at least one KPI")
    kpis = [_kpi(entry) for entry in entries]
    if len(kpis) > MAX_KPIS:
        raise ValueError(f"at most {MAX_KPIS} KPIs in one digest (split it in two)")
    seen = [kpi.metric for kpi in kpis]
    twice = sorted({metric for metric in seen if seen.count(metric) > 1})
    if twice:
        raise ValueError(f"{', '.join(twice)} named twice")
    return tuple(kpis)


def _kpi(entry: Any) -> DigestKpi:
    if isinstance(entry, str):
        return DigestKpi(metric=get_metric(entry).id)
    if not isinstance(entry, Mapping) or "metric" not in entry:
        raise ValueError(f"{entry!r}: a KPI is a name, or a table with metric and its rules")
    extra = sorted(set(entry) - {"metric", "target", "threshold", "change_alert",
                                 "business_hours"})
    if extra:
        raise ValueError(f"{', '.join(extra)}: a KPI has metric, target, threshold, "
                         "change_alert and business_hours")
    metric = get_metric(str(entry["metric"]))
    rules: dict[str, Any] = {}
    for rule in ("target", "threshold"):
        if entry.get(rule) not in (None, ""):
            try:
                rules[rule] = parse_bound(str(entry[rule]), metric)[1]
            except (ValueError, UserError) as problem:
                reason = getattr(problem, "message", None) or str(problem)
                raise ValueError(f"{metric.id} {rule}: {reason}") from None
    if entry.get("change_alert") not in (None, ""):
        try:
            rules["change_alert"] = parse_change_alert(metric, entry["change_alert"])
        except ValueError as problem:
            raise ValueError(f"{metric.id} change alert: {problem}") from None
    business_hours = entry.get("business_hours", False)
    if business_hours not in (True, False, None):
        raise ValueError(f"{metric.id} business_hours: true or false, not {business_hours!r}")
    if business_hours and metric.business_hours is None:
        raise ValueError(f"{metric.id} is not counted in business hours: business hours apply "
                         "to frt, resolution_time and service_level")
    return DigestKpi(metric=metric.id, business_hours=bool(business_hours), **rules)



_CHANGE_RULE = re.compile(r"^\s*(?P<metric>[A-Za-z][\w ]*?)\s*[: ]\s*(?P<amount>\S.*?)\s*$")


def definition_from_parts(fields: Mapping[str, Any], kpis: Iterable[str], *,
                          targets: Iterable[str] = (), thresholds: Iterable[str] = (),
                          change_alerts: Iterable[str] = (), business_hours: Iterable[str] = (),
                          default_tz: str = "UTC",
                          digest_id: str | None = None) -> DigestDefinition:
    """A definition from the way people type one (command-line flags, the Slack modal): the
    KPIs by name, and the rules as lines naming their KPI — `fcr >= 75%` for targets and
    thresholds, `csat: 10pts` for change alerts —, and the KPIs counted in business hours. A
    rule's problems are reported under "targets", "thresholds", "change_alerts" or
    "business_hours"; the rest as `from_dict` reports them."""
    entries: dict[str, dict[str, str]] = {}
    for item in filter(None, (str(part).strip() for part in kpis)):
        try:
            metric_id = get_metric(item).id
        except UserError:  # reported by from_dict with everything else
            metric_id = item
        entries.setdefault(metric_id, {"metric": metric_id})
    errors: dict[str, str] = {}
    for group, rule, lines in (("targets", "target", targets),
                               ("thresholds", "threshold", thresholds),
                               ("change_alerts", "change_alert", change_alerts)):
        for line in filter(None, (str(text).strip() for text in lines)):
            try:
                if rule == "change_alert":
                    found = _CHANGE_RULE.match(line)
                    if found is None:
                        raise ValueError(f"{line!r} is not KPI: AMOUNT, such as 'csat: 10pts'")
                    metric, amount = get_metric(found["metric"]), found["amount"]
                    parse_change_alert(metric, amount)
                else:
                    metric, _ = parse_bound(line)
                    amount = line
            except (ValueError, UserError) as problem:
                errors[group] = getattr(problem, "message", None) or str(problem)
                continue
            if metric.id not in entries:
                errors[group] = f"{line!r} is about {metric.id}, which is not among the KPIs"
                continue
            entries[metric.id][rule] = amount
    for item in filter(None, (str(part).strip() for part in business_hours)):
        try:
            metric = get_metric(item)
        except UserError as problem:
            errors["business_hours"] = problem.message
            continue
        if metric.id not in entries:
            errors["business_hours"] = f"{metric.id} is not among the KPIs"
            continue
        entries[metric.id]["business_hours"] = True
    data = dict(fields) | {"kpis": [entry if len(entry) > 1 else entry["metric"]
                                    for entry in entries.values()] or None}
    try:
        definition = DigestDefinition.from_dict(data, default_tz=default_tz,
                                                digest_id=digest_id)
    except DigestInvalid as invalid:
        raise DigestInvalid(invalid.errors | errors, invalid.suggestions) from None
    if errors:
        raise DigestInvalid(errors)
    return definition
