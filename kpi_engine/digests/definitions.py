"""Digest definitions: what a scheduled digest posts, where, when — and the rules on its KPIs.

A `DigestDefinition` is a name, a Slack channel, a local time and zone, the days it runs
(`Days`: every day, weekdays, named days of the week — `mon,thu` — or one day of each month,
`monthly:1`; "the 31st" runs on the last day of a shorter month), the period it covers
(yesterday, last week or last month), filters, and its KPIs. Each KPI may carry

- a target, the goal the digest judges it against ("fcr >= 75%": met / missed);
- a threshold, the floor an alert watches ("fcr >= 65%": an alert when it no longer holds);
- a change alert, a move for the worse large enough to tell ("csat: 10pts" against the
  previous 7 days, only when larger than noise);
- `business_hours`, for a time (frt, resolution_time, service_level): counted in business
  hours only (`{metric: frt, business_hours: true}`); its target stays `frt <= 1h`.

Targets and thresholds are written as the healthy condition, in the KPI's unit (the rule
language is rules.py): `75%` or `0.75` for rates, `1h`, `30min`, `90s` for times,
plain numbers for counts and scores.

`DigestDefinition.from_dict` is the one validation: command-line flags, the Slack modal, YAML
and TOML files and the database all go through it, so a stored definition is a valid one.
Every problem is collected by field in `DigestInvalid.errors`, for the modal to show beside
its input and the command line to list.

The parts live beside this module: the days a digest runs in days.py, the reading of each
field (and `DigestKpi`) in fields.py, the rule language in rules.py; their public names are
importable from here as well.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import time
from typing import Any
from zoneinfo import ZoneInfo

from kpi_engine.digests.days import MAX_MONTH_DAY, Days, ordinal, parse_days
from kpi_engine.digests.fields import (
    DIGEST_PERIODS,
    MAX_KPIS,
    MAX_NAME,
    RULE_FIELDS,
    DigestKpi,
    name_key,
    read_channel,
    read_days,
    read_filters,
    read_kpis,
    read_name,
    read_period,
    read_time,
    read_zone,
)
from kpi_engine.digests.rules import parse_bound, parse_change_alert
from kpi_engine.errors import UserError
from kpi_engine.metrics import get_metric
from kpi_engine.periods import CalendarUnit
from kpi_engine.query import Filter

__all__ = ["DIGEST_PERIODS", "FIELDS", "MAX_KPIS", "MAX_MONTH_DAY", "MAX_NAME", "RULE_FIELDS",
           "Days", "DigestDefinition", "DigestInvalid", "DigestKpi", "definition_from_parts",
           "name_key", "ordinal", "parse_days"]

FIELDS = ("name", "channel", "at", "tz", "days", "period", "where", "kpis")


class DigestInvalid(UserError):
    """A digest definition with problems; `errors` maps each field to what is wrong with it."""

    def __init__(self, errors: Mapping[str, str], suggestions: Iterable[str] = ()) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{name}: {problem}" for name, problem in self.errors.items()),
                         list(suggestions))


@dataclass(frozen=True, kw_only=True)
class DigestDefinition:
    """A scheduled digest. `id` is given by the store (None before it is stored)."""

    name: str
    channel_id: str
    at: time
    tz: str
    kpis: tuple[DigestKpi, ...]
    days: Days = Days.DAILY
    period: str = "yesterday"
    filters: tuple[Filter, ...] = ()
    id: str | None = field(default=None, compare=False)

    @property
    def key(self) -> str:
        """The name as names are compared: case folded."""
        return name_key(self.name)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)

    @property
    def unit(self) -> CalendarUnit:
        return DIGEST_PERIODS[self.period]

    def to_dict(self) -> dict[str, Any]:
        """The definition as a YAML/TOML file entry (what `from_dict` reads back)."""
        data: dict[str, Any] = {
            "name": self.name, "channel": self.channel_id, "at": self.at.strftime("%H:%M"),
            "tz": self.tz, "days": self.days.value, "period": self.period,
        }
        if self.filters:
            data["where"] = {f.dimension.value: list(f.values) for f in self.filters}
        data["kpis"] = [kpi.to_dict() for kpi in self.kpis]
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, default_tz: str = "UTC",
                  digest_id: str | None = None) -> DigestDefinition:
        """Validate a definition given as a mapping; DigestInvalid lists every problem."""
        if not isinstance(data, Mapping):
            raise DigestInvalid({"digest": "a digest is a table of name, channel, at, kpis, …"})
        errors: dict[str, str] = {}
        unknown = sorted(set(data) - set(FIELDS))
        if unknown:
            errors["digest"] = (f"unknown field{'s' if len(unknown) > 1 else ''} "
                                f"{', '.join(map(repr, unknown))}: the fields are "
                                f"{', '.join(FIELDS)}")

        def read(name: str, parse, default=None):
            value = data.get(name)
            if value is None or (isinstance(value, str) and not value.strip()):
                if default is not None:
                    return default
                errors[name] = "missing"
                return None
            try:
                return parse(value)
            except UserError as problem:
                hint = f" (did you mean {' or '.join(problem.suggestions[:3])}?)" \
                    if problem.suggestions else ""
                errors[name] = problem.message + hint
            except ValueError as problem:
                errors[name] = str(problem)
            return None

        name = read("name", read_name)
        channel = read("channel", read_channel)
        at = read("at", read_time)
        tz = read("tz", read_zone, default_tz)
        days = read("days", read_days, Days.DAILY)
        period = read("period", read_period, "yesterday")
        filters = read("where", read_filters, ())
        kpis = read("kpis", read_kpis)
        if errors:
            raise DigestInvalid(errors)
        return cls(name=name, channel_id=channel, at=at, tz=tz, days=days, period=period,
                   filters=filters, kpis=kpis, id=digest_id)


_CHANGE_RULE = re.compile(r"^\s*(?P<metric>[A-Za-z][\w ]*?)\s*[: ]\s*(?P<amount>\S.*?)\s*$")


def definition_from_parts(fields: Mapping[str, Any], kpis: Iterable[str], *,
                          targets: Iterable[str] = (), thresholds: Iterable[str] = (),
                          change_alerts: Iterable[str] = (), business_hours: Iterable[str] = (),
                          default_tz: str = "UTC",
                          digest_id: str | None = None) -> DigestDefinition:
    """A definition from the way people type one (command-line flags, the Slack modal): the
    KPIs by name, and the rules as lines naming their KPI — `fcr >= 75%` for targets and
    thresholds, `csat: 10pts` for change alerts —, and the KPIs counted in business hours. A
    rule's problems are reported under "targets", "thresholds", "change_alerts" or
    "business_hours"; the rest as `from_dict` reports them."""
    entries: dict[str, dict[str, str]] = {}
    for item in filter(None, (str(part).strip() for part in kpis)):
        try:
            metric_id = get_metric(item).id
        except UserError:  # reported by from_dict with everything else
            metric_id = item
        entries.setdefault(metric_id, {"metric": metric_id})
    errors: dict[str, str] = {}
    for group, rule, lines in (("targets", "target", targets),
                               ("thresholds", "threshold", thresholds),
                               ("change_alerts", "change_alert", change_alerts)):
        for line in filter(None, (str(text).strip() for text in lines)):
            try:
                if rule == "change_alert":
                    found = _CHANGE_RULE.match(line)
                    if found is None:
                        raise ValueError(f"{line!r} is not KPI: AMOUNT, such as 'csat: 10pts'")
                    metric, amount = get_metric(found["metric"]), found["amount"]
                    parse_change_alert(metric, amount)
                else:
                    metric, _ = parse_bound(line)
                    amount = line
            except (ValueError, UserError) as problem:
                errors[group] = getattr(problem, "message", None) or str(problem)
                continue
            if metric.id not in entries:
                errors[group] = f"{line!r} is about {metric.id}, which is not among the KPIs"
                continue
            entries[metric.id][rule] = amount
    for item in filter(None, (str(part).strip() for part in business_hours)):
        try:
            metric = get_metric(item)
        except UserError as problem:
            errors["business_hours"] = problem.message
            continue
        if metric.id not in entries:
            errors["business_hours"] = f"{metric.id} is not among the KPIs"
            continue
        entries[metric.id]["business_hours"] = True
    data = dict(fields) | {"kpis": [entry if len(entry) > 1 else entry["metric"]
                                    for entry in entries.values()] or None}
    try:
        definition = DigestDefinition.from_dict(data, default_tz=default_tz,
                                                digest_id=digest_id)
    except DigestInvalid as invalid:
        raise DigestInvalid(invalid.errors | errors, invalid.suggestions) from None
    if errors:
        raise DigestInvalid(errors)
    return definition
