"""The straight load of a helpdesk import into empty tables (writer.py's `into_empty`, on a
backend with `direct_loads`: PostgreSQL), without a connection: `StraightLoad` takes what the
vendor modules map and encodes each ticket's rows for COPY as it takes them — `tickets` with
its business clock readings, `ticket_tags`, `helpdesk_metrics` — handing them on as chunks of
bytes (`emit(table name, bytes)`), and `finish` works out what only the end can tell: the
tickets written before a newer version was read (deleted, and the newest written instead),
the names pages gave late, the ratings. It runs beside the writer, or in the process that
reads the pages (worker.py) while the writer COPYs what it hands on; `CopySink` is that
writing end, one COPY open at a time.

Within one load the newest version of a ticket wins (by its `updated_at`, then by the order
read); a ticket the helpdesk deleted is left out; a rating whose ticket is not in the pages is
a bad item (`strict`) or waits (the ticket may not be exported yet).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import ExitStack, suppress
from dataclasses import dataclass

import sqlalchemy as sa

from kpi_engine.ingest.helpdesk.counts import WriteCounts
from kpi_engine.ingest.helpdesk.files import BadItem
from kpi_engine.ingest.helpdesk.items import (
    TICKET_FIELDS,
    MappedRating,
    MappedTicket,
    People,
    Removal,
    bounded_text,
    ticket_record,
)
from kpi_engine.ingest.helpdesk.versions import Versions
from kpi_engine.storage.schema import (
    BUSINESS_READINGS,
    helpdesk_metrics,
    survey_requests,
    survey_responses,
    ticket_tags,
    tickets,
)

# The tables a straight load writes, by name (what `emit` names).
TABLES = {table.name: table for table in (tickets, ticket_tags, helpdesk_metrics,
                                          survey_requests, survey_responses)}
CHUNK_BYTES = 1 << 18  # tickets are handed on in chunks of about this many bytes
SPILL = 100_000  # tag and minute rows held while tickets stream, then handed on
_CSAT = "csat"
_READINGS = list(BUSINESS_READINGS)
# Where the readings are read from in a mapped row; they follow the record (None while no
# calendar).
_TEAM, _AGENT, _CREATED, _FIRST, _SOLVED = (TICKET_FIELDS.index(name) for name in (
    "team", "agent", "created_at", "first_response_at", "solved_at"))
_NO_READINGS = (None,) * len(BUSINESS_READINGS)

Encoder = Callable[[tuple, bytearray], object]  # appends one row's COPY encoding to the buffer


@dataclass(frozen=True)
class Finished:
    """What a straight load hands the writer at its end: its counts; the tickets written
    before a newer version was read (to delete) and the chunks written after that (their
    newest versions); the late names (`updates`: field → UPDATE parameters, by ticket id); the
    survey chunks; the agents, teams and tags written; how many tickets and ratings it holds."""

    counts: WriteCounts
    replaced: tuple[str, ...]
    rewrite: tuple[tuple[str, bytes], ...]
    updates: dict[str, list[dict]]
    surveys: tuple[tuple[str, bytes], ...]
    values: tuple[set[str], set[str], set[str]]
    tickets: int
    ratings: int


class StraightLoad:
    """Take a load's items (`take`, `bad`), handing on COPY chunks; `finish` at the end."""

    def __init__(self, source: str, people: People, readings, encoders: dict[str, Encoder],
                 emit: Callable[[str, bytes], None], *, strict: bool = True) -> None:
        self.source = source
        self.people = people
        self.readings = readings  # TicketReadings, or None while no calendar is stored
        self.encoders = encoders
        self.emit = emit
        self.counts = WriteCounts()
        self.versions = Versions(people, self.counts, strict=strict)
        # The tickets written before a newer version was read, with that version (None:
        # removed), written at the end instead.
        self.replaced: dict[str, MappedTicket | None] = {}
        self.values: tuple[set[str], set[str], set[str]] = (set(), set(), set())
        self.out = (bytearray(), bytearray(), bytearray())  # tickets, tags, minutes
        self.held = 0  # tag and minute rows in `out`

    # -- taking items -------------------------------------------------------------------------

    def take(self, items: Iterable[MappedTicket | Removal | MappedRating | BadItem]) -> None:
        """Take what one page yields."""
        self.versions.take(items, self._ticket, self._removal)

    def bad(self, item: BadItem) -> None:
        self.versions.bad(item)

    def _removal(self, item: Removal) -> None:
        taken, seen = self.versions.removal(item)
        if taken and seen is not None:  # the version written goes at the end
            self.replaced[item.id] = None

    def _ticket(self, ticket: MappedTicket) -> None:
        found = self.versions.ticket(ticket)
        if found is None:
            return  # an older version read later
        if found[1] is not None:  # the version written goes at the end, this one instead
            self.replaced[ticket.id] = ticket
            return
        self._write(ticket)

    def _write(self, ticket: MappedTicket) -> None:
        """The ticket's rows, encoded: the record with its readings, its tags, its minutes."""
        row = ticket.row
        source, ticket_id = row[0], row[1]
        record = ticket_record(ticket)
        readings = self.readings
        record += _NO_READINGS if readings is None else readings(
            row[_TEAM], row[_CREATED], row[_FIRST], row[_SOLVED])
        encoders = self.encoders
        out_tickets, out_tags, out_minutes = self.out
        encoders["tickets"](record, out_tickets)
        agents, teams, tags = self.values
        late = {field_name for field_name, _, _ in ticket.pending} if ticket.pending else ()
        agent, team = row[_AGENT], row[_TEAM]
        if agent and "agent" not in late:
            agents.add(agent)
        if team and "team" not in late:
            teams.add(team)
        if ticket.tags:
            tags.update(ticket.tags)
            encode = encoders["ticket_tags"]
            for tag in ticket.tags:
                encode((source, ticket_id, tag), out_tags)
            self.held += len(ticket.tags)
        if ticket.minutes is not None:
            encoders["helpdesk_metrics"]((source, ticket_id, *ticket.minutes), out_minutes)
            self.held += 1
        if len(out_tickets) >= CHUNK_BYTES:
            self._hand_on(0)
        if self.held >= SPILL:
            self._hand_on(0, 1, 2)

    def _hand_on(self, *which: int) -> None:
        for index in which:
            buffer = self.out[index]
            if buffer:
                self.emit(("tickets", "ticket_tags", "helpdesk_metrics")[index], bytes(buffer))
                buffer.clear()
        if 1 in which:
            self.held = 0

    # -- the end ------------------------------------------------------------------------------

    def finish(self) -> Finished:
        """Everything taken: hand on what is held, then work out the rest (`Finished`)."""
        self._hand_on(0, 1, 2)
        emit = self.emit
        rewrite: list[tuple[str, bytes]] = []
        self.emit = lambda table, data: rewrite.append((table, data))
        for ticket in self.replaced.values():
            if ticket is not None:
                self._write(ticket)
        self._hand_on(0, 1, 2)
        self.emit = emit
        updates = self._resolve_pending()
        removed = self.versions.removed()
        surveys, ratings = self._ratings(removed)
        return Finished(self.counts, tuple(self.replaced), tuple(rewrite), updates, surveys,
                        self.values, len(self.versions.latest) - len(removed), ratings)

    def _resolve_pending(self) -> dict[str, list[dict]]:
        """The names that pages read later gave (and, for a team, the readings under its
        calendar), as UPDATE parameters by field; an id never named stays the id. Only the
        version written counts."""
        updates: dict[str, list[dict]] = {}
        readings, values = self.readings, self.values
        for _, ticket_id, field_name, key, name, row in self.versions.late_names():
            if name is None:
                if field_name != "customer":  # the id stays: a value too
                    values[field_name == "team"].add(key)
                continue
            value = bounded_text(name, field_name)
            if field_name != "customer":
                values[field_name == "team"].add(value)
            params = {"key_": ticket_id, "value_": value}
            if field_name == "team" and readings is not None:
                params.update(zip((f"{name}_" for name in _READINGS), readings(
                    value, row[_CREATED], row[_FIRST], row[_SOLVED])))
            updates.setdefault(field_name, []).append(params)
        return updates

    def _ratings(self, removed: set[str]) -> tuple[tuple[tuple[str, bytes], ...], int]:
        """The survey rows of the ratings whose ticket is in the pages (those of deleted
        tickets dropped; the others bad when strict, else waiting), encoded; how many."""
        requests, responses = bytearray(), bytearray()
        encode_request = self.encoders["survey_requests"]
        encode_response = self.encoders["survey_responses"]
        source, written = self.source, 0
        for ticket_id, rating in self.versions.ratings_to_write(removed):
            written += 1
            if rating.sent_at is not None:
                encode_request((source, ticket_id, _CSAT, rating.sent_at), requests)
            if rating.score is not None:
                encode_response((source, ticket_id, _CSAT, rating.score, rating.responded_at,
                                 rating.comment), responses)
        chunks = tuple((table.name, bytes(data)) for table, data in (
            (survey_requests, requests), (survey_responses, responses)) if data)
        return chunks, written


class CopySink:
    """The writing end of a straight load: each chunk COPYed into its table, one COPY open at
    a time (ended, and waited for, when a chunk of another table comes or at `close`)."""

    def __init__(self, backend, connection: sa.Connection) -> None:
        self.backend = backend
        self.connection = connection
        self.table: str | None = None
        self.stack: ExitStack | None = None
        self.write: Callable[[bytes], None] | None = None

    def __call__(self, table: str, data: bytes) -> None:
        if table != self.table:
            self.close()
            self.stack = ExitStack()
            self.write = self.stack.enter_context(
                self.backend.copy_bytes(self.connection, TABLES[table]))
            self.table = table
        self.write(data)

    def close(self) -> None:
        """End the COPY under way."""
        if self.stack is not None:
            stack, self.stack, self.table, self.write = self.stack, None, None, None
            stack.close()

    def cancel(self, error: type[BaseException]) -> None:
        """Cancel the COPY under way (the import stopped early, by an error)."""
        if self.stack is not None:
            stack, self.stack, self.table, self.write = self.stack, None, None, None
            with suppress(Exception):  # the error that stopped the import is the one told
                stack.__exit__(error, error(), None)
