"""Support conversations as tickets: what happens in a support thread, turned into the
canonical ticket record (kpi-definitions.md). Chat-free: the listeners say what happened — a
customer opened a thread, someone replied, an agent resolved or escalated it — with the
channel, thread and message ids as plain strings and each message's time as a datetime, and
`SupportDesk` writes it.

- A customer's top-level message in a support channel opens a ticket: source `slack`, id
  `<channel>-<message id>`, created at the message's time, channel `slack`, the support
  channel's team and tier, the customer's user id, its channel and thread.
- In the thread, the first agent reply sets `first_response_at`; agent replies and customer
  messages are counted; the agent who last replied, then the one who resolved, is the agent.
- Each write refreshes the ticket's business clock readings (calendars/), in its transaction.
- A resolve solves it (`solved_at`, status solved); a customer message after that reopens it
  (counted in `reopens`; no longer solved); an escalation marks it escalated.
- Each message counts once: it is recorded in `support_messages` in the same transaction,
  so an event delivered twice changes nothing the second time. Counts are incremented
  in SQL, so concurrent events never lose one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

import sqlalchemy as sa

from kpi_engine.calendars.readings import refresh_ticket
from kpi_engine.storage.schema import dimension_values, support_channels, support_messages, tickets
from kpi_engine.vocabulary import Dimension

# The ids here are plain strings: a thread is named by its first message's id. The database
# columns keep the names they were created with (support_messages.ts and .thread_ts,
# tickets.slack_channel and .slack_thread_ts): no migration renames them.
SLACK_SOURCE = "slack"


class Role(Enum):
    CUSTOMER = "customer"
    AGENT = "agent"


class Happened(Enum):
    """What a message, reaction or shortcut did to a ticket."""

    OPENED = "opened"
    COUNTED = "counted"
    FIRST_RESPONSE = "first response"
    REOPENED = "reopened"
    SOLVED = "solved"
    ESCALATED = "escalated"
    NO_TICKET = "no ticket"  # a reply in a thread that is no ticket (yet)
    NOTHING = "nothing"  # a repeat, or already so


@dataclass(frozen=True, kw_only=True)
class SupportChannel:
    channel_id: str
    team: str | None = None
    tier: int = 1


@dataclass(frozen=True, kw_only=True)
class TicketRef:
    """What the chat side needs to know of a ticket with a thread."""

    source: str
    ticket_id: str
    customer: str
    channel_id: str
    thread_id: str
    status: str
    solved_at: datetime | None
    agent: str | None


def ticket_id_of(channel_id: str, thread_id: str) -> str:
    return f"{channel_id}-{thread_id}"


class SupportChannels:
    """The channels whose threads are support conversations."""

    def __init__(self, db: sa.Engine, clock: Callable[[], datetime]) -> None:
        self.db = db
        self.clock = clock

    def add(self, channel: SupportChannel) -> SupportChannel:
        """Add a channel, or change its team and tier."""
        values = {"team": channel.team, "tier": channel.tier}
        with self.db.begin() as connection:
            changed = connection.execute(sa.update(support_channels).where(
                support_channels.c.channel_id == channel.channel_id).values(**values))
            if changed.rowcount == 0:
                connection.execute(sa.insert(support_channels).values(
                    channel_id=channel.channel_id, added_at=self.clock(), **values))
        if channel.team:
            _remember(self.db, Dimension.TEAM, channel.team)
        return channel

    def remove(self, channel_id: str) -> bool:
        with self.db.begin() as connection:
            removed = connection.execute(sa.delete(support_channels).where(
                support_channels.c.channel_id == channel_id))
        return removed.rowcount == 1

    def all(self) -> list[SupportChannel]:
        with self.db.connect() as connection:
            rows = connection.execute(sa.select(support_channels)
                                      .order_by(support_channels.c.channel_id)).all()
        return [SupportChannel(channel_id=row.channel_id, team=row.team, tier=row.tier)
                for row in rows]

    def get(self, channel_id: str) -> SupportChannel | None:
        return next((channel for channel in self.all() if channel.channel_id == channel_id),
                    None)


def _remember(db: sa.Engine, dimension: Dimension, value: str) -> None:
    """Make a new agent or team name askable (the vocabulary of questions)."""
    try:
        with db.begin() as connection:
            connection.execute(sa.insert(dimension_values).from_select(
                ["dimension", "value"],
                sa.select(sa.literal(dimension.value, sa.String(16)),
                          sa.literal(value, sa.String(256)))
                .where(~sa.exists().where(dimension_values.c.dimension == dimension.value,
                                          dimension_values.c.value == value))))
    except sa.exc.IntegrityError:
        pass  # added meanwhile by another process


class SupportDesk:
    """The tickets of support conversations, moved by what happens in their threads."""

    def __init__(self, db: sa.Engine) -> None:
        self.db = db

    def open(self, channel: SupportChannel, message_id: str, customer: str,
             at: datetime) -> Happened:
        """A customer's top-level message, written `at`: a new ticket (once, however often it
        is told)."""
        ticket_id = ticket_id_of(channel.channel_id, message_id)
        try:
            with self.db.begin() as connection:
                connection.execute(sa.insert(support_messages).values(
                    channel_id=channel.channel_id, ts=message_id, thread_ts=message_id,
                    user_id=customer, role=Role.CUSTOMER.value, message_at=at))
                connection.execute(sa.insert(tickets).values(
                    source=SLACK_SOURCE, id=ticket_id, created_at=at, status="new",
                    channel="slack", priority="normal", tier=channel.tier, team=channel.team,
                    customer=customer, agent_replies=0, customer_messages=1, reopens=0,
                    escalated=False, slack_channel=channel.channel_id,
                    slack_thread_ts=message_id))
                refresh_ticket(connection, SLACK_SOURCE, ticket_id)  # business clock readings
        except sa.exc.IntegrityError:
            return Happened.NOTHING  # told before
        return Happened.OPENED

    def reply(self, channel_id: str, thread_id: str, message_id: str, user: str, role: Role,
              at: datetime, *, agent_name: str | None = None) -> Happened:
        """A message in a support thread, written `at`, counted once; the earliest agent reply
        is the first response (whatever order the events arrive in), a customer's after the
        solve reopens the ticket."""
        written = sa.literal(at, tickets.c.created_at.type)
        key = _ticket_key(channel_id, thread_id)
        try:
            with self.db.begin() as connection:
                ticket = connection.execute(sa.select(tickets.c.status,
                                                      tickets.c.first_response_at)
                                            .where(*key)).first()
                if ticket is None:
                    return Happened.NO_TICKET
                connection.execute(sa.insert(support_messages).values(
                    channel_id=channel_id, ts=message_id, thread_ts=thread_id, user_id=user,
                    role=role.value, message_at=at))
                if role is Role.AGENT:
                    earliest = sa.case((sa.or_(tickets.c.first_response_at.is_(None),
                                               tickets.c.first_response_at > written), written),
                                       else_=tickets.c.first_response_at)
                    values = {"agent_replies": tickets.c.agent_replies + 1,
                              "first_response_at": earliest}
                    if agent_name:
                        values["agent"] = agent_name
                    if ticket.status == "new":
                        values["status"] = "open"
                    happened = Happened.FIRST_RESPONSE if ticket.first_response_at is None \
                        else Happened.COUNTED
                else:
                    values = {"customer_messages": tickets.c.customer_messages + 1}
                    happened = Happened.COUNTED
                    if ticket.status in ("solved", "closed"):
                        values |= {"reopens": tickets.c.reopens + 1, "status": "open",
                                   "solved_at": None}
                        happened = Happened.REOPENED
                connection.execute(sa.update(tickets).where(*key).values(**values))
                refresh_ticket(connection, SLACK_SOURCE, ticket_id_of(channel_id, thread_id))
        except sa.exc.IntegrityError:
            return Happened.NOTHING  # this message was counted already
        if role is Role.AGENT and agent_name:
            _remember(self.db, Dimension.AGENT, agent_name)
        return happened

    def thread_of(self, channel_id: str, message_id: str) -> str | None:
        """The support thread a message belongs to (its own id for a thread's first message)."""
        with self.db.connect() as connection:
            return connection.execute(sa.select(support_messages.c.thread_ts).where(
                support_messages.c.channel_id == channel_id,
                support_messages.c.ts == message_id)).scalar_one_or_none()

    def solve(self, channel_id: str, message_id: str, at: datetime, *,
              agent_name: str | None = None) -> tuple[Happened, TicketRef | None]:
        """Solve, `at`, the ticket of the thread that message `message_id` belongs to (once)."""
        thread_id = self.thread_of(channel_id, message_id)
        if thread_id is None:
            return Happened.NOTHING, None
        key = _ticket_key(channel_id, thread_id)
        values = {"status": "solved", "solved_at": at}
        if agent_name:
            values["agent"] = agent_name
        with self.db.begin() as connection:
            changed = connection.execute(sa.update(tickets).where(
                *key, tickets.c.status.not_in(("solved", "closed"))).values(**values))
            if changed.rowcount:  # the business clock reading of the solve
                refresh_ticket(connection, SLACK_SOURCE, ticket_id_of(channel_id, thread_id))
        if agent_name and changed.rowcount:
            _remember(self.db, Dimension.AGENT, agent_name)
        ticket = self.ticket(SLACK_SOURCE, ticket_id_of(channel_id, thread_id))
        return (Happened.SOLVED if changed.rowcount else Happened.NOTHING), ticket

    def escalate(self, channel_id: str, message_id: str) -> Happened:
        thread_id = self.thread_of(channel_id, message_id)
        if thread_id is None:
            return Happened.NOTHING
        with self.db.begin() as connection:
            changed = connection.execute(sa.update(tickets).where(
                *_ticket_key(channel_id, thread_id), ~tickets.c.escalated)
                .values(escalated=True))
        return Happened.ESCALATED if changed.rowcount else Happened.NOTHING

    def ticket(self, source: str, ticket_id: str) -> TicketRef | None:
        with self.db.connect() as connection:
            row = connection.execute(sa.select(tickets).where(
                tickets.c.source == source, tickets.c.id == ticket_id)).first()
        if row is None or not row.slack_channel or not row.slack_thread_ts:
            return None
        return TicketRef(source=row.source, ticket_id=row.id, customer=row.customer,
                         channel_id=row.slack_channel, thread_id=row.slack_thread_ts,
                         status=row.status, solved_at=row.solved_at, agent=row.agent)


def _ticket_key(channel_id: str, thread_id: str) -> tuple:
    return (tickets.c.source == SLACK_SOURCE,
            tickets.c.id == ticket_id_of(channel_id, thread_id))
