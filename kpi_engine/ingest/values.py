"""One value of a canonical CSV row: the limits a value keeps, `RowError` (why a row is bad,
with every problem it has) and the checks of a single value — a text's length, a choice, an
aware ISO 8601 timestamp, a non-negative count, `;`-separated tags. The parsers of rows.py call
these for each cell; a check returns or raises the RowError naming the column and the reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

MAX_LENGTHS = {
    "id": 128, "ticket_id": 128, "source": 64, "team": 128, "agent": 256, "customer": 256,
    "slack_channel": 32, "slack_thread_ts": 32, "tags": 128,  # tags: each tag
}
MAX_COMMENT = 2000
MAX_INTEGER = 2**31 - 1  # the database's INTEGER

_from_iso = datetime.fromisoformat


class RowError(Exception):
    """Why a row is bad: the column at fault (None for the whole row) and a precise reason.

    A row with several problems is one RowError (`RowError.of`): `problems` lists each
    (column, reason), `column` is the first one's and `reason` all of them joined by "; "."""

    def __init__(self, column: str | None, reason: str,
                 problems: tuple[tuple[str | None, str], ...] = ()) -> None:
        super().__init__(reason)
        self.column = column
        self.reason = reason
        self.problems = problems or ((column, reason),)

    @classmethod
    def of(cls, errors: Sequence[RowError]) -> RowError:
        """One error for every problem of a row, in the order found; a column's first problem
        only (a later one would follow from it)."""
        if len(errors) == 1:
            return errors[0]
        seen: set[str] = set()
        problems = []
        for error in errors:
            for column, reason in error.problems:
                if column is not None:
                    if column in seen:
                        continue
                    seen.add(column)
                problems.append((column, reason))
        if len(problems) == 1:
            return cls(*problems[0])
        return cls(problems[0][0], "; ".join(reason for _, reason in problems), tuple(problems))


def text_error(column: str, value: str) -> RowError:
    if not value:
        return RowError(column, f"{column} is empty")
    return RowError(
        column, f"{column} is longer than {MAX_LENGTHS[column]} characters ({len(value)})"
    )


def choice_error(column: str, value: str, allowed: Sequence[str]) -> RowError:
    if not value:
        return RowError(column, f"{column} is empty")
    return RowError(column, f"{column} {value!r} is not one of {', '.join(allowed)}")


def _timestamp_error(column: str, value: str) -> RowError:
    """Why `value` is not an aware timestamp."""
    if not value:
        return RowError(column, f"{column} is empty")
    try:
        parsed = _from_iso(value)
    except ValueError as error:
        if str(error).startswith("Invalid isoformat"):
            return RowError(column, f"{column} {value!r} is not an ISO 8601 timestamp "
                                    "(e.g. 2026-11-02T09:30:00Z)")
        if "offset" in str(error):
            return RowError(column, f"{column} {value!r} has an impossible UTC offset")
        return RowError(column, f"{column} {value!r} does not exist ({error})")
    if parsed.tzinfo is None:
        return RowError(column, f"{column} has no UTC offset: {value!r} (add Z or e.g. +02:00)")
    return RowError(column, f"{column} {value!r} is out of range (years 2 to 9998)")


def parse_timestamp(value: str, column: str) -> datetime:
    """The aware datetime `value` names; a naive or impossible one is a RowError."""
    try:
        parsed = _from_iso(value)
    except ValueError:
        raise _timestamp_error(column, value) from None
    if parsed.tzinfo is None or not 1 < parsed.year < 9999:
        raise _timestamp_error(column, value)
    return parsed


# Integers as written in most files, looked up rather than parsed; others go through parse_count.
SMALL_INTEGERS = {str(number): number for number in range(10_000)}


def parse_count(value: str, column: str) -> int:
    """A non-negative integer."""
    if value.isdigit() and value.isascii() and len(value) <= 10:
        number = int(value)
        if number <= MAX_INTEGER:
            return number
    raise RowError(column, f"{column} is not a non-negative integer: {value!r}")


def parse_tags(value: str) -> tuple[str, ...]:
    """`;`-separated tags: trimmed, empty ones dropped, each kept once in first-seen order."""
    if ";" in value:
        tags = tuple(dict.fromkeys(part for part in map(str.strip, value.split(";")) if part))
    else:
        value = value.strip()
        tags = (value,) if value else ()
    for tag in tags:
        if len(tag) > MAX_LENGTHS["tags"]:
            raise RowError(
                "tags", f"tag {tag[:40]!r}… is longer than {MAX_LENGTHS['tags']} characters")
    return tags
