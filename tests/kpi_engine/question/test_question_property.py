"""Property: whatever the text, the reader (and a follow-up) either returns a sound KpiQuery or
refuses with a UserError that has suggestions — never any other exception.

A sound query names a registry metric and a period with start < end and start <= NOW.
"""

from __future__ import annotations

from datetime import datetime, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpi_engine.errors import UserError
from kpi_engine.metrics import METRICS_BY_ID
from kpi_engine.periods import CalendarUnit, Period, PeriodKind
from kpi_engine.query import Filter, KpiQuery
from kpi_engine.vocabulary import Dimension

NOW = datetime(2026, 11, 22, 14, 5, tzinfo=timezone.utc)

# A fixed previous query for the follow-up property, built by hand (no reader involved):
# FCR, last week, tier 1, by agent.
PREVIOUS = KpiQuery(
    metric="fcr",
    period=Period(start=datetime(2026, 11, 9, tzinfo=timezone.utc),
                  end=datetime(2026, 11, 16, tzinfo=timezone.utc), label="last week",
                  kind=PeriodKind.CALENDAR, unit=CalendarUnit.WEEK),
    filters=(Filter(dimension=Dimension.TIER, values=("1",)),),
    group_by=(Dimension.AGENT,),
)

VOCABULARY = [
    # KPI words
    "csat", "CSAT", "fcr", "FCR", "first", "response", "time", "frt", "resolution", "nps",
    "net", "promoter", "score", "backlog", "tickets", "ticket", "volume", "resolved", "resolve",
    "closed", "open", "aht", "handle", "hold", "escalation", "rate", "reopen", "sla",
    "service", "level", "survey", "ces", "effort", "nia", "complaints", "median", "p90",
    "percentiles", "frist", "custmer", "satisfaction", "how", "many",
    # period words
    "last", "this", "week", "wk", "month", "quarter", "year", "yesterday", "today",
    "tomorrow", "next", "in", "October", "Oct", "Q3", "Q5", "2025", "2030", "since", "Nov",
    "Feb", "30", "31", "1", "15", "between", "and", "days", "past", "24", "hours", "ago",
    "two", "fortnight", "mtd", "on", "Monday", "–", "-", "vs", "versus", "compared", "to",
    "with", "against", "change", "before", "previous", "period",
    # trend words
    "daily", "weekly", "monthly", "trend", "over", "day", "per", "every", "evolution",
    # dimension words and values
    "tier", "tiers", "2", "3", "9", "0", "L1", "level", "by", "per", "each", "across", "for",
    "agent", "agents", "team", "teams", "channel", "chat", "email", "e-mail", "phone", "calls",
    "fax", "billing", "biling", "technical", "marketing", "Asha", "Ahsa", "Sam", "Rao", "Bob",
    "urgent", "high", "priority", "tagged", "refund", "#outage", "tag", "vip",
    "jo@example.com", "customer", "kind", "region", "which", "top", "bottom", "worst", "best",
    "highest", "lowest", "most", "fewest", "slowest", "fastest", "overall", "what", "about",
    "also", "now", "any", "all", "same", "no", "breakdown",
    # junk
    "xyzzy", "🔥", "\x00", "\x1b[2J", "'; DROP TABLE tickets; --", "?", "!!", "...", ",",
    "ignore", "instructions", "the", "a", "lorem", "ipsum", "😀", "é", "ß", "\n", "\t", "",
    "-1", "99999999999", "１２", "Ⅻ", "\u200b", "\ufeff", "\u202e", "ǅ",
]

TEXTS = st.one_of(
    st.text(),
    st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=200),
    st.lists(st.sampled_from(VOCABULARY), max_size=14).map(" ".join),
    st.lists(st.sampled_from(VOCABULARY), max_size=14).map("".join),
)

SETTINGS = settings(max_examples=300, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def _check(outcome) -> None:
    if isinstance(outcome, UserError):
        assert isinstance(outcome.suggestions, list), outcome.suggestions
        assert outcome.suggestions, f"refusal without suggestions: {outcome.message!r}"
        assert all(isinstance(s, str) for s in outcome.suggestions), outcome.suggestions
        return
    assert isinstance(outcome, KpiQuery), outcome
    assert outcome.metric in METRICS_BY_ID, outcome.metric
    assert outcome.period.start < outcome.period.end, outcome.period
    assert outcome.period.start <= NOW, outcome.period


def _outcome(call):
    try:
        return call()
    except UserError as error:
        return error


@SETTINGS
@given(text=TEXTS)
def test_read_question_answers_or_refuses(text, read_question, workspace_for):
    # workspace_for rather than workspace: a failing example then prints a short repr
    _check(_outcome(lambda: read_question(text, workspace_for("UTC"))))


@SETTINGS
@given(text=TEXTS)
def test_read_question_in_other_zones(text, read_question, workspace_for):
    for tz in ("Europe/Berlin", "America/New_York"):
        _check(_outcome(lambda: read_question(text, workspace_for(tz))))


@SETTINGS
@given(text=TEXTS)
def test_follow_up_answers_or_refuses(text, follow_up, workspace_for):
    _check(_outcome(lambda: follow_up(PREVIOUS, text, workspace_for("UTC"))))
