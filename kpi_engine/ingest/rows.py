"""Row validation for the canonical CSV import: the columns of each file, and one parser per file
that turns a CSV row into the tuple staged in the database, or raises `RowError`.

A parser is built for one header (`ticket_parser(columns)`, `survey_parser(columns)`): the
column positions are bound once, so a row costs a few string operations and one
`datetime.fromisoformat` per timestamp, no regexes. A column the file does not
have reads as an empty value, which takes the column's default. Values are trimmed; the closed
sets (status, channel, priority, kind, escalated) are matched case-insensitively and staged
lowercase. The checks of one value (a timestamp, a count, tags, a text's length) and
`RowError` itself are in values.py. Checks that need the whole file or the database
(duplicates, unknown tickets) are SQL on the staging tables, in canonical.py.

A bad row is reported with every problem it has, not only the first: each check adds to the
row's list and the parser raises once at the end (`RowError.of`), so a good row costs what it
did. A good row that looks wrong (status new/open/pending with a solved_at, a timestamp in the
future) is imported as it is and reported through the parser's `warn` callback.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timezone

from kpi_engine.ingest.values import (
    MAX_COMMENT,
    MAX_LENGTHS,
    SMALL_INTEGERS,
    RowError,
    choice_error,
    parse_count,
    parse_tags,
    parse_timestamp,
    text_error,
)
from kpi_engine.storage.schema import tag_list_text
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
    "slack_thread_ts", "tag_list",
)
STAGED_SURVEY_COLUMNS = (
    "line", "source", "ticket_id", "kind", "sent_at", "score", "responded_at", "comment",
)

DEFAULT_SOURCE = "import"

_STATUSES = frozenset(STATUSES)
_CHANNELS = frozenset(CHANNELS)
_PRIORITIES = frozenset(PRIORITIES)
_TIERS = {tier: int(tier) for tier in TIERS}
_BOOLEANS = {
    "": False, "true": True, "1": True, "yes": True, "false": False, "0": False, "no": False,
}
_SCALES = {kind.value: scale for kind, scale in SURVEY_SCALES.items()}
_SOLVED = frozenset({"solved", "closed"})

_UTC = timezone.utc


# A warning: (line, column, reason) for a row that is imported as it is but looks wrong.
Warn = Callable[[int, str, str], None]


def _positions(columns: Sequence[str], known: Sequence[str]) -> list[int]:
    """Each known column's index in the row; an absent one points past the end, where the
    parser appends one empty string."""
    return [columns.index(name) if name in columns else len(columns) for name in known]


def _width_error(width: int, found: int) -> RowError:
    return RowError(None, f"expected {width} fields as in the header, found {found}")


TicketParser = Callable[[list[str], int], tuple[tuple, tuple[str, ...]]]
SurveyParser = Callable[[list[str], int], tuple]


def _also(bad: list[RowError] | None, error: RowError) -> list[RowError]:
    """The row's problems with `error` added (a good row never makes a list)."""
    if bad is None:
        return [error]
    bad.append(error)
    return bad


def _key_and_source(fields: list[str], columns: Sequence[str], i_key: int, key: str,
                    i_source: int) -> tuple[str, str, list[RowError] | None]:
    """Check the row's width and characters and read its ticket key and source; appends the
    empty value an absent column reads (see `_positions`). A row of the wrong width raises at
    once (its values cannot be told apart); the row's other problems start the list returned
    (None while there are none)."""
    if len(fields) != len(columns):
        raise _width_error(len(columns), len(fields))
    bad = None
    if "\x00" in "".join(fields):  # no database stores it the same way (PostgreSQL refuses it)
        bad = [RowError(name, f"{name} contains a NUL character (\\x00): not text")
               for name, value in zip(columns, fields) if "\x00" in value]
    fields.append("")
    ticket_id = fields[i_key].strip()
    if not ticket_id or len(ticket_id) > MAX_LENGTHS[key]:
        bad = _also(bad, text_error(key, ticket_id))
    source = fields[i_source].strip() or DEFAULT_SOURCE
    if len(source) > MAX_LENGTHS["source"]:
        bad = _also(bad, text_error("source", source))
    return ticket_id, source, bad


def _clock(now: datetime | None, warn: Warn | None) -> tuple[datetime | None, str, int]:
    """The instant after which a timestamp is in the future (None: no warnings), in UTC, as
    text, and the first date (as an ordinal) a timestamp's own calendar date may have and be
    after it. Comparing aware datetimes of different offsets is slow (~1 µs); a wall-clock
    date at least two days before now's is before now whatever its offset (under 24 h), so
    that cheap test settles almost every row."""
    if now is None or warn is None:
        return None, "", 0
    now = now.astimezone(timezone.utc)
    return now, now.isoformat(), now.toordinal() - 1


def _future(column: str, text: str, now_text: str) -> str:
    return f"{column} {text} is in the future (now is {now_text})"


