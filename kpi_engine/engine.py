"""Running queries: `KpiEngine.run(query)` → `KpiResult`, `explain(query)` → the SQL.

The engine compiles a query (see sql/compile.py), executes one statement per period, and turns
the aggregates into measurements: value and `n` (the value a median or p90 when the query asks
for that statistic, the mean beside it), Wilson intervals for survey rates, the change to the
previous period with its significance, the groups past the threshold ordered best first and
ranked honestly (see query/ranking.py) — or, for a trend, one row per bucket of the period in
time order, empty buckets included as "no data".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

import sqlalchemy as sa

from kpi_engine.errors import UnknownNameError
from kpi_engine.metrics import Metric, get_metric, nearest
from kpi_engine.periods import Period, previous_period
from kpi_engine.periods.buckets import Bucket, trend_buckets
from kpi_engine.query import Change, Filter, GroupRow, KpiQuery, KpiResult, Measurement
from kpi_engine.query.measurements import compare, empty_measurement, measurement_from_row
from kpi_engine.query.ranking import OrderedGroups, order_groups
from kpi_engine.settings import Clock, Settings, system_clock, workspace_now
from kpi_engine.sql.compile import (
    column_prefix,
    compile_measures,
    compile_statement,
    key_count,
    percentiles_asked,
    scan_key,
)
from kpi_engine.sql.dialects import backend_for
from kpi_engine.sql.sources import CompileContext
from kpi_engine.sql.targets import format_target, parse_target_rules
from kpi_engine.storage.schema import ticket_tags, tickets
from kpi_engine.vocabulary import Dimension, Statistic

# how a definition's "mean time …" reads when a statistic is the value
STATISTIC_WORDS = {Statistic.MEDIAN: "median ", Statistic.P90: "90th percentile of the "}


@dataclass(frozen=True)
class Explanation:
    """How a query is computed: the definition line and each statement with its parameters."""

    definition: str
    statements: tuple[tuple[str, dict], ...]


class KpiEngine:
    """Computes KPIs on one database under one workspace's settings."""

    def __init__(self, db: sa.Engine, settings: Settings, *, clock: Clock | None = None) -> None:
        self.db = db
        self.settings = settings
        self._clock = clock or system_clock
        self.backend = backend_for(db)
        self.target_rules = parse_target_rules(settings.sla_targets)

    def in_zone(self, tz: str) -> KpiEngine:
        """This engine with its calendar (days, weeks, "yesterday") in zone `tz`: a digest's
        own zone may differ from the workspace's."""
        if tz == self.settings.tz:
            return self
        return KpiEngine(self.db, self.settings.model_copy(update={"tz": tz}), clock=self._clock)

    def now(self) -> datetime:
        """The current instant in the workspace zone (`settings.now` pins it)."""
        return workspace_now(self.settings, self._clock)

    def metric(self, metric_id: str) -> Metric:
        """The registry entry under the workspace's chosen variant."""
        metric = get_metric(metric_id)
        variant = {"fcr": self.settings.fcr_variant, "csat": self.settings.csat_variant}
        return metric.with_variant(variant.get(metric.id, ""))

    def definition(self, metric: Metric, statistic: Statistic | None = None) -> str:
        """The one-line "how was this computed", naming a variant chosen in settings and the
        statistic that is the value ("median time from a ticket's creation …")."""
        text = metric.definition.format(
            target=format_target(self.settings.sla_seconds, self.target_rules))
        if statistic in STATISTIC_WORDS and text.startswith("mean "):
            text = STATISTIC_WORDS[statistic] + text.removeprefix("mean ")
        if metric.variant is not None:
            text += f" ({metric.variant} variant chosen in settings)"
        return text

    def previous_period_of(self, query: KpiQuery) -> Period:
        """The period a comparison uses: the one the question named, else the contract's rule."""
        if query.previous is not None:
            return query.previous
        return previous_period(
            query.period, now=self.now(), tz=self.settings.zone, week_start=self.settings.week_start
        )

    def _context(self) -> CompileContext:
        return CompileContext(
            backend=self.backend,
            now=self.now(),
            default_target_seconds=self.settings.sla_seconds,
            target_rules=self.target_rules,
        )

    def buckets(self, query: KpiQuery) -> tuple[Bucket, ...]:
        """The buckets of a trend query's period in the workspace calendar (none without a
        trend); a UserError when there are too many."""
        if query.trend is None:
            return ()
        return trend_buckets(query.period, query.trend, tz=self.settings.zone,
                             week_start=self.settings.week_start, metric=query.metric)

    def _statements(self, query: KpiQuery) -> list[tuple[KpiQuery, Period, tuple[Bucket, ...]]]:
        """(query, period, buckets) of each statement: the period asked about, then the
        previous one — whose comparison is of the total, so it is measured without a trend."""
        statements = [(query, query.period, self.buckets(query))]
        if query.compare:
            overall = replace(query, trend=None) if query.trend is not None else query
            statements.append((overall, self.previous_period_of(query), ()))
        return statements

    def explain(self, query: KpiQuery) -> Explanation:
        """The definition line and the SQL `run(query)` would execute, without executing it."""
        metric = self.metric(query.metric)
        statements = []
        for measured, period, buckets in self._statements(query):
            compiled = compile_statement(
                metric, measured, period, self._context(), buckets=buckets).compile(self.db)
            statements.append((str(compiled), dict(compiled.params)))
        return Explanation(definition=self.definition(metric, query.statistic),
                           statements=tuple(statements))

    def run(self, query: KpiQuery) -> KpiResult:
        """Compute the query: one statement for its period, one more for a comparison."""
        return self.run_together([query])[0]

    def run_together(self, queries: Sequence[KpiQuery]) -> list[KpiResult]:
        """The results of `queries`, in order, each equal to `run(query)`. Queries that differ
        only in their KPI, where the KPIs share their records (`compile.scan_key`: tickets by
        `solved_at` for FCR, resolution time, reopen rate …), are measured together: one
        statement per period for all of them."""
        results: list[KpiResult | None] = [None] * len(queries)
        for indexes in self._scans(queries):
            group = [queries[index] for index in indexes]
            for index, result in zip(indexes, self._run_scan(group)):
                results[index] = result
        return results

    def _scans(self, queries: Sequence[KpiQuery]) -> list[list[int]]:
        """The queries grouped by the statement that can measure them together."""
        groups: dict[tuple, list[int]] = {}
        for index, query in enumerate(queries):
            key = scan_key(self.metric(query.metric))
            if key is None or percentiles_asked(query):
                key = ("alone", index)
            else:
                key += (query.period, query.filters, query.group_by, query.compare,
                        query.previous, query.trend)
            groups.setdefault(key, []).append(index)
        return list(groups.values())

    def _run_scan(self, queries: Sequence[KpiQuery]) -> list[KpiResult]:
        metrics = [self.metric(query.metric) for query in queries]
        template = queries[0]
        context = self._context()
        current, *earlier = self._statements(template)
        previous: Period | None = None
        before = [(None, {})] * len(metrics)
        with self.db.connect() as connection:
            measured = self._measure(connection, metrics, *current, context)
            if template.filters and all(total.n == 0 for total, _ in measured):
                self._check_filter_values(connection, template.filters)
            if earlier:
                previous = earlier[0][1]
                before = self._measure(connection, metrics, *earlier[0], context)
        return [self._result(query, metric, current[2], now, previous, then)
                for query, metric, now, then in zip(queries, metrics, measured, before)]

    def _result(self, query: KpiQuery, metric: Metric, buckets: Sequence[Bucket],
                measured: tuple[Measurement, dict], previous: Period | None,
                before: tuple[Measurement | None, dict]) -> KpiResult:
        total, groups = measured
        previous_total, previous_groups = before

        def change_from(earlier: Measurement | None, now: Measurement) -> Change | None:
            if previous is None:
                return None
            earlier = earlier if earlier is not None else empty_measurement(metric)
            return compare(metric, now, query.period, earlier, previous,
                           statistic=query.statistic)

        if query.trend is not None:
            rows = tuple(trend_rows(metric, query, buckets, groups))
            ordered = OrderedGroups(rows=rows, groups_total=len(rows), groups_measured=len(rows))
        else:
            ordered = order_groups(metric, query, [
                GroupRow(
                    group=tuple(zip((d.value for d in query.group_by), key)),
                    current=measurement,
                    change=change_from(previous_groups.get(key), measurement),
                )
                for key, measurement in groups.items()
            ], rank_min_n=self.settings.rank_min_n)
        return KpiResult(
            query=query,
            metric=metric,
            current=total,
            period=query.period,
            rows=ordered.rows,
            groups_total=ordered.groups_total,
            groups_measured=ordered.groups_measured,
            unranked=ordered.unranked,
            ranking=ordered.ranking,
            notes=ordered.notes,
            previous_period=previous,
            change=change_from(previous_total, total),
            definition=self.definition(metric, query.statistic),
        )

    def _measure(self, connection, metrics: Sequence[Metric], query: KpiQuery, period: Period,
                 buckets: Sequence[Bucket], context) -> list[tuple[Measurement, dict]]:
        """Each metric's total and groups (or buckets) over `period`, from one statement."""
        statement = compile_measures(metrics, query, period, context, buckets=buckets)
        totals = [empty_measurement(metric) for metric in metrics]
        groups: list[dict[tuple, Measurement]] = [{} for _ in metrics]
        prefixes = [column_prefix(index, len(metrics)) for index in range(len(metrics))]
        for row in connection.execute(statement).mappings():
            if row["is_total"]:
                key = None
            elif query.trend is not None:
                key = (int(row["g0"]),)
            else:
                key = tuple(_group_value(row[f"g{i}"]) for i in range(key_count(query)))
            for index, metric in enumerate(metrics):
                measurement = measurement_from_row(metric, _unprefixed(row, prefixes[index]),
                                                   query)
                if key is None:
                    totals[index] = measurement
                else:
                    groups[index][key] = measurement
        return list(zip(totals, groups))

    def _check_filter_values(self, connection: sa.Connection, filters: Iterable[Filter]) -> None:
        """A filter value that no ticket has is an error with the nearest values, not "no data".
        Checked when nothing was found: an excluded value no ticket has cannot be why, so only
        the values a filter keeps are looked up."""
        for condition in filters:
            if condition.exclude or condition.dimension not in (
                    Dimension.TEAM, Dimension.AGENT, Dimension.TAG, Dimension.CUSTOMER):
                continue
            column = (ticket_tags.c.tag if condition.dimension is Dimension.TAG
                      else tickets.c[condition.dimension.value])
            lowered = [value.lower() for value in condition.values]
            found = connection.execute(
                sa.select(sa.func.lower(column)).where(sa.func.lower(column).in_(lowered)).distinct()
            ).scalars().all()
            missing = [value for value in condition.values if value.lower() not in found]
            if not missing:
                continue
            known: list[str] = []
            if condition.dimension is not Dimension.CUSTOMER:
                values = connection.execute(sa.select(column).distinct().limit(5000)).scalars()
                known = [v for v in values if v]
            raise UnknownNameError(
                f"no ticket has {condition.dimension.value} {missing[0]!r}",
                nearest(missing[0], known) if known else [],
            )


def trend_rows(metric: Metric, query: KpiQuery, buckets: Sequence[Bucket],
               measured: dict[tuple, Measurement]) -> list[GroupRow]:
    """One row per bucket in time order, keyed by its step and first local day; a bucket
    without records is "no data" (n = 0), never left out."""
    step = query.trend.value
    return [
        GroupRow(group=((step, bucket.day.isoformat()),),
                 current=measured.get((number,), empty_measurement(metric)))
        for number, bucket in enumerate(buckets)
    ]


def _unprefixed(row, prefix: str):
    """One metric's columns of a row measuring several, under their own names."""
    if not prefix:
        return row
    return {key[len(prefix):]: value for key, value in row.items() if key.startswith(prefix)}


def _group_value(value) -> str | None:
    return None if value is None else str(value)
