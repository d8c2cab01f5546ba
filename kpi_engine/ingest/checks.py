"""The checks of an import that need the whole file, in SQL on the staging tables (after
every row is staged): a (source, id) seen on an earlier line, a survey's (source, ticket_id,
kind) seen earlier, a survey whose ticket is neither stored nor in the ticket file — each put
in `bad_lines` and taken out of staging —, the warnings only SQL sees (a solve before the first
reply, a survey answered before its ticket was created), and the report of it all, with a
hint when a survey's source looks like the mistake. `StagedChecks` is the part of an import
run (canonical.py's `_Run`) that does them; it uses the run's `connection`, `backend`,
`paths`, `columns`, `sources`, `warnings`, `python_bad`, `read`, `kept_columns`, `bad_count`
and keeps `sql_bad_count`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone

import sqlalchemy as sa

from kpi_engine.ingest import reporting
from kpi_engine.ingest.reporting import BadRow, ImportReport, RowWarning
from kpi_engine.ingest.rows import DEFAULT_SOURCE
from kpi_engine.ingest.staging import (
    STAGED_KEYS,
    bad_lines,
    staged_surveys,
    staged_tags,
    staged_tickets,
)
from kpi_engine.storage.schema import tickets

TICKETS, SURVEYS = 0, 1  # the files of one import, in report order


class StagedChecks:
    """The checks in SQL of an import run, and its report."""

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
                    "responded_at", f"responded_at {instant(responded)} is before ticket "
                                    f"{ticket_id!r} was created ({instant(created_at)})"))

    def _sql_warnings(self, file: int, select: sa.Select, describe: Callable) -> None:
        """The warnings of the rows `select` finds (its first column the line): the first
        reporting.MAX_REPORTED_BAD_ROWS described, all counted."""
        found = self.connection.execute(
            select.order_by(select.selected_columns[0]).limit(reporting.MAX_REPORTED_BAD_ROWS)).all()
        name = str(self.paths[file])
        self.sql_warnings[file] = [RowWarning(name, row[0], *describe(*row)) for row in found]
        self.sql_warning_count[file] = len(found)
        if len(found) == reporting.MAX_REPORTED_BAD_ROWS:
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
                .limit(reporting.MAX_REPORTED_BAD_ROWS)
            ).all() if self.sql_bad_count[file] else []
            hints = self._unknown_ticket_hints(found) if file == SURVEYS else {}
            sql_rows = [sql_bad_row(str(path), file, *row, hints.get(row[0], ""))
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
            bad_rows=tuple(rows[:reporting.MAX_REPORTED_BAD_ROWS]), bad_row_count=self.bad_count,
            written=written, seconds=seconds, kept_columns=self.kept_columns,
            warnings=tuple(warnings[:reporting.MAX_REPORTED_BAD_ROWS]), warning_count=warning_count,
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


def sql_bad_row(file: str, kind: int, line: int, first_line: int | None, source: str | None,
                 ticket_id: str | None, hint: str = "") -> BadRow:
    if first_line is not None:
        if kind == TICKETS:
            return BadRow(file, line, "id", f"duplicate id: first on line {first_line}")
        return BadRow(file, line, "ticket_id",
                      f"duplicate ticket_id and kind: first on line {first_line}")
    return BadRow(file, line, "ticket_id", f"unknown ticket {ticket_id!r} from source {source!r}: "
                                           f"not in the database nor in the ticket file{hint}")


def instant(value: datetime) -> str:
    """An instant as ISO 8601 in UTC, as the database gives it back."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")

