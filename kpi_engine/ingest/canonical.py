"""Canonical CSV import: `import_csv(db, tickets.csv, surveys.csv)` → `ImportReport`.

How an import runs, all in one transaction:

1. Each file is streamed (csv module, batches of `BATCH_ROWS`); each row is validated in
   Python (rows.py) and the good ones are loaded into TEMPORARY staging tables that keep
   each row's line number — by binary COPY on PostgreSQL, through a temporary CSV file and
   read_csv on DuckDB, by executemany on SQLite. Memory stays flat: one batch and at most
   `MAX_REPORTED_BAD_ROWS` bad rows per file are held in Python.
2. SQL on the staging tables finds what needs the whole file: a (source, id) seen on an
   earlier line, a survey's (source, ticket_id, kind) seen earlier, a survey whose ticket is
   neither in the database nor in the ticket file.
3. With bad rows and no `skip_bad`, the transaction is rolled back — nothing is written — and
   `ImportRejected` carries the report. Otherwise the bad lines are dropped from staging and
   `INSERT … SELECT … ON CONFLICT … DO UPDATE … WHERE (a column) IS DISTINCT FROM excluded`
   merges: a row is rewritten only when a value differs, so importing a file twice changes
   nothing. A ticket's tags become the file's (only the differences are written). On
   PostgreSQL, a large load into an empty tickets table builds the indexes after the load.
4. The agents, teams and tags of the staged tickets are added to `dimension_values`, the
   vocabulary questions are read with. When a calendar is stored, each ticket's business
   clock readings are computed as its row is staged (calendars/readings.py: a bisect per
   timestamp) and merged with it; a file without a column they are read from has those of
   the stored tickets it updates computed after the merge, from what is stored.

A row replaces the record's values for the columns the file has. A column the file does not
have keeps what is stored for a ticket already in the database (the report names those columns
in `kept_columns`: a file of fewer columns never blanks data silently), and takes its default
for a new one (agent_replies 0, customer_messages 1, reopens 0, escalated false, source
"import", no tags, otherwise NULL); `replace_missing` gives every row the defaults, the file as
the whole record. Counts in the report are rows: new (no record had its key), updated (a value or
a tag differed), unchanged. Blank lines are skipped; line numbers are the file's physical lines
(the header is line 1).

A bad row names every problem it has (`BadRow.problems`). Rows the contract allows but that
look wrong are imported and reported as warnings (`RowWarning`, capped like bad rows): status
new/open/pending with a solved_at, a solve before the first reply, a timestamp after `now` (the
clock, pinned by tests and `--now`), a survey answered before its ticket was created (SQL,
against the ticket of the file or of the database). A survey of an unknown ticket names the
ticket and its source, and the sources that do hold that id, or exist at all, when the source
is the likely mistake.

Rows reach the importer through a `RowSource`: the canonical CSV as it is (`import_csv`), or a
translation in front of it such as a mapped export (`mapped.py`, `import_sources`) — the same
validation, staging and merge either way.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import time
from array import array
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from kpi_engine.calendars.readings import import_readings, refresh_readings
from kpi_engine.errors import ImportRejected, UserError
from kpi_engine.ingest.rows import (
    DEFAULT_SOURCE,
    REQUIRED_SURVEY_COLUMNS,
    REQUIRED_TICKET_COLUMNS,
    STAGED_TICKET_COLUMNS,
    SURVEY_COLUMNS,
    TICKET_COLUMNS,
    RowError,
    survey_parser,
    ticket_parser,
)
from kpi_engine.ingest.staging import (
    STAGED_KEYS,
    added_tags,
    bad_lines,
    removed_tags,
    staged_surveys,
    staged_tags,
    staged_tickets,
    staging_metadata,
)
from kpi_engine.sql.dialects import backend_for
from kpi_engine.storage.dimension_values import record_dimension_values
from kpi_engine.storage.schema import (
    BUSINESS_READINGS,
    RECORD_COLUMNS,
    survey_requests,
    survey_responses,
    ticket_tags,
    tickets,
)

MAX_REPORTED_BAD_ROWS = 1000
BATCH_ROWS = 10_000
# From this many tickets into an empty table, PostgreSQL builds the indexes after the load.
BULK_LOAD_MIN_ROWS = 100_000
SUPPORTED_DIALECTS = ("postgresql", "sqlite", "duckdb")
TICKETS, SURVEYS = 0, 1  # the files of one import, in report order


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


@contextmanager
def _csv_reader(path: Path) -> Iterator[tuple[Any, Callable[[], int]]]:
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
        return _csv_reader(self.path)

    def wrap_parser(self, parse: Callable, warnings: _Warnings) -> Callable:
        return parse


class _Warnings:
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


_TICKET_VALUES = [name for name in RECORD_COLUMNS if name not in ("source", "id")]
# Where a staged ticket's team and timestamps are (its business clock readings follow the row),
# and the columns the readings are computed from (a file without one of them, merged into
# stored tickets, has them computed after the merge instead, from what is stored).
_TEAM, _CREATED, _FIRST, _SOLVED = (STAGED_TICKET_COLUMNS.index(name) for name in (
    "team", "created_at", "first_response_at", "solved_at"))
_READ_FROM = ("team", "created_at", "first_response_at", "solved_at")
_NO_READINGS = (None,) * len(BUSINESS_READINGS)


def import_csv(
    db: sa.Engine,
    tickets_path: Path | None,
    surveys_path: Path | None = None,
    *,
    skip_bad: bool = False,
    replace_missing: bool = False,
    progress: Callable[[int, int], None] | None = None,
    now: datetime | None = None,
) -> ImportReport:
    """Import a ticket CSV and/or a survey CSV; see the module docstring.

    Raises UserError for a file that cannot be read as a canonical CSV, and ImportRejected
    (nothing written) for bad rows unless `skip_bad`. `replace_missing`: columns the ticket
    file lacks are blanked (set to their defaults) on existing tickets too, instead of kept.
    `progress(bytes_done, bytes_total)` is called after every batch. `now`: the instant after
    which a timestamp is reported as in the future (default: the system clock)."""
    if tickets_path is None and surveys_path is None:
        raise UserError("nothing to import: give a tickets CSV, a surveys CSV, or both")
    return import_sources(
        db, RowSource(tickets_path) if tickets_path else None,
        RowSource(surveys_path) if surveys_path else None,
        skip_bad=skip_bad, replace_missing=replace_missing, progress=progress, now=now)


def import_sources(
    db: sa.Engine,
    tickets_source: RowSource | None,
    surveys_source: RowSource | None = None,
    *,
    skip_bad: bool = False,
    replace_missing: bool = False,
    progress: Callable[[int, int], None] | None = None,
    now: datetime | None = None,
) -> ImportReport:
    """`import_csv` for rows from any `RowSource` (a canonical CSV, or a translation of another
    file in front of the importer): the same validation, staging, checks and merge."""
    started = time.perf_counter()
    if tickets_source is None and surveys_source is None:
        raise UserError("nothing to import: give a tickets CSV, a surveys CSV, or both")
    if db.dialect.name not in SUPPORTED_DIALECTS:
        raise UserError(f"import writes to {', '.join(SUPPORTED_DIALECTS)}; not {db.dialect.name}")
    sources = [tickets_source, surveys_source]
    paths = [source.path if source else None for source in sources]
    sizes = [_checked_size(path) if path else 0 for path in paths]
    if now is None:
        now = datetime.now(timezone.utc)
    with db.begin() as connection:
        run = _Run(connection, paths, sum(sizes), progress, replace_missing=replace_missing,
                   sources=sources, now=now)
        try:
            run.create_staging()
            if paths[TICKETS]:
                run.stage(TICKETS, TICKET_COLUMNS, REQUIRED_TICKET_COLUMNS, ticket_parser)
            if paths[SURVEYS]:
                run.stage(SURVEYS, SURVEY_COLUMNS, REQUIRED_SURVEY_COLUMNS, survey_parser)
            run.find_bad_lines()
            run.find_warnings()
            if run.bad_count and not skip_bad:
                report = run.report((0, 0, 0), (0, 0, 0), False, time.perf_counter() - started)
                first = report.bad_rows[0]
                where = f"{Path(first.file).name} line {first.line}"
                raise ImportRejected(
                    f"{report.bad_row_count:,} bad row{'s' * (report.bad_row_count != 1)}; "
                    f"nothing was written (first: {where}: {first.reason})", report)
            ticket_counts = run.merge_tickets() if paths[TICKETS] else (0, 0, 0)
            if paths[TICKETS]:
                record_dimension_values(connection, staged_tickets, staged_tags)
            survey_counts = run.merge_surveys() if paths[SURVEYS] else (0, 0, 0)
            report = run.report(ticket_counts, survey_counts, True, 0.0)
            run.drop_staging()
        finally:
            run.backend.close()
    return dataclasses.replace(report, seconds=time.perf_counter() - started)  # commit included


def _checked_size(path: Path) -> int:
    if not path.is_file():
        raise UserError(f"no such file: {path}")
    size = path.stat().st_size
    if size == 0:
        raise UserError(f"{path} is empty: a CSV needs a header line and rows")
    return size


def _check_header(path: Path, header: list[str], known: tuple[str, ...],
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


class _Run:
    """One import's state: the connection, the files, the bad rows Python found."""

    def __init__(self, connection: sa.Connection, paths: list[Path | None], total_bytes: int,
                 progress: Callable[[int, int], None] | None, *,
                 replace_missing: bool = False, sources: list[RowSource | None] | None = None,
                 now: datetime | None = None) -> None:
        self.connection = connection
        self.replace_missing = replace_missing
        self.ticket_columns: tuple[str, ...] = TICKET_COLUMNS  # the ticket file's header
        self.columns: list[tuple[str, ...]] = [(), ()]  # each file's header
        self.kept_columns: tuple[str, ...] = ()
        self.sources = sources or [RowSource(path) if path else None for path in paths]
        self.now = now
        self.warnings = [_Warnings(str(path)) for path in paths]
        self.backend = backend_for(connection)  # how batches are loaded, the upsert
        self.readings = None  # the business clock readings, computed as rows are staged
        self.paths = paths
        self.total_bytes = total_bytes
        self.done_bytes = 0
        self.progress = progress
        self.read = [0, 0]
        self.python_bad: list[list[BadRow]] = [[], []]
        self.python_bad_count = [0, 0]
        self.sql_bad_count = [0, 0]

    @property
    def bad_count(self) -> int:
        return sum(self.python_bad_count) + sum(self.sql_bad_count)

    # -- staging -----------------------------------------------------------------------------

    def create_staging(self) -> None:
        self.backend.begin_import(self.connection)
        self.readings = import_readings(self.connection)  # None while no calendar is stored
        for table in staging_metadata.sorted_tables:
            self.connection.exec_driver_sql(f"DROP TABLE IF EXISTS {table.name}")
            table.create(self.connection)

    def drop_staging(self) -> None:
        for table in staging_metadata.sorted_tables:
            self.connection.exec_driver_sql(f"DROP TABLE IF EXISTS {table.name}")

    def stage(self, file: int, known, required, make_parser) -> None:
        """Validate the rows of `self.paths[file]` and load the good ones into staging."""
        path = self.paths[file]
        with self.sources[file].open() as (reader, bytes_read):
            try:
                self.read[file] = self._stage_rows(
                    file, reader, bytes_read, known, required, make_parser)
            except UnicodeDecodeError:
                raise UserError(f"{path} is not UTF-8 text (an invalid byte near line "
                                f"{reader.line_num + 1}); save it as UTF-8") from None
        self.done_bytes += path.stat().st_size
        self._report_progress(self.done_bytes)

    def _stage_rows(self, file: int, reader, bytes_read, known, required, make_parser) -> int:
        """Stage the rows after the header; the number of rows read."""
        path = self.paths[file]
        name = str(path)
        write = self._write_tickets if file == TICKETS else self._write_surveys
        try:
            header = next(reader)
        except StopIteration:
            raise UserError(f"{path} is empty: a CSV needs a header line and rows") from None
        columns = _check_header(path, header, known, required)
        self.columns[file] = tuple(columns)
        if file == TICKETS:
            self.ticket_columns = tuple(columns)
        warnings = self.warnings[file]
        parse = self.sources[file].wrap_parser(
            make_parser(columns, now=self.now, warn=warnings), warnings)
        batch: list = []
        append = batch.append
        bad = self.python_bad[file]
        previous = reader.line_num
        read = 0
        while True:
            try:
                fields = next(reader)
            except StopIteration:
                break
            except csv.Error as error:
                fields = None
                problem = RowError(None, f"not readable as CSV: {error}")
            line = previous + 1  # where the row starts; a quoted field may span lines
            previous = reader.line_num
            if fields is not None:
                if not fields:
                    continue  # a blank line
                try:
                    append(parse(fields, line))
                    read += 1
                    if len(batch) >= BATCH_ROWS:
                        write(batch)
                        batch.clear()
                        self._report_progress(self.done_bytes + bytes_read())
                    continue
                except RowError as error:
                    problem = error
            read += 1
            self.python_bad_count[file] += 1
            if len(bad) < MAX_REPORTED_BAD_ROWS:
                bad.append(BadRow(name, line, problem.column, problem.reason, problem.problems))
        if batch:
            write(batch)
        return read

    def _report_progress(self, done: int) -> None:
        if self.progress:
            self.progress(done, self.total_bytes)

    def _write_tickets(self, batch: list) -> None:
        readings = self.readings  # the business clock readings, in the same pass
        rows = [row + readings(row[_TEAM], row[_CREATED], row[_FIRST], row[_SOLVED])
                for row, _ in batch] if readings else [row + _NO_READINGS for row, _ in batch]
        self.backend.write(self.connection, staged_tickets, rows)
        tags = [(row[0], row[1], row[2], tag) for row, row_tags in batch for tag in row_tags]
        if tags:
            self.backend.write(self.connection, staged_tags, tags)

    def _write_surveys(self, batch: list) -> None:
        self.backend.write(self.connection, staged_surveys, batch)

    # -- checks that need the whole file ------------------------------------------------------

    def find_bad_lines(self) -> None:
        """Duplicates within each file, surveys of unknown tickets: into `bad_lines`, and out
        of staging."""
        self.backend.prepare_for_queries(self.connection, STAGED_KEYS)
        if self.paths[TICKETS]:
            s = staged_tickets
            self._record(TICKETS, self._duplicates(TICKETS, s, (s.c.source, s.c.id)))
        if self.paths[SURVEYS]:
            s = staged_surveys
            key = (s.c.source, s.c.ticket_id, s.c.kind)
            self._record(SURVEYS, self._duplicates(SURVEYS, s, key))
            t, st = tickets, staged_tickets
            unknown = sa.select(
                sa.literal(SURVEYS, sa.SmallInteger()), s.c.line, sa.null(), s.c.source,
                s.c.ticket_id,
            ).where(
                ~sa.exists().where(t.c.source == s.c.source, t.c.id == s.c.ticket_id),
                ~sa.exists().where(st.c.source == s.c.source, st.c.id == s.c.ticket_id),
            )
            self._record(SURVEYS, unknown)

    @staticmethod
    def _duplicates(file: int, table: sa.Table, key: tuple) -> sa.Select:
        firsts = (
            sa.select(*key, sa.func.min(table.c.line).label("first_line"))
            .group_by(*key)
            .having(sa.func.count() > 1)
            .subquery()
        )
        return (
            sa.select(sa.literal(file, sa.SmallInteger()), table.c.line, firsts.c.first_line,
                      sa.null(), sa.null())
            .join_from(table, firsts, sa.and_(*(column == firsts.c[column.name] for column in key)))
            .where(table.c.line > firsts.c.first_line)
        )

    def _record(self, file: int, select: sa.Select) -> None:
        """Insert the bad lines `select` finds, and remove them from staging."""
        self.connection.execute(bad_lines.insert().from_select(list(bad_lines.c.keys()), select))
        found = self.connection.execute(
            sa.select(sa.func.count()).where(bad_lines.c.file == file)
        ).scalar_one()
        if found > self.sql_bad_count[file]:
            self.sql_bad_count[file] = found
            lines = sa.select(bad_lines.c.line).where(bad_lines.c.file == file)
            for table in (staged_tickets, staged_tags) if file == TICKETS else (staged_surveys,):
                self.connection.execute(sa.delete(table).where(table.c.line.in_(lines)))

    def find_warnings(self) -> None:
        """The warnings SQL finds, among the good rows (after `find_bad_lines`): tickets solved
        before their first reply (compared here, where the instants are UTC: in Python,
        comparing times of other offsets is slow), surveys answered before their ticket was
        created (the ticket of the file if it has it, else the stored one)."""
        self.sql_warnings: list[list[RowWarning]] = [[], []]
        self.sql_warning_count = [0, 0]
        if self.paths[TICKETS]:
            s = staged_tickets
            self._sql_warnings(
                TICKETS, sa.select(s.c.line).where(s.c.solved_at < s.c.first_response_at),
                lambda line: ("solved_at", "solved_at is before first_response_at: solved "
                                           "before the first reply"))
        if self.paths[SURVEYS]:
            s, st, t = staged_surveys, staged_tickets, tickets
            created = sa.func.coalesce(st.c.created_at, t.c.created_at)
            joined = s.outerjoin(st, sa.and_(st.c.source == s.c.source,
                                             st.c.id == s.c.ticket_id)
                                 ).outerjoin(t, sa.and_(t.c.source == s.c.source,
                                                        t.c.id == s.c.ticket_id))
            self._sql_warnings(
                SURVEYS,
                sa.select(s.c.line, s.c.ticket_id, s.c.responded_at, created.label("created_at"))
                .select_from(joined).where(s.c.responded_at < created),
                lambda line, ticket_id, responded, created_at: (
                    "responded_at", f"responded_at {_instant(responded)} is before ticket "
                                    f"{ticket_id!r} was created ({_instant(created_at)})"))

    def _sql_warnings(self, file: int, select: sa.Select, describe: Callable) -> None:
        """The warnings of the rows `select` finds (its first column the line): the first
        MAX_REPORTED_BAD_ROWS described, all counted."""
        found = self.connection.execute(
            select.order_by(select.selected_columns[0]).limit(MAX_REPORTED_BAD_ROWS)).all()
        name = str(self.paths[file])
        self.sql_warnings[file] = [RowWarning(name, row[0], *describe(*row)) for row in found]
        self.sql_warning_count[file] = len(found)
        if len(found) == MAX_REPORTED_BAD_ROWS:
            self.sql_warning_count[file] = self.connection.execute(
                sa.select(sa.func.count()).select_from(select.subquery())).scalar_one()

    def report(self, ticket_counts, survey_counts, written: bool, seconds: float) -> ImportReport:
        rows: list[BadRow] = []
        warnings: list[RowWarning] = []
        warning_count = 0
        for file, path in enumerate(self.paths):
            if path is None:
                continue
            found = self.connection.execute(
                sa.select(bad_lines.c.line, bad_lines.c.first_line, bad_lines.c.source,
                          bad_lines.c.ticket_id)
                .where(bad_lines.c.file == file)
                .order_by(bad_lines.c.line)
                .limit(MAX_REPORTED_BAD_ROWS)
            ).all() if self.sql_bad_count[file] else []
            hints = self._unknown_ticket_hints(found) if file == SURVEYS else {}
            sql_rows = [_sql_bad_row(str(path), file, *row, hints.get(row[0], ""))
                        for row in found]
            rows.extend(sorted(self.python_bad[file] + sql_rows, key=lambda bad: bad.line))
            held, count = self._file_warnings(file)
            warnings.extend(held)
            warning_count += count
        source = self.sources[TICKETS] or self.sources[SURVEYS]
        return ImportReport(
            tickets_read=self.read[TICKETS], tickets_new=ticket_counts[0],
            tickets_updated=ticket_counts[1], tickets_unchanged=ticket_counts[2],
            surveys_read=self.read[SURVEYS], surveys_new=survey_counts[0],
            surveys_updated=survey_counts[1], surveys_unchanged=survey_counts[2],
            bad_rows=tuple(rows[:MAX_REPORTED_BAD_ROWS]), bad_row_count=self.bad_count,
            written=written, seconds=seconds, kept_columns=self.kept_columns,
            warnings=tuple(warnings[:MAX_REPORTED_BAD_ROWS]), warning_count=warning_count,
            ignored_columns=source.ignored_columns,
        )

    def _file_warnings(self, file: int) -> tuple[list[RowWarning], int]:
        """A file's warnings in line order (Python's and SQL's), none of a row SQL found bad
        (a duplicate), and how many in all."""
        warnings = self.warnings[file]
        held, count = list(warnings.held), warnings.count
        if count and self.sql_bad_count[file]:
            bad = set(self.connection.execute(
                sa.select(bad_lines.c.line).where(bad_lines.c.file == file)).scalars())
            held = [warning for warning in held if warning.line not in bad]
            count = sum(1 for line in warnings.lines if line not in bad)
        held += self.sql_warnings[file]  # found in SQL among the good rows only
        count += self.sql_warning_count[file]
        return sorted(held, key=lambda warning: warning.line), count

    def _unknown_ticket_hints(self, found) -> dict[int, str]:
        """For the reported surveys of unknown tickets (by line), what would explain it: the
        sources that hold a ticket of that id, or, when no ticket has the survey's source, the
        sources that exist."""
        unknown = [(line, source, ticket_id)
                   for line, first_line, source, ticket_id in found if first_line is None]
        if not unknown:
            return {}
        execute = self.connection.execute
        ids = sorted({ticket_id for _, _, ticket_id in unknown})
        holders: dict[str, set[str]] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            for table in (tickets, staged_tickets):
                for source, ticket_id in execute(
                        sa.select(table.c.source, table.c.id).where(table.c.id.in_(chunk))):
                    holders.setdefault(ticket_id, set()).add(source)
        no_column = "source" not in self.columns[SURVEYS]
        why = (" (the survey file has no source column, so its rows read as source "
               f"{DEFAULT_SOURCE!r})") if no_column else ""
        hints: dict[int, str] = {}
        sources_present: dict[str, bool] = {}
        every_source: list[str] | None = None
        for line, source, ticket_id in unknown:
            others = sorted(holders.get(ticket_id, set()) - {source})
            if others:
                hints[line] = (f"; there is a ticket {ticket_id!r} from source "
                               f"{' and '.join(map(repr, others))}{why} — is the survey's "
                               "source right?")
                continue
            if source not in sources_present:
                sources_present[source] = any(
                    execute(sa.select(sa.exists().where(table.c.source == source))).scalar_one()
                    for table in (tickets, staged_tickets))
            if sources_present[source]:
                continue
            if every_source is None:
                every_source = sorted({value for table in (tickets, staged_tickets)
                                       for value in execute(sa.select(table.c.source).distinct())
                                       .scalars()})
            if every_source:
                shown = ", ".join(every_source[:10]) + (", …" if len(every_source) > 10 else "")
                hints[line] = (f"; no ticket has source {source!r}{why} — the sources are "
                               f"{shown}")
        return hints

    # -- merging into the real tables -------------------------------------------------------

    def merge_tickets(self) -> tuple[int, int, int]:
        """Upsert the staged tickets and replace their tags; (new, updated, unchanged). Of a
        ticket already stored, only the columns of the file are compared and rewritten (all of
        them with `replace_missing`)."""
        execute = self.connection.execute
        s, t, st, tt = staged_tickets, tickets, staged_tags, ticket_tags
        if self.backend.bulk_loads:
            loaded = self._bulk_load()
            if loaded is not None:  # the business clock readings went in with the rows
                return loaded, 0, 0
        absent = () if self.replace_missing else tuple(
            name for name in TICKET_COLUMNS if name not in self.ticket_columns)
        values = [name for name in _TICKET_VALUES if name not in absent]
        with_tags = "tags" not in absent
        # The business clock readings staged with the rows go into new tickets, and into stored
        # ones unless the file lacks a column they are read from: those are computed after the
        # merge, from what is stored (`stale`).
        readings = list(BUSINESS_READINGS) if self.readings else []
        stale = bool(readings) and any(name in absent for name in _READ_FROM)
        same_tag = lambda a, b: sa.and_(  # noqa: E731
            a.c.source == b.c.source, a.c.ticket_id == b.c.ticket_id, a.c.tag == b.c.tag)
        # The tag rows to add and to remove, worked out before anything is written.
        execute(added_tags.insert().from_select(["source", "ticket_id", "tag"], sa.select(
            st.c.source, st.c.ticket_id, st.c.tag
        ).where(~sa.exists().where(same_tag(tt, st)))))
        if with_tags:  # a file without the tags column keeps every stored tag
            execute(removed_tags.insert().from_select(["source", "ticket_id", "tag"], sa.select(
                tt.c.source, tt.c.ticket_id, tt.c.tag
            ).where(
                sa.exists().where(s.c.source == tt.c.source, s.c.id == tt.c.ticket_id),
                ~sa.exists().where(same_tag(st, tt)),
            )))
        differs = sa.or_(
            *(t.c[name].is_distinct_from(s.c[name]) for name in values),
            *(sa.exists().where(tags.c.source == s.c.source, tags.c.ticket_id == s.c.id)
              for tags in (added_tags, removed_tags)),
        )
        staged, existing, changed = execute(sa.select(
            sa.func.count(), sa.func.count(t.c.id),
            sa.func.count(sa.case((sa.and_(t.c.id.is_not(None), differs), 1))),
        ).select_from(s.outerjoin(t, sa.and_(t.c.source == s.c.source, t.c.id == s.c.id)))).one()

        if existing and absent:
            self.kept_columns = absent
        if staged > existing or changed:  # else the file says what the database says
            self._upsert(t, s, ["source", "id"], _TICKET_VALUES + readings,
                         update=values + ([] if stale else readings))
            if execute(sa.select(sa.func.count()).select_from(removed_tags)).scalar_one():
                execute(sa.delete(tt).where(sa.exists().where(same_tag(removed_tags, tt))))
            execute(tt.insert().from_select(["source", "ticket_id", "tag"], sa.select(added_tags)))
        if stale:
            refresh_readings(self.connection, keys=staged_tickets)  # business clock readings
        return staged - existing, changed, existing - changed

    def _bulk_load(self) -> int | None:
        """Many tickets into empty tables: load them the backend's bulk way (PostgreSQL: the
        indexes built after the load) and return how many; None when this is not such a load
        (or the user may not)."""
        execute = self.connection.execute
        s, t, st, tt = staged_tickets, tickets, staged_tags, ticket_tags
        staged = execute(sa.select(sa.func.count()).select_from(s)).scalar_one()
        if staged < BULK_LOAD_MIN_ROWS or execute(sa.select(sa.exists(t.select()))).scalar_one():
            return None

        def load() -> None:
            # The tables are empty and locked, and staging holds each key once: plain INSERTs.
            columns = RECORD_COLUMNS + BUSINESS_READINGS  # the readings staged with the rows
            execute(t.insert().from_select(columns, sa.select(*(s.c[name] for name in columns))))
            execute(tt.insert().from_select(
                tt.c.keys(), sa.select(st.c.source, st.c.ticket_id, st.c.tag)))

        if not self.backend.load_into_empty(self.connection, load, tickets=t, ticket_tags=tt):
            return None
        return staged

    def merge_surveys(self) -> tuple[int, int, int]:
        """Upsert the staged survey requests and responses; (new, updated, unchanged) rows."""
        execute = self.connection.execute
        s, req, resp = staged_surveys, survey_requests, survey_responses

        def key(table):
            return sa.and_(table.c.source == s.c.source, table.c.ticket_id == s.c.ticket_id,
                           table.c.kind == s.c.kind)

        is_request, is_response = s.c.sent_at.is_not(None), s.c.score.is_not(None)
        new = sa.or_(sa.and_(is_request, req.c.kind.is_(None)),
                     sa.and_(is_response, resp.c.kind.is_(None)))
        differs = sa.or_(
            sa.and_(is_request, req.c.sent_at.is_distinct_from(s.c.sent_at)),
            sa.and_(is_response, sa.or_(*(resp.c[name].is_distinct_from(s.c[name])
                                          for name in ("score", "responded_at", "comment")))),
        )
        staged, new_count, changed = execute(sa.select(
            sa.func.count(),
            sa.func.count(sa.case((new, 1))),
            sa.func.count(sa.case((sa.and_(sa.not_(new), differs), 1))),
        ).select_from(s.outerjoin(req, key(req)).outerjoin(resp, key(resp)))).one()
        if new_count or changed:
            self._upsert(req, s, ["source", "ticket_id", "kind"], ["sent_at"], is_request)
            self._upsert(resp, s, ["source", "ticket_id", "kind"],
                         ["score", "responded_at", "comment"], is_response)
        return new_count, changed, staged - new_count - changed

    def _upsert(self, table: sa.Table, staged: sa.Table, key: list[str], values: list[str],
                where: sa.ColumnElement | None = None, *,
                update: list[str] | None = None) -> None:
        """INSERT … SELECT … ON CONFLICT (key) DO UPDATE only the rows where a value differs;
        a row already there has only the `update` columns compared and set (default: all)."""
        columns = key + values
        rows = sa.select(*(staged.c[name] for name in columns))
        # SQLite needs a WHERE to tell the upsert's ON from a join's.
        rows = rows.where(where if where is not None else sa.true())
        statement = self.backend.insert(table).from_select(columns, rows)
        update = values if update is None else update
        statement = statement.on_conflict_do_update(
            index_elements=key,
            set_={name: statement.excluded[name] for name in update},
            where=sa.or_(*(table.c[name].is_distinct_from(statement.excluded[name])
                           for name in update)),
        )
        self.connection.execute(statement)


def _sql_bad_row(file: str, kind: int, line: int, first_line: int | None, source: str | None,
                 ticket_id: str | None, hint: str = "") -> BadRow:
    if first_line is not None:
        if kind == TICKETS:
            return BadRow(file, line, "id", f"duplicate id: first on line {first_line}")
        return BadRow(file, line, "ticket_id",
                      f"duplicate ticket_id and kind: first on line {first_line}")
    return BadRow(file, line, "ticket_id", f"unknown ticket {ticket_id!r} from source {source!r}: "
                                           f"not in the database nor in the ticket file{hint}")


def _instant(value: datetime) -> str:
    """An instant as ISO 8601 in UTC, as the database gives it back."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
