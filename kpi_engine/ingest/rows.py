"""Row validation for the canonical CSV import: the columns of each file, and one parser per file
that turns a CSV row into the tuple staged in the database, or raises `RowError`.

A parser is built for one header (`ticket_parser(columns)`, `survey_parser(columns)`): the
column positions are bound once, so a row costs a few string operations and one
`datetime.fromisoformat` per timestamp, no regexes. A column the file does not
have reads as an empty value, which takes the column's default. Values are trimmed; the closed
sets (status, channel, priority, kind, escalated) are matched case-insensitively and staged
lowercase. Checks that need the whole file or the database (duplicates, unknown tickets) are
SQL on the staging tables, in canonical.py.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from kpi_engine.vocabulary import CHANNELS, PRIORITIES, STATUSES, SURVEY_SCALES, TIERS

TICKET_COLUMNS = (
    "id", "created_at", "first_response_at", "solved_at", "status", "channel", "priority",
    "tier", "team", "agent", "customer", "agent_replies", "customer_messages", "reopens",
    "escalated", "handle_time_seconds", "hold_time_seconds", "tags", "source", "slack_channel",
    "slack_thread_ts",
)
REQUIRED_TICKET_COLUMNS = ("id", "created_at", "status", "channel", "priority", "tier", "customer")

SURVEY_COLUMNS = ("ticket_id", "kind", "sent_at", "score", "responded_at", "comment", "source")
REQUIRED_SURVEY_COLUMNS = ("ticket_id", "kind")

# The order of the tuples the parsers return: the staging tables' columns (`line` first, then
# the columns of schema.tickets / of the survey staging table, in the order of canonical.py).
STAGED_TICKET_COLUMNS = (
    "line", "source", "id", "created_at", "first_response_at", "solved_at", "status", "channel",
    "priority", "tier", "team", "agent", "customer", "agent_replies", "customer_messages",
    "reopens", "escalated", "handle_time_seconds", "hold_time_seconds", "slack_channel",
    "slack_thread_ts",
)
STAGED_SURVEY_COLUMNS = (
    "line", "source", "ticket_id", "kind", "sent_at", "score", "responded_at", "comment",
)

DEFAULT_SOURCE = "import"
MAX_LENGTHS = {
    "id": 128, "ticket_id": 128, "source": 64, "team": 128, "agent": 256, "customer": 256,
    "slack_channel": 32, "slack_thread_ts": 32, "tags": 128,  # tags: each tag
}
MAX_COMMENT = 2000
MAX_INTEGER = 2**31 - 1  # the database's INTEGER

_STATUSES = frozenset(STATUSES)
_CHANNELS = frozenset(CHANNELS)
_PRIORITIES = frozenset(PRIORITIES)
_TIERS = {tier: int(tier) for tier in TIERS}
_BOOLEANS = {
    "": False, "true": True, "1": True, "yes": True, "false": False, "0": False, "no": False,
}
_SCALES = {kind.value: scale for kind, scale in SURVEY_SCALES.items()}
_SOLVED = frozenset({"solved", "closed"})

_from_iso = datetime.fromisoformat


class RowError(Exception):
    """Why a row is bad: the column at fault (None for the whole row) and a precise reason."""

    def __init__(self, column: str | None, reason: str) -> None:
        super().__init__(reason)
        self.column = column
        self.reason = reason


def _positions(columns: Sequence[str], known: Sequence[str]) -> list[int]:
    """Each known column's index in the row; an absent one points past the end, where the
    parser appends one empty string."""
    return [columns.index(name) if name in columns else len(columns) for name in known]


def _width_error(width: int, found: int) -> RowError:
    return RowError(None, f"expected {width} fields as in the header, found {found}")


def _text_error(column: str, value: str) -> RowError:
    if not value:
        return RowError(column, f"{column} is empty")
    return RowError(
        column, f"{column} is longer than {MAX_LENGTHS[column]} characters ({len(value)})"
    )


def _choice_error(column: str, value: str, allowed: Sequence[str]) -> RowError:
    if not value:
        return RowError(column, f"{column} is empty")
    return RowError(column, f"{column} {value!r} is not one of {', '.join(allowed)}")


def _timestamp_error(column: str, value: str) -> RowError:
    """Why `value` is not an aware timestamp."""
    if not value:
        return RowError(column, f"{column} is empty")
    try:
        parsed = _from_iso(value)
    except ValueError as error:
        if str(error).startswith("Invalid isoformat"):
            return RowError(column, f"{column} {value!r} is not an ISO 8601 timestamp "
                                    "(e.g. 2026-11-02T09:30:00Z)")
        if "offset" in str(error):
            return RowError(column, f"{column} {value!r} has an impossible UTC offset")
        return RowError(column, f"{column} {value!r} does not exist ({error})")
    if parsed.tzinfo is None:
        return RowError(column, f"{column} has no UTC offset: {value!r} (add Z or e.g. +02:00)")
    return RowError(column, f"{column} {value!r} is out of range (years 2 to 9998)")


def _timestamp(value: str, column: str) -> datetime:
    """The aware datetime `value` names; a naive or impossible one is a RowError."""
    try:
        parsed = _from_iso(value)
    except ValueError:
        raise _timestamp_error(column, value) from None
    if parsed.tzinfo is None or not 1 < parsed.year < 9999:
        raise _timestamp_error(column, value)
    return parsed


def _optional_timestamp(value: str, column: str) -> datetime | None:
    return _timestamp(value, column) if value else None


# Integers as written in most files, looked up rather than parsed; others go through _count.
_SMALL_INTEGERS = {str(number): number for number in range(10_000)}


def _count(value: str, column: str) -> int:
    """A non-negative integer."""
    if value.isdigit() and value.isascii() and len(value) <= 10:
        number = int(value)
        if number <= MAX_INTEGER:
            return number
    raise RowError(column, f"{column} is not a non-negative integer: {value!r}")


def _tags(value: str) -> tuple[str, ...]:
    """`;`-separated tags: trimmed, empty ones dropped, each kept once in first-seen order."""
    if ";" in value:
        tags = tuple(dict.fromkeys(part for part in map(str.strip, value.split(";")) if part))
    else:
        value = value.strip()
        tags = (value,) if value else ()
    for tag in tags:
        if len(tag) > MAX_LENGTHS["tags"]:
            raise RowError(
                "tags", f"tag {tag[:40]!r}… is longer than {MAX_LENGTHS['tags']} characters")
    return tags


TicketParser = Callable[[list[str], int], tuple[tuple, tuple[str, ...]]]
SurveyParser = Callable[[list[str], int], tuple]


def _key_and_source(fields: list[str], columns: Sequence[str], i_key: int, key: str,
                    i_source: int) -> tuple[str, str]:
    """Check the row's width and characters and read its ticket key and source; appends the
    empty value an absent column reads (see `_positions`)."""
    if len(fields) != len(columns):
        raise _width_error(len(columns), len(fields))
    if "\x00" in "".join(fields):  # no database stores it the same way (PostgreSQL refuses it)
        column = next(name for name, value in zip(columns, fields) if "\x00" in value)
        raise RowError(column, f"{column} contains a NUL character (\\x00): not text")
    fields.append("")
    ticket_id = fields[i_key].strip()
    if not ticket_id or len(ticket_id) > MAX_LENGTHS[key]:
        raise _text_error(key, ticket_id)
    source = fields[i_source].strip() or DEFAULT_SOURCE
    if len(source) > MAX_LENGTHS["source"]:
        raise _text_error("source", source)
    return ticket_id, source


def ticket_parser(columns: Sequence[str]) -> TicketParser:
    """A function (fields, line) → (staged ticket tuple, tags) for files with header `columns`."""
    (i_id, i_created, i_first, i_solved, i_status, i_channel, i_priority, i_tier, i_team,
     i_agent, i_customer, i_replies, i_messages, i_reopens, i_escalated, i_handle, i_hold,
     i_tags, i_source, i_slack_channel, i_thread) = _positions(columns, TICKET_COLUMNS)
    small = _SMALL_INTEGERS

    def parse(fields: list[str], line: int) -> tuple[tuple, tuple[str, ...]]:
        ticket_id, source = _key_and_source(fields, columns, i_id, "id", i_source)
        created = _timestamp(fields[i_created].strip(), "created_at")
        first = _optional_timestamp(fields[i_first].strip(), "first_response_at")
        if first is not None and first < created:
            raise RowError("first_response_at", "first_response_at is before created_at")
        solved = _optional_timestamp(fields[i_solved].strip(), "solved_at")
        if solved is not None and solved < created:
            raise RowError("solved_at", "solved_at is before created_at")
        status = fields[i_status].strip().lower()
        if status not in _STATUSES:
            raise _choice_error("status", status, STATUSES)
        if solved is None and status in _SOLVED:
            raise RowError("solved_at", f"solved_at is empty but status is {status}")
        channel = fields[i_channel].strip().lower()
        if channel not in _CHANNELS:
            raise _choice_error("channel", channel, CHANNELS)
        priority = fields[i_priority].strip().lower()
        if priority not in _PRIORITIES:
            raise _choice_error("priority", priority, PRIORITIES)
        tier = _TIERS.get(fields[i_tier].strip())
        if tier is None:
            raise _choice_error("tier", fields[i_tier].strip(), TIERS)
        team = fields[i_team].strip() or None
        if team is not None and len(team) > 128:
            raise _text_error("team", team)
        agent = fields[i_agent].strip() or None
        if agent is not None and len(agent) > 256:
            raise _text_error("agent", agent)
        customer = fields[i_customer].strip()
        if not customer or len(customer) > 256:
            raise _text_error("customer", customer)
        text = fields[i_replies].strip()
        replies = small.get(text)
        if replies is None:
            replies = _count(text, "agent_replies") if text else 0
        text = fields[i_messages].strip()
        messages = small.get(text)
        if messages is None:
            messages = _count(text, "customer_messages") if text else 1
        if messages < 1:
            raise RowError("customer_messages",
                           "customer_messages is 0; it counts the first message, so at least 1")
        text = fields[i_reopens].strip()
        reopens = small.get(text)
        if reopens is None:
            reopens = _count(text, "reopens") if text else 0
        escalated = _BOOLEANS.get(fields[i_escalated].strip().lower())
        if escalated is None:
            raise RowError("escalated", f"escalated {fields[i_escalated].strip()!r} is not one of "
                                        "true, false, 1, 0, yes, no")
        text = fields[i_handle].strip()
        handle = small.get(text)
        if handle is None and text:
            handle = _count(text, "handle_time_seconds")
        text = fields[i_hold].strip()
        hold = small.get(text)
        if hold is None and text:
            hold = _count(text, "hold_time_seconds")
        slack_channel = fields[i_slack_channel].strip() or None
        if slack_channel is not None and len(slack_channel) > 32:
            raise _text_error("slack_channel", slack_channel)
        thread = fields[i_thread].strip() or None
        if thread is not None and len(thread) > 32:
            raise _text_error("slack_thread_ts", thread)
        tags = fields[i_tags]
        return (
            (line, source, ticket_id, created, first, solved, status, channel, priority, tier,
             team, agent, customer, replies, messages, reopens, escalated, handle, hold,
             slack_channel, thread),
            _tags(tags) if tags else (),
        )

    return parse


def survey_parser(columns: Sequence[str]) -> SurveyParser:
    """A function (fields, line) → staged survey tuple for files with header `columns`.

    A row records a request when it has `sent_at`, a response when it has `score` and
    `responded_at`, or both; a `comment` belongs to a response."""
    (i_ticket, i_kind, i_sent, i_score, i_responded, i_comment,
     i_source) = _positions(columns, SURVEY_COLUMNS)

    def parse(fields: list[str], line: int) -> tuple:
        ticket_id, source = _key_and_source(fields, columns, i_ticket, "ticket_id", i_source)
        kind = fields[i_kind].strip().lower()
        scale = _SCALES.get(kind)
        if scale is None:
            raise _choice_error("kind", kind, tuple(_SCALES))
        sent = _optional_timestamp(fields[i_sent].strip(), "sent_at")
        score_text = fields[i_score].strip()
        responded_text = fields[i_responded].strip()
        comment = fields[i_comment].strip()
        score = responded = None
        if score_text or responded_text:
            if not score_text:
                raise RowError("score", "score is empty but responded_at is set")
            if not responded_text:
                raise RowError("responded_at", "responded_at is empty but score is set")
            low, high = scale
            try:
                score = int(score_text)
            except ValueError:
                score = None
            if score is None or not low <= score <= high:
                raise RowError("score", f"score {score_text!r} is not on the {kind.upper()} scale "
                                        f"(an integer from {low} to {high})")
            responded = _timestamp(responded_text, "responded_at")
            if sent is not None and responded < sent:
                raise RowError("responded_at", "responded_at is before sent_at")
        elif sent is None:
            raise RowError(
                None, "neither a request (sent_at) nor a response (score and responded_at)")
        elif comment:
            raise RowError("comment", "a comment needs a response (score and responded_at)")
        comment = comment[:MAX_COMMENT] or None
        return (line, source, ticket_id, kind, sent, score, responded, comment)

    return parse
