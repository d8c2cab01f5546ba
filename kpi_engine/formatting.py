"""Numbers as a support lead reads them: 73.1%, 1 h 12 min, 5.4 / 7, +32, 1,204 — and the
steps of a trend: "Mon 9 Nov", "week of 9 Nov", "Nov 2026".

Slack-free, so the command line and the Slack cards say the same thing the same way.
"""

from __future__ import annotations

import re

from datetime import date

from kpi_engine.metrics import Metric
from kpi_engine.period_words import MONTH_ABBREVIATIONS, WEEKDAY_NAMES
from kpi_engine.vocabulary import Granularity, Unit

NO_DATA = "no data"


def format_duration(seconds: float) -> str:
    """42 s, 5 min 3 s, 1 h 12 min, 2 d 4 h."""
    seconds = round(seconds)
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    if days:
        parts = [f"{days} d", f"{hours} h" if hours else ""]
    elif hours:
        parts = [f"{hours} h", f"{minutes} min" if minutes else ""]
    elif minutes:
        parts = [f"{minutes} min", f"{secs} s" if secs and minutes < 10 else ""]
    else:
        parts = [f"{secs} s"]
    return sign + " ".join(part for part in parts if part)


def format_value(metric: Metric, value: float | None) -> str:
    """The value in the metric's unit, or "no data"."""
    if value is None:
        return NO_DATA
    match metric.unit:
        case Unit.RATIO:
            return f"{value * 100:.1f}%"
        case Unit.SECONDS:
            return format_duration(value)
        case Unit.COUNT:
            return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"
        case Unit.SCORE:
            if metric.scale and metric.scale[0] < 0:
                return f"{value:+.0f}"
            return f"{value:.2f} / {metric.scale[1]}" if metric.scale else f"{value:.2f}"


def format_change(metric: Metric, difference: float | None) -> str:
    """The change in the metric's unit: +2.3 pts, −4 min 10 s, +12, ±0.0 pts."""
    if difference is None:
        return "n/a"
    magnitude = abs(difference)
    match metric.unit:
        case Unit.RATIO:
            text = f"{magnitude * 100:.1f} pts"
        case Unit.SECONDS:
            text = format_duration(magnitude)
        case Unit.COUNT:
            text = f"{magnitude:,.0f}" if float(magnitude).is_integer() else f"{magnitude:,.2f}"
        case Unit.SCORE:
            text = f"{magnitude:.0f}" if metric.scale and metric.scale[0] < 0 else f"{magnitude:.2f}"
    if not any(digit in "123456789" for digit in text):
        return "±" + text  # rounds to nothing: no direction to show
    return ("+" if difference > 0 else "−") + text


def count_noun(metric: Metric) -> str:
    """What `n` counts: tickets, survey responses or survey requests."""
    if metric.survey_kind:
        return "response"
    return "request" if metric.id == "survey_response_rate" else "ticket"


SPARK_LEVELS = "▁▂▃▄▅▆▇█"
SPARK_GAP = "·"


