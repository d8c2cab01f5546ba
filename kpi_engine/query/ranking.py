"""A breakdown's groups in the order an answer gives them.

- Best first by the metric's direction (worst first on request), the larger group first among
  equal values; a group without data last.
- A threshold keeps only the groups whose value passes it ("agents with CSAT under 80%").
- A ranking — a breakdown with a limit, "top 3 agents by CSAT" — ranks only the groups with at
  least `min_n` records (the rest are listed apart, best first by value), and orders a survey
  rate by the cautious end of its 95% Wilson interval: the low end when best first, the high
  end when worst first, so a handful of responses never crowns a group. A count is ranked as
  it is: its value is the number of records itself, and a small one is an answer, not noise.

The groups are aggregated in SQL; only their aggregates are ordered here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kpi_engine.formatting import count_noun, group_noun
from kpi_engine.metrics import Metric
from kpi_engine.query.model import (
    RANK_BY_VALUE,
    RANK_BY_WILSON_HIGH,
    RANK_BY_WILSON_LOW,
    GroupRow,
    KpiQuery,
    Ranking,
)
from kpi_engine.vocabulary import Aggregation, Direction


@dataclass(frozen=True, kw_only=True)
class OrderedGroups:
    """The groups an answer shows, and how they were chosen."""

    rows: tuple[GroupRow, ...]  # ordered, cut at the query's limit
    groups_total: int  # the rows before the limit
    groups_measured: int  # the groups before the threshold
    unranked: tuple[GroupRow, ...] = ()
    ranking: Ranking | None = None
    notes: tuple[str, ...] = ()


def ranking_rule(metric: Metric, query: KpiQuery, min_n: int) -> Ranking | None:
    """The rule a ranking query ranks by; None when the query does not rank (no limit, no
    breakdown) or the metric is a count."""
    if query.limit is None or not query.group_by or metric.aggregation is Aggregation.COUNT:
        return None
    if not metric.has_wilson_interval:
        return Ranking(min_n=min_n, by=RANK_BY_VALUE)
    # the cautious end: a higher-is-better rate is crowned by its low end, condemned by its high
    cautious_low = (metric.direction is not Direction.LOWER) != query.worst_first
    return Ranking(min_n=min_n, by=RANK_BY_WILSON_LOW if cautious_low else RANK_BY_WILSON_HIGH)


def ranking_note(metric: Metric, query: KpiQuery, ranking: Ranking) -> str:
    """"ranked among agents with at least 10 responses, by the low end of the 95% interval"."""
    records = count_noun(metric) + ("" if ranking.min_n == 1 else "s")
    note = (f"ranked among {group_noun(query.group_by)} with at least {ranking.min_n:,} "
            f"{records}")
    if ranking.by == RANK_BY_WILSON_LOW:
        return note + ", by the low end of the 95% interval"
    if ranking.by == RANK_BY_WILSON_HIGH:
        return note + ", by the high end of the 95% interval"
    return note


def order_groups(metric: Metric, query: KpiQuery, rows: Sequence[GroupRow], *,
                 rank_min_n: int) -> OrderedGroups:
    """The groups past the threshold, ranked when the query ranks, cut at its limit."""
    measured = len(rows)
    kept = [row for row in rows
            if query.threshold is None or query.threshold.holds(row.current.value)]
    ranking = ranking_rule(metric, query, rank_min_n)
    unranked: list[GroupRow] = []
    notes: tuple[str, ...] = ()
    if ranking is not None:
        unranked = sorted((row for row in kept if row.current.n < ranking.min_n),
                          key=lambda row: best_first(metric, row))
        kept = [row for row in kept if row.current.n >= ranking.min_n]
        notes = (ranking_note(metric, query, ranking),)
    by = ranking.by if ranking is not None else RANK_BY_VALUE
    kept.sort(key=lambda row: best_first(metric, row, worst=query.worst_first, by=by))
    shown = kept[: query.limit] if query.limit else kept
    return OrderedGroups(rows=tuple(shown), groups_total=len(kept), groups_measured=measured,
                         unranked=tuple(unranked), ranking=ranking, notes=notes)


def best_first(metric: Metric, row: GroupRow, *, worst: bool = False, by: str = RANK_BY_VALUE):
    """Sort key: groups with data first, best value first by the metric's direction (worst
    first when `worst`) — or by an end of the Wilson interval (`by`) —; the larger group first
    among equal values, then by name."""
    value = _ranked_value(row, by)
    if value is None:
        return (1, 0.0, 0, _names(row))
    signed = value if metric.direction is Direction.LOWER else -value
    return (0, -signed if worst else signed, -row.current.n, _names(row))


def _ranked_value(row: GroupRow, by: str) -> float | None:
    interval = row.current.interval
    if interval is not None and by == RANK_BY_WILSON_LOW:
        return interval.low
    if interval is not None and by == RANK_BY_WILSON_HIGH:
        return interval.high
    return row.current.value


def _names(row: GroupRow) -> tuple[str, ...]:
    return tuple(value or "" for _, value in row.group)
