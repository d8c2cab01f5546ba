"""Helpdesk pages into the database, in the caller's transaction: `HelpdeskWriter` writes what
the vendor modules map (tickets, their tags, the helpdesk's own minutes, ratings) through the
backend's bulk path (sql/dialects/: binary COPY on PostgreSQL, read_csv on DuckDB, executemany
on SQLite), one of two ways:

- into the canonical import's TEMPORARY staging tables, then merged the way the canonical
  import does: a row is rewritten only when a value differs, so writing the same pages twice
  changes nothing;
- straight into the tables (`into_empty`, a file import, on a backend with `direct_loads`:
  PostgreSQL), when no ticket is stored: each row is COPYed into `tickets`, `ticket_tags`,
  `helpdesk_metrics` and the survey tables as it is mapped, their checks and secondary indexes
  dropped meanwhile and built again at the end — no staging copy and no merge.

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
from contextlib import ExitStack, suppress
from dataclasses import asdict, dataclass, field
from datetime import datetime

import sqlalchemy as sa

from kpi_engine.calendars.readings import import_readings
from kpi_engine.ingest.helpdesk.files import BadItem
from kpi_engine.ingest.helpdesk.items import (
    MINUTE_FIELDS,
    TICKET_FIELDS,
    MappedRating,
    MappedTicket,
    People,
    Removal,
    bounded_text,
)
from kpi_engine.ingest.staging import (
    STAGED_KEYS,
    added_tags,
    removed_tags,
    staged_surveys,
    staged_tags,
    staged_tickets,
)
from kpi_engine.sql.dialects import backend_for
from kpi_engine.storage.dimension_values import record_dimension_values
from kpi_engine.storage.schema import (
    BUSINESS_READINGS,
    RECORD_COLUMNS,
    dimension_values,
    helpdesk_metrics,
    survey_requests,
    survey_responses,
    surveys,
    ticket_tags,
    tickets,
)
from kpi_engine.vocabulary import Dimension

BATCH = 10_000
MAX_REPORTED = 1000
CHUNK = 500  # ids per IN (…) list
# A straight load holds this many tag and minute rows while its tickets stream, then writes them.
SPILL = 100_000
SUPPORTED_DIALECTS = ("postgresql", "sqlite", "duckdb")

_helpdesk_staging = sa.MetaData()
staged_minutes = sa.Table(
    "kpibot_staged_minutes", _helpdesk_staging,
    sa.Column("line", sa.Integer(), nullable=False),
    *(sa.Column(c.name, c.type) for c in helpdesk_metrics.columns),
    prefixes=["TEMPORARY"],
)
_STAGING = (staged_tickets, staged_tags, staged_surveys, added_tags, removed_tags,
            staged_minutes)
_STAGED_COLUMNS = list(staged_tickets.c.keys())[1:]  # the ticket record's columns, `line` off
_OWN = [name for name in TICKET_FIELDS if name not in ("source", "id")]
_READINGS = list(BUSINESS_READINGS)
_CSAT = "csat"
_VALUE_DIMENSIONS = (Dimension.AGENT, Dimension.TEAM, Dimension.TAG)  # as `values` holds them
# The straight load: the tables written, those whose checks and indexes are all dropped
# meanwhile (tickets keeps its primary key, which its references and the deletes use).
_DIRECT = (tickets, ticket_tags, helpdesk_metrics)
_DIRECT_EVERYTHING = (ticket_tags, helpdesk_metrics, survey_requests, survey_responses)
_DIRECT_INDEXES: tuple[sa.Table, ...] = (tickets,)
# Analysed at the end, for the questions that follow (autovacuum analyses the others).
_DIRECT_ANALYSED = (tickets, ticket_tags)
# A mapped row in the order of the ticket record (`tickets` and its staging table), and where
# the readings are read from in it; then the readings follow (None while no calendar).
_LAYOUT = None if TICKET_FIELDS == RECORD_COLUMNS else [
    TICKET_FIELDS.index(name) if name in TICKET_FIELDS else None for name in RECORD_COLUMNS]
_TEAM, _AGENT, _CREATED, _FIRST, _SOLVED = (TICKET_FIELDS.index(name) for name in (
    "team", "agent", "created_at", "first_response_at", "solved_at"))
_NO_READINGS = (None,) * len(BUSINESS_READINGS)


@dataclass
class WriteCounts:
    """What one writer read and wrote: tickets (new, updated, unchanged, removed) and ratings
    (new, updated, unchanged), ratings left waiting for their ticket, bad items."""

    pages: int = 0
    tickets_read: int = 0
    tickets_new: int = 0
    tickets_updated: int = 0
    tickets_unchanged: int = 0
    tickets_removed: int = 0
    ratings_read: int = 0
    ratings_new: int = 0
    ratings_updated: int = 0
    ratings_unchanged: int = 0
    ratings_waiting: int = 0
    bad_items: list[BadItem] = field(default_factory=list)
    bad_count: int = 0

    def add(self, other: WriteCounts) -> None:
        for name in ("pages", "tickets_read", "tickets_new", "tickets_updated",
                     "tickets_unchanged", "tickets_removed", "ratings_read", "ratings_new",
                     "ratings_updated", "ratings_unchanged", "ratings_waiting", "bad_count"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.bad_items.extend(other.bad_items[:MAX_REPORTED - len(self.bad_items)])

    @property
    def changed(self) -> int:
        return (self.tickets_new + self.tickets_updated + self.tickets_removed
                + self.ratings_new + self.ratings_updated)

    def to_json(self) -> dict:
        data = asdict(self)
        data["bad_items"] = [asdict(bad) for bad in self.bad_items]
        return data


class _Stopped(Exception):
    """What a COPY under way is cancelled with when the import stops early."""


class HelpdeskWriter:
    """Write one import's (or one sync page's) items (`take`), `settle` them, then `merge`."""

    def __init__(self, connection: sa.Connection, source: str, people: People, *,
                 strict: bool = True, into_empty: bool = False) -> None:
        if connection.dialect.name not in SUPPORTED_DIALECTS:
            raise ValueError(f"helpdesk import writes to {', '.join(SUPPORTED_DIALECTS)}")
        self.connection = connection
        self.source = source
        self.people = people
        self.strict = strict
        self.backend = backend_for(connection)
        self.counts = WriteCounts()
        self.seq = 0
        self.latest: dict[str, tuple[datetime, int, bool]] = {}  # id → (updated, seq, removed)
        # The names to fill in at the end: (seq, id, field, kind, helpdesk id, row).
        self.pending: list[tuple[int, str, str, str, str, tuple]] = []
        self.ratings: dict[str, MappedRating] = {}
        self.removals: list[str] = []
        self.bad_tickets: set[str] = set()  # told already: their ratings are left out silently
        self.staged_ratings = 0
        self.batch: list[tuple] = []
        self.tag_batch: list[tuple] = []
        self.minute_batch: list[tuple] = []
        self.backend.begin_import(connection)
        self.readings = import_readings(connection)  # None while no calendar is stored
        self.recreate = self._begin_direct() if into_empty else None
        self.direct = self.recreate is not None
        # Staged: the lines of versions replaced. Straight: the tickets written before a newer
        # version was read, with that version (None: removed), written at the end instead.
        self.superseded: list[int] = []
        self.replaced: dict[str, MappedTicket | None] = {}
        # The straight load's tickets go by one COPY held open while pages are read, so the
        # database takes them as they are mapped; their tags and minutes are written between.
        self.stream: ExitStack | None = None
        self.write_ticket = None
        # The straight load's agents, teams and tags, for `dimension_values`.
        self.values: tuple[set[str], set[str], set[str]] = (set(), set(), set())
        if self.direct:
            self.tables = _DIRECT
        else:
            self.tables = (staged_tickets, staged_tags, staged_minutes)
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
        recreate = backend.drop_for_load(connection, indexes=_DIRECT_INDEXES,
                                         everything=_DIRECT_EVERYTHING)
        if recreate is None or self._any_ticket():  # the user may not; or tickets came
            savepoint.rollback()
            return None
        savepoint.commit()
        connection.execute(helpdesk_metrics.delete())
        return recreate

    def _any_ticket(self) -> bool:
        return bool(self.connection.execute(sa.select(sa.exists(tickets.select()))).scalar())

    # -- taking items -------------------------------------------------------------------------

    def take(self, items: Iterable[MappedTicket | Removal | MappedRating | BadItem]) -> None:
        """Write what one page yields."""
        counts = self.counts
        counts.pages += 1
        ticket = self._ticket
        ratings = self.ratings
        for item in items:
            kind = type(item)
            if kind is MappedTicket:
                ticket(item)
            elif kind is MappedRating:
                counts.ratings_read += 1
                seen = ratings.get(item.ticket_id)
                if seen is None or item.updated_at >= seen.updated_at:
                    ratings[item.ticket_id] = item
            elif kind is Removal:
                counts.tickets_read += 1
                self._removal(item)
            else:
                self.bad(item)

    def bad(self, item: BadItem) -> None:
        if item.ticket_id is not None:  # a ticket read, not taken
            self.bad_tickets.add(item.ticket_id)
            self.counts.tickets_read += 1
        self.counts.bad_count += 1
        if len(self.counts.bad_items) < MAX_REPORTED:
            self.counts.bad_items.append(item)

    def _removal(self, item: Removal) -> None:
        self.seq += 1
        seen = self.latest.get(item.id)
        if seen is not None and item.updated_at < seen[0]:
            return  # an older version read later
        self.latest[item.id] = (item.updated_at, self.seq, True)
        if seen is not None:
            if self.direct:
                self.replaced[item.id] = None
            elif not seen[2]:
                self.superseded.append(seen[1])

    def _ticket(self, ticket: MappedTicket) -> None:
        self.counts.tickets_read += 1
        ticket_id = ticket.row[1]
        self.seq += 1
        seq = self.seq
        seen = self.latest.get(ticket_id)
        if seen is not None and ticket.updated_at < seen[0]:
            return  # an older version read later
        self.latest[ticket_id] = (ticket.updated_at, seq, False)
        if ticket.pending:
            for field_name, kind, key in ticket.pending:
                self.pending.append((seq, ticket_id, field_name, kind, key, ticket.row))
        if seen is not None:
            if self.direct:  # the version written goes at the end, this one instead
                self.replaced[ticket_id] = ticket
                return
            if not seen[2]:
                self.superseded.append(seen[1])
        self._write(ticket, seq)

    def _write(self, ticket: MappedTicket, seq: int) -> None:
        """The ticket's rows into the batches: the record with its readings, its tags, its
        minutes (each with its `seq` as the staged line, when staged)."""
        row = ticket.row
        source, ticket_id = row[0], row[1]
        record = row if _LAYOUT is None else tuple(
            None if index is None else row[index] for index in _LAYOUT)
        readings = self.readings
        record += _NO_READINGS if readings is None else readings(
            row[_TEAM], row[_CREATED], row[_FIRST], row[_SOLVED])
        if self.direct:
            write_ticket = self.write_ticket or self._open_stream()
            write_ticket(record)
            agents, teams, tags = self.values
            late = {field_name for field_name, _, _ in ticket.pending} if ticket.pending else ()
            if row[_AGENT] and "agent" not in late:
                agents.add(row[_AGENT])
            if row[_TEAM] and "team" not in late:
                teams.add(row[_TEAM])
            if ticket.tags:
                tags.update(ticket.tags)
                self.tag_batch.extend([(source, ticket_id, tag) for tag in ticket.tags])
            if ticket.minutes is not None:
                self.minute_batch.append((source, ticket_id, *ticket.minutes))
            if len(self.tag_batch) + len(self.minute_batch) >= SPILL:
                self._flush()
            return
        else:
            self.batch.append((seq, *record))
            if ticket.tags:
                self.tag_batch.extend([(seq, source, ticket_id, tag) for tag in ticket.tags])
            if ticket.minutes is not None:
                self.minute_batch.append((seq, source, ticket_id, *ticket.minutes))
        if len(self.batch) >= BATCH:
            self._flush()

    def _open_stream(self):
        """The straight load's COPY into `tickets`, opened for the tickets that follow."""
        self.stream = ExitStack()
        self.write_ticket = self.stream.enter_context(
            self.backend.copy_rows(self.connection, tickets))
        return self.write_ticket

    def _close_stream(self) -> None:
        """End the COPY of tickets (waiting for the database to take the last of them)."""
        if self.stream is not None:
            stream, self.stream, self.write_ticket = self.stream, None, None
            stream.close()

    def _flush(self) -> None:
        """Write the batches (staged); in the straight load, end the tickets' COPY and write
        the tags and minutes held meanwhile."""
        self._close_stream()
        write, connection = self.backend.write, self.connection
        ticket_table, tag_table, minute_table = self.tables
        if self.batch:
            write(connection, ticket_table, self.batch)
            self.batch = []
        if self.tag_batch:
            write(connection, tag_table, self.tag_batch)
            self.tag_batch = []
        if self.minute_batch:
            write(connection, minute_table, self.minute_batch)
            self.minute_batch = []

    # -- finishing ----------------------------------------------------------------------------

    def settle(self) -> None:
        """Everything read: drop the versions replaced, fill in late names, check and write
        the ratings (a rating of an unknown ticket becomes a bad item when strict). After it,
        `counts.bad_count` is final."""
        self._flush()
        if self.direct:
            self._write_replaced()
        else:
            for table in (staged_tickets, staged_tags, staged_minutes):
                self._delete_lines(table, self.superseded)
        self._resolve_pending()
        self.removals = [ticket_id for ticket_id, (_, _, removed) in self.latest.items()
                         if removed]
        self.staged_ratings = self._stage_ratings(set(self.removals))

    def merge(self) -> WriteCounts:
        """Merge what is staged into the real tables (bad items left out), or finish the
        straight load; the counts."""
        connection = self.connection
        staged = len(self.latest) - len(self.removals)
        if self.direct:
            self.backend.rebuild_after_load(connection, self.recreate, _DIRECT_ANALYSED)
            if self.replaced:  # a version written was replaced: what is there, by SQL
                record_dimension_values(connection, tickets, ticket_tags)
            elif staged:
                self._record_values()
            self.counts.tickets_new += staged
            self.counts.ratings_new += self.staged_ratings
            return self.counts
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
        if self.stream is not None:  # stopped early, by an error: cancel the COPY under way
            stream, self.stream, self.write_ticket = self.stream, None, None
            with suppress(Exception):  # the error that stopped the import is the one told
                stream.__exit__(_Stopped, _Stopped(), None)
        self.backend.close()

    def _record_values(self) -> None:
        """The straight load's agents, teams and tags into `dimension_values` (those it does
        not have yet), as `record_dimension_values` would find them in the tables."""
        known = set(self.connection.execute(
            sa.select(dimension_values.c.dimension, dimension_values.c.value)).all())
        rows = [{"dimension": dimension.value, "value": value}
                for dimension, found in zip(_VALUE_DIMENSIONS, self.values)
                for value in sorted(found) if (dimension.value, value) not in known]
        if rows:
            self.connection.execute(dimension_values.insert(), rows)

    def _delete_lines(self, table: sa.Table, lines: list[int]) -> None:
        for start in range(0, len(lines), CHUNK):
            self.connection.execute(
                sa.delete(table).where(table.c.line.in_(lines[start:start + CHUNK])))

    def _write_replaced(self) -> None:
        """The straight load: the tickets written before a newer version was read leave the
        tables (with their tags and minutes), and the newest versions go in."""
        if not self.replaced:
            return
        from sqlalchemy.dialects.postgresql import ARRAY

        ids = sa.bindparam("ids", list(self.replaced), type_=ARRAY(sa.String()))
        for table, key in ((ticket_tags, "ticket_id"), (helpdesk_metrics, "ticket_id"),
                           (tickets, "id")):
            self.connection.execute(sa.delete(table).where(
                table.c.source == self.source, table.c[key] == sa.any_(ids)))
        for ticket_id, ticket in self.replaced.items():
            if ticket is not None:
                self._write(ticket, self.latest[ticket_id][1])
        self._flush()

    def _resolve_pending(self) -> None:
        """Fill in the names that pages read later gave (and, for a team, the readings under
        its calendar); an id never named stays the id. Only the version written counts."""
        updates: dict[str, list[dict]] = {}
        latest, readings = self.latest, self.readings
        for seq, ticket_id, field_name, kind, key, row in self.pending:
            seen = latest.get(ticket_id)
            if seen is None or seen[1] != seq or seen[2]:
                continue  # a version replaced, or removed
            name = self.people.name(kind, key)
            if name is None:
                if self.direct and field_name != "customer":  # the id stays: a value too
                    self.values[field_name == "team"].add(key)
                continue
            value = bounded_text(name, field_name)
            if self.direct and field_name != "customer":
                self.values[field_name == "team"].add(value)
            params = {"key_": ticket_id if self.direct else seq, "value_": value}
            if field_name == "team" and readings is not None:
                params.update(zip((f"{name}_" for name in _READINGS), readings(
                    value, row[_CREATED], row[_FIRST], row[_SOLVED])))
            updates.setdefault(field_name, []).append(params)
        table = tickets if self.direct else staged_tickets
        where = sa.and_(table.c.source == self.source, table.c.id == sa.bindparam("key_")) \
            if self.direct else table.c.line == sa.bindparam("key_")
        for field_name, params in updates.items():
            values = {field_name: sa.bindparam("value_")}
            if field_name == "team" and readings is not None:
                values.update({name: sa.bindparam(f"{name}_") for name in _READINGS})
            self.connection.execute(sa.update(table).where(where).values(values), params)

    def _stage_ratings(self, removed: set[str]) -> int:
        """Write the ratings of tickets in the pages or already stored (staged, or straight
        into the survey tables), drop those of removed tickets; the others are bad (strict) or
        wait for their ticket. How many were written."""
        unknown = [ticket_id for ticket_id in self.ratings
                   if ticket_id not in self.latest and ticket_id not in removed]
        stored = set() if self.direct else self._stored_ids(unknown)  # straight: none stored
        rows = []
        for ticket_id, rating in self.ratings.items():
            seen = self.latest.get(ticket_id)
            if seen is not None and seen[2]:
                continue  # its ticket was deleted
            if seen is None and ticket_id not in stored:
                if ticket_id in self.bad_tickets:
                    continue
                if self.strict:
                    self.bad(BadItem(rating.file, rating.position,
                                     f"a rating for ticket {ticket_id}, which is neither in "
                                     "these pages nor already imported"))
                else:
                    self.counts.ratings_waiting += 1
                continue
            self.seq += 1
            rows.append((self.seq, self.source, ticket_id, _CSAT, rating.sent_at, rating.score,
                         rating.responded_at, rating.comment))
        if not rows:
            return 0
        write = self.backend.write
        if self.direct:
            requests = [(source, ticket_id, kind, sent)
                        for _, source, ticket_id, kind, sent, _, _, _ in rows if sent is not None]
            responses = [(source, ticket_id, kind, score, responded, comment)
                         for _, source, ticket_id, kind, _, score, responded, comment in rows
                         if score is not None]
            if requests:
                write(self.connection, survey_requests, requests)
            if responses:
                write(self.connection, survey_responses, responses)
        else:
            write(self.connection, staged_surveys, rows)
        return len(rows)

    def _stored_ids(self, ids: list[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(ids), CHUNK):
            found.update(self.connection.execute(
                sa.select(tickets.c.id).where(tickets.c.source == self.source,
                                              tickets.c.id.in_(ids[start:start + CHUNK]))
            ).scalars())
        return found

    def _merge_tickets(self) -> None:
        execute = self.connection.execute
        s, t, st, tt, sm, hm = (staged_tickets, tickets, staged_tags, ticket_tags,
                                staged_minutes, helpdesk_metrics)
        same_tag = lambda a, b: sa.and_(  # noqa: E731
            a.c.source == b.c.source, a.c.ticket_id == b.c.ticket_id, a.c.tag == b.c.tag)
        execute(added_tags.insert().from_select(["source", "ticket_id", "tag"], sa.select(
            st.c.source, st.c.ticket_id, st.c.tag).where(~sa.exists().where(same_tag(tt, st)))))
        execute(removed_tags.insert().from_select(["source", "ticket_id", "tag"], sa.select(
            tt.c.source, tt.c.ticket_id, tt.c.tag
        ).where(sa.exists().where(s.c.source == tt.c.source, s.c.id == tt.c.ticket_id),
                ~sa.exists().where(same_tag(st, tt)))))
        # Outer joins, not EXISTS in an OR (which PostgreSQL would run once per row).
        tag_changes = sa.union(sa.select(added_tags.c.source, added_tags.c.ticket_id),
                               sa.select(removed_tags.c.source, removed_tags.c.ticket_id)
                               ).subquery()
        differs = sa.or_(
            *(t.c[name].is_distinct_from(s.c[name]) for name in _OWN),
            tag_changes.c.ticket_id.is_not(None),
            *(hm.c[name].is_distinct_from(sm.c[name]) for name in MINUTE_FIELDS),
            sa.and_(sm.c.ticket_id.is_(None), hm.c.ticket_id.is_not(None)),
            sa.and_(sm.c.ticket_id.is_not(None), hm.c.ticket_id.is_(None)),
        )
        joined = (
            s.outerjoin(t, sa.and_(t.c.source == s.c.source, t.c.id == s.c.id))
            .outerjoin(tag_changes, sa.and_(tag_changes.c.source == s.c.source,
                                            tag_changes.c.ticket_id == s.c.id))
            .outerjoin(sm, sa.and_(sm.c.source == s.c.source, sm.c.ticket_id == s.c.id))
            .outerjoin(hm, sa.and_(hm.c.source == s.c.source, hm.c.ticket_id == s.c.id))
        )
        staged, existing, changed = execute(sa.select(
            sa.func.count(), sa.func.count(t.c.id),
            sa.func.count(sa.case((sa.and_(t.c.id.is_not(None), differs), 1))),
        ).select_from(joined)).one()
        self.counts.tickets_new += staged - existing
        self.counts.tickets_updated += changed
        self.counts.tickets_unchanged += existing - changed
        if staged == existing and not changed:
            return  # the pages say what the database says
        # The readings computed with the rows: a stored ticket's too while a calendar is stored.
        self._upsert(t, s, ["source", "id"], _STAGED_COLUMNS[2:],
                     update=_OWN + (_READINGS if self.readings is not None else []))
        if execute(sa.select(sa.func.count()).select_from(removed_tags)).scalar_one():
            execute(sa.delete(tt).where(sa.exists().where(same_tag(removed_tags, tt))))
        execute(tt.insert().from_select(["source", "ticket_id", "tag"], sa.select(added_tags)))
        self._upsert(hm, sm, ["source", "ticket_id"], list(MINUTE_FIELDS))
        execute(sa.delete(hm).where(
            sa.exists().where(s.c.source == hm.c.source, s.c.id == hm.c.ticket_id),
            ~sa.exists().where(sm.c.source == hm.c.source, sm.c.ticket_id == hm.c.ticket_id)))

    def _merge_ratings(self) -> None:
        """Upsert the staged ratings as survey requests and responses."""
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
            sa.func.count(), sa.func.count(sa.case((new, 1))),
            sa.func.count(sa.case((sa.and_(sa.not_(new), differs), 1))),
        ).select_from(s.outerjoin(req, key(req)).outerjoin(resp, key(resp)))).one()
        self.counts.ratings_new += new_count
        self.counts.ratings_updated += changed
        self.counts.ratings_unchanged += staged - new_count - changed
        if new_count or changed:
            self._upsert(req, s, ["source", "ticket_id", "kind"], ["sent_at"], is_request)
            self._upsert(resp, s, ["source", "ticket_id", "kind"],
                         ["score", "responded_at", "comment"], is_response)

    def _upsert(self, table: sa.Table, staged: sa.Table, key: list[str], values: list[str],
                where: sa.ColumnElement | None = None, *, update: list[str] | None = None) -> None:
        """INSERT … SELECT … ON CONFLICT (key) DO UPDATE the rows where a value differs."""
        columns = key + values
        rows = sa.select(*(staged.c[name] for name in columns))
        rows = rows.where(where if where is not None else sa.true())  # SQLite's upsert needs it
        statement = self.backend.insert(table).from_select(columns, rows)
        update = values if update is None else update
        statement = statement.on_conflict_do_update(
            index_elements=key,
            set_={name: statement.excluded[name] for name in update},
            where=sa.or_(*(table.c[name].is_distinct_from(statement.excluded[name])
                           for name in update)),
        )
        self.connection.execute(statement)

    def _remove(self, ids: list[str]) -> int:
        """Delete these tickets with everything that hangs on them; how many were stored."""
        execute, removed = self.connection.execute, 0
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start:start + CHUNK]
            for table in (ticket_tags, survey_requests, survey_responses, helpdesk_metrics,
                          surveys):
                execute(sa.delete(table).where(table.c.source == self.source,
                                               table.c.ticket_id.in_(chunk)))
            removed += execute(sa.delete(tickets).where(
                tickets.c.source == self.source, tickets.c.id.in_(chunk))).rowcount
        return removed
