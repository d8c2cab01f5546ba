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
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import sqlalchemy as sa

from kpi_engine.calendars.readings import import_readings
from kpi_engine.errors import ImportRejected, UserError
from kpi_engine.ingest import reporting
from kpi_engine.ingest.checks import SURVEYS, TICKETS, StagedChecks
from kpi_engine.ingest.merging import BULK_LOAD_MIN_ROWS, StagedMerge
from kpi_engine.ingest.reporting import (
    MAX_REPORTED_BAD_ROWS,
    BadRow,
    ImportReport,
    RowWarning,
    WarningLog,
)
from kpi_engine.ingest.rows import (
    REQUIRED_SURVEY_COLUMNS,
    REQUIRED_TICKET_COLUMNS,
    STAGED_TICKET_COLUMNS,
    SURVEY_COLUMNS,
    TICKET_COLUMNS,
    RowError,
    survey_parser,
    ticket_parser,
)
from kpi_engine.ingest.sources import RowSource, check_header, checked_size
from kpi_engine.ingest.staging import (
    staged_surveys,
    staged_tags,
    staged_tickets,
    staging_metadata,
)
from kpi_engine.sql.dialects import backend_for, check_importable
from kpi_engine.storage.dimension_values import record_dimension_values
from kpi_engine.storage.schema import BUSINESS_READINGS

# What tests and callers import from here (the report's types live in reporting.py, where
# MAX_REPORTED_BAD_ROWS is set; BULK_LOAD_MIN_ROWS in merging.py).
__all__ = ["BULK_LOAD_MIN_ROWS", "MAX_REPORTED_BAD_ROWS", "BadRow", "ImportReport", "RowSource",
           "RowWarning", "import_csv", "import_sources"]

BATCH_ROWS = 10_000
# Where a staged ticket's team and timestamps are: its business clock readings follow the row.
_TEAM, _CREATED, _FIRST, _SOLVED = (STAGED_TICKET_COLUMNS.index(name) for name in (
    "team", "created_at", "first_response_at", "solved_at"))
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
    check_importable(db)
    sources = [tickets_source, surveys_source]
    paths = [source.path if source else None for source in sources]
    sizes = [checked_size(path) if path else 0 for path in paths]
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


class _Run(StagedChecks, StagedMerge):
    """One import's state: the connection, the files, the bad rows Python found; its staging
    here, its checks (checks.py) and merge (merging.py) mixed in."""

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
        self.warnings = [WarningLog(str(path)) for path in paths]
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
        columns = check_header(path, header, known, required)
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
            if len(bad) < reporting.MAX_REPORTED_BAD_ROWS:
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
