"""Digest definitions: what a scheduled digest posts, where, when — and the rules on its KPIs.

A `DigestDefinition` is a name, a Slack channel, a local time and zone, the days it runs
(every day or weekdays), the period it covers (yesterday, last week or last month), filters,
and its KPIs. Each KPI may carry

- a target, the goal the digest judges it against ("fcr >= 75%": met / missed);
- a threshold, the floor an alert watches ("fcr >= 65%": an alert when it no longer holds);
- a change alert, a move for the worse large enough to tell ("csat: 10pts" against the
  previous 7 days, only when larger than noise).

Targets and thresholds are written as the healthy condition, in the KPI's unit: `75%` or
`0.75` for rates, `1h`, `30min`, `90s` for times, plain numbers for counts and scores.

`DigestDefinition.from_dict` is the one validation: command-line flags, the Slack modal, YAML
and TOML files and the database all go through it, so a stored definition is a valid one.
Every problem is collected by field in `DigestInvalid.errors`, for the modal to show beside
its input and the command line to list.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import time
from enum import Enum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kpi_engine.errors import UserError
from kpi_engine.formatting import format_duration
from kpi_engine.metrics import Metric, get_metric
from kpi_engine.periods import CalendarUnit
from kpi_engine.query import Filter, parse_dimension
from kpi_engine.vocabulary import Aggregation, Anchor, Dimension, Unit

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


class Comparison(Enum):
    """How a value must compare with a bound for the bound to hold."""

    AT_LEAST = ">="
    AT_MOST = "<="
    ABOVE = ">"
    BELOW = "<"

    @property
    def symbol(self) -> str:
        return {">=": "≥", "<=": "≤"}.get(self.value, self.value)

    def holds(self, value: float, bound: float) -> bool:
        match self:
            case Comparison.AT_LEAST:
                return value >= bound
            case Comparison.AT_MOST:
                return value <= bound
            case Comparison.ABOVE:
                return value > bound
            case Comparison.BELOW:
                return value < bound


_OPERATORS = {">=": Comparison.AT_LEAST, "=>": Comparison.AT_LEAST, "≥": Comparison.AT_LEAST,
              "<=": Comparison.AT_MOST, "=<": Comparison.AT_MOST, "≤": Comparison.AT_MOST,
              ">": Comparison.ABOVE, "<": Comparison.BELOW}
_RULE = re.compile(r"^\s*(?P<metric>[A-Za-z][\w ]*?)?\s*(?P<op>>=|=>|<=|=<|≥|≤|>|<)\s*"
                   r"(?P<value>\S.*?)\s*$")
_NUMBER = r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[+-]?\.\d+"
_DURATION_PART = re.compile(
    rf"({_NUMBER})\s*(days?|d|hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s)(?![a-z])", re.I)
_SECONDS_IN = {"d": 86_400, "h": 3_600, "m": 60, "s": 1}


def _number(text: str) -> float | None:
    text = text.strip()
    return float(text.replace(",", "")) if re.fullmatch(_NUMBER, text) else None


def parse_amount(metric: Metric, text: str) -> float:
    """A value in the metric's unit: `75%`/`0.75` (rates), `1h 30min`/`90s` (times), numbers."""
    text = text.strip()
    match metric.unit:
        case Unit.RATIO:
            if text.endswith("%") and (number := _number(text[:-1])) is not None:
                value = number / 100
            elif (number := _number(text)) is not None and 0 <= number <= 1:
                value = number
            elif (number := _number(text)) is not None:
                raise ValueError(f"{metric.id} is a rate: write {text}% or {number / 100:g}")
            else:
                raise ValueError(f"{text!r} is not a rate such as 75% or 0.75")
            if not 0 <= value <= 1:
                raise ValueError(f"{text} is not between 0% and 100%")
            return value
        case Unit.SECONDS:
            return parse_duration(text)
        case Unit.COUNT | Unit.SCORE:
            number = _number(text)
            if number is None:
                raise ValueError(f"{text!r} is not a number")
            low, high = metric.scale or (0, None)
            if number < low or (high is not None and number > high):
                scale = f"from {low} to {high}" if high is not None else f"at least {low}"
                raise ValueError(f"{metric.id} goes {scale}, not {text}")
            return number


