"""What a helpdesk's objects become: `MappedTicket` (a canonical ticket row, its tags, the
helpdesk's own minutes), `MappedRating` (a CSAT request and/or answer), `Removal` (a ticket the
helpdesk deleted); `People`, the names of the users, agents and groups that pages name by id;
`ItemError`, why one object cannot be taken (one sentence); and the small parsers the vendor
modules share (timestamps, the tier rule, `name=value` maps from settings).

A ticket row is a tuple in the order of `TICKET_FIELDS`, the canonical record of
kpi-definitions.md; the writer (writer.py) writes it in that order, its list of tags and its
business clock readings after it (`ticket_record`), so a mapped ticket goes to the database as
it is built.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from kpi_engine.errors import UserError
from kpi_engine.storage.schema import RECORD_COLUMNS, tag_list_text
from kpi_engine.vocabulary import CHANNELS, STATUSES

# The canonical ticket columns a helpdesk fills, in the order of a mapped ticket's row.
TICKET_FIELDS = (
    "source", "id", "created_at", "first_response_at", "solved_at", "status", "channel",
    "priority", "tier", "team", "agent", "customer", "agent_replies", "customer_messages",
    "reopens", "escalated", "handle_time_seconds", "hold_time_seconds", "slack_channel",
    "slack_thread_ts",
)
# A mapped row is the ticket record but its last column, the list of its tags (`ticket_record`).
assert TICKET_FIELDS == RECORD_COLUMNS[:-1], "a helpdesk fills the ticket record in its order"
# The helpdesk's own minutes of a ticket, in the order of a mapped ticket's `minutes`.
MINUTE_FIELDS = ("reply_calendar_minutes", "reply_business_minutes",
                 "resolution_calendar_minutes", "resolution_business_minutes")
MAX_TEXT = {"id": 128, "team": 128, "agent": 256, "customer": 256, "tag": 128}
TIER_RANGE = ("1", "2", "3")


class ItemError(Exception):
    """Why one object of a page cannot be taken: one sentence, naming the object."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(slots=True)
class MappedTicket:
    """One ticket as the canonical record. `row` is a tuple in the order of TICKET_FIELDS;
    `agent`, `team` and `customer` hold names once known (`pending` lists the fields still
    holding the helpdesk's id, as (field, kind, id), for the writer to resolve when a later page
    names them)."""

    row: tuple
    tags: tuple[str, ...]
    minutes: tuple[int | None, ...] | None
    updated_at: datetime
    pending: tuple[tuple[str, str, str], ...] = ()

    @property
    def id(self) -> str:
        return self.row[1]


def ticket_record(ticket: MappedTicket) -> tuple:
    """The ticket as the record `tickets` stores (RECORD_COLUMNS): its row, then its tags'
    `tag_list`."""
    return ticket.row + (tag_list_text(ticket.tags),)


@dataclass(frozen=True, slots=True)
class Removal:
    """A ticket the helpdesk deleted (or marked spam): removed with its survey rows."""

    id: str
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class MappedRating:
    """A CSAT survey of one ticket: sent (`sent_at`), answered (`score` 1–5, `responded_at`),
    or both."""

    ticket_id: str
    sent_at: datetime | None
    score: int | None
    responded_at: datetime | None
    comment: str | None
    updated_at: datetime
    file: str = ""  # where it was read, for a message about it
    position: str = ""


@dataclass
class People:
    """Names by helpdesk id, gathered from every page read so far: `users` (id → (name,
    email)) and `groups` (id → name)."""

    users: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    groups: dict[str, str] = field(default_factory=dict)

    def add_user(self, user_id, name, email) -> None:
        if user_id is not None:
            name = (name.strip() or None) if type(name) is str else None
            email = (email.strip() or None) if type(email) is str else None
            self.users[str(user_id)] = (name, email)

    def add_users(self, users) -> None:
        """`add_user` of each user object of a page's `users` list (anything else skipped)."""
        if not isinstance(users, list):
            return
        known = self.users
        for user in users:
            if not isinstance(user, dict):
                continue
            user_id = user.get("id")
            if user_id is not None:
                name, email = user.get("name"), user.get("email")
                known[str(user_id)] = ((name.strip() or None) if type(name) is str else None,
                                       (email.strip() or None) if type(email) is str else None)

    def add_group(self, group_id, name) -> None:
        if group_id is not None and _text_or_none(name):
            self.groups[str(group_id)] = name.strip()

    def name(self, kind: str, key: str) -> str | None:
        """The name a ticket shows for `key`: an agent's name (else email; "agent"), a
        group's name ("team"), a requester's email ("customer", whose id stands otherwise);
        None when not known (yet)."""
        if kind == "team":
            return self.groups.get(key)
        found = self.users.get(key)
        if found is None:
            return None
        name, email = found
        return email if kind == "customer" else (name or email)