def sparkline(values) -> str:
    """A tiny chart of `values` in one line of block characters, lowest to highest; a step
    without data is a dot. All equal values draw a flat middle line."""
    known = [value for value in values if value is not None]
    if not known:
        return SPARK_GAP * len(values)
    low, high = min(known), max(known)
    top = len(SPARK_LEVELS) - 1
    marks = []
    for value in values:
        if value is None:
            marks.append(SPARK_GAP)
        elif high == low:
            marks.append(SPARK_LEVELS[top // 2])
        else:
            marks.append(SPARK_LEVELS[round((value - low) / (high - low) * top)])
    return "".join(marks)


def describe_filters(filters) -> str:
    """"tier 1; channel chat or email", as the command line names filters."""
    return "; ".join(f"{f.dimension.value} {' or '.join(f.values)}" for f in filters)


def format_count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def bucket_label(step: Granularity, day: date, *, with_year: bool = False) -> str:
    """A trend's step as people name it: "Mon 9 Nov", "week of 9 Nov", "Nov 2026" (days and
    weeks carry the year when the trend spans more than one)."""
    month = MONTH_ABBREVIATIONS[day.month]
    year = f" {day.year}" if with_year else ""
    match step:
        case Granularity.DAY:
            return f"{WEEKDAY_NAMES[day.weekday()][:3]} {day.day} {month}{year}"
        case Granularity.WEEK:
            return f"week of {day.day} {month}{year}"
        case Granularity.MONTH:
            return f"{month} {day.year}"


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def printable_label(value: str) -> str:
    """A group's name on one line: tabs, line breaks and other control characters (which an
    imported name may carry) become one space, so a table's columns stay aligned."""
    return _CONTROL.sub(" ", value)


def group_labels(result) -> list[list[str]]:
    """The group cells of each row: its values ("(none)" for a missing one), or for a trend
    the bucket's label."""
    step = result.query.trend
    if step is None:
        return [["(none)" if v is None else printable_label(v) for _, v in row.group]
                for row in result.rows]
    days = [date.fromisoformat(row.group[0][1]) for row in result.rows]
    with_year = len({day.year for day in days}) > 1
    return [[bucket_label(step, day, with_year=with_year)] for day in days]


def describe_interval(metric: Metric, measurement) -> str:
    interval = measurement.interval
    if interval is None:
        return ""
    return f"95% CI {format_value(metric, interval.low)} – {format_value(metric, interval.high)}"


def describe_change(metric: Metric, change) -> str:
    """"+2.9 pts, larger than noise" / "within noise" / "no data to compare"."""
    if change.difference is None:
        return "no data to compare"
    text = format_change(metric, change.difference)
    if change.significant is True:
        return f"{text}, larger than noise (95%)"
    if change.significant is False:
        return f"{text}, within noise"
    return text


def render_text(result) -> str:
    """A KpiResult as a support lead reads it in a terminal."""
    metric = result.metric
    noun = count_noun(metric)
    lines = [f"{metric.label} — {result.period.describe()}"]
    headline = f"  {format_value(metric, result.value)}   n = {format_count(result.n, noun)}"
    interval = describe_interval(metric, result.current)
    if interval:
        headline += f"   {interval}"
    lines.append(headline)
    for name, value in result.current.details:
        lines.append(f"  {name.replace('_', ' ')}: {format_detail(metric, name, value)}")
    for name, value in result.current.percentiles:
        lines.append(f"  {name}: {format_value(metric, value)}")
    if result.change is not None:
        previous = result.change.previous
        lines.append(
            f"  previous: {format_value(metric, previous.value)} (n = {previous.n:,}) "
            f"{result.previous_period.describe()}"
        )
        lines.append(f"  change: {describe_change(metric, result.change)}")
    if result.query.filters:
        lines.append("  filters: " + describe_filters(result.query.filters))
    if result.rows:
        lines.append("")
        if result.query.worst_first and result.query.trend is None:
            lines.append("  worst first:")
        lines.extend("  " + line for line in render_table(result))
        if result.groups_total > len(result.rows):
            lines.append(f"  … and {result.groups_total - len(result.rows)} more")
    for assumption in result.query.assumptions:
        lines.append(f"  assumed: {assumption}")
    for note in result.notes:
        lines.append(f"  note: {note}")
    lines.append(f"  how computed: {result.definition}")
    return "\n".join(lines)


def render_line(result) -> str:
    """A KpiResult on one line, for answers printed one per question."""
    metric = result.metric
    parts = [f"{metric.label}, {result.period.describe()}: {format_value(metric, result.value)} "
             f"(n = {result.n:,})"]
    if result.change is not None:
        parts.append(f"previous {format_value(metric, result.change.previous.value)} "
                     f"({result.previous_period.label}), "
                     f"{describe_change(metric, result.change)}")
    if result.query.filters:
        parts.append(" and ".join(f"{f.dimension.value} {' or '.join(f.values)}"
                                  for f in result.query.filters))
    if result.rows and result.query.trend is not None:  # every step, in time order
        parts.append(f"by {result.query.trend.value}: " + ", ".join(
            f"{label} {format_value(metric, row.current.value)} (n = {row.current.n:,})"
            for [label], row in zip(group_labels(result), result.rows)))
    elif result.rows:
        shown = ", ".join(
            f"{' / '.join(labels)} "
            f"{format_value(metric, row.current.value)} (n = {row.current.n:,})"
            for labels, row in zip(group_labels(result)[:10], result.rows[:10]))
        more = result.groups_total - min(len(result.rows), 10)
        order = "worst first" if result.query.worst_first else "best first"
        by = " and ".join(d.value for d in result.query.group_by)
        parts.append(f"by {by}, {order}: {shown}" + (f" … and {more} more" if more else ""))
    parts.extend(f"assumed: {assumption}" for assumption in result.query.assumptions)
    return "; ".join(parts)


def format_detail(metric: Metric, name: str, value: float | None) -> str:
    if value is None:
        return NO_DATA
    if name == "mean_score":
        return f"{value:.2f} / {metric.scale[1]}"
    return f"{value * 100:.1f}%"


def render_table(result) -> list[str]:
    """The breakdown as aligned columns, best first; a trend's steps in time order."""
    metric = result.metric
    trend = result.query.trend
    keys = [trend.value] if trend is not None else [d.value for d in result.query.group_by]
    header = keys + [metric.label, "n"]
    percentiles = [name for name, _ in result.current.percentiles]
    header += percentiles
    compare = result.change is not None and trend is None  # a trend compares its total only
    if compare:
        header += ["previous", "change"]
    table = [header]
    for labels, row in zip(group_labels(result), result.rows):
        cells = labels + [format_value(metric, row.current.value), f"{row.current.n:,}"]
        known = dict(row.current.percentiles)  # a group or step without data has none
        cells += [format_value(metric, known.get(name)) for name in percentiles]
        if compare and row.change is not None:
            cells += [format_value(metric, row.change.previous.value), describe_change(metric, row.change)]
        table.append(cells)
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    return [
        "  ".join(cell.ljust(w) if i < len(keys) else cell.rjust(w) for i, (cell, w) in enumerate(zip(r, widths))).rstrip()
        for r in table
    ]
