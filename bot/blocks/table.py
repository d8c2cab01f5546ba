"""A breakdown or a trend as a Block Kit `table` block, as a text table (aligned columns in a
code block) where a table block cannot hold it, and as CSV.

The table keeps the engine's row order (best first for a breakdown, time order for a trend)
and names groups and trend steps as the command line does (`kpi_engine.formatting`): the group
columns, the value, `n`, the percentiles when asked and the change with its verdict.

`table_block` is Slack's table block (docs.slack.dev/reference/block-kit/blocks/table-block; the
model is `slack_sdk.models.blocks.TableBlock`): at most 100 rows — the header row included — of
at most 20 cells, each cell a `raw_text` object of at least one character, and a
`column_settings` entry per column (`align` left for names and the change, right for numbers).
A longer result shows its first 99 rows and asks for the full table as CSV (`needs_csv`,
`breakdown_csv`). A result wider than 20 columns gets the text table instead (`fit_table`),
cut at whole rows to fit a section and ending with "… and N more".
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.blocks.kit import ELLIPSIS, MAX_SECTION_TEXT, clip, code_block, escape
from kpi_engine.formatting import format_change, format_value, group_labels
from kpi_engine.metrics import Metric
from kpi_engine.query import Change, GroupRow, KpiResult
from kpi_engine.vocabulary import Direction, Unit

MAX_TABLE_ROWS = 50  # rows of the text table shown in Slack even when more would fit
MAX_TABLE_BLOCK_ROWS = 100  # Slack's table block: rows, the header row included
MAX_TABLE_BLOCK_CELLS = 20  # Slack's table block: cells a row (and column settings)
TABLE_BLOCK_DATA_ROWS = MAX_TABLE_BLOCK_ROWS - 1
EMPTY_CELL = "–"  # a raw_text cell holds at least one character
MAX_CELL = 40  # characters of a group label in the table
PLAIN_DIGITS = {Unit.RATIO: 4, Unit.SECONDS: 1, Unit.COUNT: 2, Unit.SCORE: 2}
FORMULA_STARTS = ("=", "+", "-", "@")
# A backtick in a name would end the code block the table is in: shown as a look-alike.
CODE_SAFE_BACKTICK = "\u02cb"


@dataclass(frozen=True)
class TableFit:
    """The table as it goes into one section: escaped code-block text, rows shown and left out."""

    text: str
    shown: int
    hidden: int


def is_trend(result: KpiResult) -> bool:
    return result.query.trend is not None


def group_names(result: KpiResult) -> list[str]:
    """The names of the group columns: the breakdown's dimensions, or the trend's step."""
    if result.rows:
        return [name for name, _ in result.rows[0].group]
    return [dimension.value for dimension in result.query.group_by]


def is_compared(result: KpiResult) -> bool:
    return any(row.change is not None for row in result.rows)


def percentile_names(result: KpiResult) -> list[str]:
    for row in result.rows:
        if row.current.percentiles:
            return [name for name, _ in row.current.percentiles]
    return []


def verdict(metric: Metric, change: Change) -> str:
    """"better" / "worse" for a change larger than noise, "within noise" otherwise."""
    if change.difference is None or change.significant is None:
        return ""
    if not change.significant:
        return "within noise"
    if metric.direction is Direction.NEUTRAL or change.difference == 0:
        return "larger than noise"
    higher = change.difference > 0
    return "better" if higher == (metric.direction is Direction.HIGHER) else "worse"


def bucket_day(value: str | None) -> date | None:
    """The first day of a trend bucket ("2026-11-09" → 9 Nov 2026); None if not a date."""
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


def row_percentiles(row: GroupRow, names: list[str]) -> list[float | None]:
    """The row's percentiles in the order of `names` (None where missing)."""
    found = dict(row.current.percentiles)
    return [found.get(name) for name in names]


def value_column(result: KpiResult) -> str:
    """The value's column: "value", or the statistic that is the value ("median", "p90")."""
    statistic = result.query.statistic
    return "value" if statistic is None else statistic.value


@dataclass(frozen=True)
class TableCells:
    """The table as text cells: the header, one list per row, and the columns read left to
    right (the names and the change; the numbers are right-aligned)."""

    header: list[str]
    rows: list[list[str]]
    left: frozenset[int]


def table_cells(result: KpiResult) -> TableCells:
    """The cells of the table, as the text table and the table block show them."""
    metric = result.metric
    titles = [result.query.trend.value] if is_trend(result) else group_names(result)
    percentiles = percentile_names(result)
    header = [*titles, value_column(result), "n", *percentiles]
    compared = is_compared(result)
    if compared:
        header.append("change")
    rows = []
    for row, labels in zip(result.rows, group_labels(result)):
        cells = [clip(label, MAX_CELL) for label in labels]
        cells += [format_value(metric, row.current.value), f"{row.current.n:,}"]
        cells += [format_value(metric, value) for value in row_percentiles(row, percentiles)]
        if compared:
            cells.append(_change_cell(metric, row.change))
        rows.append(cells)
    left = set(range(len(titles))) | ({len(header) - 1} if compared else set())
    return TableCells(header=header, rows=rows, left=frozenset(left))


def table_lines(result: KpiResult) -> list[str]:
    """Header and one line per row, columns aligned (not escaped)."""
    cells = table_cells(result)
    table = [cells.header, *[[_code_safe(cell) if i in cells.left else cell
                              for i, cell in enumerate(row)] for row in cells.rows]]
    widths = [max(len(row[i]) for row in table) for i in range(len(cells.header))]
    return [_aligned(row, widths, cells.left) for row in table]