def _text_or_none(value) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


_from_iso = datetime.fromisoformat


def timestamp(value, what: str) -> datetime:
    """An aware datetime from the helpdesk's ISO 8601 text; ItemError naming `what`."""
    if not isinstance(value, str) or not value:
        raise ItemError(f"{what} is missing" if value in (None, "") else
                        f"{what} {value!r} is not an ISO 8601 time")
    try:
        parsed = _from_iso(value)
    except ValueError:
        raise ItemError(f"{what} {value!r} is not an ISO 8601 time") from None
    if parsed.tzinfo is None:
        raise ItemError(f"{what} {value!r} has no UTC offset")
    return parsed


def optional_timestamp(value, what: str) -> datetime | None:
    return None if value is None or value == "" else timestamp(value, what)


def minutes(value, what: str) -> int | None:
    """A whole, non-negative number of minutes, or None."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ItemError(f"{what} {value!r} is not a number of minutes")
    return int(value)


def count(value, what: str) -> int:
    """A non-negative count; None reads as 0."""
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ItemError(f"{what} {value!r} is not a count")
    return value


def identifier(value, what: str = "id") -> str:
    """A helpdesk id as the text kpibot keys on."""
    if isinstance(value, bool) or not isinstance(value, int | str) or value == "":
        raise ItemError(f"{what} {value!r} is not an id")
    text = str(value).strip()
    if not text or len(text) > MAX_TEXT["id"]:
        raise ItemError(f"{what} {value!r} is not an id")
    return text


def clean_tags(values, what: str = "tags") -> tuple[str, ...]:
    """Tags as the helpdesk lists them: trimmed, each once, in order."""
    if values is None:
        return ()
    if not isinstance(values, list):
        raise ItemError(f"{what} is not a list")
    tags = []
    for value in values:
        if not isinstance(value, str):
            raise ItemError(f"{what} holds {value!r}, not text")
        value = value.strip()
        if len(value) > MAX_TEXT["tag"]:
            raise ItemError(f"tag {value[:40]!r}… is longer than {MAX_TEXT['tag']} characters")
        if value:
            tags.append(value)
    return tuple(dict.fromkeys(tags))


def tier_from_tags(tags: tuple[str, ...]) -> int:
    """The documented tier rule: a tag `tier_N` or `tN` (N = 1, 2 or 3) gives the tier — the
    lowest such N when there are several (the entry tier) — else tier 1."""
    found = None
    for tag in tags:
        lowered = tag.lower()
        if lowered.startswith("tier_"):
            number = lowered[5:]
        elif len(lowered) == 2 and lowered[0] == "t":
            number = lowered[1]
        else:
            continue
        if number in TIER_RANGE and (found is None or int(number) < found):
            found = int(number)
    return found or 1


def bounded_text(value: str | None, what: str) -> str | None:
    if value is not None and len(value) > MAX_TEXT[what]:
        return value[:MAX_TEXT[what]]
    return value


def parse_value_map(text: str, setting: str, allowed: tuple[str, ...]) -> dict[str, str]:
    """`a=web,b=email` from a setting: each helpdesk value → one of `allowed`."""
    mapping: dict[str, str] = {}
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        key, equals, value = part.partition("=")
        key, value = key.strip().lower(), value.strip().lower()
        if not equals or not key or value not in allowed:
            raise UserError(f"{setting}: {part!r} is not VALUE=one of {', '.join(allowed)}",
                            [f"{setting}={key or 'value'}={allowed[0]}"])
        mapping[key] = value
    return mapping


def channel_map(text: str, setting: str) -> dict[str, str]:
    return parse_value_map(text, setting, CHANNELS)


def status_map(text: str, setting: str) -> dict[str, str]:
    return parse_value_map(text, setting, STATUSES)
