"""Shared fixtures for the offline question reader's tests.

The workspace is pinned: NOW = Sunday 2026-11-22 14:05 UTC, weeks start on Monday, and the
lexicon below. Expected values in the tables are written out by hand from the reader's spec;
the helpers here only *compare* a query with such an expectation, they never compute one.

The reader and the follow-up function are imported lazily (inside fixtures) so that this
conftest loads, and the rest of the suite runs, even while `kpi_engine.question.rules` /
`followup` are still being written: the tests here then fail one by one instead of aborting
collection.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from kpi_engine.errors import UserError
from kpi_engine.query import KpiQuery

NOW = datetime(2026, 11, 22, 14, 5, tzinfo=timezone.utc)  # a Sunday
AGENTS = ["Asha Rao", "Sam Lee", "Sam Ortiz", "Priya Nair", "Diego Alvarez", "Mei Chen",
          "Tom Becker"]
TEAMS = ["billing", "technical", "accounts", "onboarding"]
TAGS = ["refund", "bug", "complaint", "outage", "vip"]

# The assumption the spec requires when a question names no period.
DEFAULT_PERIOD_ASSUMPTION = "no period given: last 7 days"


# --- the workspace ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def lexicon():
    from kpi_engine.question.lexicon import Lexicon

    return Lexicon.of(agents=AGENTS, teams=TEAMS, tags=TAGS)


@pytest.fixture(scope="session")
def workspace_for(lexicon):
    """tz name -> the test Workspace in that zone (same NOW instant, weeks from Monday)."""
    from kpi_engine.question.draft import Workspace

    made: dict[str, object] = {}

    def get(tz: str = "UTC"):
        if tz not in made:
            made[tz] = Workspace(lexicon=lexicon, now=NOW, tz=tz, week_start="monday")
        return made[tz]

    return get


@pytest.fixture(scope="session")
def workspace(workspace_for):
    """The main test workspace: UTC."""
    return workspace_for("UTC")


# --- the functions under test (imported lazily, see the module docstring) ------------------


@pytest.fixture(scope="session")
def read_question():
    from kpi_engine.question.rules import read_question

    return read_question


@pytest.fixture(scope="session")
def follow_up():
    from kpi_engine.question.followup import follow_up

    return follow_up


# --- checking a query against an expectation -------------------------------------------------


def _instant(moment: datetime) -> str:
    """An aware datetime as its UTC instant, readable in a failure diff."""
    assert moment.tzinfo is not None and moment.utcoffset() is not None, \
        f"{moment!r} is not time-zone aware"
    return moment.astimezone(timezone.utc).isoformat()


def _span(period) -> tuple[str, str] | None:
    if period is None:
        return None
    if isinstance(period, tuple):
        start, end = period
    else:
        start, end = period.start, period.end
    return _instant(start), _instant(end)


def check_query(q, *, metric: str, period: tuple[datetime, datetime],
                filters: dict[str, set[str]] | None = None, group_by: tuple[str, ...] = (),
                compare: bool = False, previous: tuple[datetime, datetime] | None = None,
                limit: int | None = None, worst_first: bool = False, percentiles: bool = False,
                trend: str | None = None, default_period: bool = False,
                assumption: tuple[str, ...] = (), statistic: str | None = None,
                exclude: dict[str, set[str]] | None = None,
                threshold: tuple[str, float] | None = None,
                explain_change: bool = False) -> None:
    """Every field of `q` against the expectation (defaults where the case says nothing).

    - period / previous: compared as [start, end) instants (zones may differ);
    - filters: {dimension value: set of values}, the WHOLE dict ({} when none);
    - group_by: the dimension values, in order;
    - trend: the step of a trend ("day", "week", "month"), None for none;
    - default_period: whether the "no period given: last 7 days" assumption must be present
      (True) or absent (False);
    - assumption: substrings that one single assumption line must all contain
      (case-insensitive), e.g. ("Sam Lee", "Sam Ortiz");
    - statistic: "median" or "p90" when that statistic is the value (None: the mean);
    - exclude: {dimension value: set of values left out}, the whole dict;
    - threshold: (op, value in the KPI's unit) of a breakdown's threshold;
    - explain_change: whether the change is explained by segment (a why).
    """
    assert isinstance(q, KpiQuery), f"expected a KpiQuery, got {type(q).__name__}: {q!r}"
    actual = {
        "metric": q.metric,
        "period": _span(q.period),
        "filters": {f.dimension.value: set(f.values) for f in q.filters if not f.exclude},
        "exclude": {f.dimension.value: set(f.values) for f in q.filters if f.exclude},
        "group_by": tuple(dimension.value for dimension in q.group_by),
        "compare": q.compare,
        "previous": _span(q.previous),
        "limit": q.limit,
        "worst_first": q.worst_first,
        "percentiles": q.percentiles,
        "trend": q.trend.value if q.trend is not None else None,
        "statistic": q.statistic.value if q.statistic is not None else None,
        "threshold": (q.threshold.op, round(q.threshold.value, 9)) if q.threshold else None,
        "explain_change": q.explain_change,
    }
    wanted = {
        "metric": metric,
        "period": _span(period),
        "filters": {name: set(values) for name, values in (filters or {}).items()},
        "exclude": {name: set(values) for name, values in (exclude or {}).items()},
        "group_by": tuple(group_by),
        "compare": compare,
        "previous": _span(previous),
        "limit": limit,
        "worst_first": worst_first,
        "percentiles": percentiles,
        "trend": trend,
        "statistic": statistic,
        "threshold": (threshold[0], round(threshold[1], 9)) if threshold else None,
        "explain_change": explain_change,
    }
    assert actual == wanted
    assert len(q.filters) == len(actual["filters"]) + len(actual["exclude"]), \
        "a dimension is filtered twice"
    assumptions = [str(line) for line in q.assumptions]
    if default_period:
        assert DEFAULT_PERIOD_ASSUMPTION in assumptions, assumptions
    else:
        assert DEFAULT_PERIOD_ASSUMPTION not in assumptions, assumptions
    if assumption:
        parts = [part.lower() for part in assumption]
        assert any(all(part in line.lower() for part in parts) for line in assumptions), (
            f"no assumption mentions all of {list(assumption)}: {assumptions}")


@pytest.fixture(scope="session")
def expect():
    """`expect(q, metric=..., period=(start, end), filters={...}, group_by=(...), ...)`."""
    return check_query


# --- checking a refusal ----------------------------------------------------------------------


def check_refusal(error: BaseException) -> None:
    """A refusal is a UserError with a one-line message and suggestions to ask instead."""
    assert isinstance(error, UserError), f"{type(error).__name__} is not a UserError"
    message = error.message
    assert isinstance(message, str) and message.strip(), f"empty message: {message!r}"
    assert "\n" not in message and "\r" not in message, f"message is not one line: {message!r}"
    assert "traceback" not in message.lower(), message
    assert isinstance(error.suggestions, list), type(error.suggestions)
    assert error.suggestions, f"no suggestions for refusal {message!r}"
    assert all(isinstance(s, str) and s.strip() for s in error.suggestions), error.suggestions


@pytest.fixture(scope="session")
def refusal():
    """`refusal(error)`: asserts the shape every refusal must have."""
    return check_refusal
