"""Numbers as a support lead reads them: 73.1%, 1 h 12 min, 5.4 / 7, +32, 1,204 — the steps
of a trend: "Mon 9 Nov", "week of 9 Nov", "Nov 2026" — and the words around them: the filters
("tier 1; excluding channel chat"), the statistic that is the value ("Median first response
time"), a threshold ("agents with CSAT under 80.0%: 4 of 21 agents"), the groups too few to
rank, the calendar of an answer in business hours.

Slack-free, so the command line and the Slack cards say the same thing the same way.
"""

from __future__ import annotations

import re
from datetime import date

from kpi_engine.metrics import Metric
from kpi_engine.periods.words import MONTH_ABBREVIATIONS, WEEKDAY_NAMES
from kpi_engine.vocabulary import Dimension, Granularity, Statistic, Unit

NO_DATA = "no data"
THRESHOLD_WORDS = {"<": "under", "<=": "at most", ">": "over", ">=": "at least"}
MAX_UNRANKED_SHOWN = 20  # groups named on the "too few to rank" line; the rest are counted
_PLURALS = {Dimension.PRIORITY: "priorities"}


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
            whole = metric.scale and metric.scale[0] < 0
            text = f"{magnitude:.0f}" if whole else f"{magnitude:.2f}"
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


def describe_filter(condition) -> str:
    """"channel chat or email"; an exclusion: "excluding channel chat and email"."""
    if condition.exclude:
        return f"excluding {condition.dimension.value} {' and '.join(condition.values)}"
    return f"{condition.dimension.value} {' or '.join(condition.values)}"


def describe_filters(filters) -> str:
    """"tier 1; channel chat or email; excluding team billing", as the command line names
    filters."""
    return "; ".join(describe_filter(condition) for condition in filters)


def value_label(metric: Metric, statistic: Statistic | None = None) -> str:
    """What the value is: the KPI's label, or the statistic of it ("Median first response
    time", "P90 handle time")."""
    if statistic is None or statistic is Statistic.MEAN:
        return metric.label
    label = metric.label.removeprefix("Average ")
    word = "Median" if statistic is Statistic.MEDIAN else "P90"
    return f"{word} {label[0].lower()}{label[1:]}"


def short_label(metric: Metric, statistic: Statistic | None = None) -> str:
    """The KPI in the middle of a sentence: "CSAT", "first response time", "median handle
    time"."""
    label = value_label(metric, statistic)
    if "(" in label and label.endswith(")"):
        return label[label.index("(") + 1:-1]
    return label[0].lower() + label[1:]


def group_noun(group_by, *, plural: bool = True) -> str:
    """What a breakdown's groups are: "agents", "priorities", "team and agent pairs"."""
    if len(group_by) == 1:
        dimension = group_by[0]
        return _PLURALS.get(dimension, dimension.value + "s") if plural else dimension.value
    return " and ".join(dimension.value for dimension in group_by) + (" pairs" if plural
                                                                       else " pair")


def threshold_phrase(result) -> str:
    """"agents with CSAT under 80.0%: 4 of 21 agents", or when none passes, "no agent has CSAT
    under 80.0% (21 agents measured)"; "" without a threshold."""
    threshold, query = result.query.threshold, result.query
    if threshold is None:
        return ""
    condition = (f"{short_label(result.metric, query.statistic)} "
                 f"{THRESHOLD_WORDS[threshold.op]} {format_value(result.metric, threshold.value)}")
    measured = result.groups_measured
    measured_noun = group_noun(query.group_by, plural=measured != 1)
    passed = result.groups_total + len(result.unranked)
    if passed == 0:
        phrase = f"no {group_noun(query.group_by, plural=False)} has {condition}"
        return phrase + (f" ({measured:,} {measured_noun} measured)" if measured else "")
    return (f"{group_noun(query.group_by)} with {condition}: {passed:,} of {measured:,} "
            f"{measured_noun}")


def unranked_phrase(result, labels: list[str] | None = None) -> str:
    """"too few to rank (fewer than 10 responses): Hana Kim (n = 3), Tom Nguyen (n = 1)"; ""
    when every group was ranked. `labels`: the groups' names (default: as `group_labels`)."""
    if result.ranking is None or not result.unranked:
        return ""
    if labels is None:
        labels = [" / ".join(cells) for cells in group_labels(result, result.unranked)]
    records = count_noun(result.metric) + ("" if result.ranking.min_n == 1 else "s")
    named = [f"{label} (n = {row.current.n:,})"
             for label, row in zip(labels[:MAX_UNRANKED_SHOWN], result.unranked)]
    more = len(result.unranked) - len(named)
    return (f"too few to rank (fewer than {result.ranking.min_n:,} {records}): "
            + ", ".join(named) + (f" … and {more:,} more" if more > 0 else ""))


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


