"""Breakdowns and trends: Slack's table block in the engine's order (numbers right-aligned,
the change with its verdict, `n`), a long one cut at 99 rows with the CSV to attach; the text
table where a table block cannot hold the result (cut to fit a section with "… and N more");
and the CSV itself cell by cell. Every message is validated by slack_sdk's models and Slack's
documented limits (slack_limits.py)."""

from __future__ import annotations

import csv
import io

from bot.blocks import breakdown_csv, csv_filename, ids, needs_csv, result_message
from bot.blocks.table import fit_table, fits_table_block, table_block, table_lines
from kpi_engine.vocabulary import Dimension, Granularity

from .results import agent_breakdown, change, daily_trend, result, row, team_breakdown
from .slack_limits import alignment_of, assert_valid_message, table_of, text_of

FENCE = "```"


def test_a_breakdown_is_a_table_block_in_the_engines_order():
    message = result_message(team_breakdown())
    assert_valid_message(message)
    assert table_of(message.blocks, ids.ANSWER_TABLE) == [
        ["team", "value", "n"],
        ["billing", "81.0%", "412"],
        ["returns", "73.1%", "1,204"],
        ["accounts", "64.5%", "93"],
    ]
    assert alignment_of(message.blocks, ids.ANSWER_TABLE) == ["left", "right", "right"]
    assert table_lines(team_breakdown()) == [  # the same cells, as the text table aligns them
        "team      value      n",
        "billing   81.0%    412",
        "returns   73.1%  1,204",
        "accounts  64.5%     93",
    ]
    assert text_of(message.blocks, ids.ANSWER_TABLE_TITLE) == "By team, best first"
    assert message.text == "First contact resolution by team, last week: 73.5% overall (n = 1,709)"
    assert not message.attach_csv and not needs_csv(team_breakdown())


def test_a_compared_breakdown_adds_the_change_with_its_verdict():
    message = result_message(team_breakdown(compared=True))
    assert_valid_message(message)
    assert table_of(message.blocks, ids.ANSWER_TABLE) == [
        ["team", "value", "n", "change"],
        ["billing", "81.0%", "412", "+5.8 pts, better"],
        ["returns", "73.1%", "1,204", "+0.5 pts, within noise"],
        ["accounts", "64.5%", "93", "−5.6 pts, within noise"],
    ]
    assert alignment_of(message.blocks, ids.ANSWER_TABLE) == ["left", "right", "right", "left"]
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


def test_group_names_are_shown_as_typed_in_the_table_and_escaped_in_the_text_table():
    rows = [row({"team": "<script>&"}, 0.81, 412), row({"team": "billing"}, 0.5, 8)]
    named = result(rows=rows, group_by=(Dimension.TEAM,))
    message = result_message(named)
    assert_valid_message(message)
    # raw_text cells are plain text: no mrkdwn to escape
    assert table_of(message.blocks, ids.ANSWER_TABLE)[1] == ["<script>&", "81.0%", "412"]
    assert fit_table(named).text.splitlines()[1:4] == [
        "team       value    n",
        "&lt;script&gt;&amp;  81.0%  412",
        "billing    50.0%    8",
    ]


def test_two_hundred_groups_are_cut_at_a_hundred_rows_and_ask_for_the_csv():
    result_200 = agent_breakdown(200)
    message = result_message(result_200)
    assert_valid_message(message)
    table = table_of(message.blocks, ids.ANSWER_TABLE)
    assert len(table) == 100  # Slack's limit: the header and the first 99 rows
    assert table[0] == ["agent", "value", "n"]
    assert table[1] == ["Agent 000", "90.0%", "100"]
    assert table[-1] == ["Agent 098", "70.4%", "198"]
    assert message.attach_csv and needs_csv(result_200)
    assert text_of(message.blocks, ids.ANSWER_CSV_NOTE) == (
        "The table shows the first 99 of 200 rows; all 200 are in the attached CSV.")
    assert len(list(csv.reader(io.StringIO(breakdown_csv(result_200))))) == 1 + 200


