"""Support conversations as tickets: a customer's message opens one, replies are counted once
(however often Slack delivers them), the earliest agent reply is the first response, a resolve
solves it, a customer's message after that reopens it — and the KPIs read it like any ticket."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from bot.slack_time import slack_time
from kpi_engine.desk.conversations import (
    Happened,
    Role,
    SupportChannel,
    SupportChannels,
    SupportDesk,
)
from kpi_engine.engine import KpiEngine
from kpi_engine.periods import Period, PeriodKind
from kpi_engine.query import Filter, KpiQuery
from kpi_engine.storage.schema import dimension_values, tickets
from kpi_engine.vocabulary import Dimension
from tests.builders import make_settings

UTC = timezone.utc
CHANNEL = SupportChannel(channel_id="CHELP", team="billing", tier=2)
OPENED = "1795420800.000100"  # 2026-11-23 08:00:00.0001 UTC
T0 = datetime(2026, 11, 23, 8, 0, 0, 100, tzinfo=UTC)


def ts(seconds_after: float) -> str:
    """The Slack ts `seconds_after` the opening message (whole microseconds)."""
    micros = 1_795_420_800_000_100 + round(seconds_after * 1_000_000)
    return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"


class SlackThreads:
    """The desk as the Slack listeners drive it: each message named by its Slack ts, and its
    time (which the desk takes as a datetime) read from that ts; solve, escalate and the rest
    as the desk has them."""

    def __init__(self, desk: SupportDesk) -> None:
        self.desk = desk

    def open(self, channel, ts, customer):
        return self.desk.open(channel, ts, customer, slack_time(ts))

    def reply(self, channel_id, thread_ts, ts, user, role, *, agent_name=None):
        return self.desk.reply(channel_id, thread_ts, ts, user, role, slack_time(ts),
                               agent_name=agent_name)

    def __getattr__(self, name):
        return getattr(self.desk, name)


@pytest.fixture(params=["sqlite", "postgresql"])
def desk_db(request, migrated_database):
    return migrated_database(request.param)


@pytest.fixture
def desk(desk_db):
    desk = SlackThreads(SupportDesk(desk_db))
    assert desk.open(CHANNEL, OPENED, "UCUST") is Happened.OPENED
    return desk


def ticket_row(db):
    with db.connect() as connection:
        return connection.execute(sa.select(tickets).where(tickets.c.source == "slack")).one()


def test_a_customers_message_opens_a_ticket_of_the_channels_team_and_tier(desk, desk_db):
    row = ticket_row(desk_db)
    assert (row.id, row.created_at, row.status, row.channel) == (
        f"CHELP-{OPENED}", T0, "new", "slack")
    assert (row.team, row.tier, row.customer, row.priority) == ("billing", 2, "UCUST", "normal")
    assert (row.slack_channel, row.slack_thread_ts) == ("CHELP", OPENED)
    assert (row.agent_replies, row.customer_messages, row.reopens, row.escalated) == (0, 1, 0, False)
    assert desk.open(CHANNEL, OPENED, "UCUST") is Happened.NOTHING  # Slack delivered it twice


def test_the_earliest_agent_reply_is_the_first_response_in_any_order(desk, desk_db):
    later, earlier = ts(600), ts(300)
    assert desk.reply("CHELP", OPENED, later, "UAGENT", Role.AGENT,
                      agent_name="Asha Rao") is Happened.FIRST_RESPONSE
    assert desk.reply("CHELP", OPENED, earlier, "UAGENT2", Role.AGENT,
                      agent_name="Ben Okafor") is Happened.COUNTED
    row = ticket_row(desk_db)
    assert row.first_response_at == T0 + timedelta(seconds=300)
    assert (row.agent_replies, row.status, row.agent) == (2, "open", "Ben Okafor")
    with desk_db.connect() as connection:
        agents = connection.execute(sa.select(dimension_values.c.value).where(
            dimension_values.c.dimension == "agent")).scalars().all()
    assert sorted(agents) == ["Asha Rao", "Ben Okafor"]  # askable by name


def test_each_message_counts_once(desk, desk_db):
    for _ in range(3):
        desk.reply("CHELP", OPENED, ts(60), "UCUST", Role.CUSTOMER)
    assert ticket_row(desk_db).customer_messages == 2
    assert desk.reply("CHELP", "1.000001", ts(61), "UCUST", Role.CUSTOMER) is Happened.NO_TICKET


def test_a_resolve_on_any_message_of_the_thread_solves_it_once(desk, desk_db):
    desk.reply("CHELP", OPENED, ts(300), "UAGENT", Role.AGENT, agent_name="Asha Rao")
    happened, ticket = desk.solve("CHELP", ts(300), T0 + timedelta(hours=1),
                                  agent_name="Chen Wei")
    assert happened is Happened.SOLVED and ticket.customer == "UCUST"
    row = ticket_row(desk_db)
    assert (row.status, row.solved_at, row.agent) == ("solved", T0 + timedelta(hours=1), "Chen Wei")
    again, _ = desk.solve("CHELP", OPENED, T0 + timedelta(hours=2))
    assert again is Happened.NOTHING and ticket_row(desk_db).solved_at == T0 + timedelta(hours=1)
    assert desk.solve("CHELP", "1.000001", T0)[0] is Happened.NOTHING  # not a support thread


def test_a_customer_message_after_the_solve_reopens_and_counts_it(desk, desk_db):
    desk.reply("CHELP", OPENED, ts(300), "UAGENT", Role.AGENT, agent_name="Asha Rao")
    desk.solve("CHELP", OPENED, T0 + timedelta(hours=1))
    assert desk.reply("CHELP", OPENED, ts(7200), "UCUST", Role.CUSTOMER) is Happened.REOPENED
    row = ticket_row(desk_db)
    assert (row.status, row.solved_at, row.reopens, row.customer_messages) == ("open", None, 1, 2)
    desk.solve("CHELP", OPENED, T0 + timedelta(hours=3))
    row = ticket_row(desk_db)
    assert (row.status, row.solved_at, row.reopens) == ("solved", T0 + timedelta(hours=3), 1)


def test_an_escalation_marks_the_ticket_once(desk, desk_db):
    assert desk.escalate("CHELP", OPENED) is Happened.ESCALATED
    assert desk.escalate("CHELP", OPENED) is Happened.NOTHING
    assert ticket_row(desk_db).escalated is True


def test_the_kpis_read_a_slack_conversation_like_any_ticket(desk, desk_db):
    # opened 08:00, first agent reply 08:05, solved 09:00 with one agent reply: FCR
    desk.reply("CHELP", OPENED, ts(300), "UAGENT", Role.AGENT, agent_name="Asha Rao")
    desk.solve("CHELP", OPENED, T0 + timedelta(hours=1))
    engine = KpiEngine(desk_db, make_settings(now=T0 + timedelta(hours=2)))
    today = Period(start=T0.replace(hour=0, microsecond=0), end=T0 + timedelta(hours=2),
                   label="today", kind=PeriodKind.RANGE)
    frt = engine.run(KpiQuery(metric="frt", period=today))
    assert (frt.value, frt.n) == (300.0, 1)
    fcr = engine.run(KpiQuery(metric="fcr", period=today))
    assert (fcr.value, fcr.n) == (1.0, 1)
    billing = engine.run(KpiQuery(metric="resolved", period=today, filters=(
        Filter(dimension=Dimension.TEAM, values=("billing",)),)))
    assert billing.n == 1


def test_support_channels_are_added_changed_and_removed(desk_db):
    store = SupportChannels(desk_db, lambda: T0)
    store.add(SupportChannel(channel_id="C1"))
    store.add(SupportChannel(channel_id="C2", team="technical", tier=3))
    store.add(SupportChannel(channel_id="C1", team="billing"))
    assert store.all() == [SupportChannel(channel_id="C1", team="billing", tier=1),
                           SupportChannel(channel_id="C2", team="technical", tier=3)]
    assert store.remove("C2") and not store.remove("C2")
    assert store.get("C2") is None and store.get("C1").team == "billing"
