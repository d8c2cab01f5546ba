"""The fixed benchmark queries: each KPI as the engine computes it, and the same KPI written by
hand in plain SQL — the floor the engine's time is compared with.

The hand-written SQL is what a careful analyst would type for the same answer (the total and,
for a breakdown, the groups), per dialect. Timestamps on SQLite are integer microseconds (see
kpi_engine/storage/schema.py), so its bound period limits are integers there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class BenchQuery:
    name: str
    metric: str
    period: str  # period words, read against the dataset's end
    floor: dict[str, str]  # dialect → hand-written SQL with :start, :end, :now
    filters: tuple[str, ...] = ()  # DIM=VALUE
    group_by: tuple[str, ...] = ()
    percentiles: bool = False


def bind_time(dialect: str, moment: datetime):
    """A timestamp as the hand-written SQL binds it on `dialect`."""
    if dialect == "sqlite":
        delta = moment.astimezone(timezone.utc) - _EPOCH
        return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return moment


def _seconds(dialect: str, later: str, earlier: str) -> str:
    if dialect == "sqlite":
        return f"(({later}) - ({earlier})) / 1000000.0"
    return f"date_part('epoch', {later} - {earlier})"


def _week_after(dialect: str, column: str) -> str:
    return f"{column} + 604800000000" if dialect == "sqlite" else f"{column} + interval '7 days'"


def _by(dialect: str, key: str, aggregates: str, source: str) -> str:
    """Total and groups: GROUPING SETS on PostgreSQL, UNION ALL on SQLite."""
    if dialect == "sqlite":
        return (f"SELECT 1 AS total, NULL AS g, {aggregates} FROM {source} "
                f"UNION ALL SELECT 0, {key}, {aggregates} FROM {source} GROUP BY {key}")
    return f"SELECT grouping({key}), {key}, {aggregates} FROM {source} GROUP BY GROUPING SETS (({key}), ())"


def _both(build) -> dict[str, str]:
    return {dialect: build(dialect) for dialect in ("sqlite", "postgresql")}


CREATED = "tickets WHERE created_at >= :start AND created_at < :end"
SOLVED = "tickets WHERE solved_at >= :start AND solved_at < :end"

QUERIES: tuple[BenchQuery, ...] = (
    BenchQuery("ticket_volume by channel, last 30 days", "ticket_volume", "last 30 days",
               group_by=("channel",), floor=_both(lambda d: _by(d, "channel", "count(*)", CREATED))),
    BenchQuery("resolved by team, last 30 days", "resolved", "last 30 days", group_by=("team",),
               floor=_both(lambda d: _by(d, "team", "count(*)", SOLVED))),
    BenchQuery("backlog at the end of last week", "backlog", "last week",
               floor=_both(lambda d: "SELECT count(*) FROM tickets WHERE created_at < :end "
                                     "AND (solved_at IS NULL OR solved_at >= :end)")),
    BenchQuery("frt, last 30 days", "frt", "last 30 days",
               floor=_both(lambda d: f"SELECT avg({_seconds(d, 'first_response_at', 'created_at')}), "
                                     f"count(first_response_at) FROM {CREATED}")),
    BenchQuery("frt median and p90 by team, last 30 days", "frt", "last 30 days",
               group_by=("team",), percentiles=True,
               floor={
                   "postgresql": "SELECT grouping(team), team, avg(x), count(x), "
                                 "percentile_cont(0.5) WITHIN GROUP (ORDER BY x), "
                                 "percentile_cont(0.9) WITHIN GROUP (ORDER BY x) FROM "
                                 f"(SELECT team, {_seconds('postgresql', 'first_response_at', 'created_at')} AS x "
                                 f"FROM {CREATED}) r GROUP BY GROUPING SETS ((team), ())",
                   "sqlite": "WITH r AS (SELECT team, (first_response_at - created_at) / 1000000.0 AS x "
                             f"FROM {CREATED} AND first_response_at IS NOT NULL), "
                             "ranked AS (SELECT team, x, row_number() OVER (PARTITION BY team ORDER BY x) - 1 AS k, "
                             "count(*) OVER (PARTITION BY team) AS c, "
                             "row_number() OVER (ORDER BY x) - 1 AS k_all, count(*) OVER () AS c_all FROM r) "
                             "SELECT 1, NULL, avg(x), count(*), "
                             "sum(CASE WHEN k_all = CAST((c_all - 1) * 0.5 AS INT) THEN x * (1 - ((c_all - 1) * 0.5 - CAST((c_all - 1) * 0.5 AS INT))) "
                             "WHEN k_all = CAST((c_all - 1) * 0.5 AS INT) + 1 THEN x * ((c_all - 1) * 0.5 - CAST((c_all - 1) * 0.5 AS INT)) ELSE 0 END), "
                             "sum(CASE WHEN k_all = CAST((c_all - 1) * 0.9 AS INT) THEN x * (1 - ((c_all - 1) * 0.9 - CAST((c_all - 1) * 0.9 AS INT))) "
                             "WHEN k_all = CAST((c_all - 1) * 0.9 AS INT) + 1 THEN x * ((c_all - 1) * 0.9 - CAST((c_all - 1) * 0.9 AS INT)) ELSE 0 END) "
                             "FROM ranked UNION ALL SELECT 0, team, avg(x), count(*), "
                             "sum(CASE WHEN k = CAST((c - 1) * 0.5 AS INT) THEN x * (1 - ((c - 1) * 0.5 - CAST((c - 1) * 0.5 AS INT))) "
                             "WHEN k = CAST((c - 1) * 0.5 AS INT) + 1 THEN x * ((c - 1) * 0.5 - CAST((c - 1) * 0.5 AS INT)) ELSE 0 END), "
                             "sum(CASE WHEN k = CAST((c - 1) * 0.9 AS INT) THEN x * (1 - ((c - 1) * 0.9 - CAST((c - 1) * 0.9 AS INT))) "
                             "WHEN k = CAST((c - 1) * 0.9 AS INT) + 1 THEN x * ((c - 1) * 0.9 - CAST((c - 1) * 0.9 AS INT)) ELSE 0 END) "
                             "FROM ranked GROUP BY team",
               }),
    BenchQuery("resolution_time by tier, last 30 days", "resolution_time", "last 30 days",
               group_by=("tier",),
               floor=_both(lambda d: _by(d, "tier", f"avg({_seconds(d, 'solved_at', 'created_at')}), count(*)", SOLVED))),
    BenchQuery("aht on phone and chat, last 30 days", "aht", "last 30 days",
               filters=("channel=phone,chat",),
               floor=_both(lambda d: f"SELECT avg(handle_time_seconds), count(handle_time_seconds) FROM {SOLVED} "
                                     "AND channel IN ('phone', 'chat')")),
    BenchQuery("hold_time on phone, last 30 days", "hold_time", "last 30 days", filters=("channel=phone",),
               floor=_both(lambda d: f"SELECT avg(hold_time_seconds), count(hold_time_seconds) FROM {SOLVED} "
                                     "AND channel = 'phone'")),
    BenchQuery("fcr for tier 1, last week", "fcr", "last week", filters=("tier=1",),
               floor=_both(lambda d: "SELECT avg(CASE WHEN agent_replies = 1 AND reopens = 0 AND NOT escalated "
                                     "THEN 1.0 ELSE 0.0 END), count(*) FROM tickets WHERE solved_at >= :start "
                                     "AND solved_at < :end AND agent_replies >= 1 AND tier = 1")),
    BenchQuery("contacts_to_resolution, last 30 days", "contacts_to_resolution", "last 30 days",
               floor=_both(lambda d: f"SELECT avg(customer_messages), count(*) FROM {SOLVED}")),
    BenchQuery("reopen_rate by agent, last 30 days", "reopen_rate", "last 30 days", group_by=("agent",),
               floor=_both(lambda d: _by(d, "agent", "avg(CASE WHEN reopens >= 1 THEN 1.0 ELSE 0.0 END), count(*)", SOLVED))),
    BenchQuery("escalation_rate by tier, last 30 days", "escalation_rate", "last 30 days", group_by=("tier",),
               floor=_both(lambda d: _by(d, "tier", "avg(CASE WHEN escalated THEN 1.0 ELSE 0.0 END), count(*)", CREATED))),
    BenchQuery("response_rate, last 30 days", "response_rate", "last 30 days",
               floor=_both(lambda d: "SELECT avg(CASE WHEN first_response_at IS NOT NULL THEN 1.0 ELSE 0.0 END), "
                                     f"count(*) FROM {CREATED}")),
    BenchQuery("service_level by channel, last 30 days", "service_level", "last 30 days", group_by=("channel",),
               floor=_both(lambda d: _by(
                   d, "channel",
                   f"avg(CASE WHEN first_response_at IS NOT NULL THEN CASE WHEN {_seconds(d, 'first_response_at', 'created_at')} <= 3600 THEN 1.0 ELSE 0.0 END "
                   f"WHEN {_seconds(d, ':now', 'created_at')} >= 3600 THEN 0.0 END), "
                   f"count(CASE WHEN first_response_at IS NOT NULL OR {_seconds(d, ':now', 'created_at')} >= 3600 THEN 1 END)",
                   CREATED))),
    BenchQuery("csat by agent, last 30 days", "csat", "last 30 days", group_by=("agent",),
               floor=_both(lambda d: _by(
                   d, "t.agent", "avg(CASE WHEN r.score >= 4 THEN 1.0 ELSE 0.0 END), count(*), avg(r.score)",
                   "survey_responses r JOIN tickets t ON t.source = r.source AND t.id = r.ticket_id "
                   "WHERE r.kind = 'csat' AND r.responded_at >= :start AND r.responded_at < :end"))),
    BenchQuery("ces, last 30 days", "ces", "last 30 days",
               floor=_both(lambda d: "SELECT avg(r.score), count(*), avg(CASE WHEN r.score >= 5 THEN 1.0 ELSE 0.0 END) "
                                     "FROM survey_responses r JOIN tickets t ON t.source = r.source AND t.id = r.ticket_id "
                                     "WHERE r.kind = 'ces' AND r.responded_at >= :start AND r.responded_at < :end")),
    BenchQuery("nps, last 90 days", "nps", "last 90 days",
               floor=_both(lambda d: "SELECT avg(CASE WHEN r.score >= 9 THEN 100 WHEN r.score <= 6 THEN -100 ELSE 0 END), "
                                     "count(*) FROM survey_responses r JOIN tickets t ON t.source = r.source "
                                     "AND t.id = r.ticket_id WHERE r.kind = 'nps' AND r.responded_at >= :start "
                                     "AND r.responded_at < :end")),
    BenchQuery("nia, last 30 days", "nia", "last 30 days",
               floor=_both(lambda d: "SELECT avg(CASE WHEN EXISTS (SELECT 1 FROM tickets n WHERE n.customer = t.customer "
                                     f"AND n.created_at > t.solved_at AND n.created_at <= {_week_after(d, 't.solved_at')}) "
                                     "THEN 0.0 ELSE 1.0 END), count(*) FROM tickets t "
                                     "WHERE t.solved_at >= :start AND t.solved_at < :end")),
    BenchQuery("complaint_rate by team, last 30 days", "complaint_rate", "last 30 days", group_by=("team",),
               floor=_both(lambda d: _by(
                   d, "team",
                   "avg(CASE WHEN EXISTS (SELECT 1 FROM ticket_tags g WHERE g.source = t.source AND g.ticket_id = t.id "
                   "AND g.tag = 'complaint') THEN 1.0 ELSE 0.0 END), count(*)",
                   "tickets t WHERE t.created_at >= :start AND t.created_at < :end"))),
    BenchQuery("survey_response_rate by kind, last 30 days", "survey_response_rate", "last 30 days",
               group_by=("kind",),
               floor=_both(lambda d: _by(
                   d, "q.kind", "avg(CASE WHEN r.ticket_id IS NOT NULL THEN 1.0 ELSE 0.0 END), count(*)",
                   "survey_requests q JOIN tickets t ON t.source = q.source AND t.id = q.ticket_id "
                   "LEFT JOIN survey_responses r ON r.source = q.source AND r.ticket_id = q.ticket_id "
                   "AND r.kind = q.kind WHERE q.sent_at >= :start AND q.sent_at < :end"))),
)


def period_params(dialect: str, start: datetime, end: datetime, now: datetime) -> dict:
    return {"start": bind_time(dialect, start), "end": bind_time(dialect, end),
            "now": bind_time(dialect, now)}