def test_ninety_nine_groups_fit_the_table_whole():
    result_99 = agent_breakdown(99)
    message = result_message(result_99)
    assert_valid_message(message)
    assert len(table_of(message.blocks, ids.ANSWER_TABLE)) == 100
    assert not message.attach_csv and not needs_csv(result_99)
    assert not any(b.get("block_id") == ids.ANSWER_CSV_NOTE for b in message.blocks)


def wide(groups: int, rows: int = 3):
    """A result with `groups` group columns: wider than a table block when value, n and the
    groups pass 20 columns."""
    return result(rows=[row({f"g{g:02d}": f"v{i}-{g}" for g in range(groups)}, 0.5, 10)
                        for i in range(rows)])


def test_a_result_wider_than_twenty_columns_falls_back_to_the_text_table():
    assert fits_table_block(wide(18)) and not fits_table_block(wide(19))  # 18 + value + n = 20
    assert_valid_message(result_message(wide(18)))
    message = result_message(wide(19))
    assert_valid_message(message)
    assert table_block(wide(19)) is None
    table = text_of(message.blocks, ids.ANSWER_TABLE)
    assert table.startswith(FENCE) and table.endswith(FENCE)
    assert table.splitlines()[2].startswith("v0-0  v0-1")


def test_three_hundred_groups_in_the_text_table_fit_one_section_and_ask_for_the_csv():
    result_300 = agent_breakdown(300)
    fit = fit_table(result_300)
    table = fit.text
    lines = table.splitlines()
    assert len(table) <= 3000
    assert lines[1] == "agent      value    n"
    assert lines[2] == "Agent 000  90.0%  100"
    assert lines[-2] == "… and 250 more" and lines[-1] == FENCE
    assert len(lines) == 2 + 50 + 2  # fences, header, 50 rows, the "more" line
    assert (fit.shown, fit.hidden) == (50, 250)


def test_a_wide_text_table_is_cut_at_whole_rows_within_three_thousand_characters():
    rows = [row({"agent": f"Agent {i:03d} with a rather long display name"}, 0.5, 10,
                change(0.4, 10, 0.1, False)) for i in range(300)]
    table = fit_table(result(rows=rows, group_by=(Dimension.AGENT,))).text
    lines = table.splitlines()
    shown = len(lines) - 4
    assert len(table) <= 3000 < len(table) + len(lines[2]) + 1
    assert all(line.startswith(f"Agent {i:03d} ") for i, line in enumerate(lines[2:-2]))
    assert lines[-2] == f"… and {300 - shown} more"


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
    assert table_of(message.blocks, ids.ANSWER_TABLE) == [
        ["day", "value", "n"],
        ["Mon 9 Nov", "30 min", "50"],
        ["Tue 10 Nov", "no data", "0"],
        ["Wed 11 Nov", "1 h", "50"],
        ["Thu 12 Nov", "25 min", "50"],
    ]
    assert alignment_of(message.blocks, ids.ANSWER_TABLE) == ["left", "right", "right"]
    assert table_lines(daily_trend([1800.0, None, 3600.0, 1500.0])) == [
        "day           value   n",
        "Mon 9 Nov    30 min  50",
        "Tue 10 Nov  no data   0",
        "Wed 11 Nov      1 h  50",
        "Thu 12 Nov   25 min  50",
    ]
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
    named = result(rows=rows, group_by=(Dimension.AGENT,))
    message = result_message(named)
    assert_valid_message(message)
    # In the table block the backticks stay (plain text); tabs and breaks are spaces there too
    assert [cells[0] for cells in table_of(message.blocks, ids.ANSWER_TABLE)] == [
        "agent", "Ann Lee", "Bo```b Smith", "Cy"]
    table = fit_table(named).text
    assert table.count(FENCE) == 2 and table.startswith(FENCE) and table.endswith(FENCE)
    lines = table.splitlines()[1:-1]
    assert lines == [
        "agent         value    n",
        "Ann Lee       81.0%  412",
        "Boˋˋˋb Smith  50.0%    8",
        "Cy            25.0%    4",
    ]
