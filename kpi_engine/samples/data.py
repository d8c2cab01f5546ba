"""A realistic, deterministic support-desk dataset for the demo and the benchmarks.

`generate(spec)` streams canonical ticket rows (and each ticket's survey rows) in `created_at`
order; `write_csv` writes them as the two canonical CSV files that `kpibot import` reads. The
same `SampleSpec` always gives byte-identical output, and memory stays flat however many
tickets are asked for: only per-hour tables of the period and a few small rings of recent
customers are kept.

What makes it look like a real desk (every KPI of kpi-definitions.md has data):

- Volume: weekdays busier than weekends (a weekend day gets about a third of a weekday), a
  daily curve peaking late morning in the desk's local zone (`SampleSpec.tz`), a mild upward
  trend, day-to-day noise, and one "outage" week: a volume spike with tickets tagged `outage`,
  more complaints, more urgent tickets, and slower first replies.
- Channels chat 35%, email 35%, phone 15%, web 8%, social 5%, slack 2%; priorities
  low/normal/high/urgent 20/55/18/7%; entry tier 1/2/3 about 65/25/10% (the tier of the
  ticket's agent, see `desk.AGENTS`). The team is the agent's team.
- First replies in seconds (phone) or minutes (chat) up to hours (email, web; those wait for
  business hours); about 3% never answered. Solved minutes to days later; about 2% still new,
  open or pending at `spec.end`, most of them from the last days. Solved tickets older than four
  days are `closed`, as helpdesks auto-close them.
- Agents differ: a couple of strong ones (better FCR and CSAT), a couple of weaker ones.
- Customers come back: a pool of about tickets/3 customers, plus unhappy customers returning
  within days, so next-issue avoidance has both outcomes.
- Surveys for solved, answered tickets: a CSAT request (with a CES question alongside) for
  about 60% of slack/chat/email tickets, about 35% answered; an NPS request for about 10% of
  solved tickets. Scores follow the ticket's experience (reopens, escalations, slow replies,
  complaints score lower).

Source: tickets of the slack channel come from source `slack`, the others from `zendesk`
(unless a `source` is given for all rows); a survey row carries its ticket's source.
Timestamps are whole seconds, written as ISO 8601 with the local offset of `spec.tz`; nothing is
later than `spec.end`.

Standard library only.
"""

from __future__ import annotations

import csv
import math
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from kpi_engine.samples import desk
from kpi_engine.samples.desk import AGENTS, TAGS, TEAMS  # noqa: F401 (the public API)

TICKET_COLUMNS: tuple[str, ...] = (
    "id",
    "created_at",
    "first_response_at",
    "solved_at",
    "status",
    "channel",
    "priority",
    "tier",
    "team",
    "agent",
    "customer",
    "agent_replies",
    "customer_messages",
    "reopens",
    "escalated",
    "handle_time_seconds",
    "hold_time_seconds",
    "tags",
    "source",
)

SURVEY_COLUMNS: tuple[str, ...] = (
    "ticket_id",
    "kind",
    "sent_at",
    "score",
    "responded_at",
    "comment",
    "source",
)


@dataclass(frozen=True)
class SampleSpec:
    """What to generate: `tickets` tickets created in the `days` days before `end`."""

    tickets: int = 20_000
    end: datetime = field(kw_only=True)
    days: int = 120
    seed: int = 7
    tz: str = "UTC"  # the desk's local zone: the daily and weekly rhythm follow local hours

    def __post_init__(self) -> None:
        if self.end.tzinfo is None or self.end.utcoffset() is None:
            raise ValueError("SampleSpec.end must be an aware datetime")
        if self.tickets < 0:
            raise ValueError("SampleSpec.tickets must be >= 0")
        if self.days < 1:
            raise ValueError("SampleSpec.days must be >= 1")
        ZoneInfo(self.tz)  # raises for an unknown zone


