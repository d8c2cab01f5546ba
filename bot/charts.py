"""Charts of KPI results as PNG bytes: a trend as a line over time, a one-dimension breakdown
as horizontal bars best at the top.

matplotlib is imported inside the functions (importing this module stays cheap), and only its
object-oriented API is used — a `Figure` on the Agg canvas, never pyplot — so charts can be
drawn from several threads at once.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

from bot.blocks.kit import clip
from bot.blocks.table import bucket_day, file_stem, is_trend
from kpi_engine.formatting import format_value, group_labels, value_label
from kpi_engine.metrics import Metric
from kpi_engine.query import GroupRow, KpiResult
from kpi_engine.vocabulary import Unit

FIGURE_INCHES = (8.0, 4.5)
DPI = 110
MAX_BARS = 15
MIN_TREND_BUCKETS = 2
MIN_BREAKDOWN_GROUPS = 3
MAX_TICK_LABELS = 12  # a trend with more buckets gets dates chosen by matplotlib
MAX_TICK_CHARACTERS = 100  # … and so does one whose bucket labels would not fit side by side
MANY_POINTS = 31  # past this, smaller markers
MAX_BAR_LABEL = 28
LINE_COLOUR = "#2F6690"
BAR_COLOUR = "#5B8DB8"
TEXT_COLOUR = "#333333"
MUTED_COLOUR = "#777777"
GRID_COLOUR = "#E4E4E4"


@dataclass(frozen=True)
class AxisScale:
    """How a value in the metric's unit is drawn: multiplied by `factor`, shown with `suffix`."""

    factor: float
    suffix: str

    def tick(self, value: float, _position=None) -> str:
        number = f"{value:,.0f}" if abs(value) >= 1000 else f"{value:g}"
        return number + self.suffix


def literal(text: str) -> str:
    """Text matplotlib draws as is: a "$" would otherwise start mathtext."""
    return text.replace("$", r"\$")


def has_data(row: GroupRow) -> bool:
    return row.current.n > 0 and row.current.value is not None


def wants_chart(result: KpiResult) -> bool:
    """A trend with at least 2 buckets of data, or a one-dimension breakdown with 3 groups."""
    with_data = sum(1 for row in result.rows if has_data(row))
    if is_trend(result):
        return with_data >= MIN_TREND_BUCKETS
    return len(result.query.group_by) == 1 and with_data >= MIN_BREAKDOWN_GROUPS


def chart_filename(result: KpiResult) -> str:
    """"fcr-last-week.png", "csat-by-team-this-month.png"."""
    return file_stem(result) + ".png"


def chart_title(result: KpiResult) -> str:
    """"First contact resolution — last week", "Median first response time — last week"."""
    return f"{value_label(result.metric, result.query.statistic)} — {result.period.label}"


def chart_alt_text(result: KpiResult) -> str:
    """A one-line description of the chart for screen readers (files_upload_v2 `alt_txt`)."""
    label = value_label(result.metric, result.query.statistic)
    if is_trend(result):
        return f"Line chart of {label} by {result.query.trend.value}, {result.period.label}"
    by = " and ".join(dimension.value for dimension in result.query.group_by)
    order = "worst" if result.query.worst_first else "best"
    return f"Bar chart of {label} by {by}, {result.period.label}, {order} at the top"


def axis_scale(metric: Metric, values: list[float]) -> AxisScale:
    """Percent for ratios; minutes, or hours past two hours, for durations; else as is."""
    match metric.unit:
        case Unit.RATIO:
            return AxisScale(100.0, "%")
        case Unit.SECONDS:
            largest = max((abs(value) for value in values), default=0.0)
            return AxisScale(1 / 3600, " h") if largest >= 7200 else AxisScale(1 / 60, " min")
        case Unit.COUNT | Unit.SCORE:
            return AxisScale(1.0, "")


