"""Helpdesk pages into the database, in the caller's transaction: `HelpdeskWriter` writes what
the vendor modules map (tickets, their tags, the helpdesk's own minutes, ratings) through the
backend's bulk path (sql/dialects/: binary COPY on PostgreSQL, read_csv on DuckDB, executemany
on SQLite), one of two ways:

- into the canonical import's TEMPORARY staging tables, then merged the way the canonical
  import does: a row is rewritten only when a value differs, so writing the same pages twice
  changes nothing;
- straight into the tables (`into_empty`, a file import, on a backend with `direct_loads`:
  PostgreSQL), when no ticket is stored: the rows are COPYed into `tickets`, `ticket_tags`,
  `helpdesk_metrics` and the survey tables as they are mapped (straight.py; the pages read in
  a worker process meanwhile, worker.py), their checks and secondary indexes dropped meanwhile
  and built again at the end — no staging copy and no merge.

Within one writer the newest version of a ticket wins (by its `updated_at`, then by the order
read): an export holds a ticket once per change. Staged, a version replaced leaves staging; in
the straight load, a ticket written before a newer version of it was read is deleted and the
newest written at the end. A ticket the helpdesk deleted is removed with its tags, survey rows
and minutes. A rating whose ticket is neither in the pages nor already stored is a bad item
(`strict`, for files) or waits for a later sync (`strict=False`: the ticket may not be exported
yet). Names that a page gives by id (agents, groups, requesters) are resolved from `People`;
one named only on a later page is filled in at the end. When a business calendar is stored,
each ticket's business clock readings are computed as its row is written (calendars/readings.py)
and go in with it.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import sqlalchemy as sa

from kpi_engine.calendars.readings import import_readings
from kpi_engine.ingest.helpdesk.counts import MAX_REPORTED, WriteCounts
from kpi_engine.ingest.helpdesk.files import BadItem, Page, read_pages
from kpi_engine.ingest.helpdesk.items import (
    TICKET_FIELDS,
    MappedRating,
    MappedTicket,
    People,
    Removal,
    ticket_record,
)
from kpi_engine.ingest.helpdesk.merge import CHUNK, StagedMerge, staged_minutes
from kpi_engine.ingest.helpdesk.straight import CopySink, Finished, StraightLoad
from kpi_engine.ingest.helpdesk.versions import Versions
from kpi_engine.ingest.helpdesk.worker import can_fork, read_in_worker, read_into
from kpi_engine.ingest.staging import (
    STAGED_KEYS,
    added_tags,
    removed_tags,
    staged_surveys,
    staged_tags,
    staged_tickets,
)
from kpi_engine.sql.dialects import IMPORT_DIALECTS as SUPPORTED_DIALECTS
from kpi_engine.sql.dialects import backend_for
from kpi_engine.storage.dimension_values import record_dimension_values
from kpi_engine.storage.schema import (
    BUSINESS_READINGS,
    dimension_values,
    helpdesk_metrics,
    survey_requests,
    survey_responses,
    surveys,
    ticket_tags,
    tickets,
)
from kpi_engine.vocabulary import Dimension

__all__ = ["MAX_REPORTED", "SUPPORTED_DIALECTS", "HelpdeskWriter", "WriteCounts"]

BATCH = 10_000

_STAGING = (staged_tickets, staged_tags, staged_surveys, added_tags, removed_tags,
            staged_minutes)
_READINGS = list(BUSINESS_READINGS)
_VALUE_DIMENSIONS = (Dimension.AGENT, Dimension.TEAM, Dimension.TAG)  # as `values` holds them
# The straight load: the tables whose keys, checks and indexes are all dropped meanwhile (with
# the references to them: `surveys`'), built again at the end — the keys first, then the rows
# that need them (versions replaced, late names), then the references.
_DIRECT_EVERYTHING = (tickets, ticket_tags, helpdesk_metrics, survey_requests,
                      survey_responses, surveys)
# Analysed at the end, for the questions that follow (autovacuum analyses the others).
_DIRECT_ANALYSED = (tickets, ticket_tags)
# Where the readings are read from in a mapped row; they follow the record (None while no
# calendar).
_TEAM, _CREATED, _FIRST, _SOLVED = (TICKET_FIELDS.index(name) for name in (
    "team", "created_at", "first_response_at", "solved_at"))
_NO_READINGS = (None,) * len(BUSINESS_READINGS)


class _Stopped(Exception):
    """What a COPY under way is cancelled with when the import stops early."""


class HelpdeskWriter(StagedMerge):
    """Write one import's (or one sync page's) items (`take`, or `read` an export's files),
    `settle` them, then `merge`."""

    def __init__(self, connection: sa.Connection, source: str, people: People, *,
                 strict: bool = True, into_empty: bool = False) -> None:
        if connection.dialect.name not in SUPPORTED_DIALECTS:
            raise ValueError(f"helpdesk import writes to {', '.join(SUPPORTED_DIALECTS)}")
        self.connection = connection
        self.source = source
        self.people = people
        self.backend = backend_for(connection)
        self.counts = WriteCounts()
        self.versions = Versions(people, self.counts, strict=strict)  # staged (straight: its own)
        self.removals: list[str] = []
        self.staged_ratings = 0
        self.batch: list[tuple] = []
        self.tag_batch: list[tuple] = []
        self.minute_batch: list[tuple] = []
        self.superseded: list[int] = []  # staged: the lines of versions replaced
        self.backend.begin_import(connection)
        self.readings = import_readings(connection)  # None while no calendar is stored
        self.recreate = self._begin_direct() if into_empty else None
        self.direct = self.recreate is not None
        # The straight load (straight.py): its COPYs, its state, and what it ended with.
        self.sink: CopySink | None = None
        self.straight: StraightLoad | None = None
        self.finished: Finished | None = None
        if self.direct:
            self.sink = CopySink(self.backend, connection)
            encoders = {table.name: self.backend.row_encoder(table) for table in (
                tickets, ticket_tags, helpdesk_metrics, survey_requests, survey_responses)}
            self.straight = StraightLoad(source, people, self.readings, encoders, self.sink,
                                         strict=strict)
            self.counts = self.straight.counts
        else:
            for table in _STAGING:
                connection.exec_driver_sql(f"DROP TABLE IF EXISTS {table.name}")
                table.create(connection)

    def _begin_direct(self) -> list[str] | None:
        """The straight load, when the backend has one and no ticket is stored: drop the
        tables' checks and indexes (which locks them; the tickets are looked at again once
        they are) and the minutes of tickets no longer there. The statements that build them
        again; None for staging."""
        backend, connection = self.backend, self.connection
        if not getattr(backend, "direct_loads", False) or self._any_ticket():
            return None
        savepoint = connection.begin_nested()
        recreate = backend.drop_for_load(connection, everything=_DIRECT_EVERYTHING)
        if recreate is None or self._any_ticket():  # the user may not; or tickets came
            savepoint.rollback()
            return None
        savepoint.commit()
        connection.execute(helpdesk_metrics.delete())
        return recreate

    def _any_ticket(self) -> bool:
        return bool(self.connection.execute(sa.select(sa.exists(tickets.select()))).scalar())

    # -- taking items -------------------------------------------------------------------------

    def read(self, vendor, files: list[Path]) -> None:
        """Read every page of an export's `files` through `vendor` and take its items: in a
        worker process while this one COPYs, on the straight load where processes fork."""
        if self.straight is not None:
            if can_fork():
                self.finished = read_in_worker(self.straight, vendor, files, self.sink)
            else:
                self.finished = read_into(self.straight, vendor, files)
            self.counts = self.finished.counts
            return
        for page in read_pages(files):
            if isinstance(page, Page):
                self.take(vendor.read_page(page, self.people))
            else:
                self.bad(page)

    def take(self, items: Iterable[MappedTicket | Removal | MappedRating | BadItem]) -> None:
        """Write what one page yields."""
        if self.straight is not None:
            self.straight.take(items)
            return
        self.versions.take(items, self._ticket, self._removal)

    def bad(self, item: BadItem) -> None:
        (self.straight.versions if self.straight is not None else self.versions).bad(item)

    def _removal(self, item: Removal) -> None:
        taken, seen = self.versions.removal(item)
        if taken and seen is not None and not seen[2]:
            self.superseded.append(seen[1])  # the version staged leaves staging

    def _ticket(self, ticket: MappedTicket) -> None:
        found = self.versions.ticket(ticket)
        if found is None:
            return  # an older version read later
        seq, seen = found
        if seen is not None and not seen[2]:
            self.superseded.append(seen[1])  # the version staged before leaves staging
        self._write(ticket, seq)

    def _write(self, ticket: MappedTicket, seq: int) -> None:
        """The ticket's rows into the batches: the record with its readings, its tags, its
        minutes (each with its `seq` as the staged line)."""
        row = ticket.row
        source, ticket_id = row[0], row[1]
        record = ticket_record(ticket)
        readings = self.readings
        record += _NO_READINGS if readings is None else readings(
            row[_TEAM], row[_CREATED], row[_FIRST], row[_SOLVED])
        self.batch.append((seq, *record))
        if ticket.tags:
            self.tag_batch.extend([(seq, source, ticket_id, tag) for tag in ticket.tags])
        if ticket.minutes is not None:
            self.minute_batch.append((seq, source, ticket_id, *ticket.minutes))
        if len(self.batch) >= BATCH:
            self._flush()

    def _flush(self) -> None:
        """Write the batches into the staging tables."""
        write, connection = self.backend.write, self.connection
        for table, batch in ((staged_tickets, self.batch), (staged_tags, self.tag_batch),
                             (staged_minutes, self.minute_batch)):
            if batch:
                write(connection, table, batch)
        self.batch, self.tag_batch, self.minute_batch = [], [], []

    # -- finishing ----------------------------------------------------------------------------

    def settle(self) -> None:
        """Everything read: drop the versions replaced, fill in late names, check and write
        the ratings (a rating of an unknown ticket becomes a bad item when strict). After it,
        `counts.bad_count` is final. (The straight load writes its survey rows here and the
        rest at `merge`, once its keys are built.)"""
        if self.straight is not None:
            if self.finished is None:
                self.finished = self.straight.finish()
            self.counts = self.finished.counts
            for table_name, data in self.finished.surveys:
                self.sink(table_name, data)
            self.sink.close()
            return
        self._flush()
        for table in (staged_tickets, staged_tags, staged_minutes):
            self._delete_lines(table, self.superseded)
        self._resolve_pending()
        removed = self.versions.removed()
        self.removals = sorted(removed)
        self.staged_ratings = self._stage_ratings(removed)

    def _finish_straight(self, finished: Finished) -> None:
        """The straight load's end: the keys built again; the tickets written before a newer
        version was read leave the tables (with their tags and minutes) and the newest versions
        go in; the late names (and a late team's readings); then the references, checked, and
        fresh statistics."""
        sink, connection, backend = self.sink, self.connection, self.backend
        keys, references = backend.references_apart(self.recreate)
        backend.rebuild_after_load(connection, keys, ())
        if finished.replaced:
            from sqlalchemy.dialects.postgresql import ARRAY

            ids = sa.bindparam("ids", list(finished.replaced), type_=ARRAY(sa.String()))
            for table, key in ((ticket_tags, "ticket_id"), (helpdesk_metrics, "ticket_id"),
                               (tickets, "id")):
                connection.execute(sa.delete(table).where(
                    table.c.source == self.source, table.c[key] == sa.any_(ids)))
            for table_name, data in finished.rewrite:
                sink(table_name, data)
            sink.close()
        where = sa.and_(tickets.c.source == self.source, tickets.c.id == sa.bindparam("key_"))
        self._update_names(tickets, where, finished.updates)
        backend.rebuild_after_load(connection, references, _DIRECT_ANALYSED)

    def _update_names(self, table: sa.Table, where: sa.ColumnElement,
                      updates: dict[str, list[dict]]) -> None:
        for field_name, params in updates.items():
            values = {field_name: sa.bindparam("value_")}
            if field_name == "team" and self.readings is not None:
                values.update({name: sa.bindparam(f"{name}_") for name in _READINGS})
            self.connection.execute(sa.update(table).where(where).values(values), params)

    def merge(self) -> WriteCounts:
        """Merge what is staged into the real tables (bad items left out), or finish the
        straight load; the counts."""
        connection = self.connection
        if self.direct:
            finished = self.finished
            self._finish_straight(finished)
            if finished.replaced:  # a version written was replaced: what is there, by SQL
                record_dimension_values(connection, tickets, ticket_tags)
            elif finished.tickets:
                self._record_values(finished.values)
            self.counts.tickets_new += finished.tickets
            self.counts.ratings_new += finished.ratings
            return self.counts
        staged = len(self.versions.latest) - len(self.removals)
        # Statistics (indexes on SQLite) for the staging tables the merge looks rows up in.
        self.backend.prepare_for_queries(
            connection, [*STAGED_KEYS, (staged_minutes, ("source", "ticket_id"))])
        if staged:
            self._merge_tickets()
            record_dimension_values(connection, staged_tickets, staged_tags)
        if self.staged_ratings:
            self._merge_ratings()
        if self.removals:
            self.counts.tickets_removed = self._remove(self.removals)
        for table in _STAGING:
            connection.exec_driver_sql(f"DROP TABLE IF EXISTS {table.name}")
        return self.counts

    def close(self) -> None:
        if self.sink is not None:  # stopped early, by an error: cancel the COPY under way
            self.sink.cancel(_Stopped)
        self.backend.close()

    def _record_values(self, values: tuple[set[str], set[str], set[str]]) -> None:
        """The straight load's agents, teams and tags into `dimension_values` (those it does
        not have yet), as `record_dimension_values` would find them in the tables."""
        known = set(self.connection.execute(
            sa.select(dimension_values.c.dimension, dimension_values.c.value)).all())
        rows = [{"dimension": dimension.value, "value": value}
                for dimension, found in zip(_VALUE_DIMENSIONS, values)
                for value in sorted(found) if (dimension.value, value) not in known]
        if rows:
            self.connection.execute(dimension_values.insert(), rows)

    def _delete_lines(self, table: sa.Table, lines: list[int]) -> None:
        for start in range(0, len(lines), CHUNK):
            self.connection.execute(
                sa.delete(table).where(table.c.line.in_(lines[start:start + CHUNK])))
