"""The metric registry: one entry per KPI of kpi-definitions.md.

The parser's vocabulary, the compiled SQL, the labels and the "how computed" line all derive
from here: adding a KPI is one entry plus a test. What an entry is, and the SQL helpers the
entries use, are in model.py; `get_metric` (lookup.py) finds an entry by id or synonym, and
names the nearest ones (suggestions.py) when there is none. A metric pickles as a reference to
its entry (its id and variant), declared here with `copyreg`.
"""

from __future__ import annotations

import copyreg

from kpi_engine.metrics.model import (
    BusinessHours,
    Detail,
    Metric,
    Variant,
    _answered_in_business_time,
    _answered_in_time,
    _answered_or_due,
    _answered_or_due_in_business_hours,
    _business_frt,
    _business_resolution,
    _no_next_issue,
    _nps_points,
    _one_touch,
    _score,
    _share,
    _t,
)
from kpi_engine.vocabulary import Aggregation, Anchor, Direction, Population, SurveyKind, Unit

SURVEY_RATE_NOTE = "; 95% Wilson interval"

METRICS: tuple[Metric, ...] = (
    Metric(
        id="ticket_volume", label="Ticket volume",
        synonyms=("ticket volume", "tickets created", "new tickets", "volume",
                  "created tickets", "incoming tickets", "inbound volume", "contact volume"),
        unit=Unit.COUNT, direction=Direction.NEUTRAL, population=Population.TICKETS,
        anchor=Anchor.CREATED, aggregation=Aggregation.COUNT,
        definition="number of tickets created in the period",
        concepts=(
            "come in", "came in", "coming in", "comes in", "came", "come", "coming", "created",
            "create", "new", "received", "receive", "get", "got", "opened", "submitted", "inbound",
            "incoming", "raised", "logged", "contacted", "contact us", "reached out", "volume",
            "arrived",
        ),
    ),
    Metric(
        id="resolved", label="Resolved tickets",
        synonyms=("resolved", "solved", "resolved tickets", "solved tickets", "closed tickets",
                  "tickets resolved", "tickets solved"),
        unit=Unit.COUNT, direction=Direction.HIGHER, population=Population.TICKETS,
        anchor=Anchor.SOLVED, aggregation=Aggregation.COUNT,
        definition="number of tickets solved in the period (by solved_at)",
        concepts=(
            "close", "closed", "closes", "closing", "resolve", "resolved", "resolves", "resolving",
            "solve", "solved", "solves", "solving", "fix", "fixed", "done", "handled", "complete",
            "completed",
        ),
    ),
    Metric(
        id="backlog", label="Backlog",
        synonyms=("backlog", "active issues", "open tickets", "unresolved tickets",
                  "open issues", "queue"),
        unit=Unit.COUNT, direction=Direction.LOWER, population=Population.TICKETS,
        anchor=Anchor.PERIOD_END, aggregation=Aggregation.COUNT,
        definition="tickets created before the period's end and not solved by then",
        concepts=(
            "open", "still open", "waiting", "pending", "unresolved", "unsolved", "in the queue",
            "in queue", "queued", "outstanding", "left", "sitting", "stuck", "not closed",
            "not resolved", "not solved", "how big",
        ),
    ),
    Metric(
        id="frt", label="First response time",
        synonyms=("first response time", "frt", "time to first reply", "first reply time",
                  "time to first response", "response time"),
        unit=Unit.SECONDS, direction=Direction.LOWER, population=Population.TICKETS,
        anchor=Anchor.CREATED, aggregation=Aggregation.MEAN, has_percentiles=True,
        quality_partners=("csat",),
        measure=lambda s: s.seconds_between(_t(s).first_response_at, _t(s).created_at),
        definition="mean time from a ticket's creation to the first human agent reply, "
                   "over tickets created in the period that have a reply",
        business_hours=BusinessHours(
            measure=_business_frt,
            definition="mean business time from a ticket's creation to the first human agent "
                       "reply (only time within the working intervals of the ticket's business "
                       "calendar counts), over tickets created in the period that have a reply",
        ),
        concepts=(
            "reply", "replying", "replied", "respond", "responding", "responded", "answer",
            "answering", "answered", "get back", "first reply", "first response", "first touch",
            "pick up", "picked up",
        ),
    ),
    Metric(
        id="resolution_time", label="Resolution time",
        synonyms=("resolution time", "average resolution time", "art", "time to resolve",
                  "time to resolution", "full resolution time"),
        unit=Unit.SECONDS, direction=Direction.LOWER, population=Population.TICKETS,
        anchor=Anchor.SOLVED, aggregation=Aggregation.MEAN, has_percentiles=True,
        quality_partners=("reopen_rate",),
        measure=lambda s: s.seconds_between(_t(s).solved_at, _t(s).created_at),
        definition="mean time from creation to the final solve (reopens included), "
                   "over tickets solved in the period",
        business_hours=BusinessHours(
            measure=_business_resolution,
            definition="mean business time from creation to the final solve (reopens "
                       "included; only time within the working intervals of the ticket's "
                       "business calendar counts), over tickets solved in the period",
        ),
        concepts=(
            "close", "closing", "resolve", "resolving", "solve", "solving", "fix", "fixing",
            "resolution",
        ),
    ),
    Metric(
        id="aht", label="Average handle time",
        synonyms=("average handle time", "aht", "handle time", "handling time"),
        unit=Unit.SECONDS, direction=Direction.LOWER, population=Population.TICKETS,
        anchor=Anchor.SOLVED, aggregation=Aggregation.MEAN, has_percentiles=True,
        quality_partners=("reopen_rate", "contacts_to_resolution"),
        measure=lambda s: _t(s).handle_time_seconds,
        definition="mean agent working time (talk + hold + after-contact work) over tickets "
                   "solved in the period that record it",
        concepts=("handle", "handling", "work on", "working on", "spend on", "spent on", "talk"),
    ),
    Metric(
        id="hold_time", label="Hold time",
        synonyms=("hold time", "average hold time", "time on hold"),
        unit=Unit.SECONDS, direction=Direction.LOWER, population=Population.TICKETS,
        anchor=Anchor.SOLVED, aggregation=Aggregation.MEAN, has_percentiles=True,
        measure=lambda s: _t(s).hold_time_seconds,
        definition="mean customer time on hold over tickets solved in the period that record it",
        concepts=("hold", "on hold", "held"),
    ),
    Metric(
        id="fcr", label="First contact resolution",
        synonyms=("first contact resolution", "fcr", "first call resolution",
                  "one-touch resolution", "one touch resolution", "first time resolution"),
        unit=Unit.RATIO, direction=Direction.HIGHER, population=Population.TICKETS,
        anchor=Anchor.SOLVED, aggregation=Aggregation.SHARE, condition=_one_touch,
        eligible=lambda s: _t(s).agent_replies >= 1,
        definition="share of tickets solved in the period, among those with an agent reply, "
                   "solved with exactly one agent reply, never reopened and not escalated",
        default_variant="strict",
        variants={
            "one_touch": Variant(
                name="one_touch",
                condition=lambda s: _t(s).agent_replies < 2,
                definition="Zendesk one-touch: share of tickets solved in the period with fewer "
                           "than 2 agent replies",
            ),
            "no_customer_followup": Variant(
                name="no_customer_followup",
                condition=lambda s: _t(s).customer_messages == 1,
                definition="share of tickets solved in the period with no customer message "
                           "after the first",
            ),
        },
        concepts=(
            "first contact", "first touch", "one touch", "first time", "first go", "single touch",
            "one reply", "first reply",
        ),
    ),
    Metric(
        id="contacts_to_resolution", label="Contacts to resolution",
        synonyms=("contacts to resolution", "calls to resolution", "messages to resolution",
                  "contacts per resolution", "contacts per resolved ticket",
                  "messages per resolved ticket", "contacts per solved ticket",
                  "messages per ticket", "contacts per ticket"),
        unit=Unit.COUNT, direction=Direction.LOWER, population=Population.TICKETS,
        anchor=Anchor.SOLVED, aggregation=Aggregation.MEAN,
        measure=lambda s: _t(s).customer_messages,
        definition="mean number of customer messages over tickets solved in the period",
        concepts=(
            "contacts to resolve", "messages to resolve", "contacts to solve", "messages to solve",
            "messages to close", "contacts to close", "touches", "back and forth", "messages",
            "message", "resolve", "solve", "close", "resolved", "solved", "closed",
        ),
    ),
    Metric(
        id="reopen_rate", label="Reopen rate",
        synonyms=("reopen rate", "reopening rate", "rate of reopens"),
        unit=Unit.RATIO, direction=Direction.LOWER, population=Population.TICKETS,
        anchor=Anchor.SOLVED, aggregation=Aggregation.SHARE,
        condition=lambda s: _t(s).reopens >= 1,
        definition="share of tickets solved in the period that were reopened at least once",
        concepts=("reopened", "reopen", "reopens", "reopening"),
    ),
    Metric(
        id="escalation_rate", label="Escalation rate",
        synonyms=("escalation rate", "escalated rate", "rate of escalations"),
        unit=Unit.RATIO, direction=Direction.LOWER, population=Population.TICKETS,
        anchor=Anchor.CREATED, aggregation=Aggregation.SHARE,
        condition=lambda s: _t(s).escalated,
        definition="share of tickets created in the period that were escalated",
        concepts=("escalated", "escalate", "escalations", "escalation", "escalating"),
    ),
    Metric(
        id="response_rate", label="Response rate",
        synonyms=("response rate", "reply rate", "answered tickets", "answer rate"),
        unit=Unit.RATIO, direction=Direction.HIGHER, population=Population.TICKETS,
        anchor=Anchor.CREATED, aggregation=Aggregation.SHARE,
        condition=lambda s: _t(s).first_response_at.is_not(None),
        definition="share of tickets created in the period that got a first response",
        concepts=(
            "answered", "replied", "responded", "got a reply", "get a reply", "got a response",
            "get a response", "got answered", "reply", "response", "answering", "answer",
            "unanswered",
        ),
    ),
    Metric(
        id="service_level", label="Service level",
        synonyms=("service level", "sla attainment", "sla", "service level agreement",
                  "within sla", "sla compliance"),
        unit=Unit.RATIO, direction=Direction.HIGHER, population=Population.TICKETS,
        anchor=Anchor.CREATED, aggregation=Aggregation.SHARE, condition=_answered_in_time,
        eligible=_answered_or_due,
        definition="share of tickets created in the period first answered within {target}; "
                   "an unanswered ticket counts as missed once its target has passed",
        business_hours=BusinessHours(
            condition=_answered_in_business_time, eligible=_answered_or_due_in_business_hours,
            definition="share of tickets created in the period first answered within {target} "
                       "of business time (only time within the working intervals of the "
                       "ticket's business calendar counts); an unanswered ticket counts as "
                       "missed once its target has passed in business time",
        ),
        concepts=(
            "within sla", "in sla", "within the sla", "on time", "within target", "in time",
            "inside sla", "met sla", "meet sla", "sla", "breached", "breach", "hit sla",
            "hitting sla", "meeting sla", "missed sla", "missing sla", "hitting the sla",
            "making sla", "answered within", "replied within", "responded within",
            "answered in time", "answered on time",
        ),
    ),
    Metric(
        id="csat", label="Customer satisfaction (CSAT)",
        synonyms=("csat", "customer satisfaction", "satisfaction", "satisfaction score",
                  "customer satisfaction score"),
        unit=Unit.RATIO, direction=Direction.HIGHER, population=Population.SURVEY_RESPONSES,
        anchor=Anchor.RESPONDED, aggregation=Aggregation.SHARE, survey_kind=SurveyKind.CSAT,
        scale=(1, 5), condition=lambda s: _score(s) >= 4,
        details=(Detail(name="mean_score", expression=_score),),
        definition="share of CSAT responses (1–5) in the period scoring 4 or 5" + SURVEY_RATE_NOTE,
        default_variant="top2",
        variants={
            "mean": Variant(
                name="mean", measure=_score, aggregation=Aggregation.MEAN, unit=Unit.SCORE,
                definition="mean CSAT score (1–5) of the responses in the period",
            ),
        },
        concepts=(
            "happy", "happier", "unhappy", "satisfied", "dissatisfied", "satisfaction", "pleased",
            "rate us", "rating", "ratings",
        ),
    ),
    Metric(
        id="ces", label="Customer effort score (CES)",
        synonyms=("ces", "customer effort score", "customer effort", "effort score", "effort"),
        unit=Unit.SCORE, direction=Direction.HIGHER, population=Population.SURVEY_RESPONSES,
        anchor=Anchor.RESPONDED, aggregation=Aggregation.MEAN, survey_kind=SurveyKind.CES,
        scale=(1, 7), measure=_score,
        details=(Detail(name="share_easy", expression=lambda s: _share(_score(s) >= 5)),),
        definition="mean CES 2.0 score (1–7, 7 = strongly agree it was easy; higher is better) "
                   "of the responses in the period",
        concepts=("effort", "easy", "easier", "hard", "effortless", "difficult"),
    ),
    Metric(
        id="nps", label="Net promoter score (NPS)",
        synonyms=("nps", "net promoter score", "net promoter", "promoter score"),
        unit=Unit.SCORE, direction=Direction.HIGHER, population=Population.SURVEY_RESPONSES,
        anchor=Anchor.RESPONDED, aggregation=Aggregation.MEAN, survey_kind=SurveyKind.NPS,
        scale=(-100, 100), measure=_nps_points,
        details=(
            Detail(name="promoters", expression=lambda s: _share(_score(s) >= 9)),
            Detail(name="detractors", expression=lambda s: _share(_score(s) <= 6)),
        ),
        definition="100 × (share of NPS responses scoring 9–10 − share scoring 0–6) in the period",
        concepts=("recommend", "promoters", "promoter", "detractors", "loyal", "loyalty"),
    ),
    Metric(
        id="nia", label="Next issue avoidance",
        synonyms=("next issue avoidance", "nia", "repeat contact avoidance"),
        unit=Unit.RATIO, direction=Direction.HIGHER, population=Population.TICKETS,
        anchor=Anchor.SOLVED, aggregation=Aggregation.SHARE, condition=_no_next_issue,
        definition="share of tickets solved in the period whose customer opened no other "
                   "ticket within 7 days after the solve",
        concepts=(
            "come back", "came back", "coming back", "return", "returned", "repeat",
            "contact again", "contacted again", "write back", "next issue",
            "come back within 7 days", "came back within 7 days", "come back within a week",
            "came back within a week",
        ),
    ),
    Metric(
        id="complaint_rate", label="Complaint rate",
        synonyms=("complaint rate", "complaint share", "rate of complaints"),
        unit=Unit.RATIO, direction=Direction.LOWER, population=Population.TICKETS,
        anchor=Anchor.CREATED, aggregation=Aggregation.SHARE,
        condition=lambda s: s.tagged("complaint"),
        definition="share of tickets created in the period tagged complaint",
        concepts=("complaints", "complaint", "complained", "complain", "complaining"),
    ),
    Metric(
        id="escalations", label="Escalations",
        synonyms=("escalations count", "number of escalations", "escalated count",
                  "escalation count"),
        unit=Unit.COUNT, direction=Direction.LOWER, population=Population.TICKETS,
        anchor=Anchor.CREATED, aggregation=Aggregation.COUNT,
        condition=lambda s: _t(s).escalated,
        definition="number of tickets created in the period that were escalated",
        concepts=("escalated", "escalate", "escalations", "escalation", "escalating"),
    ),
    Metric(
        id="reopened", label="Reopened tickets",
        synonyms=("reopened count", "number of reopens", "reopen count", "reopens count"),
        unit=Unit.COUNT, direction=Direction.LOWER, population=Population.TICKETS,
        anchor=Anchor.SOLVED, aggregation=Aggregation.COUNT,
        condition=lambda s: _t(s).reopens >= 1,
        definition="number of tickets solved in the period that were reopened at least once",
        concepts=("reopened", "reopen", "reopens", "reopening"),
    ),
    Metric(
        id="complaints", label="Complaints",
        synonyms=("complaints count", "number of complaints", "complaint count"),
        unit=Unit.COUNT, direction=Direction.LOWER, population=Population.TICKETS,
        anchor=Anchor.CREATED, aggregation=Aggregation.COUNT,
        condition=lambda s: s.tagged("complaint"),
        definition="number of tickets created in the period tagged complaint",
        concepts=("complaints", "complaint", "complained", "complain", "complaining"),
    ),
    Metric(
        id="survey_response_rate", label="Survey response rate",
        synonyms=("survey response rate", "survey response", "survey responses",
                  "response rate of surveys", "survey rate"),
        unit=Unit.RATIO, direction=Direction.HIGHER, population=Population.SURVEY_REQUESTS,
        anchor=Anchor.SENT, aggregation=Aggregation.SHARE,
        condition=lambda s: s.responses.c.ticket_id.is_not(None),
        definition="share of survey requests sent in the period that got a response"
                   + SURVEY_RATE_NOTE,
        concepts=(
            "surveys answered", "answer surveys", "answered surveys", "respond to surveys",
            "fill in surveys", "fill out surveys", "survey responses", "surveys back",
        ),
    ),
)

METRICS_BY_ID: dict[str, Metric] = {metric.id: metric for metric in METRICS}


def _registered_metric(metric_id: str, variant: str, business_hours: bool = False) -> Metric:
    """The entry of `metric_id` with `variant` ("" for the default), counted in business hours
    when it was: how a pickled metric comes back."""
    metric = METRICS_BY_ID[metric_id].with_variant(variant)
    return metric.with_business_hours() if business_hours else metric


def _pickled_as_entry(metric: Metric):
    return _registered_metric, (metric.id, metric.variant or "", metric.in_business_hours)


# A metric pickles by reference (its id, its variant, whether in business hours), as the
# registry entry it is: its SQL builders are functions, and a result sent to another process
# names the same KPI.
copyreg.pickle(Metric, _pickled_as_entry)
