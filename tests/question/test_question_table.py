"""The offline reader, table-driven: one plain-language question -> the KpiQuery it means.

Every expected value is written out by hand from the reader's spec (never computed by the
code under test). The clock is NOW = Sunday 2026-11-22 14:05 UTC, weeks start on Monday:
this week began Mon 16 Nov, last week is 9–15 Nov, the week before last 2–8 Nov; Q4 began on
Thu 1 Oct. In Europe/Berlin (CET, UTC+1 since 25 Oct; CEST, UTC+2 before) NOW is 15:05; in
America/New_York (EST, UTC−5 since 02:00 on Sun 1 Nov; EDT, UTC−4 before) NOW is 09:05 — so
New York's local midnight of 1 Nov is still EDT, 04:00 UTC.

Each case checks every field (metric, period, the whole filter dict, group_by, compare,
previous, limit, worst_first, percentiles) and whether the "no period given: last 7 days"
assumption is there (only when the question names no period).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

NOW = datetime(2026, 11, 22, 14, 5, tzinfo=timezone.utc)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


def off(hours: int, *parts: int) -> datetime:
    """A local wall time at a fixed UTC offset (worked out by hand for the zone and date)."""
    return datetime(*parts, tzinfo=timezone(timedelta(hours=hours)))


# --- periods at NOW, UTC, by hand ------------------------------------------------------------
DEFAULT = object()  # the question names no period: last 7 days + the assumption
LAST_7_DAYS = (utc(2026, 11, 15, 14, 5), NOW)
TODAY = (utc(2026, 11, 22), NOW)  # today so far, as kpibot kpi --period today (test_periods)
YESTERDAY = (utc(2026, 11, 21), utc(2026, 11, 22))
THIS_WEEK = (utc(2026, 11, 16), NOW)
LAST_WEEK = (utc(2026, 11, 9), utc(2026, 11, 16))
WEEK_BEFORE_LAST = (utc(2026, 11, 2), utc(2026, 11, 9))
THIS_MONTH = (utc(2026, 11, 1), NOW)
LAST_MONTH = (utc(2026, 10, 1), utc(2026, 11, 1))
OCTOBER = LAST_MONTH
SEPTEMBER = (utc(2026, 9, 1), utc(2026, 10, 1))
LAST_30_DAYS = (utc(2026, 10, 23, 14, 5), NOW)
PAST_24_HOURS = (utc(2026, 11, 21, 14, 5), NOW)
PAST_FORTNIGHT = (utc(2026, 11, 8, 14, 5), NOW)
Q2 = (utc(2026, 4, 1), utc(2026, 7, 1))
Q3 = (utc(2026, 7, 1), utc(2026, 10, 1))
LAST_QUARTER = Q3
THIS_QUARTER = (utc(2026, 10, 1), NOW)
THIS_YEAR = (utc(2026, 1, 1), NOW)
YEAR_2025 = (utc(2025, 1, 1), utc(2026, 1, 1))
LAST_YEAR = YEAR_2025
SINCE_NOV_1 = (utc(2026, 11, 1), NOW)
OCT_1_TO_15 = (utc(2026, 10, 1), utc(2026, 10, 16))
ON_MONDAY = (utc(2026, 11, 16), utc(2026, 11, 17))

# --- Europe/Berlin (CET +1 in November, CEST +2 until 25 Oct) ----------------------------------
BERLIN = "Europe/Berlin"
BER_YESTERDAY = (off(1, 2026, 11, 21), off(1, 2026, 11, 22))
BER_LAST_WEEK = (off(1, 2026, 11, 9), off(1, 2026, 11, 16))
BER_THIS_WEEK = (off(1, 2026, 11, 16), NOW)
BER_THIS_MONTH = (off(1, 2026, 11, 1), NOW)
BER_LAST_MONTH = (off(2, 2026, 10, 1), off(1, 2026, 11, 1))
BER_ON_MONDAY = (off(1, 2026, 11, 16), off(1, 2026, 11, 17))
BER_Q3 = (off(2, 2026, 7, 1), off(2, 2026, 10, 1))
BER_2025 = (off(1, 2025, 1, 1), off(1, 2026, 1, 1))
BER_SINCE_NOV_1 = BER_THIS_MONTH

# --- America/New_York (EST −5 since 1 Nov 02:00, EDT −4 before) ------------------------------
NEW_YORK = "America/New_York"
NY_YESTERDAY = (off(-5, 2026, 11, 21), off(-5, 2026, 11, 22))
NY_THIS_WEEK = (off(-5, 2026, 11, 16), NOW)
NY_LAST_WEEK = (off(-5, 2026, 11, 9), off(-5, 2026, 11, 16))
NY_THIS_MONTH = (off(-4, 2026, 11, 1), NOW)  # midnight of 1 Nov is before the 02:00 switch
NY_LAST_MONTH = (off(-4, 2026, 10, 1), off(-4, 2026, 11, 1))
NY_ON_MONDAY = (off(-5, 2026, 11, 16), off(-5, 2026, 11, 17))
NY_2025 = (off(-5, 2025, 1, 1), off(-5, 2026, 1, 1))
NY_SINCE_NOV_1 = NY_THIS_MONTH


_IDS: set[str] = set()


def _make_id(text: str) -> str:
    shown = re.sub(r"[^0-9A-Za-z#@.+\-–]+", "_", text).strip("_")[:70] or "blank"
    return shown


def Q(text: str, metric: str, period=DEFAULT, *, id: str | None = None, tz: str = "UTC",
      **fields):
    """One row: the question, its zone, and the expected query (unsaid fields: defaults)."""
    expected = dict(metric=metric, **fields)
    if period is DEFAULT:
        expected["period"] = LAST_7_DAYS
        expected["default_period"] = True
    else:
        expected["period"] = period
        expected["default_period"] = False
    case_id = id or _make_id(text)
    if tz != "UTC":
        case_id = f"{tz.split('/')[-1]}:{case_id}"
    assert case_id not in _IDS, f"duplicate case id {case_id}"
    _IDS.add(case_id)
    return pytest.param(text, tz, expected, id=case_id)


T1 = {"tier": {"1"}}

CASES = [
    # ---------------------------------------------------------------- metric names & synonyms
    Q("what was FCR last week?", "fcr", LAST_WEEK),
    Q("first contact resolution last week", "fcr", LAST_WEEK),
    Q("First Call Resolution yesterday", "fcr", YESTERDAY),
    Q("one-touch resolution this month", "fcr", THIS_MONTH),
    Q("one touch resolution in October", "fcr", OCTOBER),
    Q("first time resolution last month", "fcr", LAST_MONTH),
    Q("CSAT last week", "csat", LAST_WEEK),
    Q("customer satisfaction this week", "csat", THIS_WEEK),
    Q("satisfaction score last month", "csat", LAST_MONTH),
    Q("customer satisfaction score in Q3", "csat", Q3),
    Q("how was satisfaction yesterday?", "csat", YESTERDAY),
    Q("CES last month", "ces", LAST_MONTH),
    Q("customer effort score this quarter", "ces", THIS_QUARTER),
    Q("effort score last week", "ces", LAST_WEEK),
    Q("NPS this year", "nps", THIS_YEAR),
    Q("net promoter score last quarter", "nps", LAST_QUARTER),
    Q("promoter score in 2025", "nps", YEAR_2025),
    Q("frt last week", "frt", LAST_WEEK),
    Q("first response time yesterday", "frt", YESTERDAY),
    Q("time to first reply this week", "frt", THIS_WEEK),
    Q("first reply time last 30 days", "frt", LAST_30_DAYS),
    Q("time to first response in the past 24 hours", "frt", PAST_24_HOURS),
    Q("response time last month", "frt", LAST_MONTH),
    Q("resolution time last week", "resolution_time", LAST_WEEK),
    Q("average resolution time in October", "resolution_time", OCTOBER),
    Q("time to resolve this month", "resolution_time", THIS_MONTH),
    Q("time to resolution last quarter", "resolution_time", LAST_QUARTER),
    Q("ART last week", "resolution_time", LAST_WEEK),
    Q("full resolution time since Nov 1", "resolution_time", SINCE_NOV_1),
    Q("AHT last week", "aht", LAST_WEEK),
    Q("average handle time this week", "aht", THIS_WEEK),
    Q("handling time yesterday", "aht", YESTERDAY),
    Q("handle time in September", "aht", SEPTEMBER),
    Q("hold time last week", "hold_time", LAST_WEEK),
    Q("average hold time last month", "hold_time", LAST_MONTH),
    Q("time on hold this month", "hold_time", THIS_MONTH),
    Q("contacts to resolution last week", "contacts_to_resolution", LAST_WEEK),
    Q("messages to resolution in October", "contacts_to_resolution", OCTOBER),
    Q("contacts per resolution this quarter", "contacts_to_resolution", THIS_QUARTER),
    Q("reopen rate last week", "reopen_rate", LAST_WEEK),
    Q("reopens this month", "reopen_rate", THIS_MONTH),
    Q("reopened tickets yesterday", "reopen_rate", YESTERDAY),
    Q("escalation rate last week", "escalation_rate", LAST_WEEK),
    Q("escalations in October", "escalation_rate", OCTOBER),
    Q("escalated tickets this month", "escalation_rate", THIS_MONTH),
    Q("response rate last week", "response_rate", LAST_WEEK),
    Q("reply rate this month", "response_rate", THIS_MONTH),
    Q("answer rate yesterday", "response_rate", YESTERDAY),
    Q("service level last week", "service_level", LAST_WEEK),
    Q("SLA attainment this month", "service_level", THIS_MONTH),
    Q("SLA compliance in Q3", "service_level", Q3),
    Q("next issue avoidance last month", "nia", LAST_MONTH),
    Q("NIA this quarter", "nia", THIS_QUARTER),
    Q("repeat contact avoidance in October", "nia", OCTOBER),
    Q("complaint rate last week", "complaint_rate", LAST_WEEK),
    Q("complaints this month", "complaint_rate", THIS_MONTH),
    Q("complaint share in 2025", "complaint_rate", YEAR_2025),
    Q("survey response rate last month", "survey_response_rate", LAST_MONTH),
    Q("survey responses this week", "survey_response_rate", THIS_WEEK),
    Q("response rate of surveys in October", "survey_response_rate", OCTOBER),
    Q("survey rate last week", "survey_response_rate", LAST_WEEK),
    Q("backlog yesterday", "backlog", YESTERDAY),
    Q("open tickets this week", "backlog", THIS_WEEK),
    Q("unresolved tickets last week", "backlog", LAST_WEEK),
    Q("active issues this month", "backlog", THIS_MONTH),
    Q("how big was the queue last week?", "backlog", LAST_WEEK),
    Q("open issues in October", "backlog", OCTOBER),
    Q("ticket volume last week", "ticket_volume", LAST_WEEK),
    Q("how many tickets last week", "ticket_volume", LAST_WEEK),
    Q("new tickets yesterday", "ticket_volume", YESTERDAY),
    Q("incoming tickets this week", "ticket_volume", THIS_WEEK),
    Q("tickets created in October", "ticket_volume", OCTOBER),
    Q("volume last month", "ticket_volume", LAST_MONTH),
    Q("how many tickets did we get this month", "ticket_volume", THIS_MONTH),
    Q("resolved tickets last week", "resolved", LAST_WEEK),
    Q("how many tickets did Asha resolve last week", "resolved", LAST_WEEK,
      filters={"agent": {"Asha Rao"}}),
    Q("how many tickets did we solve yesterday", "resolved", YESTERDAY),
    Q("how many tickets were closed this month", "resolved", THIS_MONTH),
    Q("tickets solved in October", "resolved", OCTOBER),
    Q("closed tickets last week", "resolved", LAST_WEEK),
    Q("how many tickets did billing close last month", "resolved", LAST_MONTH,
      filters={"team": {"billing"}}),

    # ---------------------------------------------------------------- misspelt KPI names
    Q("frist response time last week", "frt", LAST_WEEK),
    Q("custmer satisfaction this month", "csat", THIS_MONTH),
    Q("escalaton rate last week", "escalation_rate", LAST_WEEK),
    Q("resolusion time in October", "resolution_time", OCTOBER),
    Q("nett promoter score last quarter", "nps", LAST_QUARTER),
    Q("reopne rate this week", "reopen_rate", THIS_WEEK),
    Q("first contact resolutoin last week", "fcr", LAST_WEEK),
    Q("servce level yesterday", "service_level", YESTERDAY),
    Q("avrage handle time last week", "aht", LAST_WEEK),
    Q("complant rate this month", "complaint_rate", THIS_MONTH),
    Q("first responce time last month", "frt", LAST_MONTH),
    Q("custommer effort score last week", "ces", LAST_WEEK),
    Q("survey reponse rate last month", "survey_response_rate", LAST_MONTH),
    Q("next isue avoidance this quarter", "nia", THIS_QUARTER),
    Q("escalation rte by team last week", "escalation_rate", LAST_WEEK, group_by=("team",)),

    # ---------------------------------------------------------------- misspelt agents / teams
    Q("CSAT for Ahsa last week", "csat", LAST_WEEK, filters={"agent": {"Asha Rao"}}),
    Q("FCR in biling last month", "fcr", LAST_MONTH, filters={"team": {"billing"}}),
    Q("AHT for the tecnical team yesterday", "aht", YESTERDAY,
      filters={"team": {"technical"}}),
    Q("backlog for the onbording team", "backlog", filters={"team": {"onboarding"}}),
    Q("FRT for Diega last week", "frt", LAST_WEEK, filters={"agent": {"Diego Alvarez"}}),
    Q("resolution time for Priya Nari last month", "resolution_time", LAST_MONTH,
      filters={"agent": {"Priya Nair"}}),

    # ---------------------------------------------------------------- periods (UTC)
    Q("CSAT today", "csat", TODAY, id="CSAT_today"),
    Q("ticket volume today", "ticket_volume", TODAY, id="ticket_volume_today"),
    Q("FCR yesterday", "fcr", YESTERDAY),
    Q("frt this week", "frt", THIS_WEEK),
    Q("CSAT last wk", "csat", LAST_WEEK),
    Q("NPS previous week", "nps", LAST_WEEK),
    Q("FCR the week before last", "fcr", WEEK_BEFORE_LAST),
    Q("AHT two weeks ago", "aht", WEEK_BEFORE_LAST),
    Q("CSAT so far this month", "csat", THIS_MONTH),
    Q("resolved tickets month to date", "resolved", THIS_MONTH),
    Q("escalation rate MTD", "escalation_rate", THIS_MONTH),
    Q("backlog last month", "backlog", LAST_MONTH),
    Q("FRT last 30 days", "frt", LAST_30_DAYS),
    Q("ticket volume in the past 24 hours", "ticket_volume", PAST_24_HOURS),
    Q("reopen rate past fortnight", "reopen_rate", PAST_FORTNIGHT),
    Q("CSAT last 7 days", "csat", LAST_7_DAYS),  # named: no "no period given" assumption
    Q("FCR in October", "fcr", OCTOBER),
    Q("AHT in Q3", "aht", Q3),
    Q("NPS in 2025", "nps", YEAR_2025),
    Q("service level this quarter", "service_level", THIS_QUARTER),
    Q("CES last quarter", "ces", LAST_QUARTER),
    Q("complaint rate this year", "complaint_rate", THIS_YEAR),
    Q("ticket volume last year", "ticket_volume", LAST_YEAR),
    Q("CSAT since Nov 1", "csat", SINCE_NOV_1),
    Q("FRT between Oct 1 and Oct 15", "frt", OCT_1_TO_15),
    Q("FCR Oct 1–15", "fcr", OCT_1_TO_15, id="FCR_Oct_1-15_en-dash"),
    Q("FCR Oct 1-15", "fcr", OCT_1_TO_15, id="FCR_Oct_1-15_hyphen"),
    Q("backlog on Monday", "backlog", ON_MONDAY),
    Q("resolution time in September", "resolution_time", SEPTEMBER),
    Q("hold time in the last 30 days", "hold_time", LAST_30_DAYS),
    Q("NPS over the last 30 days", "nps", LAST_30_DAYS),

    # ---------------------------------------------------------------- no period: the default
    Q("FCR", "fcr"),
    Q("what's our CSAT?", "csat"),
    Q("backlog", "backlog"),
    Q("how many tickets?", "ticket_volume"),
    Q("frt for tier 1", "frt", filters=T1),
    Q("escalation rate on chat", "escalation_rate", filters={"channel": {"chat"}}),
    Q("NPS", "nps"),

    # ---------------------------------------------------------------- tiers
    Q("FCR last week for tier 1", "fcr", LAST_WEEK, filters=T1),
    Q("FCR for tier one last week", "fcr", LAST_WEEK, filters=T1),
    Q("FCR tier-1 last week", "fcr", LAST_WEEK, filters=T1),
    Q("FCR tier1 last week", "fcr", LAST_WEEK, filters=T1),
    Q("CSAT for L1 last month", "csat", LAST_MONTH, filters=T1),
    Q("AHT level 1 this week", "aht", THIS_WEEK, filters=T1),
    Q("FRT for tiers 1 and 2 last week", "frt", LAST_WEEK, filters={"tier": {"1", "2"}}),
    Q("FCR tier 1 or 2 last month", "fcr", LAST_MONTH, filters={"tier": {"1", "2"}}),
    Q("resolution time for tier 3 yesterday", "resolution_time", YESTERDAY,
      filters={"tier": {"3"}}),
    Q("Tier 2 CSAT this month", "csat", THIS_MONTH, filters={"tier": {"2"}}),
    Q("escalation rate for tier two last week", "escalation_rate", LAST_WEEK,
      filters={"tier": {"2"}}),
    Q("backlog level 2", "backlog", filters={"tier": {"2"}}),

    # ---------------------------------------------------------------- channels
    Q("FRT on chat last week", "frt", LAST_WEEK, filters={"channel": {"chat"}}),
    Q("CSAT for chats this month", "csat", THIS_MONTH, filters={"channel": {"chat"}}),
    Q("FCR via email last week", "fcr", LAST_WEEK, filters={"channel": {"email"}}),
    Q("resolution time for emails in October", "resolution_time", OCTOBER,
      filters={"channel": {"email"}}),
    Q("AHT on e-mail yesterday", "aht", YESTERDAY, filters={"channel": {"email"}}),
    Q("AHT on phone last week", "aht", LAST_WEEK, filters={"channel": {"phone"}}),
    Q("hold time for phone calls this month", "hold_time", THIS_MONTH,
      filters={"channel": {"phone"}}),
    Q("hold time on calls last week", "hold_time", LAST_WEEK, filters={"channel": {"phone"}}),
    Q("AHT for voice last month", "aht", LAST_MONTH, filters={"channel": {"phone"}}),
    Q("FRT on slack this week", "frt", THIS_WEEK, filters={"channel": {"slack"}}),
    Q("ticket volume on web last week", "ticket_volume", LAST_WEEK,
      filters={"channel": {"web"}}),
    Q("CSAT on social last month", "csat", LAST_MONTH, filters={"channel": {"social"}}),
    Q("FRT on chat and email last week", "frt", LAST_WEEK,
      filters={"channel": {"chat", "email"}}),
    Q("FCR via chat and email this month", "fcr", THIS_MONTH,
      filters={"channel": {"chat", "email"}}),
    Q("ticket volume on phone or email yesterday", "ticket_volume", YESTERDAY,
      filters={"channel": {"phone", "email"}}),

    # ---------------------------------------------------------------- priorities
    Q("FRT for urgent tickets last week", "frt", LAST_WEEK, filters={"priority": {"urgent"}}),
    Q("urgent backlog", "backlog", filters={"priority": {"urgent"}}),
    Q("resolution time high priority last month", "resolution_time", LAST_MONTH,
      filters={"priority": {"high"}}),
    Q("FRT for high-priority tickets this week", "frt", THIS_WEEK,
      filters={"priority": {"high"}}),
    Q("escalation rate priority high last week", "escalation_rate", LAST_WEEK,
      filters={"priority": {"high"}}),
    Q("AHT low priority in October", "aht", OCTOBER, filters={"priority": {"low"}}),
    Q("CSAT for normal priority last month", "csat", LAST_MONTH,
      filters={"priority": {"normal"}}),
    Q("FRT for urgent and high priority tickets last week", "frt", LAST_WEEK,
      filters={"priority": {"urgent", "high"}}),

    # ---------------------------------------------------------------- teams
    Q("CSAT in billing last week", "csat", LAST_WEEK, filters={"team": {"billing"}}),
    Q("FRT billing team this week", "frt", THIS_WEEK, filters={"team": {"billing"}}),
    Q("resolution time for the technical team last month", "resolution_time", LAST_MONTH,
      filters={"team": {"technical"}}),
    Q("Billing FCR last week", "fcr", LAST_WEEK, filters={"team": {"billing"}}),
    Q("backlog for onboarding", "backlog", filters={"team": {"onboarding"}}),
    Q("AHT for the accounts team yesterday", "aht", YESTERDAY,
      filters={"team": {"accounts"}}),
    Q("escalation rate in technical this month", "escalation_rate", THIS_MONTH,
      filters={"team": {"technical"}}),

    # ---------------------------------------------------------------- agents
    Q("CSAT for Asha Rao last week", "csat", LAST_WEEK, filters={"agent": {"Asha Rao"}}),
    Q("FCR for Asha last month", "fcr", LAST_MONTH, filters={"agent": {"Asha Rao"}}),
    Q("AHT for Priya this week", "aht", THIS_WEEK, filters={"agent": {"Priya Nair"}}),
    Q("resolution time for Diego in October", "resolution_time", OCTOBER,
      filters={"agent": {"Diego Alvarez"}}),
    Q("FRT for Mei last week", "frt", LAST_WEEK, filters={"agent": {"Mei Chen"}}),
    Q("CSAT for Tom last month", "csat", LAST_MONTH, filters={"agent": {"Tom Becker"}}),
    Q("hold time for Rao this month", "hold_time", THIS_MONTH,
      filters={"agent": {"Asha Rao"}}),
    Q("FCR for Sam last week", "fcr", LAST_WEEK, filters={"agent": {"Sam Lee", "Sam Ortiz"}},
      assumption=("Sam Lee", "Sam Ortiz")),
    Q("CSAT for Sam Lee yesterday", "csat", YESTERDAY, filters={"agent": {"Sam Lee"}}),
    Q("AHT for Ortiz last week", "aht", LAST_WEEK, filters={"agent": {"Sam Ortiz"}}),
    Q("how many tickets did Mei resolve this week", "resolved", THIS_WEEK,
      filters={"agent": {"Mei Chen"}}),
    Q("FRT for Nair last month", "frt", LAST_MONTH, filters={"agent": {"Priya Nair"}}),
    Q("CSAT for Becker last month", "csat", LAST_MONTH, filters={"agent": {"Tom Becker"}}),
    Q("FCR for Asha and Priya last week", "fcr", LAST_WEEK,
      filters={"agent": {"Asha Rao", "Priya Nair"}}),
    Q("asha rao csat last week", "csat", LAST_WEEK, filters={"agent": {"Asha Rao"}}),

    # ---------------------------------------------------------------- tags (only with a cue)
    Q("ticket volume tagged refund last week", "ticket_volume", LAST_WEEK,
      filters={"tag": {"refund"}}),
    Q("resolution time with tag bug this month", "resolution_time", THIS_MONTH,
      filters={"tag": {"bug"}}),
    Q("escalation rate #outage yesterday", "escalation_rate", YESTERDAY,
      filters={"tag": {"outage"}}),
    Q("CSAT with the vip tag last month", "csat", LAST_MONTH, filters={"tag": {"vip"}}),
    Q("FRT for tickets tagged bug last week", "frt", LAST_WEEK, filters={"tag": {"bug"}}),
    Q("backlog #refund", "backlog", filters={"tag": {"refund"}}),
    Q("ticket volume tagged outage in October", "ticket_volume", OCTOBER,
      filters={"tag": {"outage"}}),

    # ---------------------------------------------------------------- customers
    Q("ticket volume for customer jo@example.com last month", "ticket_volume", LAST_MONTH,
      filters={"customer": {"jo@example.com"}}),
    Q("CSAT for jo@example.com this year", "csat", THIS_YEAR,
      filters={"customer": {"jo@example.com"}}),
    Q("resolution time for customer max@acme.io last week", "resolution_time", LAST_WEEK,
      filters={"customer": {"max@acme.io"}}),

    # ---------------------------------------------------------------- survey kind
    Q("survey response rate for csat surveys last month", "survey_response_rate", LAST_MONTH,
      filters={"kind": {"csat"}}),
    Q("csat survey response rate last month", "survey_response_rate", LAST_MONTH,
      filters={"kind": {"csat"}}),
    Q("survey response rate by kind last month", "survey_response_rate", LAST_MONTH,
      group_by=("kind",)),
    Q("survey response rate by survey type this quarter", "survey_response_rate",
      THIS_QUARTER, group_by=("kind",)),
    Q("nps survey response rate this month", "survey_response_rate", THIS_MONTH,
      filters={"kind": {"nps"}}),

    # ---------------------------------------------------------------- several filters
    Q("FCR for tier 1 on chat last week", "fcr", LAST_WEEK,
      filters={"tier": {"1"}, "channel": {"chat"}}),
    Q("CSAT in billing for tier 2 this month", "csat", THIS_MONTH,
      filters={"team": {"billing"}, "tier": {"2"}}),
    Q("FRT for urgent tickets on email in technical yesterday", "frt", YESTERDAY,
      filters={"priority": {"urgent"}, "channel": {"email"}, "team": {"technical"}}),
    Q("AHT for Asha on phone last week", "aht", LAST_WEEK,
      filters={"agent": {"Asha Rao"}, "channel": {"phone"}}),
    Q("escalation rate for tier 1 tagged outage last month", "escalation_rate", LAST_MONTH,
      filters={"tier": {"1"}, "tag": {"outage"}}),
    Q("resolution time for high priority in billing by agent last month", "resolution_time",
      LAST_MONTH, filters={"priority": {"high"}, "team": {"billing"}}, group_by=("agent",)),
    Q("CSAT for tiers 1 and 2 via chat and email in October", "csat", OCTOBER,
      filters={"tier": {"1", "2"}, "channel": {"chat", "email"}}),

    # ---------------------------------------------------------------- breakdowns
    Q("CSAT by agent last week", "csat", LAST_WEEK, group_by=("agent",)),
    Q("FRT per team this month", "frt", THIS_MONTH, group_by=("team",)),
    Q("FCR for each channel last week", "fcr", LAST_WEEK, group_by=("channel",)),
    Q("ticket volume by tier and channel last month", "ticket_volume", LAST_MONTH,
      group_by=("tier", "channel")),
    Q("AHT across teams last week", "aht", LAST_WEEK, group_by=("team",)),
    Q("backlog broken down by priority", "backlog", group_by=("priority",)),
    Q("resolution time by channel and team in October", "resolution_time", OCTOBER,
      group_by=("channel", "team")),
    Q("NPS by tag this quarter", "nps", THIS_QUARTER, group_by=("tag",)),
    Q("escalation rate per agent yesterday", "escalation_rate", YESTERDAY,
      group_by=("agent",)),
    Q("hold time by priority last week", "hold_time", LAST_WEEK, group_by=("priority",)),
    Q("CSAT per tier this month", "csat", THIS_MONTH, group_by=("tier",)),
    Q("reopen rate for each team last month", "reopen_rate", LAST_MONTH, group_by=("team",)),
    Q("FCR by agent for tier 1 last week", "fcr", LAST_WEEK, filters=T1,
      group_by=("agent",)),
    Q("complaint rate by channel last week", "complaint_rate", LAST_WEEK,
      group_by=("channel",)),
    Q("service level by team and priority this week", "service_level", THIS_WEEK,
      group_by=("team", "priority")),
    Q("response rate by tier last month", "response_rate", LAST_MONTH, group_by=("tier",)),
    Q("CES by channel in Q3", "ces", Q3, group_by=("channel",)),
    Q("survey response rate by channel last month", "survey_response_rate", LAST_MONTH,
      group_by=("channel",)),
    Q("ticket volume by team", "ticket_volume", group_by=("team",)),
    Q("contacts to resolution by channel last month", "contacts_to_resolution", LAST_MONTH,
      group_by=("channel",)),
    Q("nia by team in October", "nia", OCTOBER, group_by=("team",)),
    Q("AHT by team", "aht", group_by=("team",)),

    # ---------------------------------------------------------------- ordering and limits
    Q("which agent had the best CSAT last week", "csat", LAST_WEEK, group_by=("agent",),
      limit=1),
    Q("which team had the worst FRT last month", "frt", LAST_MONTH, group_by=("team",),
      limit=1, worst_first=True),
    Q("which agents had the best CSAT last week", "csat", LAST_WEEK, group_by=("agent",)),
    Q("top 3 teams by resolution time in October", "resolution_time", OCTOBER,
      group_by=("team",), limit=3),
    Q("worst 5 agents by FCR last month", "fcr", LAST_MONTH, group_by=("agent",), limit=5,
      worst_first=True),
    Q("bottom 5 agents by FCR this month", "fcr", THIS_MONTH, group_by=("agent",), limit=5,
      worst_first=True),
    Q("top agents by CSAT last week", "csat", LAST_WEEK, group_by=("agent",), limit=5,
      assumption=("5",)),
    Q("which agent resolved the most tickets last week", "resolved", LAST_WEEK,
      group_by=("agent",), limit=1),
    Q("which team has the slowest first response time", "frt", group_by=("team",), limit=1,
      worst_first=True),
    Q("which team had the highest FRT last week", "frt", LAST_WEEK, group_by=("team",),
      limit=1, worst_first=True),
    Q("which team had the lowest FRT last week", "frt", LAST_WEEK, group_by=("team",),
      limit=1),
    Q("which agent has the fastest resolution time this month", "resolution_time",
      THIS_MONTH, group_by=("agent",), limit=1),
    Q("which agent had the longest handle time last week", "aht", LAST_WEEK,
      group_by=("agent",), limit=1, worst_first=True),
    Q("which team had the shortest hold time last month", "hold_time", LAST_MONTH,
      group_by=("team",), limit=1),
    Q("which team has the highest backlog", "backlog", group_by=("team",), limit=1,
      worst_first=True),
    Q("which team has the lowest backlog", "backlog", group_by=("team",), limit=1),
    Q("which team has the most open tickets", "backlog", group_by=("team",), limit=1,
      worst_first=True),
    Q("which channel had the highest reopen rate last month", "reopen_rate", LAST_MONTH,
      group_by=("channel",), limit=1, worst_first=True),
    Q("which team had the lowest escalation rate last week", "escalation_rate", LAST_WEEK,
      group_by=("team",), limit=1),
    Q("which channel has the highest complaint rate this month", "complaint_rate",
      THIS_MONTH, group_by=("channel",), limit=1, worst_first=True),
    Q("which agent had the highest contacts to resolution last week",
      "contacts_to_resolution", LAST_WEEK, group_by=("agent",), limit=1, worst_first=True),
    Q("which agent had the highest FCR last week", "fcr", LAST_WEEK, group_by=("agent",),
      limit=1),
    Q("which agent had the lowest FCR last week", "fcr", LAST_WEEK, group_by=("agent",),
      limit=1, worst_first=True),
    Q("which team had the highest CSAT this month", "csat", THIS_MONTH, group_by=("team",),
      limit=1),
    Q("which team had the lowest CES last month", "ces", LAST_MONTH, group_by=("team",),
      limit=1, worst_first=True),
    Q("which channel had the highest NPS in Q3", "nps", Q3, group_by=("channel",), limit=1),
    Q("which team had the lowest NIA in October", "nia", OCTOBER, group_by=("team",),
      limit=1, worst_first=True),
    Q("which agent solved the fewest tickets last week", "resolved", LAST_WEEK,
      group_by=("agent",), limit=1, worst_first=True),
    Q("which team had the lowest service level yesterday", "service_level", YESTERDAY,
      group_by=("team",), limit=1, worst_first=True),
    Q("which channel had the highest response rate last week", "response_rate", LAST_WEEK,
      group_by=("channel",), limit=1),
    Q("which channel had the lowest survey response rate last month",
      "survey_response_rate", LAST_MONTH, group_by=("channel",), limit=1, worst_first=True),
    Q("which team got the most tickets last week", "ticket_volume", LAST_WEEK,
      group_by=("team",), limit=1),
    Q("which channel had the fewest tickets this month", "ticket_volume", THIS_MONTH,
      group_by=("channel",), limit=1, worst_first=True),
    Q("top 3 agents by FCR last week", "fcr", LAST_WEEK, group_by=("agent",), limit=3),
    Q("top 10 agents by CSAT this quarter", "csat", THIS_QUARTER, group_by=("agent",),
      limit=10),
    Q("bottom 3 teams by CSAT last month", "csat", LAST_MONTH, group_by=("team",), limit=3,
      worst_first=True),
    Q("worst 3 channels by FRT last week", "frt", LAST_WEEK, group_by=("channel",), limit=3,
      worst_first=True),
    Q("top 5 teams by ticket volume in October", "ticket_volume", OCTOBER,
      group_by=("team",), limit=5),
    Q("top 3 agents by AHT last week", "aht", LAST_WEEK, group_by=("agent",), limit=3),
    Q("which agents had the lowest CSAT last month", "csat", LAST_MONTH, group_by=("agent",),
      worst_first=True),
    Q("which teams had the slowest FRT last week", "frt", LAST_WEEK, group_by=("team",),
      worst_first=True),
    Q("what teams had the best FCR last month", "fcr", LAST_MONTH, group_by=("team",)),
    Q("which agent had the worst CSAT last week", "csat", LAST_WEEK, group_by=("agent",),
      limit=1, worst_first=True),
    Q("which team had the best FRT last week", "frt", LAST_WEEK, group_by=("team",),
      limit=1),
    Q("which tier had the highest escalation rate last month", "escalation_rate", LAST_MONTH,
      group_by=("tier",), limit=1, worst_first=True),
    Q("which priority has the longest resolution time this month", "resolution_time",
      THIS_MONTH, group_by=("priority",), limit=1, worst_first=True),
    Q("which agent had the highest CSAT on chat last week", "csat", LAST_WEEK,
      filters={"channel": {"chat"}}, group_by=("agent",), limit=1),

    # ---------------------------------------------------------------- comparisons
    Q("FCR last week vs the week before last", "fcr", LAST_WEEK, compare=True,
      previous=WEEK_BEFORE_LAST),
    Q("CSAT this month vs last month", "csat", THIS_MONTH, compare=True, previous=LAST_MONTH),
    Q("FRT this week versus last week", "frt", THIS_WEEK, compare=True, previous=LAST_WEEK),
    Q("AHT this month compared to last month", "aht", THIS_MONTH, compare=True,
      previous=LAST_MONTH),
    Q("resolution time this quarter compared with last quarter", "resolution_time",
      THIS_QUARTER, compare=True, previous=LAST_QUARTER),
    Q("NPS in Q3 versus Q2", "nps", Q3, compare=True, previous=Q2),
    Q("FRT this week against last week", "frt", THIS_WEEK, compare=True, previous=LAST_WEEK),
    Q("how did CSAT change last week", "csat", LAST_WEEK, compare=True),
    Q("change in FCR last month", "fcr", LAST_MONTH, compare=True),
    Q("FCR last week, week over week", "fcr", LAST_WEEK, compare=True),
    Q("FCR last week vs the week before", "fcr", LAST_WEEK, compare=True),
    Q("CSAT last month vs previous period", "csat", LAST_MONTH, compare=True),
    Q("CSAT this month and last month", "csat", THIS_MONTH, compare=True,
      previous=LAST_MONTH),
    Q("CSAT last month vs this month", "csat", THIS_MONTH, compare=True, previous=LAST_MONTH),
    Q("FCR in September vs in October", "fcr", OCTOBER, compare=True, previous=SEPTEMBER),
    Q("backlog by team this week vs last week", "backlog", THIS_WEEK, group_by=("team",),
      compare=True, previous=LAST_WEEK),
    Q("how did FRT change this month vs last month", "frt", THIS_MONTH, compare=True,
      previous=LAST_MONTH),
    Q("CSAT by agent this month vs last month", "csat", THIS_MONTH, group_by=("agent",),
      compare=True, previous=LAST_MONTH),
    Q("how did reopen rate change in October", "reopen_rate", OCTOBER, compare=True),
    Q("change in ticket volume this week", "ticket_volume", THIS_WEEK, compare=True),
    Q("FCR for tier 1 last week vs the week before last", "fcr", LAST_WEEK, filters=T1,
      compare=True, previous=WEEK_BEFORE_LAST),
    Q("which team had the worst FRT last week vs the week before", "frt", LAST_WEEK,
      group_by=("team",), limit=1, worst_first=True, compare=True),
    Q("escalation rate this week compared to two weeks ago", "escalation_rate", THIS_WEEK,
      compare=True, previous=WEEK_BEFORE_LAST),

    # ---------------------------------------------------------------- percentiles
    Q("median FRT last week", "frt", LAST_WEEK, percentiles=True),
    Q("p90 resolution time this month", "resolution_time", THIS_MONTH, percentiles=True),
    Q("90th percentile handle time last week", "aht", LAST_WEEK, percentiles=True),
    Q("FRT percentiles by team last month", "frt", LAST_MONTH, group_by=("team",),
      percentiles=True),
    Q("median hold time", "hold_time", percentiles=True),
    Q("what's the median time to first response yesterday", "frt", YESTERDAY,
      percentiles=True),
    Q("p90 FRT for tier 1 on chat last week", "frt", LAST_WEEK,
      filters={"tier": {"1"}, "channel": {"chat"}}, percentiles=True),
    Q("median CSAT last week", "csat", LAST_WEEK, percentiles=False),

    # ---------------------------------------------------------------- politeness and noise
    Q("hey kpibot, what was FCR last week?", "fcr", LAST_WEEK),
    Q("@kpibot CSAT last month please", "csat", LAST_MONTH),
    Q("   CSAT last week   ", "csat", LAST_WEEK, id="padded_CSAT_last_week"),
    Q("WHAT WAS FCR LAST WEEK???", "fcr", LAST_WEEK),
    Q("what's the frt this week?", "frt", THIS_WEEK),
    Q("show me CSAT by team for October", "csat", OCTOBER, group_by=("team",)),
    Q("give me the escalation rate last month please", "escalation_rate", LAST_MONTH),
    Q("tell me the NPS in Q3", "nps", Q3),
    Q("Please, show me AHT for tier 2!!!", "aht", filters={"tier": {"2"}}),
    Q("CSAT last week 🔥", "csat", LAST_WEEK, id="emoji_inside_CSAT_last_week"),
    Q("FCR\x00 last week", "fcr", LAST_WEEK, id="nul_inside_FCR_last_week"),
    Q("what was CSAT last week?\n", "csat", LAST_WEEK, id="trailing_newline_CSAT"),
    Q("Hey KPIBot — backlog by team?", "backlog", group_by=("team",)),
    Q("csat... last week?!", "csat", LAST_WEEK, id="csat_dots_last_week"),
    Q("What Was First Response Time Last Month", "frt", LAST_MONTH),
    Q("\tFCR\tlast week\t", "fcr", LAST_WEEK, id="tabs_FCR_last_week"),
    Q("@kpibot what's the first response time on chat, last 30 days?", "frt", LAST_30_DAYS,
      filters={"channel": {"chat"}}),
    Q("hey kpibot how many tickets did we resolve yesterday?", "resolved", YESTERDAY),

    # ---------------------------------------------------------------- Europe/Berlin
    Q("FCR yesterday", "fcr", BER_YESTERDAY, tz=BERLIN),
    Q("CSAT last week", "csat", BER_LAST_WEEK, tz=BERLIN),
    Q("FRT this week", "frt", BER_THIS_WEEK, tz=BERLIN),
    Q("FRT this month", "frt", BER_THIS_MONTH, tz=BERLIN),
    Q("AHT last month", "aht", BER_LAST_MONTH, tz=BERLIN),
    Q("NPS on Monday", "nps", BER_ON_MONDAY, tz=BERLIN),
    Q("backlog in Q3", "backlog", BER_Q3, tz=BERLIN),
    Q("ticket volume in 2025", "ticket_volume", BER_2025, tz=BERLIN),
    Q("CSAT since Nov 1", "csat", BER_SINCE_NOV_1, tz=BERLIN),
    Q("CSAT by team", "csat", tz=BERLIN, group_by=("team",)),
    Q("FCR this month vs last month", "fcr", BER_THIS_MONTH, tz=BERLIN, compare=True,
      previous=BER_LAST_MONTH),
    Q("FRT past 24 hours", "frt", PAST_24_HOURS, tz=BERLIN),

    # ---------------------------------------------------------------- America/New_York
    Q("FCR yesterday", "fcr", NY_YESTERDAY, tz=NEW_YORK),
    Q("CSAT this month", "csat", NY_THIS_MONTH, tz=NEW_YORK),
    Q("AHT last month", "aht", NY_LAST_MONTH, tz=NEW_YORK),
    Q("FRT this week", "frt", NY_THIS_WEEK, tz=NEW_YORK),
    Q("ticket volume last week", "ticket_volume", NY_LAST_WEEK, tz=NEW_YORK),
    Q("resolution time in 2025", "resolution_time", NY_2025, tz=NEW_YORK),
    Q("backlog since Nov 1", "backlog", NY_SINCE_NOV_1, tz=NEW_YORK),
    Q("CSAT past 24 hours", "csat", PAST_24_HOURS, tz=NEW_YORK),
    Q("escalation rate on Monday", "escalation_rate", NY_ON_MONDAY, tz=NEW_YORK),
    Q("CSAT this month vs last month by team", "csat", NY_THIS_MONTH, tz=NEW_YORK,
      group_by=("team",), compare=True, previous=NY_LAST_MONTH),
    Q("FCR last 7 days", "fcr", LAST_7_DAYS, tz=NEW_YORK),
    Q("what's our NPS?", "nps", tz=NEW_YORK),
]


def test_the_table_is_large_enough():
    assert len(CASES) >= 230


@pytest.mark.parametrize(("text", "tz", "expected"), CASES)
def test_reads_question(text, tz, expected, read_question, workspace_for, expect):
    expect(read_question(text, workspace_for(tz)), **expected)