def parse_duration(text: str) -> float:
    """`1h 30min`, `90s`, `2d`, `1.5h` or a bare number of seconds → seconds."""
    text = text.strip()
    if (number := _number(text)) is not None:
        seconds = number
    else:
        position, seconds = 0, 0.0
        for part in _DURATION_PART.finditer(text):
            if text[position:part.start()].strip():
                break
            seconds += float(part.group(1).replace(",", "")) * _SECONDS_IN[part.group(2)[0].lower()]
            position = part.end()
        if position == 0 or text[position:].strip():
            raise ValueError(f"{text!r} is not a duration such as 1h, 30min or 90s")
    if seconds < 0:
        raise ValueError(f"a duration cannot be negative ({text})")
    return seconds


def amount_text(metric: Metric, value: float) -> str:
    """A value as a rule writes it (and reads back): 75%, 1h30min, 2000000, 5.5."""
    match metric.unit:
        case Unit.RATIO:
            return f"{_plain(round(value * 100, 4))}%"
        case Unit.SECONDS:
            return compact_duration(value)
        case Unit.COUNT | Unit.SCORE:
            return _plain(value)


def _plain(number: float) -> str:
    """A number in full, without an exponent or trailing zeros: 2000000, 5.5, 12.3457."""
    if float(number).is_integer():
        return str(int(number))
    return f"{number:.6f}".rstrip("0").rstrip(".")


