"""The question frames and shapes support leads use, and misspellings in every vocabulary:
question → the KpiQuery it means, every expected value written out by hand.

Frames: the KPI from what is asked about with how it is asked (how long / how many / what
share). Shapes: rankings of one ("who …", "the slowest team"), comparisons of two values,
thresholds, exclusions, "right now", a statistic as the value, tags and teams as modifiers,
weekday and to-date periods.

Clock (conftest.py): NOW = Sunday 2026-11-22 14:05 UTC, weeks from Monday; agents Asha Rao,
Sam Lee, Sam Ortiz, Priya Nair, Diego Alvarez, Mei Chen, Tom Becker; teams billing, technical,
accounts, onboarding; tags refund, bug, complaint, outage, vip.
"""

from __future__ import annotations

import pytest

from kpi_engine.errors import UserError

from .hand_periods import (
    LAST_2_WEEKS,
    LAST_7_DAYS,
    LAST_30_DAYS,
    LAST_MONTH,
    LAST_WEEK,
    NOW,
    OCTOBER,
    THIS_MONTH,
    THIS_QUARTER,
    THIS_WEEK,
    THIS_YEAR,
    TODAY,
    YESTERDAY,
    utc,
)

ON_FRIDAY = (utc(2026, 11, 20), utc(2026, 11, 21))
LAST_TUESDAY = (utc(2026, 11, 17), utc(2026, 11, 18))  # the most recent Tuesday before today
THIS_WEEKEND = (utc(2026, 11, 21), NOW)  # a Sunday: Saturday 00:00 up to now
LAST_3_MONTHS = (utc(2026, 8, 22, 14, 5), NOW)  # the same day and time three months back
WEEK_OF_NOV_2 = (utc(2026, 11, 2), utc(2026, 11, 9))
DEFAULT = object()


def Q(text: str, metric: str, period=DEFAULT, **fields):
    expected = dict(metric=metric, **fields)
    if period is DEFAULT:
        expected.update(period=LAST_7_DAYS, default_period=True)
    else:
        expected.update(period=period, default_period=False)
    return pytest.param(text, expected, id=text)