def group_labels(result, rows=None) -> list[list[str]]:
    """The group cells of each row (of `rows`, default the result's): its values ("(none)" for
    a missing one), or for a trend the bucket's label."""
    step = result.query.trend
    if step is None:
        return [["(none)" if v is None else printable_label(v) for _, v in row.group]
                for row in (result.rows if rows is None else rows)]
    days = [date.fromisoformat(row.group[0][1]) for row in result.rows]
    with_year = len({day.year for day in days}) > 1
    return [[bucket_label(step, day, with_year=with_year)] for day in days]


def describe_interval(metric: Metric, measurement) -> str:
    interval = measurement.interval
    if interval is None:
        return ""
    return f"95% CI {format_value(metric, interval.low)} – {format_value(metric, interval.high)}"


def describe_change(metric: Metric, change, statistic: Statistic | None = None) -> str:
    """"+2.9 pts, larger than noise" / "within noise" / "no data to compare"; a median's or
    p90's change: "no noise test for a median"."""
    if change.difference is None:
        return "no data to compare"
    text = format_change(metric, change.difference)
    if statistic is not None and statistic is not Statistic.MEAN:
        return f"{text}, no noise test for a {statistic.value}"
    if change.significant is True:
        return f"{text}, larger than noise (95%)"
    if change.significant is False:
        return f"{text}, within noise"
    return text


def render_text(result) -> str:
    """A KpiResult as a support lead reads it in a terminal."""
    metric, statistic = result.metric, result.query.statistic
    noun = count_noun(metric)
    lines = [f"{value_label(metric, statistic)} — {result.period.describe()}"]
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
        lines.append(f"  change: {describe_change(metric, result.change, statistic)}")
    if result.query.filters:
        lines.append("  filters: " + describe_filters(result.query.filters))
    threshold = threshold_phrase(result)
    if threshold or result.rows or result.unranked:
        lines.append("")
    if threshold:
        lines.append(f"  {threshold}")
    if result.rows:
        if result.query.worst_first and result.query.trend is None:
            lines.append("  worst first:")
        lines.extend("  " + line for line in render_table(result))
        if result.groups_total > len(result.rows):
            lines.append(f"  … and {result.groups_total - len(result.rows)} more")
    unranked = unranked_phrase(result)
    if unranked:
        lines.append(f"  {unranked}")
    for assumption in result.query.assumptions:
        lines.append(f"  assumed: {assumption}")
    for note in result.notes:
        lines.append(f"  note: {note}")
    if result.query.business_hours:
        lines.append(f"  {calendar_line(result)}")
    lines.append(f"  how computed: {result.definition}")
    return "\n".join(lines)


def calendar_line(result) -> str:
    """"in business hours: Mon–Fri 09:00–17:00 Europe/Berlin, DE-BE holidays" — the calendar a
    business-hours answer was counted on ("" for any other)."""
    if not result.query.business_hours:
        return ""
    return f"in business hours: {result.calendar or 'the workspace calendar'}"


def render_line(result) -> str:
    """A KpiResult on one line, for answers printed one per question."""
    metric, statistic = result.metric, result.query.statistic
    parts = [f"{value_label(metric, statistic)}, {result.period.describe()}: "
             f"{format_value(metric, result.value)} (n = {result.n:,})"]
    if statistic is not None:
        parts.extend(f"{name} {format_detail(metric, name, value)}"
                     for name, value in result.current.details if name == "mean")
    if result.change is not None:
        parts.append(f"previous {format_value(metric, result.change.previous.value)} "
                     f"({result.previous_period.label}), "
                     f"{describe_change(metric, result.change, statistic)}")
    if result.query.filters:
        parts.append(", ".join(describe_filter(f) for f in result.query.filters))
    if result.query.threshold is not None:
        parts.append(threshold_phrase(result))
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
    if result.unranked:
        parts.append(unranked_phrase(result))
    parts.extend(f"assumed: {assumption}" for assumption in result.query.assumptions)
    if result.query.business_hours:
        parts.append(calendar_line(result))
    return "; ".join(parts)


def format_detail(metric: Metric, name: str, value: float | None) -> str:
    if value is None:
        return NO_DATA
    if name == "mean":  # beside a median or p90: the mean, in the KPI's unit
        return format_value(metric, value)
    if name == "mean_score":
        return f"{value:.2f} / {metric.scale[1]}"
    return f"{value * 100:.1f}%"


def render_table(result) -> list[str]:
    """The breakdown as aligned columns, best first; a trend's steps in time order."""
    metric = result.metric
    trend = result.query.trend
    keys = [trend.value] if trend is not None else [d.value for d in result.query.group_by]
    header = keys + [value_label(metric, result.query.statistic), "n"]
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
            cells += [format_value(metric, row.change.previous.value),
                      describe_change(metric, row.change, result.query.statistic)]
        table.append(cells)
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    return [
        "  ".join(cell.ljust(w) if i < len(keys) else cell.rjust(w)
                  for i, (cell, w) in enumerate(zip(r, widths))).rstrip()
        for r in table
    ]
