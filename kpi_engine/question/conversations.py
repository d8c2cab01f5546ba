"""Conversations: the last question answered in each one, kept in the database.

A conversation is whatever a front end calls one (a Slack thread: "slack:T1:C1:1700000000.0001"),
named by a string key. Its state is the last `KpiQuery` answered there, stored as JSON, so a
follow-up ("and tier 2?") continues it from any process and after a restart. A state written by
an older or newer kpibot that cannot be read back is treated as no state: the follow-up is then
read as a new question, never misread.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from kpi_engine.errors import KpiError
from kpi_engine.periods import CalendarUnit, Period, PeriodKind
from kpi_engine.query import Filter, KpiQuery, Threshold
from kpi_engine.storage.schema import conversations
from kpi_engine.vocabulary import Dimension, Granularity, Statistic

STATE_VERSION = 1
MAX_KEY_LENGTH = 255


def query_to_state(query: KpiQuery) -> str:
    """The query as JSON that `query_from_state` reads back to an equal query."""
    state = {
        "version": STATE_VERSION,
        "metric": query.metric,
        "period": _period_to_state(query.period),
        "filters": [{"dimension": f.dimension.value, "values": list(f.values),
                     "exclude": f.exclude} for f in query.filters],
        "group_by": [dimension.value for dimension in query.group_by],
        "compare": query.compare,
        "previous": _period_to_state(query.previous) if query.previous else None,
        "percentiles": query.percentiles,
        "limit": query.limit,
        "worst_first": query.worst_first,
        "trend": query.trend.value if query.trend else None,
        "threshold": ({"op": query.threshold.op, "value": query.threshold.value}
                      if query.threshold else None),
        "statistic": query.statistic.value if query.statistic else None,
        "assumptions": list(query.assumptions),
        "business_hours": query.business_hours,
        "explain_change": query.explain_change,
    }
    return json.dumps(state, separators=(",", ":"))


def query_from_state(text: str) -> KpiQuery | None:
    """The query stored by `query_to_state`, or None when the state cannot be read back."""
    try:
        state = json.loads(text)
        if state.get("version") != STATE_VERSION:
            return None
        return KpiQuery(
            metric=state["metric"],
            period=_period_from_state(state["period"]),
            filters=tuple(Filter(dimension=Dimension(f["dimension"]), values=tuple(f["values"]),
                                 exclude=bool(f.get("exclude")))
                          for f in state["filters"]),
            group_by=tuple(Dimension(name) for name in state["group_by"]),
            compare=bool(state["compare"]),
            previous=_period_from_state(state["previous"]) if state["previous"] else None,
            percentiles=bool(state["percentiles"]),
            limit=state["limit"],
            worst_first=bool(state["worst_first"]),
            trend=Granularity(state["trend"]) if state["trend"] else None,
            threshold=Threshold(**state["threshold"]) if state.get("threshold") else None,
            statistic=Statistic(state["statistic"]) if state.get("statistic") else None,
            assumptions=tuple(state["assumptions"]),
            business_hours=bool(state.get("business_hours")),
            explain_change=bool(state.get("explain_change")),
        )
    except (ValueError, KeyError, TypeError, AttributeError, KpiError):
        return None


def _period_to_state(period: Period) -> dict:
    zone = period.start.tzinfo
    return {
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "zone": zone.key if isinstance(zone, ZoneInfo) else None,
        "label": period.label,
        "kind": period.kind.value,
        "unit": period.unit.value if period.unit else None,
    }


def _period_from_state(state: dict) -> Period:
    start, end = datetime.fromisoformat(state["start"]), datetime.fromisoformat(state["end"])
    if state.get("zone"):
        zone = ZoneInfo(state["zone"])
        start, end = start.astimezone(zone), end.astimezone(zone)
    return Period(start=start, end=end, label=state["label"], kind=PeriodKind(state["kind"]),
                  unit=CalendarUnit(state["unit"]) if state["unit"] else None)


class ConversationStore:
    """The last query of each conversation, read and written in the database."""

    def __init__(self, db: sa.Engine, clock: Callable[[], datetime]) -> None:
        self.db = db
        self.clock = clock

    def previous(self, conversation: str) -> KpiQuery | None:
        """The last query answered in `conversation`, or None for a new conversation."""
        statement = (
            sa.select(conversations.c.query)
            .where(conversations.c.conversation == _key(conversation))
        )
        with self.db.connect() as connection:
            stored = connection.execute(statement).scalar_one_or_none()
        return query_from_state(stored) if stored is not None else None

    def remember(self, conversation: str, query: KpiQuery) -> None:
        """Make `query` the one a follow-up in `conversation` continues (last write wins)."""
        key, state, now = _key(conversation), query_to_state(query), self.clock()
        update = (
            sa.update(conversations)
            .where(conversations.c.conversation == key)
            .values(query=state, updated_at=now)
        )
        with self.db.begin() as connection:
            if connection.execute(update).rowcount:
                return
        try:
            with self.db.begin() as connection:
                connection.execute(
                    sa.insert(conversations).values(conversation=key, query=state, updated_at=now)
                )
        except sa.exc.IntegrityError:  # another process inserted it first: overwrite theirs
            with self.db.begin() as connection:
                connection.execute(update)

    def forget_older_than(self, age: timedelta) -> int:
        """Drop conversations untouched for `age`; returns how many were dropped."""
        cutoff = self.clock() - age
        with self.db.begin() as connection:
            result = connection.execute(
                sa.delete(conversations).where(conversations.c.updated_at < cutoff)
            )
        return result.rowcount


def _key(conversation: str) -> str:
    if not conversation or len(conversation) > MAX_KEY_LENGTH:
        raise ValueError(f"a conversation key is 1 to {MAX_KEY_LENGTH} characters")
    return conversation
