"""Several KPIs measured together: `run_together` gives each query exactly what `run` gives it,
in one statement per period for the KPIs that share their records, on every backend."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from kpi_engine.periods import Period, PeriodKind
from kpi_engine.query import Filter, KpiQuery
from kpi_engine.vocabulary import Dimension, Granularity
from tests.builders import add_survey_requests, add_survey_responses, add_tickets

from .timeline import LAST_WEEK, at


@pytest.fixture
def desk(db):
    """Tickets over 2–15 Nov on two tiers and teams, some reopened, escalated or slow, with
    survey answers and requests."""
    rows = []
    for day in range(2, 16):
        for i in range(3):
            created = at(day, 8 + i)
            rows.append(dict(
                id=f"{day}-{i}", created_at=created, first_response_at=created + timedelta(
                    minutes=10 * (i + day % 3)), solved_at=created + timedelta(hours=5 + i),
                status="solved", tier=1 + (day + i) % 2, team=("billing", "technical")[i % 2],
                agent_replies=1 + (day * i) % 3, reopens=(day + i) % 4 == 0,
                escalated=(day + 2 * i) % 5 == 0, handle_time_seconds=300 + 20 * i + day,
                tags=["complaint"] if (day + i) % 6 == 0 else []))
    add_tickets(db, *rows)
    add_survey_responses(db, *({"ticket_id": f"{day}-0", "kind": kind, "score": score,
                                "responded_at": at(day, 20)}
                               for day in range(2, 16)
                               for kind, score in (("csat", 1 + day % 5), ("ces", 1 + day % 7))))
    add_survey_requests(db, *({"ticket_id": f"{day}-{i}", "kind": "csat", "sent_at": at(day, 19)}
                              for day in range(2, 16) for i in range(2)))
    return db


METRICS = ("ticket_volume", "resolved", "backlog", "frt", "resolution_time", "aht", "fcr",
           "contacts_to_resolution", "reopen_rate", "escalation_rate", "response_rate",
           "service_level", "csat", "ces", "nps", "nia", "complaint_rate", "survey_response_rate")
TWO_WEEKS = Period(start=at(2), end=at(16), label="2–15 Nov", kind=PeriodKind.RANGE)
SHAPES = {
    "plain": dict(period=LAST_WEEK),
    "filtered and compared": dict(period=LAST_WEEK, compare=True,
                                  filters=(Filter(dimension=Dimension.TIER, values=("1",)),)),
    "by team": dict(period=LAST_WEEK, group_by=(Dimension.TEAM,)),
    "daily trend": dict(period=TWO_WEEKS, trend=Granularity.DAY),
}


@pytest.mark.parametrize("shape", SHAPES)
def test_together_equals_one_by_one(desk, kpi, shape):
    queries = [KpiQuery(metric=metric, **SHAPES[shape]) for metric in METRICS]
    together = kpi.run_together(queries)
    assert [result.query for result in together] == queries
    for query, result in zip(queries, together):
        alone = kpi.run(query)
        assert result.current == alone.current, query.metric
        assert result.rows == alone.rows, query.metric
        assert result.change == alone.change, query.metric


def test_kpis_of_the_same_records_share_one_statement(desk, kpi):
    statements = []

    def record(connection, cursor, statement, *rest) -> None:
        statements.append(statement)

    sa.event.listen(desk, "before_cursor_execute", record)
    try:
        kpi.run_together([KpiQuery(metric=metric, period=TWO_WEEKS, trend=Granularity.DAY)
                          for metric in ("fcr", "resolution_time", "reopen_rate", "aht",
                                         "frt", "service_level", "backlog")])
    finally:
        sa.event.remove(desk, "before_cursor_execute", record)
    selects = [sql for sql in statements if sql.lstrip().upper().startswith(("SELECT", "WITH"))]
    # solved_at: fcr, resolution_time, reopen_rate, aht; created_at: frt, service_level;
    # the backlog, a level, alone
    assert len(selects) == 3