def compact_duration(seconds: float) -> str:
    """Seconds as the shortest exact duration: 3600 → 1h, 5400 → 1h30min, 90 → 1min30s."""
    if seconds != int(seconds):
        return f"{seconds:g}s"
    rest, parts = int(seconds), []
    for unit, size in (("d", 86_400), ("h", 3_600), ("min", 60), ("s", 1)):
        count, rest = divmod(rest, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0s"


@dataclass(frozen=True, kw_only=True)
class Bound:
    """A healthy condition on a KPI's value: "≥ 75%"."""

    comparison: Comparison
    value: float  # in the metric's unit: a fraction for rates, seconds for times

    def holds(self, value: float) -> bool:
        return self.comparison.holds(value, self.value)

    def describe(self, metric: Metric) -> str:
        """"≥ 75%", "≤ 1 h" — as people read it."""
        if metric.unit is Unit.SECONDS:
            shown = format_duration(self.value)
        elif metric.unit is Unit.RATIO:
            shown = amount_text(metric, self.value)
        else:
            shown = f"{self.value:,.6f}".rstrip("0").rstrip(".")
        return f"{self.comparison.symbol} {shown}"

    def to_text(self, metric: Metric) -> str:
        """">= 75%": what `parse_bound` reads back to this bound."""
        return f"{self.comparison.value} {amount_text(metric, self.value)}"


def parse_bound(text: str, metric: Metric | None = None) -> tuple[Metric, Bound]:
    """`fcr >= 75%` (or `>= 75%` when `metric` is known) → the metric and the bound."""
    found = _RULE.match(str(text))
    if found is None:
        raise ValueError(f"{text!r} is not a condition such as 'fcr >= 75%' or 'frt <= 1h'")
    named = found["metric"]
    if named:
        named_metric = get_metric(named)
        if metric is not None and named_metric.id != metric.id:
            raise ValueError(f"{text!r} names {named_metric.id}, not {metric.id}")
        metric = named_metric
    if metric is None:
        raise ValueError(f"{text!r} names no KPI: write it as 'fcr >= 75%'")
    return metric, Bound(comparison=_OPERATORS[found["op"]],
                         value=parse_amount(metric, found["value"]))


@dataclass(frozen=True, kw_only=True)
class ChangeAlert:
    """Tell when the KPI moved for the worse by at least `amount` against the previous
    7 days: points (rates) or the unit (times, scores), or a share of the baseline when
    `relative` (10% → 0.1). A KPI where neither way is better alerts either way."""

    amount: float
    relative: bool

    def describe(self, metric: Metric) -> str:
        if self.relative:
            return f"{round(self.amount * 100, 4):g}%"
        if metric.unit is Unit.RATIO:
            return f"{round(self.amount * 100, 4):g} pts"
        return format_duration(self.amount) if metric.unit is Unit.SECONDS \
            else f"{self.amount:g}"

    def to_text(self, metric: Metric) -> str:
        """"10pts", "10%", "5min": what `parse_change_alert` reads back."""
        if self.relative:
            return f"{round(self.amount * 100, 4):g}%"
        match metric.unit:
            case Unit.RATIO:
                return f"{round(self.amount * 100, 4):g}pts"
            case Unit.SECONDS:
                return compact_duration(self.amount)
            case _:
                return f"{self.amount:g}"


_POINTS = re.compile(rf"^({_NUMBER})\s*(?:pts?|points?|pp)$", re.I)


def parse_change_alert(metric: Metric, text: str) -> ChangeAlert:
    """`10pts`, `10%`, `5min`, `0.5` for `metric` → a change alert."""
    text = str(text).strip().lstrip("-+").strip()
    if metric.anchor is Anchor.PERIOD_END:
        raise ValueError(f"{metric.id} is a level at a moment, with no change test: give it "
                         "a threshold instead")
    if text.endswith("%"):
        number = _number(text[:-1])
        if number is None or number <= 0:
            raise ValueError(f"{text!r} is not a percentage such as 10%")
        return ChangeAlert(amount=number / 100, relative=True)
    if metric.aggregation is Aggregation.COUNT:
        raise ValueError(f"{metric.id} is a count: give the change as a percentage, e.g. 30%")
    if metric.unit is Unit.RATIO:
        points = _POINTS.match(text)
        if points is None:
            raise ValueError(f"{text!r} is not a change of a rate such as 10pts or 10%")
        return ChangeAlert(amount=float(points.group(1).replace(",", "")) / 100, relative=False)
    amount = parse_duration(text) if metric.unit is Unit.SECONDS else _number(text)
    if amount is None or amount <= 0:
        raise ValueError(f"{text!r} is not a change such as 10% or {amount_text(metric, 1)}")
    return ChangeAlert(amount=amount, relative=False)


@dataclass(frozen=True, kw_only=True)
class DigestKpi:
    """One KPI of a digest, with its optional target, threshold and change alert."""

    metric: str
    target: Bound | None = None
    threshold: Bound | None = None
    change_alert: ChangeAlert | None = None

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
        return {"metric": self.metric, **rules} if rules else self.metric


class Days(Enum):
    DAILY = "daily"
    WEEKDAYS = "weekdays"

    @property
    def words(self) -> str:
        return "every day" if self is Days.DAILY else "weekdays"


_DAY_WORDS = {"daily": Days.DAILY, "every day": Days.DAILY, "everyday": Days.DAILY,
              "all": Days.DAILY, "weekdays": Days.WEEKDAYS, "weekday": Days.WEEKDAYS,
              "workdays": Days.WEEKDAYS, "mon-fri": Days.WEEKDAYS,
              "monday to friday": Days.WEEKDAYS}
# A channel id (C…, G…, D…), bare or as Slack writes a channel link: <#C0123|support>.
_CHANNEL = re.compile(r"^(?:<#(?P<linked>[CGD][A-Z0-9]+)(?:\|[^>]*)?>|(?P<id>[CGD][A-Z0-9]+))$")
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
    found = _CHANNEL.match(str(value).strip())
    if found is None:
        raise ValueError(f"{value!r} is not a Slack channel id: use the id (C…) from the "
                         "channel's details, or pick the channel in Slack")
    return found["linked"] or found["id"]


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
    days = _DAY_WORDS.get(" ".join(str(value).lower().split()))
    if days is None:
        raise ValueError(f"{value!r}: a digest runs daily or on weekdays")
    return days


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
    extra = sorted(set(entry) - {"metric", "target", "threshold", "change_alert"})
    if extra:
        raise ValueError(f"{', '.join(extra)}: a KPI has metric, target, threshold and "
                         "change_alert")
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
    return DigestKpi(metric=metric.id, **rules)



_CHANGE_RULE = re.compile(r"^\s*(?P<metric>[A-Za-z][\w ]*?)\s*[: ]\s*(?P<amount>\S.*?)\s*$")


def definition_from_parts(fields: Mapping[str, Any], kpis: Iterable[str], *,
                          targets: Iterable[str] = (), thresholds: Iterable[str] = (),
                          change_alerts: Iterable[str] = (), default_tz: str = "UTC",
                          digest_id: str | None = None) -> DigestDefinition:
    """A definition from the way people type one (command-line flags, the Slack modal): the
    KPIs by name, and the rules as lines naming their KPI — `fcr >= 75%` for targets and
    thresholds, `csat: 10pts` for change alerts. A rule's problems are reported under
    "targets", "thresholds" or "change_alerts"; the rest as `from_dict` reports them."""
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
