"""The statements a survey click runs, built once with bound parameters.

A burst of clicks (a thousand at once, each stored before it is acknowledged) runs these a
thousand times each; building a SQLAlchemy statement costs about as much as running it on
SQLite, so they are built here once and only their values change. Each takes its values by
the names of its bind parameters, listed with it.
"""

from __future__ import annotations

import sqlalchemy as sa

from kpi_engine.storage.schema import survey_requests, survey_responses, surveys, tickets

# The survey, whether its ticket still exists (`ticket_exists`) and the score already given
# for one kind (`score_before`, NULL when there is none or `kind` is NULL): one round trip.
# Values: kind, then by message: channel_id, message_ts; by ticket: source, ticket_id,
# channel_id.
_SCORE_BEFORE = sa.select(survey_responses.c.score).where(
    survey_responses.c.source == surveys.c.source,
    survey_responses.c.ticket_id == surveys.c.ticket_id,
    survey_responses.c.kind == sa.bindparam("kind", type_=survey_responses.c.kind.type),
).scalar_subquery().label("score_before")
_SURVEY_WITH_TICKET = sa.select(
    surveys, tickets.c.id.label("ticket_exists"), _SCORE_BEFORE,
).select_from(surveys.outerjoin(tickets, sa.and_(tickets.c.source == surveys.c.source,
                                                 tickets.c.id == surveys.c.ticket_id)))
SURVEY_BY_MESSAGE = _SURVEY_WITH_TICKET.where(
    surveys.c.channel_id == sa.bindparam("channel_id"),
    surveys.c.message_ts == sa.bindparam("message_ts"))
SURVEY_BY_TICKET = _SURVEY_WITH_TICKET.where(
    surveys.c.source == sa.bindparam("source"),
    surveys.c.ticket_id == sa.bindparam("ticket_id"),
    surveys.c.channel_id == sa.bindparam("channel_id"))

# One answer of a ticket. Values: source, ticket_id, kind, score, responded_at.
INSERT_RESPONSE = sa.insert(survey_responses)
# Values: r_source, r_ticket_id, r_kind, r_score, r_at.
UPDATE_RESPONSE = sa.update(survey_responses).where(
    survey_responses.c.source == sa.bindparam("r_source"),
    survey_responses.c.ticket_id == sa.bindparam("r_ticket_id"),
    survey_responses.c.kind == sa.bindparam("r_kind"),
).values(score=sa.bindparam("r_score", type_=survey_responses.c.score.type),
         responded_at=sa.bindparam("r_at", type_=survey_responses.c.responded_at.type))

# A survey moved to a later step, never back. Values: s_source, s_ticket_id, s_step and
# s_earlier (the steps before it: a list).
ADVANCE = sa.update(surveys).where(
    surveys.c.source == sa.bindparam("s_source"),
    surveys.c.ticket_id == sa.bindparam("s_ticket_id"),
    surveys.c.step.in_(sa.bindparam("s_earlier", expanding=True)),
).values(step=sa.bindparam("s_step", type_=surveys.c.step.type))
# Values: s_source, s_ticket_id.
STEP = sa.select(surveys.c.step).where(surveys.c.source == sa.bindparam("s_source"),
                                       surveys.c.ticket_id == sa.bindparam("s_ticket_id"))

# A question recorded as asked, once per ticket and kind. Values: q_source, q_ticket_id,
# q_kind, q_sent_at.
_ASKED = (sa.bindparam("q_source", type_=sa.String(64)),
          sa.bindparam("q_ticket_id", type_=sa.String(128)),
          sa.bindparam("q_kind", type_=sa.String(8)))
REQUEST = sa.insert(survey_requests).from_select(
    ["source", "ticket_id", "kind", "sent_at"],
    sa.select(*_ASKED, sa.bindparam("q_sent_at", type_=survey_requests.c.sent_at.type))
    .where(~sa.exists().where(survey_requests.c.source == _ASKED[0],
                              survey_requests.c.ticket_id == _ASKED[1],
                              survey_requests.c.kind == _ASKED[2])))
