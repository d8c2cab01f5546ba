"""What an import tells: `ImportReport` (what it read and wrote), the `BadRow`s it did not
write (each naming every problem of its row) and the `RowWarning`s of rows it wrote as they are
but that look wrong — both capped at `MAX_REPORTED_BAD_ROWS` a file, every one counted — and
`WarningLog`, where one file's warnings are collected while its rows are read. canonical.py
drives an import; checks.py adds what SQL finds.
"""

from __future__ import annotations

from array import array
from dataclasses import asdict, dataclass

MAX_REPORTED_BAD_ROWS = 1000


@dataclass(frozen=True)
class BadRow:
    """A row that was not written: `line` is the physical line in `file` (the header is 1).
    `problems` lists each (column, reason) of the row; `column` is the first one's and `reason`
    all of them joined by "; " (a row of one problem: that problem)."""

    file: str
    line: int
    column: str | None
    reason: str
    problems: tuple[tuple[str | None, str], ...] = ()

    def __post_init__(self) -> None:
        if not self.problems:
            object.__setattr__(self, "problems", ((self.column, self.reason),))

    def to_json(self) -> dict:
        return {"file": self.file, "line": self.line, "column": self.column,
                "reason": self.reason,
                "problems": [{"column": column, "reason": reason}
                             for column, reason in self.problems]}


@dataclass(frozen=True)
class RowWarning:
    """A row that was written as it is but looks wrong (see the module docstring)."""

    file: str
    line: int
    column: str | None
    reason: str


@dataclass(frozen=True)
class ImportReport:
    """What an import read and wrote; rows of both files, bad ones in file then line order."""

    tickets_read: int
    tickets_new: int
    tickets_updated: int
    tickets_unchanged: int
    surveys_read: int
    surveys_new: int
    surveys_updated: int
    surveys_unchanged: int
    bad_rows: tuple[BadRow, ...]  # at most MAX_REPORTED_BAD_ROWS, in line order
    bad_row_count: int  # all of them
    written: bool  # False when rejected
    seconds: float
    # Columns the ticket file does not have whose stored values were kept on the tickets
    # already in the database (empty with `replace_missing`, or when none were there).
    kept_columns: tuple[str, ...] = ()
    warnings: tuple[RowWarning, ...] = ()  # at most MAX_REPORTED_BAD_ROWS, file then line order
    warning_count: int = 0  # all of them
    # Columns of a mapped export its map does not use (each named once).
    ignored_columns: tuple[str, ...] = ()

    def to_json(self) -> dict:
        data = asdict(self)
        data["bad_rows"] = [bad.to_json() for bad in self.bad_rows]
        data["kept_columns"] = list(self.kept_columns)
        data["warnings"] = [asdict(warning) for warning in self.warnings]
        data["ignored_columns"] = list(self.ignored_columns)
        data["seconds"] = round(self.seconds, 3)
        return data


class WarningLog:
    """The warnings of one file: the first MAX_REPORTED_BAD_ROWS kept, the line of every one
    (so those of a row SQL later finds bad can be left out of the count)."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.held: list[RowWarning] = []
        self.lines = array("i")
        self.muted = False

    @property
    def count(self) -> int:
        return len(self.lines)

    def __call__(self, line: int, column: str | None, reason: str) -> None:
        if self.muted:
            return
        self.lines.append(line)
        if len(self.held) < MAX_REPORTED_BAD_ROWS:
            self.held.append(RowWarning(self.file, line, column, reason))
