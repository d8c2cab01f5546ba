"""The builders and charts on results of the real KpiEngine (SQLite, a few hand-made tickets)."""

from __future__ import annotations

from datetime import datetime, timezone

from bot.blocks import answer_message, breakdown_csv, ids
from bot.charts import chart_png, wants_chart
from kpi_engine.engine import KpiEngine
from kpi_engine.query import KpiQuery
from kpi_engine.question.answers import Answer
from kpi_engine.vocabulary import Dimension, Granularity
from tests.builders import add_tickets, make_settings

from .results import LAST_WEEK
from .slack_limits import assert_valid_message, table_of, text_of


def solved(ticket_id: str, team: str, agent_replies: int) -> dict:
    return {"id": ticket_id, "team": team, "agent_replies": agent_replies, "status": "solved",
            "created_at": datetime(2026, 11, 10, 9, tzinfo=timezone.utc),
            "solved_at": datetime(2026, 11, 10, 15, tzinfo=timezone.utc)}


def test_fcr_by_team_from_the_engine(sqlite_db):
    # billing: one ticket solved in one reply, one in two → 50%; returns: one in one → 100%
    add_tickets(sqlite_db, solved("1", "billing", 1), solved("2", "billing", 2),
                solved("3", "returns", 1))
    query = KpiQuery(metric="fcr", period=LAST_WEEK, group_by=(Dimension.TEAM,))
    result = KpiEngine(sqlite_db, make_settings()).run(query)
    message = answer_message(Answer(question="fcr by team last week", result=result))
    assert_valid_message(message)
    assert message.text == "First contact resolution by team, last week: 66.7% overall (n = 3)"
    assert table_of(message.blocks, ids.ANSWER_TABLE) == [
        ["team", "value", "n"], ["returns", "100.0%", "1"], ["billing", "50.0%", "2"]]
    assert text_of(message.blocks, ids.ANSWER_DEFINITION).startswith(
        "How computed: share of tickets solved in the period")
    assert breakdown_csv(result) == "team,value (ratio),n\nreturns,1,1\nbilling,0.5,2\n"


def test_a_daily_trend_from_the_engine_is_a_table_in_time_order_and_a_chart(sqlite_db):
    # FRT: Mon 9 Nov one reply after 30 min, Wed 11 Nov one after 1 h, no tickets otherwise
    add_tickets(sqlite_db,
                {"id": "1", "created_at": at(9, 9, 0), "first_response_at": at(9, 9, 30)},
                {"id": "2", "created_at": at(11, 9, 0), "first_response_at": at(11, 10, 0)})
    query = KpiQuery(metric="frt", period=LAST_WEEK, trend=Granularity.DAY)
    result = KpiEngine(sqlite_db, make_settings()).run(query)
    message = answer_message(Answer(question="frt by day last week", result=result))
    assert_valid_message(message)
    assert table_of(message.blocks, ids.ANSWER_TABLE)[:4] == [
        ["day", "value", "n"], ["Mon 9 Nov", "30 min", "1"], ["Tue 10 Nov", "no data", "0"],
        ["Wed 11 Nov", "1 h", "1"]]
    assert wants_chart(result)
    assert chart_png(result).startswith(b"\x89PNG")


def at(day: int, hour: int, minute: int) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=timezone.utc)
