"""Running queries: `KpiEngine.run(query)` → `KpiResult`, `explain(query)` → the SQL.

The engine compiles a query (see compile.py), executes one statement per period, and turns the
aggregates into measurements: value and `n`, Wilson intervals for survey rates, the change to
the previous period with its significance, groups ordered best first — or, for a trend, one
row per bucket of the period in time order, empty buckets included as "no data".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from decimal import Decimal

import sqlalchemy as sa

from kpi_engine import stats
from kpi_engine.buckets import Bucket, trend_buckets
from kpi_engine.compile import PERCENTILES, CompileContext, TargetRule, compile_statement, key_count
from kpi_engine.dialects import SqlDialect
from kpi_engine.errors import UnknownNameError, UserError
from kpi_engine.metrics import Metric, get_metric
from kpi_engine.periods import Period, previous_period
from kpi_engine.query import Change, Filter, GroupRow, KpiQuery, KpiResult, Measurement
from kpi_engine.schema import ticket_tags, tickets
from kpi_engine.settings import Settings
from kpi_engine.vocabulary import CHANNELS, PRIORITIES, Aggregation, Anchor, Dimension, Direction

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(timezone.utc)


def workspace_now(settings: Settings, clock: Clock = system_clock) -> datetime:
    """The current instant in the workspace zone; `settings.now` pins it."""
    return (settings.now or clock()).astimezone(settings.zone)


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
        self.dialect = SqlDialect(db.dialect.name)
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

    def definition(self, metric: Metric) -> str:
        """The one-line "how was this computed", naming a variant chosen in settings."""
        text = metric.definition.format(target=format_target(self.settings.sla_seconds, self.target_rules))
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
            dialect=self.dialect,
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
        return Explanation(definition=self.definition(metric), statements=tuple(statements))

    def run(self, query: KpiQuery) -> KpiResult:
        """Compute the query: one statement for its period, one more for a comparison."""
        metric = self.metric(query.metric)
        context = self._context()
        current, *earlier = self._statements(query)
        previous: Period | None = None
        previous_total, previous_groups = None, {}
        with self.db.connect() as connection:
            total, groups = self._measure(connection, metric, *current, context)
            if total.n == 0 and query.filters:
                self._check_filter_values(connection, query.filters)
            if earlier:
                previous = earlier[0][1]
                previous_total, previous_groups = self._measure(
                    connection, metric, *earlier[0], context
                )

        def change_from(before: Measurement | None, now: Measurement) -> Change | None:
            if previous is None:
                return None
            before = before if before is not None else empty_measurement(metric)
            return compare(metric, now, query.period, before, previous)

        if query.trend is not None:
            rows = trend_rows(metric, query, current[2], groups)
        else:
            rows = [
                GroupRow(
                    group=tuple(zip((d.value for d in query.group_by), key)),
                    current=measurement,
                    change=change_from(previous_groups.get(key), measurement),
                )
                for key, measurement in groups.items()
            ]
            rows.sort(key=lambda row: best_first(metric, row, worst=query.worst_first))
        return KpiResult(
            query=query,
            metric=metric,
            current=total,
            period=query.period,
            rows=tuple(rows[: query.limit] if query.limit else rows),
            groups_total=len(rows),
            previous_period=previous,
            change=change_from(previous_total, total),
            definition=self.definition(metric),
        )

    def _measure(self, connection, metric: Metric, query: KpiQuery, period: Period,
                 buckets: Sequence[Bucket], context):
        statement = compile_statement(metric, query, period, context, buckets=buckets)
        total = empty_measurement(metric)
        groups: dict[tuple, Measurement] = {}
        for row in connection.execute(statement).mappings():
            measurement = measurement_from_row(metric, row)
            if row["is_total"]:
                total = measurement
            elif query.trend is not None:
                groups[(int(row["g0"]),)] = measurement
            else:
                key = tuple(_group_value(row[f"g{i}"]) for i in range(key_count(query)))
                groups[key] = measurement
        return total, groups

    def _check_filter_values(self, connection: sa.Connection, filters: Iterable[Filter]) -> None:
        """A filter value that no ticket has is an error with the nearest values, not "no data"."""
        for condition in filters:
            if condition.dimension not in (Dimension.TEAM, Dimension.AGENT, Dimension.TAG, Dimension.CUSTOMER):
                continue
            column = ticket_tags.c.tag if condition.dimension is Dimension.TAG else tickets.c[condition.dimension.value]
            lowered = [value.lower() for value in condition.values]
            found = connection.execute(
                sa.select(sa.func.lower(column)).where(sa.func.lower(column).in_(lowered)).distinct()
            ).scalars().all()
            missing = [value for value in condition.values if value.lower() not in found]
            if not missing:
                continue
            known: list[str] = []
            if condition.dimension is not Dimension.CUSTOMER:
                known = [v for v in connection.execute(sa.select(column).distinct().limit(5000)).scalars() if v]
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


def nearest(word: str, choices: list[str], limit: int = 3) -> list[str]:
    """The choices closest to `word`, best first (fuzzy)."""
    from rapidfuzz import fuzz, process

    return [choice for choice, score, _ in process.extract(word, choices, scorer=fuzz.WRatio, limit=limit) if score >= 50]


def _number(value) -> float | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return float(value)
    return value


def _group_value(value) -> str | None:
    return None if value is None else str(value)


def empty_measurement(metric: Metric) -> Measurement:
    return Measurement(value=None, n=0, successes=0 if metric.aggregation is Aggregation.SHARE else None)


def measurement_from_row(metric: Metric, row) -> Measurement:
    """The aggregates of one result row as a Measurement (value None when n is 0)."""
    n = int(row["n"] or 0)
    if n == 0:
        return empty_measurement(metric)
    successes = variance = interval = None
    match metric.aggregation:
        case Aggregation.COUNT:
            value: float = n
        case Aggregation.MEAN:
            value = float(_number(row["value"]))
            if "sum_sq" in row:
                variance = stats.sample_variance(value * n, float(_number(row["sum_sq"])), n)
        case Aggregation.SHARE:
            successes = int(row["successes"])
            value = successes / n
            if metric.has_wilson_interval:
                interval = stats.wilson_interval(successes, n)
    details = tuple((d.name, _number(row[f"d_{d.name}"])) for d in metric.details)
    percentiles = tuple(
        (name, _number(row[f"p_{name}"])) for name, _ in PERCENTILES if f"p_{name}" in row
    )
    return Measurement(
        value=value, n=n, successes=successes, variance=variance, interval=interval,
        details=details, percentiles=percentiles,
    )


def compare(
    metric: Metric, current: Measurement, period: Period, previous: Measurement, previous_period: Period
) -> Change:
    """The change from `previous` to `current`, and whether it is larger than noise."""
    if current.value is None or previous.value is None:
        return Change(previous=previous, difference=None, significant=None)
    difference = current.value - previous.value
    match metric.aggregation:
        case Aggregation.SHARE:
            test = stats.two_proportion_test(previous.successes, previous.n, current.successes, current.n)
        case Aggregation.MEAN:
            if current.variance is None or previous.variance is None:
                test = stats.ChangeTest(None, None, None)
            else:
                test = stats.welch_test(
                    previous.value, previous.variance, previous.n,
                    current.value, current.variance, current.n,
                )
        case Aggregation.COUNT:
            if metric.anchor is Anchor.PERIOD_END:  # a level, not a rate: no test applies
                test = stats.ChangeTest(None, None, None)
            else:
                test = stats.poisson_rate_test(
                    previous.n, _seconds(previous_period), current.n, _seconds(period)
                )
    return Change(previous=previous, difference=difference, significant=test.significant)


def _seconds(period: Period) -> float:
    return max((period.end - period.start).total_seconds(), 1.0)


def best_first(metric: Metric, row: GroupRow, *, worst: bool = False):
    """Sort key: groups with data first, best value first by the metric's direction (worst
    first when `worst`); the larger group first among equal values."""
    value = row.current.value
    if value is None:
        return (1, 0.0, 0, row.group)
    signed = value if metric.direction is Direction.LOWER else -value
    return (0, -signed if worst else signed, -row.current.n, tuple(v or "" for _, v in row.group))


def parse_target_rules(text: str) -> tuple[TargetRule, ...]:
    """`chat=120,phone=20,email/urgent=1800,urgent=900` → first-response target rules."""
    rules = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        key, sep, seconds = item.partition("=")
        channel = priority = None
        for word in filter(None, key.strip().lower().split("/")):
            if word in CHANNELS:
                channel = word
            elif word in PRIORITIES:
                priority = word
            else:
                raise UserError(
                    f"KPIBOT_SLA_TARGETS: {word!r} is neither a channel nor a priority",
                    [*CHANNELS, *PRIORITIES],
                )
        if not sep or not seconds.strip().isdigit() or (channel is None and priority is None):
            raise UserError(
                f"KPIBOT_SLA_TARGETS: {item!r} is not CHANNEL[/PRIORITY]=SECONDS",
                ["chat=120,phone=20,email/urgent=1800"],
            )
        rules.append(TargetRule(seconds=int(seconds), channel=channel, priority=priority))
    return tuple(rules)


def format_target(default_seconds: int, rules: tuple[TargetRule, ...]) -> str:
    from kpi_engine.formatting import format_duration

    text = format_duration(default_seconds)
    if rules:
        parts = [
            f"{'/'.join(p for p in (rule.channel, rule.priority) if p)} {format_duration(rule.seconds)}"
            for rule in rules
        ]
        text += f" ({', '.join(parts)})"
    return text
