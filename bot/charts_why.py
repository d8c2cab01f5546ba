"""The chart of a change explained, as PNG bytes: diverging horizontal bars of the segments'
contributions to the change, each bar split into its rate effect (solid) and its mix effect
(light, drawn on from where the rate effect ends; a count has none), drivers labelled in bold.

The left panel is the dimension the Slack answer shows (bot/blocks/why.py: the top driver's),
its largest segments and one bar for the rest, so the bars add up to the change drawn as a
dashed line; the right panel, when more than one dimension was examined, the largest
contribution of each dimension. matplotlib's object-oriented API only — a `Figure` on the Agg
canvas, never pyplot — imported when a chart is drawn.
"""

from __future__ import annotations

import io

from bot.blocks.kit import clip
from bot.blocks.why import headline_dimension
from bot.charts import (
    DPI,
    GRID_COLOUR,
    MUTED_COLOUR,
    TEXT_COLOUR,
    axis_scale,
    literal,
    style_axes,
)
from kpi_engine.formatting import format_change, short_label
from kpi_engine.metrics import Metric
from kpi_engine.query.explanation import ChangeExplanation, Contribution
from kpi_engine.vocabulary import Aggregation, Dimension

FIGURE_INCHES = (10.0, 4.8)
ONE_PANEL_INCHES = (8.0, 4.5)
MAX_BARS = 10
MAX_LABEL = 26
RATE_COLOUR = "#2F6690"
MIX_COLOUR = "#9BC1E0"
REST_COLOUR = "#BBBBBB"


def wants_why_chart(explanation: ChangeExplanation) -> bool:
    """A chart when there is a change split into at least two segments somewhere."""
    return explanation.reason is None and any(
        len([s for s in d.segments if not s.others]) >= 2 for d in explanation.dimensions)


def why_chart_filename(explanation: ChangeExplanation) -> str:
    """"why-csat-last-week.png"."""
    words = f"why {explanation.metric.id} {explanation.period.label}".lower()
    stem = "".join(c if c.isalnum() else "-" for c in words)
    while "--" in stem:
        stem = stem.replace("--", "-")
    return stem.strip("-")[:80] + ".png"


def why_chart_title(explanation: ChangeExplanation) -> str:
    metric = explanation.metric
    return (f"Why {short_label(metric)} changed ({format_change(metric, explanation.difference)})"
            f" — {explanation.period.label} against {explanation.previous_period.label}")


def why_chart_alt_text(explanation: ChangeExplanation) -> str:
    shown = headline_dimension(explanation)
    by = f" by {shown.dimension.value}" if shown is not None else ""
    return (f"Bar chart of each segment's contribution{by} to the change of "
            f"{short_label(explanation.metric)}, {explanation.period.label} against "
            f"{explanation.previous_period.label}: rate effect solid, mix effect light")


def why_chart_png(explanation: ChangeExplanation) -> bytes:
    """The chart as PNG bytes (about 1100 × 530 pixels; one panel 880 × 495)."""
    if not wants_why_chart(explanation):
        raise ValueError("a why chart needs a change split into segments")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    shown = headline_dimension(explanation)
    others = [(d.dimension, max((s for s in d.segments if not s.others),
                                key=lambda s: abs(s.contribution)))
              for d in explanation.dimensions if any(not s.others for s in d.segments)]
    two = len(others) > 1
    figure = Figure(figsize=FIGURE_INCHES if two else ONE_PANEL_INCHES, dpi=DPI,
                    layout="constrained", facecolor="white")
    FigureCanvasAgg(figure)
    metric = explanation.metric
    left = figure.add_subplot(1, 2, 1) if two else figure.add_subplot()
    bars = [(s.name if shown.dimension is not Dimension.TIER or s.segment is None
             else f"tier {s.segment}", s) for s in shown.segments if not s.others][:MAX_BARS]
    rest = None
    if shown.additive:
        rest_value = (explanation.difference or 0.0) - sum(s.contribution for _, s in bars)
        if shown.segments_total > len(bars):
            rest = (f"the rest ({shown.segments_total - len(bars):,})", rest_value)
    draw_contributions(left, metric, bars, rest, explanation.difference if shown.additive
                       else None)
    style_axes(left, literal(f"By {shown.dimension.value}"))
    if two:
        right = figure.add_subplot(1, 2, 2)
        largest = sorted(others, key=lambda item: -abs(item[1].contribution))
        draw_contributions(right, metric, [(f"{d.value} {s.name}", s) for d, s in largest],
                           None, None)
        style_axes(right, "Largest segment of each dimension")
    figure.suptitle(literal(why_chart_title(explanation)), x=0.01, ha="left", fontsize=12,
                    color=TEXT_COLOUR)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def draw_contributions(axes, metric: Metric, bars: list[tuple[str, Contribution]],
                       rest: tuple[str, float] | None, total: float | None) -> None:
    """One bar a segment, largest at the top: the rate effect from 0, the mix effect from its
    end; the rest grey; the total change a dashed line."""
    from matplotlib.ticker import FuncFormatter

    values = [s.rate_effect for _, s in bars] + [s.contribution for _, s in bars]
    if rest is not None:
        values.append(rest[1])
    if total is not None:
        values.append(total)
    scale = axis_scale(metric, values)
    labels = [literal(clip(name, MAX_LABEL)) for name, _ in bars]
    positions = list(range(len(bars)))
    rates = [s.rate_effect * scale.factor for _, s in bars]
    mixes = [s.mix_effect * scale.factor for _, s in bars]
    counted = metric.aggregation is Aggregation.COUNT  # a count: its own change, no mix
    axes.barh(positions, rates, color=RATE_COLOUR, height=0.6,
              label="its change" if counted else "rate effect")
    if not counted:
        axes.barh(positions, mixes, left=rates, color=MIX_COLOUR, height=0.6,
                  label="mix effect")
    for position, (_, segment) in zip(positions, bars):
        axes.annotate(format_change(metric, segment.contribution),
                      (segment.contribution * scale.factor, position),
                      xytext=(4 if segment.contribution >= 0 else -4, 0),
                      textcoords="offset points", va="center",
                      ha="left" if segment.contribution >= 0 else "right", fontsize=8,
                      color=TEXT_COLOUR, fontweight="bold" if segment.driver else "normal")
    if rest is not None:
        positions.append(len(bars))
        labels.append(literal(rest[0]))
        axes.barh([len(bars)], [rest[1] * scale.factor], color=REST_COLOUR, height=0.6)
    axes.set_yticks(positions, labels=labels)
    for tick, (_, segment) in zip(axes.get_yticklabels(), bars):
        if segment.driver:
            tick.set_fontweight("bold")
    axes.invert_yaxis()
    axes.axvline(0, color=MUTED_COLOUR, linewidth=0.8)
    if total is not None:
        axes.axvline(total * scale.factor, color=TEXT_COLOUR, linewidth=1, linestyle="--",
                     label="the change")
    drawn = [value * scale.factor for value in values] + [0.0]
    drawn += [(s.rate_effect + min(s.mix_effect, 0.0)) * scale.factor for _, s in bars]
    low, high = min(drawn), max(drawn)
    pad = 0.3 * (high - low) or 1.0
    axes.set_xlim(low - (pad if low < 0 else pad / 6), high + (pad if high > 0 else pad / 6))
    axes.xaxis.set_major_formatter(FuncFormatter(scale.tick))
    axes.grid(axis="x", color=GRID_COLOUR)
    axes.legend(loc="best", fontsize=7, frameon=True, framealpha=0.9, edgecolor=GRID_COLOUR)
