"""What a helpdesk load keeps while it reads, whichever way it writes (the staged merge of
writer.py and merge.py, the straight load of straight.py): the newest version of each ticket
(by its `updated_at`, then by the order read), the names that pages give late, the newest
rating of each ticket and the tickets told bad — and what that decides at the end: which late
names fill in a version written, which ratings are written, which are bad or wait.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime

from kpi_engine.ingest.helpdesk.counts import WriteCounts, take_page
from kpi_engine.ingest.helpdesk.files import BadItem
from kpi_engine.ingest.helpdesk.items import MappedRating, MappedTicket, People, Removal

Seen = tuple[datetime, int, bool]  # the newest version read: (updated, seq, removed)


class Versions:
    """A load's reading state (`take`, `bad`); `ticket` and `removal` say what each item
    read does to it."""

    def __init__(self, people: People, counts: WriteCounts, *, strict: bool) -> None:
        self.people = people
        self.counts = counts
        self.strict = strict
        self.seq = 0
        self.latest: dict[str, Seen] = {}  # ticket id → its newest version read
        # The names to fill in at the end: (seq, id, field, kind, helpdesk id, row).
        self.pending: list[tuple[int, str, str, str, str, tuple]] = []
        self.ratings: dict[str, MappedRating] = {}
        self.bad_tickets: set[str] = set()  # told already: their ratings are left out silently

    def take(self, items: Iterable[MappedTicket | Removal | MappedRating | BadItem],
             ticket: Callable[[MappedTicket], None], removal: Callable[[Removal], None]) -> None:
        """Take what one page yields: each ticket to `ticket`, each removal to `removal`."""
        take_page(items, self.counts, self.ratings, ticket, removal, self.bad)

    def bad(self, item: BadItem) -> None:
        if item.ticket_id is not None:  # a ticket read, not taken
            self.bad_tickets.add(item.ticket_id)
        self.counts.bad(item)

    def ticket(self, ticket: MappedTicket) -> tuple[int, Seen | None] | None:
        """A ticket read: None when a newer version of it was read already; else its `seq`
        and the version it replaces (None: the first read)."""
        self.counts.tickets_read += 1
        ticket_id = ticket.row[1]
        self.seq += 1
        seq = self.seq
        latest = self.latest
        seen = latest.get(ticket_id)
        if seen is not None and ticket.updated_at < seen[0]:
            return None  # an older version read later
        latest[ticket_id] = (ticket.updated_at, seq, False)
        if ticket.pending:
            for field_name, kind, key in ticket.pending:
                self.pending.append((seq, ticket_id, field_name, kind, key, ticket.row))
        return seq, seen

    def removal(self, item: Removal) -> tuple[bool, Seen | None]:
        """A deletion read: whether it is the newest word on its ticket, and the version it
        replaces (None: none read)."""
        self.seq += 1
        seen = self.latest.get(item.id)
        if seen is not None and item.updated_at < seen[0]:
            return False, seen  # an older deletion read later
        self.latest[item.id] = (item.updated_at, self.seq, True)
        return True, seen

    def removed(self) -> set[str]:
        """The tickets whose newest word is their deletion."""
        return {ticket_id for ticket_id, (_, _, gone) in self.latest.items() if gone}

    def late_names(self) -> Iterator[tuple[int, str, str, str, str | None, tuple]]:
        """For each name a version written still holds as the helpdesk's id: (its seq, the
        ticket id, the field, that id, the name pages gave — None if none did —, its row)."""
        latest, name_of = self.latest, self.people.name
        for seq, ticket_id, field_name, kind, key, row in self.pending:
            seen = latest.get(ticket_id)
            if seen is None or seen[1] != seq or seen[2]:
                continue  # a version replaced, or removed
            yield seq, ticket_id, field_name, key, name_of(kind, key), row

    def ratings_to_write(self, removed: set[str],
                         stored: Callable[[list[str]], set[str]] | None = None
                         ) -> Iterator[tuple[str, MappedRating]]:
        """The ratings whose ticket is in the pages (or among those `stored` finds already
        imported), those of deleted tickets left out; any other is a bad item when `strict`,
        else it waits for its ticket (counted)."""
        unknown = [ticket_id for ticket_id in self.ratings
                   if ticket_id not in self.latest and ticket_id not in removed]
        known = stored(unknown) if stored is not None and unknown else set()
        for ticket_id, rating in self.ratings.items():
            seen = self.latest.get(ticket_id)
            if seen is not None and seen[2]:
                continue  # its ticket was deleted
            if seen is None and ticket_id not in known:
                if ticket_id in self.bad_tickets:
                    continue
                if self.strict:
                    self.bad(BadItem(rating.file, rating.position,
                                     f"a rating for ticket {ticket_id}, which is neither in "
                                     "these pages nor already imported"))
                else:
                    self.counts.ratings_waiting += 1
                continue
            yield ticket_id, rating
