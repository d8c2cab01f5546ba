"""Running queries: `KpiEngine.run(query)` → `KpiResult`, `explain(query)` → the SQL.

The engine compiles a query (see sql/compile.py), executes one statement per period, and turns
the aggregates into measurements: value and `n` (the value a median or p90 when the query asks
for that statistic, the mean beside it), Wilson intervals for survey rates, the change to the
previous period with its significance, the groups past the threshold ordered best first and
ranked honestly (see query/ranking.py) — or, for a trend, one row per bucket of the period in
time order, empty buckets included as "no data". A query in business hours first has the
tickets' business clock readings brought up to date with the configured calendars
(calendars/), and its answer names them.

`explain_change(query)` says where a change came from: per dimension examined, one statement
over both periods (sql/explain_change.py), each segment's contribution split into its rate and
mix effects (query/explanation/) — a business-hours query is explained in business hours.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime

import sqlalchemy as sa

from kpi_engine.calendars import (
    CalendarSet,
    configured_calendars,
    ensure_current,
    now_readings,
)
from kpi_engine.errors import UnknownNameError
from kpi_engine.metrics import Metric, get_metric, nearest
from kpi_engine.periods import Period, previous_period
from kpi_engine.periods.buckets import Bucket, trend_buckets
from kpi_engine.query import Change, Filter, GroupRow, KpiQuery, KpiResult, Measurement
from kpi_engine.query.explanation import (
    TOP_SEGMENTS,
    ChangeExplanation,
    Pair,
    Sums,
    build_explanation,
    examined_dimensions,
)
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
from kpi_engine.sql.explain_change import segments_statement, tag_statement
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
        # the business calendars stay in their own zone (the workspace's when not set apart)
        business_tz = self.settings.business_tz or self.settings.tz
        return KpiEngine(self.db, self.settings.model_copy(
            update={"tz": tz, "business_tz": business_tz}), clock=self._clock)

    def now(self) -> datetime:
        """The current instant in the workspace zone (`settings.now` pins it)."""
        return workspace_now(self.settings, self._clock)

    def metric(self, metric_id: str, *, business_hours: bool = False) -> Metric:
        """The registry entry under the workspace's chosen variant (counted in business hours
        when asked)."""
        metric = get_metric(metric_id)
        variant = {"fcr": self.settings.fcr_variant, "csat": self.settings.csat_variant}
        metric = metric.with_variant(variant.get(metric.id, ""))
        return metric.with_business_hours() if business_hours else metric

    def calendars(self) -> CalendarSet:
        """The configured business calendars, with every ticket's business clock readings
        brought up to date first when a calendar changed since they were computed."""
        calendars = configured_calendars(self.settings)
        ensure_current(self.db, calendars)
        return calendars

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

    def _context(self, calendars: CalendarSet | None = None) -> CompileContext:
        now = self.now()
        return CompileContext(
            backend=self.backend,
            now=now,
            default_target_seconds=self.settings.sla_seconds,
            target_rules=self.target_rules,
            business_now=now_readings(calendars, now) if calendars is not None else None,
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
        metric = self.metric(query.metric, business_hours=query.business_hours)
        context = self._context(self.calendars() if query.business_hours else None)
        statements = []
        for measured, period, buckets in self._statements(query):
            compiled = compile_statement(
                metric, measured, period, context, buckets=buckets).compile(self.db)
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

    def explain_change(self, query: KpiQuery, dimensions: Sequence[Dimension] | None = None,
                       *, top: int = TOP_SEGMENTS) -> ChangeExplanation:
        """Why the KPI changed from the previous period (`previous_period_of`) to the query's:
        the change split into each segment's contribution, for each of `dimensions` (default:
        the query's breakdown, else team, channel, tier, priority, agent and tag) — the
        records of both periods read once and grouped by each dimension, the tags (from each
        ticket's list) in a second statement (sql/explain_change.py). A
        dimension the query filters to one value is not split (the explanation says so); a
        query in business hours is explained in business hours; one that cannot be explained
        (a median, a trend) is a UserError."""
        if not query.explain_change:
            query = replace(query, explain_change=True)  # validates: KpiQuery refuses a trend …
        metric = self.metric(query.metric, business_hours=query.business_hours)
        previous = self.previous_period_of(query)
        examined, notes = examined_dimensions(query, dimensions)
        calendars = self.calendars() if query.business_hours else None
        context = self._context(calendars)
        statements = [segments_statement(metric, query, query.period, previous, examined,
                                         context)]
        if Dimension.TAG in examined:
            statements.append(tag_statement(metric, query, query.period, previous, context))
        joined = metric.survey_kind is not None
        totals, by_dimension = _segment_sums(self._rows_of(statements, lambda connection: (
            self.backend.before_explaining(connection, answers_joined=joined))), examined)
        if query.filters and totals.now.n == 0 and totals.before.n == 0:
            with self.db.connect() as connection:
                self._check_filter_values(connection, query.filters)
        return build_explanation(
            metric, query, previous, totals, by_dimension,
            definition=self.definition(metric), notes=notes, top=top,
            calendar=calendar_words(calendars, query) if calendars is not None else None)

    def _rows_of(self, statements: Sequence[sa.Executable],
                 prepare: Callable[[sa.Connection], None]) -> list:
        """The rows of `statements`, each after `prepare` on its connection: side by side on a
        database server (each on a connection of its own: the tags beside the other
        dimensions), one after the other on a file or in memory."""
        def rows(statement: sa.Executable) -> list:
            with self.db.connect() as connection:
                prepare(connection)
                return list(connection.execute(statement).mappings())

        if len(statements) > 1 and self.backend.pool_options:  # a server's pool
            with ThreadPoolExecutor(max_workers=len(statements)) as pool:
                return [row for found in pool.map(rows, statements) for row in found]
        return [row for statement in statements for row in rows(statement)]

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
        metrics = [self.metric(query.metric, business_hours=query.business_hours)
                   for query in queries]
        template = queries[0]
        calendars = self.calendars() if any(q.business_hours for q in queries) else None
        context = self._context(calendars)
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
        return [self._result(query, metric, current[2], now, previous, then, calendars)
                for query, metric, now, then in zip(queries, metrics, measured, before)]

    def _result(self, query: KpiQuery, metric: Metric, buckets: Sequence[Bucket],
                measured: tuple[Measurement, dict], previous: Period | None,
                before: tuple[Measurement | None, dict],
                calendars: CalendarSet | None = None) -> KpiResult:
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
            calendar=calendar_words(calendars, query) if query.business_hours else None,
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


def calendar_words(calendars: CalendarSet, query: KpiQuery) -> str:
    """The calendars a business-hours answer was counted on: those of the teams it keeps when
    it keeps some, else the workspace's and every team's own."""
    teams = next((f.values for f in query.filters
                  if f.dimension is Dimension.TEAM and not f.exclude), None)
    return calendars.describe(teams)


def _segment_sums(rows, dimensions: Sequence[Dimension]
                  ) -> tuple[Pair, dict[Dimension, dict[str | None, Pair]]]:
    """The totals and each dimension's segments' sums, from an explanation's statement."""
    totals = Pair(Sums(), Sums())
    by_dimension: dict[Dimension, dict[str | None, Pair]] = {d: {} for d in dimensions}
    for row in rows:
        pair = Pair(_sums(row, "now"), _sums(row, "before"))
        if row["dimension"] is None:
            totals = pair
        else:
            by_dimension[Dimension(row["dimension"])][_group_value(row["g0"])] = pair
    return totals, by_dimension


def _sums(row, suffix: str) -> Sums:
    def number(name: str) -> float:
        value = row.get(f"{name}_{suffix}")
        return 0.0 if value is None else float(value)

    return Sums(n=int(number("n")), successes=int(number("successes")),
                total=number("total"), total_sq=number("total_sq"))


def _unprefixed(row, prefix: str):
    """One metric's columns of a row measuring several, under their own names."""
    if not prefix:
        return row
    return {key[len(prefix):]: value for key, value in row.items() if key.startswith(prefix)}


def _group_value(value) -> str | None:
    return None if value is None else str(value)
