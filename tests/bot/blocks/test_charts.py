"""Charts: when one is worth drawing, that it is a PNG of the agreed size, bars in the engine's
order, gaps in a trend, and that importing the builders does not load matplotlib."""

from __future__ import annotations

import io
import math
import subprocess
import sys
from pathlib import Path

from PIL import Image

from bot.charts import chart_filename, chart_png, draw_bars, draw_trend, wants_chart
from kpi_engine.vocabulary import Dimension, Granularity

from .results import agent_breakdown, daily_trend, result, row, team_breakdown

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ROOT = Path(__file__).resolve().parents[3]


def axes_of_a_figure():
    from matplotlib.figure import Figure

    return Figure().add_subplot()


def test_a_trend_needs_two_buckets_with_data():
    assert wants_chart(daily_trend([1800.0, None, 2400.0]))
    assert not wants_chart(daily_trend([1800.0, None, None]))


def test_a_breakdown_needs_one_dimension_and_three_groups_with_data():
    assert wants_chart(team_breakdown())
    two = result(rows=team_breakdown().rows[:2], group_by=(Dimension.TEAM,))
    assert not wants_chart(two)
    one_empty = result(rows=[*team_breakdown().rows[:2], row({"team": "x"}, None, 0)],
                       group_by=(Dimension.TEAM,))
    assert not wants_chart(one_empty)
    rows = [row({"team": t, "channel": "chat"}, 0.5, 9) for t in "abc"]
    assert not wants_chart(result(rows=rows, group_by=(Dimension.TEAM, Dimension.CHANNEL)))
    assert not wants_chart(result())


def test_a_trend_chart_is_a_png_of_880_by_495_pixels():
    png = chart_png(daily_trend([1800.0, None, 3600.0, 1500.0]))
    assert png.startswith(PNG_SIGNATURE)
    assert Image.open(io.BytesIO(png)).size == (880, 495)


def test_a_breakdown_chart_is_a_png_of_880_by_495_pixels():
    png = chart_png(team_breakdown(compared=True))
    assert png.startswith(PNG_SIGNATURE)
    image = Image.open(io.BytesIO(png))
    assert image.size == (880, 495) and image.format == "PNG"


def test_a_trend_leaves_a_gap_where_a_bucket_has_no_data():
    axes = axes_of_a_figure()
    draw_trend(axes, daily_trend([1800.0, None, 3600.0]))
    heights = list(axes.lines[0].get_ydata())
    assert heights[0] == 30.0 and math.isnan(heights[1]) and heights[2] == 60.0  # minutes


def test_bars_are_at_most_fifteen_best_at_the_top_with_values_in_the_unit():
    axes = axes_of_a_figure()
    draw_bars(axes, agent_breakdown(40))
    assert len(axes.patches) == 15
    labels = [label.get_text() for label in axes.get_yticklabels()]
    assert labels[0] == "Agent 000" and labels[-1] == "Agent 014"
    assert axes.yaxis_inverted()
    values = [text.get_text() for text in axes.texts]
    assert values[:2] == ["90.0%", "89.8%"]


def test_names_with_dollars_are_drawn_as_text():
    rows = [row({"team": f"$vip{i}$"}, 0.5 + i / 10, 10) for i in range(3)]
    assert chart_png(result(rows=rows, group_by=(Dimension.TEAM,))).startswith(PNG_SIGNATURE)


def test_chart_filenames_name_the_metric_breakdown_and_period():
    assert chart_filename(result()) == "fcr-last-week.png"
    assert chart_filename(team_breakdown()) == "fcr-by-team-last-week.png"
    assert chart_filename(daily_trend([1.0, 2.0])) == "frt-by-day-last-30-days.png"
    monthly = result(rows=[row({"month": "2026-11-01"}, 0.5, 3)], trend=Granularity.MONTH)
    assert chart_filename(monthly) == "fcr-by-month-last-week.png"


def test_importing_the_builders_does_not_load_matplotlib():
    code = ("import sys, bot.blocks, bot.charts; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'matplotlib'))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, check=True)
    assert done.stdout.strip() == "[]"
