"""Breakdowns and trends: the aligned table in the engine's order, cutting a long one to fit
Slack with "… and N more" and a CSV to attach, and the CSV itself cell by cell."""

from __future__ import annotations

import csv
import io

from bot.blocks import breakdown_csv, csv_filename, ids, needs_csv, result_message
from bot.blocks.table import table_lines
from kpi_engine.vocabulary import Dimension, Granularity

from .results import agent_breakdown, change, daily_trend, result, row, team_breakdown
from .slack_limits import assert_valid_message, text_of

FENCE = "```"


def test_a_breakdown_is_an_aligned_table_in_the_engines_order():
    message = result_message(team_breakdown())
    assert_valid_message(message)
    assert text_of(message.blocks, ids.ANSWER_TABLE) == "\n".join([
        FENCE,
        "team      value      n",
        "billing   81.0%    412",
        "returns   73.1%  1,204",
        "accounts  64.5%     93",
        FENCE,
    ])
    assert text_of(message.blocks, ids.ANSWER_TABLE_TITLE) == "By team, best first"
    assert message.text == "First contact resolution by team, last week: 73.5% overall (n = 1,709)"
    assert not message.attach_csv and not needs_csv(team_breakdown())


def test_a_compared_breakdown_adds_the_change_with_its_verdict():
    assert table_lines(team_breakdown(compared=True)) == [
        "team      value      n  change",
        "billing   81.0%    412  +5.8 pts, better",
        "returns   73.1%  1,204  +0.5 pts, within noise",
        "accounts  64.5%     93  −5.6 pts, within noise",
    ]


def test_a_limited_breakdown_says_top_n_of_all_and_worst_first_when_asked():
    limited = result(rows=team_breakdown().rows, groups_total=23, group_by=(Dimension.TEAM,))
    assert text_of(result_message(limited).blocks, ids.ANSWER_TABLE_TITLE) == (
        "By team, best first — top 3 of 23")
    worst = result(rows=team_breakdown().rows, group_by=(Dimension.TEAM,), worst_first=True)
    assert text_of(result_message(worst).blocks, ids.ANSWER_TABLE_TITLE) == (
        "By team, worst first")


def test_group_names_are_escaped_after_alignment():
    rows = [row({"team": "<script>&"}, 0.81, 412), row({"team": "billing"}, 0.5, 8)]
    message = result_message(result(rows=rows, group_by=(Dimension.TEAM,)))
    assert text_of(message.blocks, ids.ANSWER_TABLE).splitlines()[1:4] == [
        "team       value    n",
        "&lt;script&gt;&amp;  81.0%  412",
        "billing    50.0%    8",
    ]


def test_three_hundred_groups_fit_one_section_and_ask_for_the_csv():
    result_300 = agent_breakdown(300)
    message = result_message(result_300)
    assert_valid_message(message)
    table = text_of(message.blocks, ids.ANSWER_TABLE)
    lines = table.splitlines()
    assert len(table) <= 3000 and len(message.blocks) <= 50
    assert lines[1] == "agent      value    n"
    assert lines[2] == "Agent 000  90.0%  100"
    assert lines[-2] == "… and 250 more" and lines[-1] == FENCE
    assert len(lines) == 2 + 50 + 2  # fences, header, 50 rows, the "more" line
    assert message.attach_csv and needs_csv(result_300)
    assert text_of(message.blocks, ids.ANSWER_CSV_NOTE) == "All 300 rows are in the attached CSV."


def test_a_wide_table_is_cut_at_whole_rows_within_three_thousand_characters():
    rows = [row({"agent": f"Agent {i:03d} with a rather long display name"}, 0.5, 10,
                change(0.4, 10, 0.1, False)) for i in range(300)]
    message = result_message(result(rows=rows, group_by=(Dimension.AGENT,)))
    table = text_of(message.blocks, ids.ANSWER_TABLE)
    lines = table.splitlines()
    shown = len(lines) - 4
    assert len(table) <= 3000 < len(table) + len(lines[2]) + 1
    assert all(line.startswith(f"Agent {i:03d} ") for i, line in enumerate(lines[2:-2]))
    assert lines[-2] == f"… and {300 - shown} more"
    assert message.attach_csv


def test_the_csv_holds_every_row_in_plain_numbers():
    parsed = list(csv.reader(io.StringIO(breakdown_csv(team_breakdown(compared=True)))))
    assert parsed == [
        ["team", "value (ratio)", "n", "previous value (ratio)", "previous n", "change (ratio)",
         "significant"],
        ["billing", "0.81", "412", "0.752", "398", "0.058", "true"],
        ["returns", "0.731", "1204", "0.726", "1180", "0.005", "false"],
        ["accounts", "0.645", "93", "0.701", "88", "-0.056", "false"],
    ]


def test_the_csv_keeps_seconds_as_seconds_and_defuses_formulas():
    rows = [row({"team": "=HYPERLINK(1)"}, 4320.4, 12), row({"team": None}, None, 0)]
    text = breakdown_csv(result("frt", rows=rows, group_by=(Dimension.TEAM,)))
    assert list(csv.reader(io.StringIO(text))) == [
        ["team", "value (seconds)", "n"],
        ["'=HYPERLINK(1)", "4320.4", "12"],
        ["", "", "0"],
    ]
    assert csv_filename(result("frt", rows=rows, group_by=(Dimension.TEAM,))) == (
        "frt-by-team-last-week.csv")


def test_a_trend_is_a_table_in_time_order_with_readable_buckets():
    message = result_message(daily_trend([1800.0, None, 3600.0, 1500.0]))
    assert_valid_message(message)
    assert text_of(message.blocks, ids.ANSWER_TABLE) == "\n".join([
        FENCE,
        "day           value   n",
        "Mon 9 Nov    30 min  50",
        "Tue 10 Nov  no data   0",
        "Wed 11 Nov      1 h  50",
        "Thu 12 Nov   25 min  50",
        FENCE,
    ])
    assert text_of(message.blocks, ids.ANSWER_TABLE_TITLE) == "By day, in time order"
    assert message.text == "First response time by day, last 30 days: 30 min overall (n = 150)"


def test_a_weekly_trend_across_new_year_names_the_years():
    rows = [row({"week": "2025-12-29"}, 0.7, 40), row({"week": "2026-01-05"}, 0.75, 44)]
    lines = table_lines(result(rows=rows, trend=Granularity.WEEK))
    assert lines == [
        "week                 value   n",
        "week of 29 Dec 2025  70.0%  40",
        "week of 5 Jan 2026   75.0%  44",
    ]


def test_names_with_backticks_tabs_and_line_breaks_keep_the_table_aligned():
    """Imported names may carry anything: a tab or a line break becomes a space, and a run of
    backticks (which would close the code block) a look-alike, so every line has its columns
    where the header has them."""
    rows = [row({"agent": "Ann\tLee"}, 0.81, 412), row({"agent": "Bo```b\nSmith"}, 0.5, 8),
            row({"agent": "Cy"}, 0.25, 4)]
    message = result_message(result(rows=rows, group_by=(Dimension.AGENT,)))
    assert_valid_message(message)
    table = text_of(message.blocks, ids.ANSWER_TABLE)
    assert table.count(FENCE) == 2 and table.startswith(FENCE) and table.endswith(FENCE)
    lines = table.splitlines()[1:-1]
    assert lines == [
        "agent         value    n",
        "Ann Lee       81.0%  412",
        "Boˋˋˋb Smith  50.0%    8",
        "Cy            25.0%    4",
    ]
