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
   vocabulary questions are read with.

A row replaces the record's values for the columns the file has. A column the file does not
have keeps what is stored for a ticket already in the database (the report names those columns
in `kept_columns`: a file of fewer columns never blanks data silently), and takes its default
for a new one (agent_replies 0, customer_messages 1, reopens 0, escalated false, source
"import", no tags, otherwise NULL); `replace_missing` gives every row the defaults, the file as
the whole record. Counts in the report are rows: new (no record had its key), updated (a value or
a tag differed), unchanged. Blank lines are skipped; line numbers are the file's physical lines
(the header is line 1).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from kpi_engine.errors import ImportRejected, UserError
from kpi_engine.ingest.rows import (
    REQUIRED_SURVEY_COLUMNS,
    REQUIRED_TICKET_COLUMNS,
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
from kpi_engine.storage.schema import survey_requests, survey_responses, ticket_tags, tickets

MAX_REPORTED_BAD_ROWS = 1000
BATCH_ROWS = 10_000
# From this many tickets into an empty table, PostgreSQL builds the indexes after the load.
BULK_LOAD_MIN_ROWS = 100_000
SUPPORTED_DIALECTS = ("postgresql", "sqlite", "duckdb")
TICKETS, SURVEYS = 0, 1  # the files of one import, in report order


@dataclass(frozen=True)
class BadRow:
    """A row that was not written: `line` is the physical line in `file` (the header is 1)."""

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

    def to_json(self) -> dict:
        data = asdict(self)
        data["bad_rows"] = [asdict(bad) for bad in self.bad_rows]
        data["kept_columns"] = list(self.kept_columns)
        data["seconds"] = round(self.seconds, 3)
        return data


_TICKET_VALUES = [name for name in tickets.c.keys() if name not in ("source", "id")]


def import_csv(
    db: sa.Engine,
    tickets_path: Path | None,
    surveys_path: Path | None = None,
    *,
    skip_bad: bool = False,
    replace_missing: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Import a ticket CSV and/or a survey CSV; see the module docstring.

    Raises UserError for a file that cannot be read as a canonical CSV, and ImportRejected
    (nothing written) for bad rows unless `skip_bad`. `replace_missing`: columns the ticket
    file lacks are blanked (set to their defaults) on existing tickets too, instead of kept.
    `progress(bytes_done, bytes_total)` is called after every batch."""
    started = time.perf_counter()
    if tickets_path is None and surveys_path is None:
        raise UserError("nothing to import: give a tickets CSV, a surveys CSV, or both")
    if db.dialect.name not in SUPPORTED_DIALECTS:
        raise UserError(f"import writes to {', '.join(SUPPORTED_DIALECTS)}; not {db.dialect.name}")
    paths = [Path(path) if path else None for path in (tickets_path, surveys_path)]
    sizes = [_checked_size(path) if path else 0 for path in paths]
    with db.begin() as connection:
        run = _Run(connection, paths, sum(sizes), progress, replace_missing=replace_missing)
        try:
            run.create_staging()
            if paths[TICKETS]:
                run.stage(TICKETS, TICKET_COLUMNS, REQUIRED_TICKET_COLUMNS, ticket_parser)
            if paths[SURVEYS]:
                run.stage(SURVEYS, SURVEY_COLUMNS, REQUIRED_SURVEY_COLUMNS, survey_parser)
            run.find_bad_lines()
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


@contextmanager
def _csv_reader(path: Path) -> Iterator[tuple[Any, Callable[[], int]]]:
    """A csv reader over `path` (UTF-8, an optional BOM) and a function giving bytes read."""
    with open(path, "rb") as binary:
        text = io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")
        yield csv.reader(text), binary.tell


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
                 replace_missing: bool = False) -> None:
        self.connection = connection
        self.replace_missing = replace_missing
        self.ticket_columns: tuple[str, ...] = TICKET_COLUMNS  # the ticket file's header
        self.kept_columns: tuple[str, ...] = ()
        self.backend = backend_for(connection)  # how batches are loaded, the upsert
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
        for table in staging_metadata.sorted_tables:
            self.connection.exec_driver_sql(f"DROP TABLE IF EXISTS {table.name}")
            table.create(self.connection)

    def drop_staging(self) -> None:
        for table in staging_metadata.sorted_tables:
            self.connection.exec_driver_sql(f"DROP TABLE IF EXISTS {table.name}")

    def stage(self, file: int, known, required, make_parser) -> None:
        """Validate the rows of `self.paths[file]` and load the good ones into staging."""
        path = self.paths[file]
        with _csv_reader(path) as (reader, bytes_read):
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
        if file == TICKETS:
            self.ticket_columns = tuple(columns)
        parse = make_parser(columns)
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
                bad.append(BadRow(name, line, problem.column, problem.reason))
        if batch:
            write(batch)
        return read

    def _report_progress(self, done: int) -> None:
        if self.progress:
            self.progress(done, self.total_bytes)

    def _write_tickets(self, batch: list) -> None:
        self.backend.write(self.connection, staged_tickets, [row for row, _ in batch])
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

    def report(self, ticket_counts, survey_counts, written: bool, seconds: float) -> ImportReport:
        rows: list[BadRow] = []
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
            sql_rows = [_sql_bad_row(str(path), file, *row) for row in found]
            rows.extend(sorted(self.python_bad[file] + sql_rows, key=lambda bad: bad.line))
        return ImportReport(
            tickets_read=self.read[TICKETS], tickets_new=ticket_counts[0],
            tickets_updated=ticket_counts[1], tickets_unchanged=ticket_counts[2],
            surveys_read=self.read[SURVEYS], surveys_new=survey_counts[0],
            surveys_updated=survey_counts[1], surveys_unchanged=survey_counts[2],
            bad_rows=tuple(rows[:MAX_REPORTED_BAD_ROWS]), bad_row_count=self.bad_count,
            written=written, seconds=seconds, kept_columns=self.kept_columns,
        )

    # -- merging into the real tables -------------------------------------------------------

    def merge_tickets(self) -> tuple[int, int, int]:
        """Upsert the staged tickets and replace their tags; (new, updated, unchanged). Of a
        ticket already stored, only the columns of the file are compared and rewritten (all of
        them with `replace_missing`)."""
        execute = self.connection.execute
        s, t, st, tt = staged_tickets, tickets, staged_tags, ticket_tags
        if self.backend.bulk_loads:
            loaded = self._bulk_load()
            if loaded is not None:
                return loaded, 0, 0
        absent = () if self.replace_missing else tuple(
            name for name in TICKET_COLUMNS if name not in self.ticket_columns)
        values = [name for name in _TICKET_VALUES if name not in absent]
        with_tags = "tags" not in absent
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
            self._upsert(t, s, ["source", "id"], _TICKET_VALUES, update=values)
            if execute(sa.select(sa.func.count()).select_from(removed_tags)).scalar_one():
                execute(sa.delete(tt).where(sa.exists().where(same_tag(removed_tags, tt))))
            execute(tt.insert().from_select(["source", "ticket_id", "tag"], sa.select(added_tags)))
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
            execute(t.insert().from_select(
                t.c.keys(), sa.select(*(s.c[name] for name in t.c.keys()))))
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
                 ticket_id: str | None) -> BadRow:
    if first_line is not None:
        if kind == TICKETS:
            return BadRow(file, line, "id", f"duplicate id: first on line {first_line}")
        return BadRow(file, line, "ticket_id",
                      f"duplicate ticket_id and kind: first on line {first_line}")
    origin = "" if source == "import" else f" from source {source!r}"
    return BadRow(file, line, "ticket_id", f"unknown ticket {ticket_id!r}{origin}: not in the "
                                           "database nor in the ticket file")