# ---------------------------------------------------------------------------------------------
# Choice tables: a weighted choice is one random() and one list index.

_TABLE_SIZE = 1000


def _table(items: Sequence, weights: Sequence[float], size: int = _TABLE_SIZE) -> list:
    """A list of `size` entries where each item appears in proportion to its weight
    (largest-remainder rounding), so that `table[int(random() * size)]` is a weighted choice."""
    total = float(sum(weights))
    exact = [w * size / total for w in weights]
    counts = [int(x) for x in exact]
    by_remainder = sorted(range(len(items)), key=lambda i: (-(exact[i] - counts[i]), i))
    for i in by_remainder[: size - sum(counts)]:
        counts[i] += 1
    table: list = []
    for item, count in zip(items, counts):
        table.extend([item] * count)
    return table


def _score(z: float, cuts: tuple[float, ...]) -> int:
    """The number of thresholds below `z` (0 .. len(cuts))."""
    score = 0
    for cut in cuts:
        if z < cut:
            break
        score += 1
    return score


def _customer_id(index: int) -> str:
    """The id of customer `index`: mostly `cust-NNNNNN`, one in four an email address."""
    if index % 4 != 3:
        return f"cust-{index:06d}"
    j = index // 4
    nf, nl = len(desk.FIRST_NAMES), len(desk.LAST_NAMES)
    first, last = desk.FIRST_NAMES[j % nf], desk.LAST_NAMES[(j // nf) % nl]
    number = j // (nf * nl)
    return f"{first}.{last}{number or ''}@{desk.EMAIL_DOMAINS[j % len(desk.EMAIL_DOMAINS)]}"


class _Formatter:
    """ISO 8601 text of integer epoch seconds in a zone, equal to
    `datetime.fromtimestamp(ts, zone).isoformat()`, with the expensive part cached per hour."""

    def __init__(self, zone: ZoneInfo) -> None:
        self._zone = zone
        self._offsets: dict[int, tuple[int, str]] = {}
        self._prefixes: dict[int, str] = {}

    def __call__(self, ts: int) -> str:
        hour = ts // 3600
        entry = self._offsets.get(hour)
        if entry is None:
            entry = self._offset(hour)
        local = ts + entry[0]
        local_hour, rest = divmod(local, 3600)
        prefix = self._prefixes.get(local_hour)
        if prefix is None:
            moment = datetime.fromtimestamp(local_hour * 3600, timezone.utc)
            prefix = moment.strftime("%Y-%m-%dT%H:")
            self._prefixes[local_hour] = prefix
        minute, second = divmod(rest, 60)
        return f"{prefix}{minute:02d}:{second:02d}{entry[1]}"

    def _offset(self, hour: int) -> tuple[int, str]:
        moment = datetime.fromtimestamp(hour * 3600, self._zone)
        offset = moment.utcoffset() or timedelta(0)
        seconds = int(offset.total_seconds())
        suffix = moment.isoformat()[19:]  # "+HH:MM" (or "+HH:MM:SS" for odd historic offsets)
        entry = (seconds, suffix)
        self._offsets[hour] = entry
        return entry


class _Calendar:
    """Per-hour tables of the generated range: how many tickets each hour gets, its local
    day, the outage level of that day, and when the asynchronous queues next open."""

    def __init__(self, spec: SampleSpec, rng: random.Random) -> None:
        zone = ZoneInfo(spec.tz)
        self.end = spec.end.timestamp()
        self.start = self.end - spec.days * 86400
        first_hour = math.floor(self.start / 3600)
        last_hour = math.ceil(self.end / 3600)  # exclusive
        horizon = last_hour + 24 * 5  # business hours looked up past the end
        self.hour0 = first_hour
        self.slot_count = last_hour - first_hour

        first_day = None
        day_of_slot: list[int] = []
        weekday_of_slot: list[int] = []
        local_hour_of_slot: list[int] = []
        business: list[bool] = []
        for hour in range(first_hour, horizon):
            local = datetime.fromtimestamp(hour * 3600 + 1800, zone)
            if first_day is None:
                first_day = local.toordinal()
            day_of_slot.append(local.toordinal() - first_day)
            weekday_of_slot.append(local.weekday())
            local_hour_of_slot.append(local.hour)
            opening, closing = desk.WEEKDAY_OPEN if local.weekday() < 5 else desk.WEEKEND_OPEN
            business.append(opening <= local.hour < closing)
        self.day_of_slot = day_of_slot
        self.business = business

        # When the next business hour starts, for slots outside business hours.
        next_open: list[int | None] = [None] * len(business)
        upcoming = horizon * 3600
        for k in range(len(business) - 1, -1, -1):
            if business[k]:
                upcoming = (first_hour + k) * 3600
            else:
                next_open[k] = upcoming
        self.next_open = next_open

        days_spanned = day_of_slot[self.slot_count - 1] + 1
        weekday_of_day = {day: weekday_of_slot[k] for k, day in enumerate(day_of_slot)}
        # The outage week starts on a weekday 55-70% of the way through the range.
        outage_day = rng.randint(int(days_spanned * 0.55), int(days_spanned * 0.70))
        while weekday_of_day.get(outage_day, 0) >= 3:  # starts Monday to Wednesday
            outage_day += 1
        self.outage_day = outage_day
        self.outage_by_day = {outage_day + i: level for i, level in enumerate(desk.OUTAGE_LEVELS)}

        day_noise = [math.exp(rng.gauss(0.0, 0.08)) for _ in range(days_spanned + 2)]
        weights: list[float] = []
        for k in range(self.slot_count):
            slot_start = (first_hour + k) * 3600
            overlap = min(slot_start + 3600, self.end) - max(slot_start, self.start)
            if overlap <= 0:
                weights.append(0.0)
                continue
            day = day_of_slot[k]
            curve = desk.WEEKDAY_HOURS if weekday_of_slot[k] < 5 else desk.WEEKEND_HOURS
            base = curve[local_hour_of_slot[k]]
            progress = (slot_start - self.start) / (self.end - self.start)
            trend = 1.0 + 0.2 * progress
            outage = 1.0 + 0.9 * self.outage_by_day.get(day, 0.0)
            noise = day_noise[day] * math.exp(rng.gauss(0.0, 0.1))
            weights.append(base * trend * outage * noise * overlap / 3600)
        self.weights = weights

    def counts(self, tickets: int) -> list[int]:
        """Tickets per hour slot, in proportion to the weights, summing to `tickets`."""
        total = sum(self.weights)
        counts: list[int] = []
        cumulative, previous = 0.0, 0
        for weight in self.weights:
            cumulative += weight
            target = round(tickets * cumulative / total) if total else 0
            counts.append(target - previous)
            previous = target
        counts[-1] += tickets - previous
        return counts


def generate(
    spec: SampleSpec, *, source: str | None = None
) -> Iterator[tuple[dict, list[dict]]]:
    """Yield `(ticket_row, survey_rows)` for each ticket in `created_at` order.

    Both are dicts of strings keyed by TICKET_COLUMNS / SURVEY_COLUMNS (in that order), ready
    for csv; an empty value is "". `survey_rows` holds 0 to 3 requests of the ticket (csat, ces,
    nps), each with its answer when there is one. `source`, if given, is the source of every
    row (instead of `slack` for slack tickets and `zendesk` for the others); the rest of the
    data does not depend on it."""
    rng = random.Random(spec.seed)
    calendar = _Calendar(spec, rng)
    if spec.tickets == 0:
        return
    fmt = _Formatter(ZoneInfo(spec.tz))

    rand = rng.random
    gauss = rng.gauss
    exp = math.exp
    log = math.log
    end = calendar.end
    start = calendar.start
    span_days = spec.days
    first_second = math.ceil(start)

    channels_t = _table(list(desk.CHANNEL_WEIGHTS), list(desk.CHANNEL_WEIGHTS.values()))
    priorities_t = _table(list(desk.PRIORITY_WEIGHTS), list(desk.PRIORITY_WEIGHTS.values()))
    tiers_t = _table(list(desk.TIER_WEIGHTS), list(desk.TIER_WEIGHTS.values()))
    n_tags_t = _table(list(desk.TAG_COUNT_WEIGHTS), list(desk.TAG_COUNT_WEIGHTS.values()))
    agents_by_tier: dict[int, list] = {}
    technical_by_tier: dict[int, list] = {}
    for tier in desk.TIER_WEIGHTS:
        members = [
            (name, team, str(tier), quality)
            for name, (team, agent_tier, _, quality) in desk.AGENT_PROFILES.items()
            if agent_tier == tier
        ]
        capacities = [desk.AGENT_PROFILES[m[0]][2] for m in members]
        agents_by_tier[tier] = _table(members, capacities)
        technical = [m for m in members if m[1] == "technical"]
        technical_by_tier[tier] = _table(technical,
                                         [desk.AGENT_PROFILES[m[0]][2] for m in technical])
    team_tags_t = {team: _table(list(w), list(w.values())) for team, w in desk.TEAM_TAGS.items()}
    channel_params = {
        ch: (log(p[0]), p[1], p[2], log(p[3]) if p[3] else 0.0, p[4], log(p[5]), p[6], p[7])
        for ch, p in desk.CHANNEL_PARAMS.items()
    }
    source_of = {
        ch: source or desk.SOURCE_BY_CHANNEL.get(ch, desk.DEFAULT_SOURCE)
        for ch in desk.CHANNEL_WEIGHTS
    }
    ln_min, ln_hour, ln_day = log(60), log(3600), log(86400)

    width = max(6, len(str(spec.tickets)))
    pool = max(1, spec.tickets // 3)
    key_accounts = max(1, pool // 50)
    per_day = spec.tickets / span_days
    unhappy_ring: list[str] = []
    unhappy_size = min(50_000, max(8, int(per_day * 0.2 * 4)))
    recent_ring: list[str] = []
    recent_size = min(50_000, max(8, int(per_day * 2)))
    unhappy_at = recent_at = 0

    counts = calendar.counts(spec.tickets)
    hour0 = calendar.hour0
    number = 0
    for k, count in enumerate(counts):
        if not count:
            continue
        slot_start = (hour0 + k) * 3600
        low = max(slot_start, start)
        width_s = min(slot_start + 3600, end) - low
        moments = sorted(int(low + rand() * width_s) for _ in range(count))
        day = calendar.day_of_slot[k]
        level = calendar.outage_by_day.get(day, 0.0)
        in_hours = calendar.business[k]
        next_open = calendar.next_open[k]
        for created in moments:
            if created < first_second:
                created = first_second
            number += 1
            ticket_id = f"T{number:0{width}d}"
            age_days = (end - created) / 86400
            progress = 1.0 - age_days / span_days

            channel = channels_t[int(rand() * _TABLE_SIZE)]
            (frt_mu, frt_sig, is_async, res_mu, res_sig, trip_mu, slow_after,
             csat_channel) = channel_params[channel]  # fmt: skip
            priority = priorities_t[int(rand() * _TABLE_SIZE)]
            if level and rand() < 0.35 * level:
                priority = "high" if rand() < 0.6 else "urgent"
            tier = tiers_t[int(rand() * _TABLE_SIZE)]
            if level and rand() < 0.5 * level:
                agent, team, tier_s, quality = technical_by_tier[tier][int(rand() * _TABLE_SIZE)]
            else:
                agent, team, tier_s, quality = agents_by_tier[tier][int(rand() * _TABLE_SIZE)]

            # The customer: an unhappy one coming back, a recent one, or one from the pool.
            u = rand()
            if u < 0.05 and unhappy_ring:
                customer = unhappy_ring[int(rand() * len(unhappy_ring))]
            elif u < 0.08 and recent_ring:
                customer = recent_ring[int(rand() * len(recent_ring))]
            elif u < 0.25:
                customer = _customer_id(int(rand() * key_accounts))
            else:
                customer = _customer_id(int(rand() * pool))

            # What happens to the ticket.
            p_escalate = desk.ESCALATION_BY_TIER[tier] * (1 + 0.6 * level) * (1 - 0.35 * quality)
            escalated = rand() < p_escalate
            p_reopen = 0.066 * (1 - 0.45 * quality) * (1 + 0.8 * level)
            r = rand()
            if r >= p_reopen:
                reopens = 0
            else:
                reopens = 1 if r < p_reopen * 0.85 else 2 if r < p_reopen * 0.97 else 3
            if escalated or reopens:
                replies = 2 + reopens
            elif rand() < (0.86 if channel == "phone" else 0.78) + 0.07 * quality:
                replies = 1
            else:
                replies = 2
            if replies > 1:
                while replies < 6 and rand() < 0.3:
                    replies += 1
            r = rand()
            customer_messages = max(
                1, replies + (-1 if r < 0.15 else 0 if r < 0.65 else 1 if r < 0.9 else 2)
            )

            # Tags: 0-3 topical ones of the team, `outage` and `complaint` taking their place.
            outage = (level and rand() < 0.55 * level) or rand() < 0.002
            p_complaint = 0.028 * (1 - 0.3 * quality) + 0.03 * escalated + 0.04 * (reopens > 0)
            complaint = rand() < p_complaint + 0.2 * level
            tags: list[str] = []
            n_topical = min(n_tags_t[int(rand() * _TABLE_SIZE)], 3 - outage - complaint)
            topical = team_tags_t[team]
            for _ in range(n_topical):
                tag = topical[int(rand() * _TABLE_SIZE)]
                if tag not in tags and tag != "outage":
                    tags.append(tag)
            if outage:
                tags.append("outage")
            if complaint:
                tags.append("complaint")

            # First reply.
            never_answered = rand() < 0.03
            first_response: int | None = None
            if not never_answered:
                frt = exp(frt_mu + frt_sig * gauss(0.0, 1.0))
                frt *= desk.FRT_BY_PRIORITY[priority] * (1 + 1.5 * level) * (1.1 - 0.2 * progress)
                if is_async and next_open is not None:
                    first_response = next_open + int(exp(ln_min + 3.6 + 0.8 * gauss(0.0, 1.0)))
                else:
                    if not in_hours:
                        frt *= 2.0
                    first_response = created + 1 + int(frt)

            # Handling effort.
            handle: int | None = None
            hold: int | None = None
            talk = 0
            speed = 1 - 0.15 * quality
            if channel == "phone":
                talk = int(exp(5.8 + 0.5 * gauss(0.0, 1.0)) * speed)
                hold = 0 if rand() < 0.4 else min(900, int(exp(4.25 + 0.75 * gauss(0.0, 1.0))))
                talk += hold + 30 + int(rand() * 90)
                handle = talk + (replies - 1) * int(exp(5.5 + 0.5 * gauss(0.0, 1.0)))
            elif channel == "chat":
                handle = int(exp(6.3 + 0.55 * gauss(0.0, 1.0)) * speed * (1 + 0.35 * (replies - 1)))
            elif channel == "slack":
                handle = int(exp(6.0 + 0.6 * gauss(0.0, 1.0)) * speed * (1 + 0.35 * (replies - 1)))
            elif rand() < 0.4:
                handle = int(exp(5.7 + 0.6 * gauss(0.0, 1.0)) * speed * replies**0.8)

            # Solve.
            solved: int | None = None
            # Backlog is mostly recent: an old ticket is rarely still unsolved.
            p_stale = 0.004 + 0.3 * exp(-age_days / 4)
            if first_response is None:
                replies = reopens = 0
                escalated = False
                handle = hold = None
                if rand() >= p_stale * 2:  # closed without a reply: spam, duplicate, gave up
                    solved = created + int(exp(ln_day + 0.4 + 0.8 * gauss(0.0, 1.0)))
            else:
                if channel == "phone":
                    duration = talk if rand() < 0.85 else exp(ln_hour + 3.0 + 0.8 * gauss(0.0, 1.0))
                else:
                    duration = exp(res_mu + res_sig * gauss(0.0, 1.0))
                duration *= desk.RESOLUTION_BY_PRIORITY[priority]
                if replies > 1:
                    duration += (replies - 1) * exp(trip_mu + 0.7 * gauss(0.0, 1.0))
                if escalated:
                    duration += exp(ln_day + 0.4 + 0.8 * gauss(0.0, 1.0))
                if reopens:
                    duration += reopens * exp(ln_day + 0.9 + 0.7 * gauss(0.0, 1.0))
                if rand() < 0.04:  # a hard one: waits on a fix or on the customer
                    duration += exp(ln_day + 1.8 + 0.6 * gauss(0.0, 1.0))
                if rand() >= p_stale:
                    solved = first_response + 1 + int(duration)

            if first_response is not None and first_response >= end:
                first_response = None
                solved = None
                replies = 0
                handle = hold = None
                reopens = 0
                escalated = False
            if solved is not None and solved >= end:
                solved = None

            if solved is not None:
                status = "closed" if end - solved > desk.AUTO_CLOSE_SECONDS else "solved"
            elif first_response is None:
                status = "new"
            else:
                status = "pending" if rand() < 0.6 else "open"

            row_source = source_of[channel]
            ticket = {
                "id": ticket_id,
                "created_at": fmt(created),
                "first_response_at": "" if first_response is None else fmt(first_response),
                "solved_at": "" if solved is None else fmt(solved),
                "status": status,
                "channel": channel,
                "priority": priority,
                "tier": tier_s,
                "team": team,
                "agent": agent,
                "customer": customer,
                "agent_replies": str(replies),
                "customer_messages": str(customer_messages),
                "reopens": str(reopens),
                "escalated": "true" if escalated else "false",
                "handle_time_seconds": "" if handle is None else str(handle),
                "hold_time_seconds": "" if hold is None else str(hold),
                "tags": ";".join(tags),
                "source": row_source,
            }

            # Remember customers who may come back.
            if len(recent_ring) < recent_size:
                recent_ring.append(customer)
            else:
                recent_ring[recent_at] = customer
                recent_at = (recent_at + 1) % recent_size
            if reopens or escalated or complaint or solved is None:
                if len(unhappy_ring) < unhappy_size:
                    unhappy_ring.append(customer)
                else:
                    unhappy_ring[unhappy_at] = customer
                    unhappy_at = (unhappy_at + 1) % unhappy_size

            surveys: list[dict] = []
            if solved is not None and replies:
                ask_csat = csat_channel and rand() < 0.6
                ask_nps = rand() < 0.1
                if ask_csat or ask_nps:
                    assert first_response is not None
                    # How the customer felt: higher is happier.
                    mood = (
                        1.0
                        + 0.5 * quality
                        - 0.7 * (reopens > 0)
                        - 0.5 * escalated
                        - 0.45 * (first_response - created > slow_after)
                        - 0.35 * (solved - created > 3 * 86400)
                        - 0.9 * complaint
                        - 0.4 * level
                        + 0.15 * progress
                        + gauss(0.0, 1.0)
                    )
                if ask_csat:
                    sent = solved + 60 + int(rand() * 3540)
                    if sent < end:
                        sent_s = fmt(sent)
                        answered = rand() < 0.35
                        responded = sent + 20 + int(exp(ln_min + 3.3 + 1.1 * gauss(0.0, 1.0)))
                        csat = ces = None
                        if answered and responded < end:
                            score = 1 + _score(mood, desk.CSAT_CUTS)
                            comment = ""
                            if rand() < 0.3:
                                band = "bad" if score <= 2 else "mixed" if score == 3 else "good"
                                options = desk.COMMENTS[band]
                                comment = options[int(rand() * len(options))]
                            csat = _survey(ticket_id, "csat", sent_s, row_source,
                                           str(score), fmt(responded), comment)
                            ces_at = responded + 5 + int(rand() * 55)
                            if rand() < 0.85 and ces_at < end:
                                score = 1 + _score(0.8 * mood + 0.6 * gauss(0.0, 1.0),
                                                   desk.CES_CUTS)
                                ces = _survey(ticket_id, "ces", sent_s, row_source,
                                              str(score), fmt(ces_at))
                        surveys.append(csat or _survey(ticket_id, "csat", sent_s, row_source))
                        surveys.append(ces or _survey(ticket_id, "ces", sent_s, row_source))
                if ask_nps:
                    sent = solved + 3600 + int(rand() * 2 * 86400)
                    if sent < end:
                        responded = sent + 20 + int(exp(ln_hour + 0.5 + 1.2 * gauss(0.0, 1.0)))
                        if rand() < 0.25 and responded < end:
                            score = _score(0.6 * mood + 0.8 * gauss(0.0, 1.0), desk.NPS_CUTS)
                            comment = ""
                            if rand() < 0.2:
                                band = "bad" if score <= 6 else "mixed" if score <= 8 else "good"
                                options = desk.COMMENTS[band]
                                comment = options[int(rand() * len(options))]
                            surveys.append(_survey(ticket_id, "nps", fmt(sent), row_source,
                                                   str(score), fmt(responded), comment))
                        else:
                            surveys.append(_survey(ticket_id, "nps", fmt(sent), row_source))
            yield ticket, surveys


def _survey(ticket_id: str, kind: str, sent_at: str, source: str, score: str = "",
            responded_at: str = "", comment: str = "") -> dict:
    """A survey request row; with `score` and `responded_at`, an answered one."""
    return {
        "ticket_id": ticket_id,
        "kind": kind,
        "sent_at": sent_at,
        "score": score,
        "responded_at": responded_at,
        "comment": comment,
        "source": source,
    }


def write_csv(
    spec: SampleSpec,
    tickets_path: Path,
    surveys_path: Path,
    *,
    progress: Callable[[int], None] | None = None,
    source: str | None = None,
) -> tuple[int, int]:
    """Write the dataset of `spec` as the canonical tickets and surveys CSV files (UTF-8, with
    a header row). `progress`, if given, is called with the number of tickets written so far,
    every 10,000 tickets and at the end; `source` is as for `generate`. Returns the rows
    written: (tickets, surveys)."""
    n_tickets = n_surveys = 0
    with (
        open(tickets_path, "w", newline="", encoding="utf-8") as tickets_file,
        open(surveys_path, "w", newline="", encoding="utf-8") as surveys_file,
    ):
        ticket_writer = csv.writer(tickets_file, lineterminator="\n")
        survey_writer = csv.writer(surveys_file, lineterminator="\n")
        ticket_writer.writerow(TICKET_COLUMNS)
        survey_writer.writerow(SURVEY_COLUMNS)
        write_ticket = ticket_writer.writerow
        write_surveys = survey_writer.writerows
        for ticket, surveys in generate(spec, source=source):
            write_ticket(ticket.values())
            n_tickets += 1
            if surveys:
                write_surveys([survey.values() for survey in surveys])
                n_surveys += len(surveys)
            if progress is not None and n_tickets % 10_000 == 0:
                progress(n_tickets)
    if progress is not None and n_tickets % 10_000 != 0:
        progress(n_tickets)
    return n_tickets, n_surveys