def fits_table_block(result: KpiResult) -> bool:
    """Whether Slack's table block can show the result (at most 20 columns); its rows past
    the 99th are left out, for the CSV."""
    titles = 1 if is_trend(result) else len(group_names(result))
    columns = titles + 2 + len(percentile_names(result)) + (1 if is_compared(result) else 0)
    return bool(result.rows) and columns <= MAX_TABLE_BLOCK_CELLS


def table_block(result: KpiResult, block_id: str | None = None) -> dict[str, Any] | None:
    """The result as a Block Kit table block (header and the first 99 rows), or None when a
    table block cannot hold it (no rows, more than 20 columns)."""
    if not fits_table_block(result):
        return None
    cells = table_cells(result)
    shown = cells.rows[:TABLE_BLOCK_DATA_ROWS]
    block: dict[str, Any] = {
        "type": "table",
        "column_settings": [{"align": "left" if i in cells.left else "right"}
                            for i in range(len(cells.header))],
        "rows": [[raw_text(cell) for cell in row] for row in (cells.header, *shown)],
    }
    if block_id:
        block["block_id"] = block_id
    return block


def raw_text(text: str) -> dict[str, str]:
    """A table cell: a raw_text object, shown as typed (never empty)."""
    return {"type": "raw_text", "text": text or EMPTY_CELL}


def table_rows_shown(result: KpiResult) -> int:
    """How many of the result's rows the table in Slack shows."""
    if fits_table_block(result):
        return min(len(result.rows), TABLE_BLOCK_DATA_ROWS)
    return fit_table(result).shown if result.rows else 0


def fit_table(result: KpiResult, limit: int = MAX_SECTION_TEXT) -> TableFit:
    """The table cut at whole rows so that its code block fits in `limit` characters."""
    header, *rows = [escape(line) for line in table_lines(result)]
    more_line = f"{ELLIPSIS} and {len(rows):,} more"
    budget = limit - len(code_block([header, more_line]))
    shown = 0
    for line in rows[:MAX_TABLE_ROWS]:
        if len(line) + 1 > budget:
            break
        budget -= len(line) + 1
        shown += 1
    if shown == len(rows):
        return TableFit(text=code_block([header, *rows]), shown=shown, hidden=0)
    hidden = len(rows) - shown
    lines = [header, *rows[:shown], f"{ELLIPSIS} and {hidden:,} more"]
    return TableFit(text=code_block(lines), shown=shown, hidden=hidden)


def needs_csv(result: KpiResult) -> bool:
    """True when the table shown in Slack leaves rows out: attach `breakdown_csv(result)`."""
    return bool(result.rows) and table_rows_shown(result) < len(result.rows)


def breakdown_csv(result: KpiResult) -> str:
    """Every row of the result as CSV: group columns, then plain numbers in the metric's unit
    (a ratio as 0.731, seconds as seconds), n, and the comparison when there is one."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(csv_header(result))
    percentiles, compared = percentile_names(result), is_compared(result)
    writer.writerows(csv_cells(result.metric, row, percentiles, compared) for row in result.rows)
    return buffer.getvalue()


def csv_header(result: KpiResult) -> list[str]:
    unit = result.metric.unit.value
    header = [*group_names(result), f"{value_column(result)} ({unit})", "n"]
    header += [f"{name} ({unit})" for name in percentile_names(result)]
    if is_compared(result):
        header += [f"previous value ({unit})", "previous n", f"change ({unit})", "significant"]
    return header


def csv_cells(metric: Metric, row: GroupRow, percentiles: list[str], compared: bool) -> list[str]:
    cells = [_spreadsheet_safe(value) for _, value in row.group]
    cells += [plain_number(metric, row.current.value), str(row.current.n)]
    cells += [plain_number(metric, value) for value in row_percentiles(row, percentiles)]
    if compared:
        change = row.change
        if change is None:
            cells += ["", "", "", ""]
        else:
            significant = "" if change.significant is None else str(change.significant).lower()
            cells += [plain_number(metric, change.previous.value), str(change.previous.n),
                      plain_number(metric, change.difference), significant]
    return cells


def plain_number(metric: Metric, value: float | None) -> str:
    """A number for a spreadsheet: 0.7314, 4320.4, 1204; empty for no data."""
    if value is None:
        return ""
    text = f"{value:.{PLAIN_DIGITS[metric.unit]}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def file_stem(result: KpiResult) -> str:
    """"fcr-last-week", "csat-by-team-this-month", "frt-by-day-last-30-days"."""
    parts = [result.metric.id]
    by = [result.query.trend.value] if is_trend(result) else group_names(result)
    if by:
        parts.append("by " + " and ".join(by))
    parts.append(result.period.label)
    slug = re.sub(r"[^a-z0-9]+", "-", " ".join(parts).lower()).strip("-")
    return slug[:80].rstrip("-") or "kpi"

def csv_filename(result: KpiResult) -> str:
    """"fcr-by-team-last-week.csv"."""
    return file_stem(result) + ".csv"


def _change_cell(metric: Metric, change: Change | None) -> str:
    if change is None:
        return ""
    words = verdict(metric, change)
    text = format_change(metric, change.difference)
    return f"{text}, {words}" if words else text


def _code_safe(label: str) -> str:
    """A name inside the code block: a backtick would end it, so it is shown as a look-alike."""
    return label.replace("`", CODE_SAFE_BACKTICK)


def _aligned(cells: list[str], widths: list[int], left: frozenset[int]) -> str:
    padded = [cell.ljust(w) if i in left else cell.rjust(w)
              for i, (cell, w) in enumerate(zip(cells, widths))]
    return "  ".join(padded).rstrip()


def _spreadsheet_safe(value: str | None) -> str:
    """A group name a spreadsheet will not run as a formula ("=SUM(…)" → "'=SUM(…)")."""
    if value is None:
        return ""
    return "'" + value if value.startswith(FORMULA_STARTS) else value