def ticket_parser(columns: Sequence[str], now: datetime | None = None,
                  warn: Warn | None = None) -> TicketParser:
    """A function (fields, line) → (staged ticket tuple, tags) for files with header `columns`.

    A bad row raises one RowError naming every problem of the row. With `now` and `warn`, a
    good row with status new/open/pending and a solved_at, or a timestamp after `now`, is
    imported as it is and reported through `warn(line, column, reason)` (a solve before the
    first reply is found in SQL, canonical.py)."""
    (i_id, i_created, i_first, i_solved, i_status, i_channel, i_priority, i_tier, i_team,
     i_agent, i_customer, i_replies, i_messages, i_reopens, i_escalated, i_handle, i_hold,
     i_tags, i_source, i_slack_channel, i_thread) = _positions(columns, TICKET_COLUMNS)
    small = SMALL_INTEGERS
    now, now_text, soon = _clock(now, warn)

    def parse(fields: list[str], line: int) -> tuple[tuple, tuple[str, ...]]:
        ticket_id, source, bad = _key_and_source(fields, columns, i_id, "id", i_source)
        created = first = solved = None
        created_text = fields[i_created].strip()
        try:
            created = parse_timestamp(created_text, "created_at")
        except RowError as error:
            bad = _also(bad, error)
        first_text = fields[i_first].strip()
        if first_text:
            try:
                first = parse_timestamp(first_text, "first_response_at")
            except RowError as error:
                bad = _also(bad, error)
            else:
                if created is not None and first < created:
                    bad = _also(bad, RowError("first_response_at",
                                              "first_response_at is before created_at"))
        solved_text = fields[i_solved].strip()
        if solved_text:
            try:
                solved = parse_timestamp(solved_text, "solved_at")
            except RowError as error:
                bad = _also(bad, error)
            else:
                if created is not None and solved < created:
                    bad = _also(bad, RowError("solved_at", "solved_at is before created_at"))
        status = fields[i_status].strip().lower()
        if status not in _STATUSES:
            bad = _also(bad, choice_error("status", status, STATUSES))
        elif not solved_text and status in _SOLVED:
            bad = _also(bad, RowError("solved_at", f"solved_at is empty but status is {status}"))
        channel = fields[i_channel].strip().lower()
        if channel not in _CHANNELS:
            bad = _also(bad, choice_error("channel", channel, CHANNELS))
        priority = fields[i_priority].strip().lower()
        if priority not in _PRIORITIES:
            bad = _also(bad, choice_error("priority", priority, PRIORITIES))
        tier = _TIERS.get(fields[i_tier].strip())
        if tier is None:
            bad = _also(bad, choice_error("tier", fields[i_tier].strip(), TIERS))
        team = fields[i_team].strip() or None
        if team is not None and len(team) > 128:
            bad = _also(bad, text_error("team", team))
        agent = fields[i_agent].strip() or None
        if agent is not None and len(agent) > 256:
            bad = _also(bad, text_error("agent", agent))
        customer = fields[i_customer].strip()
        if not customer or len(customer) > 256:
            bad = _also(bad, text_error("customer", customer))
        text = fields[i_replies].strip()
        replies = small.get(text)
        if replies is None:
            if text:
                try:
                    replies = parse_count(text, "agent_replies")
                except RowError as error:
                    bad = _also(bad, error)
            else:
                replies = 0
        text = fields[i_messages].strip()
        messages = small.get(text)
        if messages is None:
            if text:
                try:
                    messages = parse_count(text, "customer_messages")
                except RowError as error:
                    bad = _also(bad, error)
            else:
                messages = 1
        if messages == 0:
            bad = _also(bad, RowError("customer_messages", "customer_messages is 0; it counts "
                                                            "the first message, so at least 1"))
        text = fields[i_reopens].strip()
        reopens = small.get(text)
        if reopens is None:
            if text:
                try:
                    reopens = parse_count(text, "reopens")
                except RowError as error:
                    bad = _also(bad, error)
            else:
                reopens = 0
        escalated = _BOOLEANS.get(fields[i_escalated].strip().lower())
        if escalated is None:
            bad = _also(bad, RowError("escalated", f"escalated {fields[i_escalated].strip()!r} "
                                                   "is not one of true, false, 1, 0, yes, no"))
        text = fields[i_handle].strip()
        handle = small.get(text)
        if handle is None and text:
            try:
                handle = parse_count(text, "handle_time_seconds")
            except RowError as error:
                bad = _also(bad, error)
        text = fields[i_hold].strip()
        hold = small.get(text)
        if hold is None and text:
            try:
                hold = parse_count(text, "hold_time_seconds")
            except RowError as error:
                bad = _also(bad, error)
        slack_channel = fields[i_slack_channel].strip() or None
        if slack_channel is not None and len(slack_channel) > 32:
            bad = _also(bad, text_error("slack_channel", slack_channel))
        thread = fields[i_thread].strip() or None
        if thread is not None and len(thread) > 32:
            bad = _also(bad, text_error("slack_thread_ts", thread))
        tags = fields[i_tags]
        if tags:
            try:
                tags = parse_tags(tags)
            except RowError as error:
                bad = _also(bad, error)
        else:
            tags = ()
        if bad:
            raise RowError.of(bad)
        if now is not None:
            # (A solve before the first reply is found in SQL: comparing two times of an
            # offset other than UTC would cost more here than the rest of the row's checks.)
            if solved is not None and status not in _SOLVED:
                warn(line, "status", f"status is {status} but solved_at is set: the ticket "
                                     f"counts as solved at {solved_text}")
            # In the future? The cheap test first (see `_clock`); created_at is before the
            # others, so it is looked at alone only when they are empty.
            if first is None and solved is None:
                ahead = ((created > now) if created.tzinfo is _UTC
                         else (created.toordinal() >= soon and created > now))
            else:
                ahead = (first is not None and (
                    (first > now) if first.tzinfo is _UTC
                    else (first.toordinal() >= soon and first > now))) or (
                    solved is not None and (
                        (solved > now) if solved.tzinfo is _UTC
                        else (solved.toordinal() >= soon and solved > now)))
            if ahead:
                if created > now:  # then so is every later timestamp of the row
                    warn(line, "created_at", _future("created_at", created_text, now_text))
                else:
                    if first is not None and first > now:
                        warn(line, "first_response_at",
                             _future("first_response_at", first_text, now_text))
                    if solved is not None and solved > now:
                        warn(line, "solved_at", _future("solved_at", solved_text, now_text))
        return (
            (line, source, ticket_id, created, first, solved, status, channel, priority, tier,
             team, agent, customer, replies, messages, reopens, escalated, handle, hold,
             slack_channel, thread, tag_list_text(tags)),
            tags,
        )

    return parse


