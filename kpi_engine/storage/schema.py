"""The database schema: SQLAlchemy Core tables shared by every backend.

Timestamps are stored in UTC by the `Timestamp` type: `timestamptz` on PostgreSQL, integer
microseconds since the epoch on SQLite (exact, comparable and subtractable without string
parsing), a plain UTC `TIMESTAMP` elsewhere (DuckDB, warehouses). Alembic's versions in
`kpi_engine/storage/migrations/` create these tables; this module is what queries are written
against.

DuckDB cannot update a row that a foreign key points at, so foreign keys exist only on the
backends that enforce them well (PostgreSQL, SQLite); import checks the references itself.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from functools import lru_cache

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
FOREIGN_KEY_DIALECTS = ("postgresql", "sqlite")


class Timestamp(TypeDecorator):
    """An aware UTC datetime in Python, the best exact representation in each database.

    It branches on the dialect's name itself rather than asking sql/dialects/: a TypeDecorator
    is handed the dialect by SQLAlchemy when it binds and loads a value, and the backends'
    SQL there is written knowing how this type stores a timestamp."""

    impl = sa.DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> sa.types.TypeEngine:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.BigInteger())
        if dialect.name == "postgresql":
            return dialect.type_descriptor(sa.DateTime(timezone=True))
        return dialect.type_descriptor(sa.DateTime())

    def process_bind_param(self, value: datetime | None, dialect: Dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: kpi_engine stores aware datetimes only")
        utc = value.astimezone(timezone.utc)
        if dialect.name == "sqlite":
            delta = utc - _EPOCH
            return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
        if dialect.name == "postgresql":
            return utc
        return utc.replace(tzinfo=None)

    def process_result_value(self, value, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return from_epoch_microseconds(int(value))
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def from_epoch_microseconds(value: int) -> datetime:
    """The aware UTC datetime `value` microseconds after the Unix epoch."""
    return _EPOCH + timedelta(microseconds=value)


# The Alembic revision these tables correspond to; tests check it is the migrations' head.
SCHEMA_REVISION = "0011"

metadata = sa.MetaData()


def _ticket_reference(*columns: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        list(columns), ["tickets.source", "tickets.id"], ondelete="CASCADE"
    ).ddl_if(dialect=FOREIGN_KEY_DIALECTS)


tickets = sa.Table(
    "tickets",
    metadata,
    sa.Column("source", sa.String(64), primary_key=True),
    sa.Column("id", sa.String(128), primary_key=True),
    sa.Column("created_at", Timestamp(), nullable=False),
    sa.Column("first_response_at", Timestamp()),
    sa.Column("solved_at", Timestamp()),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("priority", sa.String(16), nullable=False),
    sa.Column("tier", sa.SmallInteger(), nullable=False),
    sa.Column("team", sa.String(128)),
    sa.Column("agent", sa.String(256)),
    sa.Column("customer", sa.String(256), nullable=False),
    sa.Column("agent_replies", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("customer_messages", sa.Integer(), nullable=False, server_default="1"),
    sa.Column("reopens", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("escalated", sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.Column("handle_time_seconds", sa.Integer()),
    sa.Column("hold_time_seconds", sa.Integer()),
    sa.Column("slack_channel", sa.String(32)),
    sa.Column("slack_thread_ts", sa.String(32)),
    # The ticket's tags (as `ticket_tags` holds them) in one value, `tag_list_text`'s JSON
    # array, NULL when it has none: written with the ticket by whatever writes its tags, so
    # that grouping by tag over many tickets (a change explained, sql/explain_change.py)
    # needs no join of the tag rows. `ticket_tags` stays what filters and breakdowns read.
    sa.Column("tag_list", sa.Text()),
    # Business clock readings (kpi_engine/calendars/): business seconds from the calendar's
    # epoch up to each timestamp, under the ticket's calendar (its team's, else the
    # workspace's); NULL where the timestamp is. Kept by whatever writes tickets, never
    # imported: not part of the ticket record (`RECORD_COLUMNS`).
    sa.Column("created_business", sa.BigInteger(), info={"business_reading": True}),
    sa.Column("first_response_business", sa.BigInteger(), info={"business_reading": True}),
    sa.Column("solved_business", sa.BigInteger(), info={"business_reading": True}),
    sa.Index("ix_tickets_created_at", "created_at"),
    sa.Index("ix_tickets_solved_at", "solved_at"),
    sa.Index("ix_tickets_customer_created_at", "customer", "created_at"),
)

ticket_tags = sa.Table(
    "ticket_tags",
    metadata,
    sa.Column("source", sa.String(64), primary_key=True),
    sa.Column("ticket_id", sa.String(128), primary_key=True),
    sa.Column("tag", sa.String(128), primary_key=True),
    _ticket_reference("source", "ticket_id"),
    sa.Index("ix_ticket_tags_tag", "tag"),
)

survey_requests = sa.Table(
    "survey_requests",
    metadata,
    sa.Column("source", sa.String(64), primary_key=True),
    sa.Column("ticket_id", sa.String(128), primary_key=True),
    sa.Column("kind", sa.String(8), primary_key=True),
    sa.Column("sent_at", Timestamp(), nullable=False),
    _ticket_reference("source", "ticket_id"),
    sa.Index("ix_survey_requests_sent_at", "sent_at"),
)

survey_responses = sa.Table(
    "survey_responses",
    metadata,
    sa.Column("source", sa.String(64), primary_key=True),
    sa.Column("ticket_id", sa.String(128), primary_key=True),
    sa.Column("kind", sa.String(8), primary_key=True),
    sa.Column("score", sa.SmallInteger(), nullable=False),
    sa.Column("responded_at", Timestamp(), nullable=False),
    sa.Column("comment", sa.Text()),
    _ticket_reference("source", "ticket_id"),
    sa.Index("ix_survey_responses_responded_at", "responded_at"),
)

# The distinct agents, teams and tags of the tickets: the vocabulary questions are read with.
# Kept up to date by the import (and by anything else that writes tickets), so reading it is
# one small query however many tickets there are.
dimension_values = sa.Table(
    "dimension_values",
    metadata,
    sa.Column("dimension", sa.String(16), primary_key=True),
    sa.Column("value", sa.String(256), primary_key=True),
)


# The last question answered in each conversation (a Slack thread, say), so that a follow-up
# such as "and tier 2?" continues it in any process, after any restart.
conversations = sa.Table(
    "conversations",
    metadata,
    sa.Column("conversation", sa.String(255), primary_key=True),
    sa.Column("query", sa.Text(), nullable=False),
    sa.Column("updated_at", Timestamp(), nullable=False),
    sa.Index("ix_conversations_updated_at", "updated_at"),
)

# The answers kpibot posted in Slack, by their message (channel id and message id, plain
# strings): the question and its reading (the KpiQuery as JSON, as `conversations` keeps it),
# so that a thumbs up or down on the message knows what it is about.
answers = sa.Table(
    "answers",
    metadata,
    sa.Column("channel_id", sa.String(32), primary_key=True),
    sa.Column("message_id", sa.String(32), primary_key=True),
    sa.Column("question", sa.Text(), nullable=False),
    sa.Column("reading", sa.Text(), nullable=False),
    sa.Column("asked_by", sa.String(64), nullable=False),
    sa.Column("answered_at", Timestamp(), nullable=False),
)

# What people said of an answer: one vote per person per answer (a later click replaces it).
answer_feedback = sa.Table(
    "answer_feedback",
    metadata,
    sa.Column("channel_id", sa.String(32), primary_key=True),
    sa.Column("message_id", sa.String(32), primary_key=True),
    sa.Column("voter", sa.String(64), primary_key=True),
    sa.Column("helpful", sa.Boolean(), nullable=False),
    sa.Column("voted_at", Timestamp(), nullable=False),
    sa.ForeignKeyConstraint(["channel_id", "message_id"],
                            ["answers.channel_id", "answers.message_id"],
                            ondelete="CASCADE").ddl_if(dialect=FOREIGN_KEY_DIALECTS),
    sa.Index("ix_answer_feedback_voted_at", "voted_at"),
)


# Scheduled digests: the definition as JSON (the same dict as a YAML/TOML file entry, see
# digests/definitions.py), with the name and channel beside it for listing. `name_key` is the
# name folded to lower case: names are unique whatever their case.
digests = sa.Table(
    "digests",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("name", sa.String(80), nullable=False),
    sa.Column("name_key", sa.String(80), nullable=False, unique=True),
    sa.Column("channel_id", sa.String(32), nullable=False),
    sa.Column("definition", sa.Text(), nullable=False),
    sa.Column("created_at", Timestamp(), nullable=False),
    sa.Column("updated_at", Timestamp(), nullable=False),
)

# Exactly-once posting: a run claims its post (a digest for a date, an alert's episode) with a
# row here before posting, and marks it posted after. A claim older than the timeout that never
# got posted is taken over by the next run (`attempts` counts the takers).
post_claims = sa.Table(
    "post_claims",
    metadata,
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("first_claimed_at", Timestamp(), nullable=False),
    sa.Column("claimed_at", Timestamp(), nullable=False),
    sa.Column("token", sa.String(32), nullable=False),
    sa.Column("attempts", sa.Integer(), nullable=False),
    sa.Column("posted_at", Timestamp()),
    sa.Column("posted_ts", sa.String(32)),
    sa.Index("ix_post_claims_posted_at", "posted_at"),
)

# Deliveries already handled (a Slack event by its event id, an interaction by its trigger id):
# the first process to insert a key handles the delivery; a retry or a replay finds the key and is
# dropped. Rows expire long after Slack's last retry and are purged from time to time.
handled_deliveries = sa.Table(
    "handled_deliveries",
    metadata,
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("handled_at", Timestamp(), nullable=False),
    sa.Column("expires_at", Timestamp(), nullable=False),
    sa.Index("ix_handled_deliveries_expires_at", "expires_at"),
)

# Each alert rule's state: firing or not, and how many times it has fired (its episode), so a
# crossing alerts once and again only after a recovery.
alert_states = sa.Table(
    "alert_states",
    metadata,
    sa.Column("digest_id", sa.String(32), primary_key=True),
    sa.Column("metric", sa.String(32), primary_key=True),
    sa.Column("rule", sa.String(16), primary_key=True),
    sa.Column("firing", sa.Boolean(), nullable=False),
    sa.Column("episode", sa.Integer(), nullable=False),
    sa.Column("changed_at", Timestamp(), nullable=False),
)

# APScheduler 3's SQLAlchemyJobStore table, declared here (with APScheduler's own columns) so
# that the migrations create it with everything else.
apscheduler_jobs = sa.Table(
    "apscheduler_jobs",
    metadata,
    sa.Column("id", sa.Unicode(191), primary_key=True),
    sa.Column("next_run_time", sa.Float(25), index=True),
    sa.Column("job_state", sa.LargeBinary(), nullable=False),
)


# The scheduler's heartbeat (bot/scheduler.py): each scheduler process, by host and pid, and
# when it was last seen — every minute while it runs. `kpibot doctor` says when one was last
# seen; rows of schedulers gone for a week are dropped.
scheduler_heartbeats = sa.Table(
    "scheduler_heartbeats",
    metadata,
    sa.Column("id", sa.String(160), primary_key=True),
    sa.Column("host", sa.String(128), nullable=False),
    sa.Column("pid", sa.Integer(), nullable=False),
    sa.Column("started_at", Timestamp(), nullable=False),
    sa.Column("seen_at", Timestamp(), nullable=False),
)


# Slack channels whose threads are support conversations, with the team and tier their
# tickets get.
support_channels = sa.Table(
    "support_channels",
    metadata,
    sa.Column("channel_id", sa.String(32), primary_key=True),
    sa.Column("team", sa.String(128)),
    sa.Column("tier", sa.SmallInteger(), nullable=False, server_default="1"),
    sa.Column("added_at", Timestamp(), nullable=False),
)

# Every message of a support thread that counted, once: Slack redelivers events, and a
# reaction names only its message, whose thread this table knows.
support_messages = sa.Table(
    "support_messages",
    metadata,
    sa.Column("channel_id", sa.String(32), primary_key=True),
    sa.Column("ts", sa.String(32), primary_key=True),
    sa.Column("thread_ts", sa.String(32), nullable=False),
    sa.Column("user_id", sa.String(32), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("message_at", Timestamp(), nullable=False),
)

# The survey of a ticket, one at most: its message in the thread, who may answer, until when,
# and the step it shows. The row is inserted before the survey is posted: the claim that makes
# it posted once.
surveys = sa.Table(
    "surveys",
    metadata,
    sa.Column("source", sa.String(64), primary_key=True),
    sa.Column("ticket_id", sa.String(128), primary_key=True),
    sa.Column("channel_id", sa.String(32), nullable=False),
    sa.Column("thread_ts", sa.String(32), nullable=False),
    sa.Column("message_ts", sa.String(32)),
    sa.Column("customer", sa.String(64), nullable=False),
    sa.Column("sent_at", Timestamp(), nullable=False),
    sa.Column("expires_at", Timestamp(), nullable=False),
    sa.Column("step", sa.String(8), nullable=False),
    sa.Column("with_nps", sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.Column("closed", sa.Boolean(), nullable=False, server_default=sa.false()),
    _ticket_reference("source", "ticket_id"),
    sa.Index("ix_surveys_message", "channel_id", "message_ts"),
    sa.Index("ix_surveys_customer_sent_at", "customer", "sent_at"),
)


# Helpdesk sync (kpi_engine/ingest/helpdesk.py): where each stream of each helpdesk stands —
# the cursor that follows the last page written (written in that page's transaction), when it
# last ran, last finished, and the last error. `kpibot doctor` reads it too.
sync_state = sa.Table(
    "sync_state",
    metadata,
    sa.Column("source", sa.String(64), primary_key=True),
    sa.Column("stream", sa.String(64), primary_key=True),
    sa.Column("cursor", sa.Text()),
    sa.Column("updated_at", Timestamp(), nullable=False),
    sa.Column("last_success_at", Timestamp()),
    sa.Column("last_error", sa.Text()),
)

# A helpdesk's own durations of a ticket, in minutes as the helpdesk computed them (Zendesk's
# metric sets: reply_time_in_minutes and full_resolution_time_in_minutes, calendar and
# business), kept beside the ticket so kpibot's own figures can be checked against them.
# Written only with its ticket and removed with it by the helpdesk import, so no foreign key:
# a bulk load of 200,000 tickets is not 200,000 reference checks.
helpdesk_metrics = sa.Table(
    "helpdesk_metrics",
    metadata,
    sa.Column("source", sa.String(64), primary_key=True),
    sa.Column("ticket_id", sa.String(128), primary_key=True),
    sa.Column("reply_calendar_minutes", sa.Integer()),
    sa.Column("reply_business_minutes", sa.Integer()),
    sa.Column("resolution_calendar_minutes", sa.Integer()),
    sa.Column("resolution_business_minutes", sa.Integer()),
)


# The ticket record's columns (what imports write): every column of `tickets` but the business
# clock readings, which are computed from them. `tag_list` is the last.
BUSINESS_READINGS = tuple(c.name for c in tickets.columns if c.info.get("business_reading"))
RECORD_COLUMNS = tuple(c.name for c in tickets.columns if c.name not in BUSINESS_READINGS)
assert RECORD_COLUMNS[-1] == "tag_list"

# The calendars the stored business clock readings were computed with (kpi_engine/calendars/):
# one row per calendar — `*` the workspace's, else a team's name in lower case — with its
# canonical text and hash. A configured calendar whose hash differs is recomputed.
business_calendars = sa.Table(
    "business_calendars",
    metadata,
    sa.Column("key", sa.String(128), primary_key=True),
    sa.Column("definition", sa.Text(), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    sa.Column("computed_at", Timestamp(), nullable=False),
)


@lru_cache(maxsize=4096)  # a desk's tickets share a few hundred lists of tags
def tag_list_text(tags: tuple[str, ...]) -> str | None:
    """`tickets.tag_list` of a ticket with `tags`: their JSON array, each once, in code point
    order, without spaces (so the same tags read the same); None for no tags."""
    return json.dumps(sorted(set(tags)), ensure_ascii=False, separators=(",", ":")) \
        if tags else None
