"""`WriteCounts`: what one helpdesk writer read and wrote (the report's numbers and its bad
items, the first `MAX_REPORTED` of them kept); `take_page`: one page's items sorted to the
writer's handlers, counted the same way by the staged and the straight writer."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field

from kpi_engine.ingest.helpdesk.files import BadItem
from kpi_engine.ingest.helpdesk.items import MappedRating, MappedTicket, Removal

MAX_REPORTED = 1000


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

    def bad(self, item: BadItem) -> None:
        """Count a bad item (a ticket read and not taken counts as read), keep it if room."""
        if item.ticket_id is not None:
            self.tickets_read += 1
        self.bad_count += 1
        if len(self.bad_items) < MAX_REPORTED:
            self.bad_items.append(item)

    @property
    def changed(self) -> int:
        return (self.tickets_new + self.tickets_updated + self.tickets_removed
                + self.ratings_new + self.ratings_updated)

    def to_json(self) -> dict:
        data = asdict(self)
        data["bad_items"] = [asdict(bad) for bad in self.bad_items]
        return data


def take_page(items: Iterable[MappedTicket | Removal | MappedRating | BadItem],
              counts: WriteCounts, ratings: dict[str, MappedRating],
              ticket: Callable[[MappedTicket], None], removal: Callable[[Removal], None],
              bad: Callable[[BadItem], None]) -> None:
    """Hand each item of one page to its handler; a rating is kept when it is the newest
    read for its ticket (written at the end, when its ticket is known)."""
    counts.pages += 1
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
            removal(item)
        else:
            bad(item)
