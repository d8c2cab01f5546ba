"""The fields of a digest definition, one reader each — its name, channel, local time, zone,
days, period, filters and KPIs (`DigestKpi`: a KPI with its target, threshold, change alert and
whether it is counted in business hours) — each raising ValueError (or a UserError with
suggestions) with what is wrong; definitions.py's `DigestDefinition.from_dict` collects them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kpi_engine.desk.ids import channel_id
from kpi_engine.digests.days import Days, parse_days
from kpi_engine.digests.rules import Bound, ChangeAlert, parse_bound, parse_change_alert
from kpi_engine.errors import UserError
from kpi_engine.metrics import Metric, get_metric
from kpi_engine.periods import CalendarUnit
from kpi_engine.query import Filter, parse_dimension
from kpi_engine.vocabulary import Dimension

MAX_KPIS = 12
MAX_NAME = 80
# The periods a digest can cover, each a whole calendar unit that has ended when it posts.
DIGEST_PERIODS: dict[str, CalendarUnit] = {
    "yesterday": CalendarUnit.DAY, "last week": CalendarUnit.WEEK,
    "last month": CalendarUnit.MONTH,
}
FIELDS = ("name", "channel", "at", "tz", "days", "period", "where", "kpis")
RULE_FIELDS = ("target", "threshold", "change_alert")


@dataclass(frozen=True, kw_only=True)
class DigestKpi:
    """One KPI of a digest, with its optional target, threshold and change alert, counted in
    business hours when `business_hours`."""

    metric: str
    target: Bound | None = None
    threshold: Bound | None = None
    change_alert: ChangeAlert | None = None
    business_hours: bool = False

    @property
    def metric_entry(self) -> Metric:
        return get_metric(self.metric)

    @property
    def alerts(self) -> bool:
        return self.threshold is not None or self.change_alert is not None

    def to_dict(self) -> str | dict[str, str]:
        """The bare metric id, or a mapping with its rules."""
        metric = self.metric_entry
        rules = {}
        if self.target is not None:
            rules["target"] = self.target.to_text(metric)
        if self.threshold is not None:
            rules["threshold"] = self.threshold.to_text(metric)
        if self.change_alert is not None:
            rules["change_alert"] = self.change_alert.to_text(metric)
        if self.business_hours:
            rules["business_hours"] = True
        return {"metric": self.metric, **rules} if rules else self.metric


_TIME = re.compile(r"^(?P<h>\d{1,2})(?::(?P<m>\d{2}))?\s*(?P<half>am|pm)?$", re.I)


def name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def read_name(value: Any) -> str:
    name = " ".join(str(value).split())
    if len(name) > MAX_NAME:
        raise ValueError(f"at most {MAX_NAME} characters")
    if any(not character.isprintable() for character in name):
        raise ValueError("control characters are not allowed")
    return name


def read_channel(value: Any) -> str:
    found = channel_id(value)
    if found is None:
        raise ValueError(f"{value!r} is not a Slack channel id: use the id (C…) from the "
                         "channel's details, or pick the channel in Slack")
    return found


def read_time(value: Any) -> time:
    if isinstance(value, time):
        return value.replace(second=0, microsecond=0, tzinfo=None)
    if isinstance(value, int) and not isinstance(value, bool):  # YAML reads 09:00 as minutes
        value = f"{value // 60}:{value % 60:02d}"
    found = _TIME.match(str(value).strip())
    hour = int(found["h"]) if found else -1
    minute = int(found["m"] or 0) if found else -1
    if found and found["half"]:
        if not 1 <= hour <= 12:
            hour = -1
        else:
            hour = hour % 12 + (12 if found["half"].lower() == "pm" else 0)
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise ValueError(f"{value!r} is not a time of day such as 09:00 or 17:30")
    return time(hour, minute)


def read_zone(value: Any) -> str:
    text = str(value).strip()
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {text!r}: use an IANA name such as Europe/Berlin "
                         "or America/New_York") from None
    return text


def read_days(value: Any) -> Days:
    return parse_days(value)


def read_period(value: Any) -> str:
    period = " ".join(str(value).lower().split())
    if period not in DIGEST_PERIODS:
        raise ValueError(f"{value!r}: a digest covers {', '.join(DIGEST_PERIODS)}")
    return period


def read_filters(value: Any) -> tuple[Filter, ...]:
    if isinstance(value, Mapping):
        items = []
        for dimension, values in value.items():
            listed = values if isinstance(values, list | tuple) else str(values).split(",")
            items.append(Filter(dimension=parse_dimension(str(dimension)),
                                values=tuple(str(v) for v in listed)))
    elif isinstance(value, list | tuple):
        items = [Filter.parse(str(item)) for item in value]
    else:
        items = [Filter.parse(part) for part in str(value).replace(";", " ").split()]
    if any(f.dimension is Dimension.KIND for f in items):
        raise ValueError("a digest cannot filter by survey kind: it shows the survey "
                         "response rate of each kind beside CSAT and CES")
    if len({f.dimension for f in items}) != len(items):
        raise ValueError("a dimension is filtered twice; give its values once, comma-separated")
    return tuple(items)


def read_kpis(value: Any) -> tuple[DigestKpi, ...]:
    entries = value if isinstance(value, list | tuple) else \
        [part.strip() for part in str(value).split(",") if part.strip()]
    if not entries:
        raise ValueError("name at least one KPI")
    kpis = [_kpi(entry) for entry in entries]
    if len(kpis) > MAX_KPIS:
        raise ValueError(f"at most {MAX_KPIS} KPIs in one digest (split it in two)")
    seen = [kpi.metric for kpi in kpis]
    twice = sorted({metric for metric in seen if seen.count(metric) > 1})
    if twice:
        raise ValueError(f"{', '.join(twice)} named twice")
    return tuple(kpis)


def _kpi(entry: Any) -> DigestKpi:
    if isinstance(entry, str):
        return DigestKpi(metric=get_metric(entry).id)
    if not isinstance(entry, Mapping) or "metric" not in entry:
        raise ValueError(f"{entry!r}: a KPI is a name, or a table with metric and its rules")
    extra = sorted(set(entry) - {"metric", "target", "threshold", "change_alert",
                                 "business_hours"})
    if extra:
        raise ValueError(f"{', '.join(extra)}: a KPI has metric, target, threshold, "
                         "change_alert and business_hours")
    metric = get_metric(str(entry["metric"]))
    rules: dict[str, Any] = {}
    for rule in ("target", "threshold"):
        if entry.get(rule) not in (None, ""):
            try:
                rules[rule] = parse_bound(str(entry[rule]), metric)[1]
            except (ValueError, UserError) as problem:
                reason = getattr(problem, "message", None) or str(problem)
                raise ValueError(f"{metric.id} {rule}: {reason}") from None
    if entry.get("change_alert") not in (None, ""):
        try:
            rules["change_alert"] = parse_change_alert(metric, entry["change_alert"])
        except ValueError as problem:
            raise ValueError(f"{metric.id} change alert: {problem}") from None
    business_hours = entry.get("business_hours", False)
    if business_hours not in (True, False, None):
        raise ValueError(f"{metric.id} business_hours: true or false, not {business_hours!r}")
    if business_hours and metric.business_hours is None:
        raise ValueError(f"{metric.id} is not counted in business hours: business hours apply "
                         "to frt, resolution_time and service_level")
    return DigestKpi(metric=metric.id, business_hours=bool(business_hours), **rules)