def survey_parser(columns: Sequence[str], now: datetime | None = None,
                  warn: Warn | None = None) -> SurveyParser:
    """A function (fields, line) → staged survey tuple for files with header `columns`.

    A row records a request when it has `sent_at`, a response when it has `score` and
    `responded_at`, or both; a `comment` belongs to a response. A bad row raises one RowError
    naming every problem of the row; with `now` and `warn`, a sent_at or responded_at after
    `now` is reported through `warn(line, column, reason)`. (A response before its ticket was
    created is found in SQL, where the ticket is.)"""
    (i_ticket, i_kind, i_sent, i_score, i_responded, i_comment,
     i_source) = _positions(columns, SURVEY_COLUMNS)
    now, now_text, soon = _clock(now, warn)

    def parse(fields: list[str], line: int) -> tuple:
        ticket_id, source, bad = _key_and_source(fields, columns, i_ticket, "ticket_id",
                                                 i_source)
        kind = fields[i_kind].strip().lower()
        scale = _SCALES.get(kind)
        if scale is None:
            bad = _also(bad, choice_error("kind", kind, tuple(_SCALES)))
        sent = None
        sent_text = fields[i_sent].strip()
        if sent_text:
            try:
                sent = parse_timestamp(sent_text, "sent_at")
            except RowError as error:
                bad = _also(bad, error)
        score_text = fields[i_score].strip()
        responded_text = fields[i_responded].strip()
        comment = fields[i_comment].strip()
        score = responded = None
        if score_text or responded_text:
            if not score_text:
                bad = _also(bad, RowError("score", "score is empty but responded_at is set"))
            elif scale is not None:
                low, high = scale
                try:
                    score = int(score_text)
                except ValueError:
                    score = None
                if score is None or not low <= score <= high:
                    bad = _also(bad, RowError("score", f"score {score_text!r} is not on the "
                                                       f"{kind.upper()} scale (an integer from "
                                                       f"{low} to {high})"))
            if not responded_text:
                bad = _also(bad, RowError("responded_at",
                                          "responded_at is empty but score is set"))
            else:
                try:
                    responded = parse_timestamp(responded_text, "responded_at")
                except RowError as error:
                    bad = _also(bad, error)
                else:
                    if sent is not None and responded < sent:
                        bad = _also(bad, RowError("responded_at",
                                                  "responded_at is before sent_at"))
        elif not sent_text:
            bad = _also(bad, RowError(
                None, "neither a request (sent_at) nor a response (score and responded_at)"))
        elif comment:
            bad = _also(bad, RowError("comment",
                                      "a comment needs a response (score and responded_at)"))
        if bad:
            raise RowError.of(bad)
        latest = responded or sent  # a response is not before its request
        if now is not None and ((latest > now) if latest.tzinfo is _UTC
                                else (latest.toordinal() >= soon and latest > now)):
            if sent is not None and sent > now:
                warn(line, "sent_at", _future("sent_at", sent_text, now_text))
            if responded is not None and responded > now:
                warn(line, "responded_at", _future("responded_at", responded_text, now_text))
        comment = comment[:MAX_COMMENT] or None
        return (line, source, ticket_id, kind, sent, score, responded, comment)

    return parse