def chart_png(result: KpiResult) -> bytes:
    """The chart of a trend or a breakdown as PNG bytes (about 880 × 495 pixels)."""
    if not result.rows:
        raise ValueError("a chart needs the rows of a trend or a breakdown")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=FIGURE_INCHES, dpi=DPI, layout="constrained", facecolor="white")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    if is_trend(result):
        draw_trend(axes, result)
    else:
        draw_bars(axes, result)
    style_axes(axes, literal(chart_title(result)))
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def draw_trend(axes, result: KpiResult) -> None:
    """A line with markers over the bucket dates; a bucket without data leaves a gap."""
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
    from matplotlib.ticker import FuncFormatter

    days = [bucket_day(value) for row in result.rows for _, value in row.group[:1]]
    values = [row.current.value if has_data(row) else None for row in result.rows]
    scale = axis_scale(result.metric, [value for value in values if value is not None])
    heights = [math.nan if value is None else value * scale.factor for value in values]
    markersize = 5 if len(days) <= MANY_POINTS else 3
    axes.plot(days, heights, color=LINE_COLOUR, marker="o", markersize=markersize, linewidth=2)
    axes.yaxis.set_major_formatter(FuncFormatter(scale.tick))
    axes.grid(axis="y", color=GRID_COLOUR)
    axes.margins(x=0.04)
    labels = [literal(" ".join(cells)) for cells in group_labels(result)]
    fits = sum(len(label) + 3 for label in labels) <= MAX_TICK_CHARACTERS
    if len(days) <= MAX_TICK_LABELS and fits:
        axes.set_xticks(days, labels=labels)
    else:
        locator = AutoDateLocator(maxticks=MAX_TICK_LABELS)
        axes.xaxis.set_major_locator(locator)
        axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))


def draw_bars(axes, result: KpiResult) -> None:
    """Horizontal bars in the engine's order (best at the top), each labelled with its value."""
    from matplotlib.ticker import FuncFormatter

    rows = result.rows[:MAX_BARS]
    metric = result.metric
    values = [row.current.value if has_data(row) else None for row in rows]
    scale = axis_scale(metric, [value for value in values if value is not None])
    widths = [0.0 if value is None else value * scale.factor for value in values]
    labels = [literal(clip(" / ".join(cells), MAX_BAR_LABEL))
              for cells in group_labels(result)[:MAX_BARS]]
    positions = list(range(len(rows)))
    bars = axes.barh(positions, widths, color=BAR_COLOUR, height=0.65)
    axes.bar_label(bars, labels=[format_value(metric, value) for value in values],
                   padding=4, color=TEXT_COLOUR, fontsize=9)
    axes.set_yticks(positions, labels=labels)
    axes.invert_yaxis()
    if min(widths) < 0:
        axes.axvline(0, color=MUTED_COLOUR, linewidth=0.8)
    axes.margins(x=0.18)
    axes.xaxis.set_major_formatter(FuncFormatter(scale.tick))
    axes.grid(axis="x", color=GRID_COLOUR)
    if result.groups_total > len(rows):
        axes.set_xlabel(f"top {len(rows)} of {result.groups_total:,}", color=MUTED_COLOUR)


def style_axes(axes, title: str) -> None:
    """Restrained looks: a title, no top and right frame, grid behind the data."""
    axes.set_title(title, loc="left", fontsize=12, color=TEXT_COLOUR, pad=10)
    axes.set_axisbelow(True)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        axes.spines[side].set_color(GRID_COLOUR)
    axes.tick_params(colors=TEXT_COLOUR, labelsize=9)


DIGEST_COLUMNS = 4
DIGEST_PANEL_INCHES = (2.4, 1.6)
MAX_PANEL_TITLE = 30


def digest_chart_png(report) -> bytes:
    """The digest's KPIs over their last 14 steps, one small panel each (the target as a
    dashed line), as PNG bytes. Lean on purpose — few labels, small type — so a morning of
    digests draws in moments."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    lines = report.lines
    columns = min(DIGEST_COLUMNS, len(lines))
    rows = math.ceil(len(lines) / columns)
    width, height = DIGEST_PANEL_INCHES
    figure = Figure(figsize=(width * columns, height * rows), dpi=DPI, layout="constrained",
                    facecolor="white")
    FigureCanvasAgg(figure)
    for index, line in enumerate(lines):
        axes = figure.add_subplot(rows, columns, index + 1)
        values = [point.value for point in line.trend]
        scale = axis_scale(line.metric, [value for value in values if value is not None])
        heights = [math.nan if value is None else value * scale.factor for value in values]
        axes.plot(range(len(values)), heights, color=LINE_COLOUR, marker="o", markersize=2.5,
                  linewidth=1.5)
        if line.kpi.target is not None:
            axes.axhline(line.kpi.target.value * scale.factor, color=MUTED_COLOUR,
                         linestyle="--", linewidth=0.8)
        days = [point.day for point in line.trend]
        axes.set_xticks([0, len(days) - 1],
                        labels=[f"{days[0]:%d %b}", f"{days[-1]:%d %b}"] if days else [])
        axes.yaxis.set_major_locator(MaxNLocator(3))
        axes.yaxis.set_major_formatter(FuncFormatter(scale.tick))
        axes.set_title(literal(clip(line.metric.label, MAX_PANEL_TITLE)), loc="left",
                       fontsize=8, color=TEXT_COLOUR)
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
        axes.tick_params(colors=MUTED_COLOUR, labelsize=6)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()