CASES = [
    # ------------------------------------------------------------ frames: how long / many / share
    Q("how long does it take us to close tickets in billing last week?", "resolution_time",
      LAST_WEEK, filters={"team": {"billing"}}),
    Q("how fast are we replying to chats this week?", "frt", THIS_WEEK,
      filters={"channel": {"chat"}}),
    Q("how quickly do we answer emails", "frt", filters={"channel": {"email"}}),
    Q("time to close for tier 2 last month", "resolution_time", LAST_MONTH,
      filters={"tier": {"2"}}),
    Q("how long are calls on hold this month", "hold_time", THIS_MONTH,
      filters={"channel": {"phone"}}),
    Q("how long do we spend handling tickets yesterday", "aht", YESTERDAY),
    Q("how many tickets came in yesterday", "ticket_volume", YESTERDAY),
    Q("number of new tickets this week", "ticket_volume", THIS_WEEK),
    Q("how many tickets did we close last week", "resolved", LAST_WEEK),
    Q("how many did Mei solve this week", "resolved", THIS_WEEK,
      filters={"agent": {"Mei Chen"}}),
    Q("how many tickets are waiting right now", "backlog", TODAY),
    Q("how many escalations last month", "escalations", LAST_MONTH),
    Q("how many tickets got escalated yesterday", "escalations", YESTERDAY),
    Q("how many reopens this week", "reopened", THIS_WEEK),
    Q("how many complaints in October", "complaints", OCTOBER),
    Q("what % of tickets did we answer last week", "response_rate", LAST_WEEK),
    Q("percentage of tickets answered within SLA this month", "service_level", THIS_MONTH),
    Q("how often do we resolve on first contact", "fcr"),
    Q("share of tickets escalated yesterday", "escalation_rate", YESTERDAY),
    Q("how often are tickets reopened this month", "reopen_rate", THIS_MONTH),
    Q("what share of tickets are complaints", "complaint_rate"),
    Q("are customers happy this month", "csat", THIS_MONTH),
    Q("how easy was it for customers last week", "ces", LAST_WEEK),
    Q("would customers recommend us this quarter", "nps", THIS_QUARTER),
    Q("how many messages does it take to solve a ticket on chat", "contacts_to_resolution",
      filters={"channel": {"chat"}}),
    Q("what share of solved tickets didn't come back in October", "nia", OCTOBER),
    # ------------------------------------------------------------ rankings
    Q("who closed the most tickets yesterday?", "resolved", YESTERDAY, group_by=("agent",),
      limit=1),
    Q("which team had the lowest FCR in October", "fcr", OCTOBER, group_by=("team",), limit=1,
      worst_first=True),
    Q("team with lowest fcr in october", "fcr", OCTOBER, group_by=("team",), limit=1,
      worst_first=True),
    Q("slowest team on FRT this month", "frt", THIS_MONTH, group_by=("team",), limit=1,
      worst_first=True),
    Q("which channel resolves fastest", "resolution_time", group_by=("channel",), limit=1),
    Q("agents with the highest escalation rate, top 3", "escalation_rate",
      group_by=("agent",), limit=3, worst_first=True),
    # ------------------------------------------------------------ comparing two values
    Q("compare tier 1 and tier 2 FCR last week", "fcr", LAST_WEEK,
      filters={"tier": {"1", "2"}}, group_by=("tier",)),
    Q("chat vs email CSAT last 30 days", "csat", LAST_30_DAYS,
      filters={"channel": {"chat", "email"}}, group_by=("channel",)),
    Q("FRT for Asha vs Priya this week", "frt", THIS_WEEK,
      filters={"agent": {"Asha Rao", "Priya Nair"}}, group_by=("agent",)),
    Q("compare the two Sams on CSAT", "csat", filters={"agent": {"Sam Lee", "Sam Ortiz"}},
      group_by=("agent",), assumption=("Sam Lee", "Sam Ortiz")),
    # ------------------------------------------------------------ thresholds
    Q("agents with CSAT under 80% last month", "csat", LAST_MONTH, group_by=("agent",),
      threshold=("<", 0.8)),
    Q("teams with FRT over 2 hours this week", "frt", THIS_WEEK, group_by=("team",),
      threshold=(">", 7200)),
    Q("agents who closed more than 50 tickets last month", "resolved", LAST_MONTH,
      group_by=("agent",), threshold=(">", 50)),
    Q("channels with reopen rate above 10%", "reopen_rate", group_by=("channel",),
      threshold=(">", 0.1)),
    Q("agents with handle time over 15 min", "aht", group_by=("agent",),
      threshold=(">", 900)),
    Q("teams with NPS under 30", "nps", group_by=("team",), threshold=("<", 30)),
    # ------------------------------------------------------------ exclusions
    Q("FCR excluding chat last week", "fcr", LAST_WEEK, exclude={"channel": {"chat"}}),
    Q("CSAT except tier 1 this month", "csat", THIS_MONTH, exclude={"tier": {"1"}}),
    Q("resolution time other than billing", "resolution_time", exclude={"team": {"billing"}}),
    Q("NIA excluding refund tickets", "nia", exclude={"tag": {"refund"}}),
    Q("backlog for tier 2 excluding urgent and high", "backlog", filters={"tier": {"2"}},
      exclude={"priority": {"urgent", "high"}}),
    Q("mean resolution time on phone, not the median", "resolution_time",
      filters={"channel": {"phone"}}),
    # ------------------------------------------------------------ levels now, statistics
    Q("backlog right now", "backlog", TODAY),
    Q("how many open tickets does billing have currently", "backlog", TODAY,
      filters={"team": {"billing"}}),
    Q("median FRT on email last week", "frt", LAST_WEEK, filters={"channel": {"email"}},
      statistic="median"),
    Q("typical time to resolve this month", "resolution_time", THIS_MONTH,
      statistic="median"),
    Q("p90 first response time yesterday", "frt", YESTERDAY, statistic="p90"),
    Q("90th percentile handle time", "aht", statistic="p90"),
    Q("avg resolution time last week", "resolution_time", LAST_WEEK),
    # ------------------------------------------------------------ tags and teams as modifiers
    Q("refund tickets last 30 days", "ticket_volume", LAST_30_DAYS,
      filters={"tag": {"refund"}}),
    Q("how many refund tickets this month", "ticket_volume", THIS_MONTH,
      filters={"tag": {"refund"}}),
    Q("billing tickets this week", "ticket_volume", THIS_WEEK, filters={"team": {"billing"}}),
    Q("CSAT for complaint tickets", "csat", filters={"tag": {"complaint"}}),
    Q("avg response time for high and urgent tickets", "frt",
      filters={"priority": {"high", "urgent"}}),
    # ------------------------------------------------------------ weekdays and to-date periods
    Q("CSAT on Friday", "csat", ON_FRIDAY),
    Q("FCR since Monday", "fcr", THIS_WEEK),
    Q("volume last Tuesday", "ticket_volume", LAST_TUESDAY),
    Q("backlog over the weekend", "backlog", THIS_WEEKEND),
    Q("CSAT MTD", "csat", THIS_MONTH),
    Q("NPS QTD", "nps", THIS_QUARTER),
    Q("FCR YTD", "fcr", THIS_YEAR),
    Q("volume WTD", "ticket_volume", THIS_WEEK),
    Q("CSAT last 2 weeks", "csat", LAST_2_WEEKS),
    Q("resolution time last 3 months", "resolution_time", LAST_3_MONTHS),
    Q("how many tickets the week of nov 2", "ticket_volume", WEEK_OF_NOV_2),
    Q("CSAT by week since the start of the quarter", "csat", THIS_QUARTER, trend="week"),
    # ------------------------------------------------------------ misspellings, every vocabulary
    Q("escalaton rate for tier 1 yestrday", "escalation_rate", YESTERDAY,
      filters={"tier": {"1"}}, assumption=("escalaton",)),
    Q("csat last wek", "csat", LAST_WEEK, assumption=("wek", "week")),
    Q("avg resolutoin time this mnth", "resolution_time", THIS_MONTH,
      assumption=("mnth", "month")),
    Q("fcr in octobr", "fcr", OCTOBER, assumption=("octobr", "october")),
    Q("volume on firday", "ticket_volume", ON_FRIDAY, assumption=("firday", "friday")),
    Q("csat by chanel last week", "csat", LAST_WEEK, group_by=("channel",),
      assumption=("chanel",)),
    Q("fcr per agnet last week", "fcr", LAST_WEEK, group_by=("agent",), assumption=("agnet",)),
    Q("fcr for billng last week", "fcr", LAST_WEEK, filters={"team": {"billing"}},
      assumption=("billng",)),
    Q("csat on emial last week", "csat", LAST_WEEK, filters={"channel": {"email"}},
      assumption=("emial",)),
    Q("refnd tickets last week", "ticket_volume", LAST_WEEK, filters={"tag": {"refund"}},
      assumption=("refnd",)),
    Q("how mnay tickets came in yesterday", "ticket_volume", YESTERDAY,
      assumption=("mnay",)),
    Q("percentge of tickets answered last week", "response_rate", LAST_WEEK,
      assumption=("percentge",)),
    Q("medain frt last week", "frt", LAST_WEEK, statistic="median", assumption=("medain",)),
    Q("fcr exluding chat last week", "fcr", LAST_WEEK, exclude={"channel": {"chat"}},
      assumption=("exluding",)),
    Q("csta for billing yesterday", "csat", YESTERDAY, filters={"team": {"billing"}},
      assumption=("csta",)),
]

ASKED_BACK = [
    "how is bob doing on csat",  # not an agent
    "revenue last month",  # not something kpibot holds
    "how many enterprise accounts opened tickets last week",
    "how's my team's csat",  # which team?
    "how is Sam doing on CSAT",  # two agents are called Sam
    "reopen ticket 4521",  # an action, and a stray number
    "close all tickets older than 30 days",
    "export all tickets to csv",
    "how many agents are online right now",
    "cost per ticket this quarter",
    "what % of tickets",  # a share of what?
]


def test_there_are_enough_rows():
    assert len(CASES) >= 80


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_reads(text, expected, read_question, workspace, expect):
    expect(read_question(text, workspace), **expected)


@pytest.mark.parametrize("text", ASKED_BACK)
def test_asks_back_or_refuses(text, read_question, workspace, refusal):
    with pytest.raises(UserError) as raised:
        read_question(text, workspace)
    refusal(raised.value)
