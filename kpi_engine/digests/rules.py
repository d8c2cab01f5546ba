"""The rules on a digest's KPIs, as people write them: a condition in the KPI's unit —
`fcr >= 75%`, `frt <= 1h`, `backlog <= 200`, `ces >= 5.5` — and a change alert's amount —
`10pts`, `20%`, `5min`. Each reads back what it writes (`to_text`) and is said in words for
people (`describe`): "≥ 75%", "≤ 1 h".

Rates are written `75%` or `0.75`, times `1h`, `30min`, `1h30min`, `90s` (a bare number is
seconds), counts and scores as plain numbers, within the KPI's scale.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from kpi_engine.formatting import format_duration
from kpi_engine.metrics import Metric, get_metric
from kpi_engine.vocabulary import Aggregation, Anchor, Unit


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
