"""First-response targets: the default (KPIBOT_SLA_SECONDS) and the rules per channel and
priority (KPIBOT_SLA_TARGETS: `chat=120,phone=20,email/urgent=1800`) — read from settings,
said in words for the "how computed" line, and as the SQL of each ticket's target for the
service level.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from kpi_engine.errors import UserError
from kpi_engine.vocabulary import CHANNELS, PRIORITIES


@dataclass(frozen=True, kw_only=True)
class TargetRule:
    """A first-response target for tickets of a channel and/or priority."""

    seconds: int
    channel: str | None = None
    priority: str | None = None


def response_target(t: sa.FromClause, rules: tuple[TargetRule, ...],
                    default_seconds: int) -> sa.ColumnElement:
    """The first-response target of each ticket: the most specific rule, else the default."""
    if not rules:
        return sa.literal(default_seconds)
    rules = sorted(rules, key=lambda r: (r.channel is None) + (r.priority is None))
    whens = []
    for rule in rules:
        conditions = []
        if rule.channel is not None:
            conditions.append(t.c.channel == rule.channel)
        if rule.priority is not None:
            conditions.append(t.c.priority == rule.priority)
        whens.append((sa.and_(*conditions), rule.seconds))
    return sa.case(*whens, else_=default_seconds)


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
            f"{'/'.join(p for p in (rule.channel, rule.priority) if p)} "
            f"{format_duration(rule.seconds)}"
            for rule in rules
        ]
        text += f" ({', '.join(parts)})"
    return text
