"""Where an import's rows come from: `RowSource`, a file read as the canonical CSV (or, by a
translation such as mapped.py, as something in front of it), and the checks of a file before
its rows are read — that it is there and not empty (`checked_size`), and that its header names
known columns, each once, the required ones included (`check_header`), one sentence each.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from kpi_engine.errors import UserError
from kpi_engine.ingest.reporting import WarningLog


@contextmanager
def csv_reader(path: Path) -> Iterator[tuple[Any, Callable[[], int]]]:
    """A csv reader over `path` (UTF-8, an optional BOM) and a function giving bytes read."""
    with open(path, "rb") as binary:
        text = io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")
        yield csv.reader(text), binary.tell


class RowSource:
    """Where the rows of one file of an import come from. The canonical CSV is read as it is;
    a translation in front of the importer (a mapped export, mapped.py) gives its own `open`:
    a context manager yielding (reader, bytes_read), the reader an iterator of field lists
    whose first is the canonical header and whose `line_num` is the physical line reached in
    `path` (the file the report names), and may wrap the canonical parser to add the problems
    it found in a row (`wrap_parser(parse, warnings)`; `warnings.muted` silences the row's
    warnings while a row it will reject is parsed). `ignored_columns`: columns it did not use."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.ignored_columns: tuple[str, ...] = ()

    def open(self):
        return csv_reader(self.path)

    def wrap_parser(self, parse: Callable, warnings: WarningLog) -> Callable:
        return parse


def checked_size(path: Path) -> int:
    if not path.is_file():
        raise UserError(f"no such file: {path}")
    size = path.stat().st_size
    if size == 0:
        raise UserError(f"{path} is empty: a CSV needs a header line and rows")
    return size


def check_header(path: Path, header: list[str], known: tuple[str, ...],
                  required: tuple[str, ...]) -> list[str]:
    """The header's column names, normalised; a UserError naming any unknown or missing one."""
    from rapidfuzz import process

    columns = [name.strip().lower() for name in header]
    if not any(columns):
        raise UserError(f"{path} has no header line: the first line must name the columns")
    for position, name in enumerate(columns, start=1):
        if name not in known:
            nearest = process.extractOne(name, known)[0]
            shown = repr(name) if name else f"(empty name, field {position})"
            raise UserError(f"{path}: unknown column {shown}; did you mean {nearest!r}?",
                            [nearest, *(c for c in known if c != nearest)])
        if columns.index(name) != position - 1:
            raise UserError(f"{path}: column {name!r} appears twice in the header")
    missing = [name for name in required if name not in columns]
    if missing:
        raise UserError(f"{path}: required column{'s' * (len(missing) > 1)} "
                        f"{', '.join(map(repr, missing))} missing", list(required))
    return columns

