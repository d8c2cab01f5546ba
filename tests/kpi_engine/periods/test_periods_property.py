"""Whatever words arrive, reading a period ends in a valid half-open period or a PeriodError
with suggestions: never another exception, never an inverted or future-only period."""

from __future__ import annotations

from datetime import datetime, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from kpi_engine.errors import PeriodError
from kpi_engine.periods import find_period, parse_period, previous_period

NOW = datetime(2026, 11, 22, 14, 5, tzinfo=timezone.utc)
ZONES = st.sampled_from(["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"])
WORDS = st.sampled_from([
    "last", "this", "past", "previous", "next", "week", "weeks", "month", "months", "quarter", "year",
    "days", "hours", "day", "today", "yesterday", "since", "between", "and", "to", "from", "in", "on",
    "Oct", "October", "Feb", "Q3", "Q5", "2025", "2031", "1", "7", "15", "30", "31", "0", "-", "–",
    "ago", "the", "before", "two", "fortnight", "so", "far", "ytd", "2026-10-01", "2026-02-30", "3rd",
])
PHRASES = st.lists(WORDS, min_size=1, max_size=6).map(" ".join)


def _check(period) -> None:
    assert period.start < period.end
    assert period.start <= NOW
    assert period.label


@settings(max_examples=400, deadline=None)
@given(words=st.one_of(PHRASES, st.text(max_size=60)), zone=ZONES)
def test_any_words_give_a_period_or_a_period_error(words, zone):
    try:
        period = parse_period(words, now=NOW, tz=zone)
    except PeriodError as error:
        assert error.message and error.suggestions
        return
    _check(period)
    before = previous_period(period, now=NOW, tz=zone)
    _check(before)
    assert before.end <= period.start


@settings(max_examples=300, deadline=None)
@given(prefix=st.text(max_size=30), words=PHRASES, zone=ZONES)
def test_finding_a_period_in_a_question_never_crashes(prefix, words, zone):
    text = f"{prefix} fcr {words}"
    try:
        found = find_period(text, now=NOW, tz=zone)
    except PeriodError as error:
        assert error.message
        return
    if found is not None:
        period, (start, end) = found
        _check(period)
        assert 0 <= start < end <= len(text)
