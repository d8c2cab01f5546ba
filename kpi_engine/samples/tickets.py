"""Drawing the sample desk's tickets: `generate(spec)` yields each ticket's canonical row and its
survey rows, in `created_at` order, from the parameters of `desk.py` and the per-hour tables of
hours.py — one random generator seeded by the spec, so the same spec gives the same rows. What
the result looks like (the mix, the rhythm, the outage week, the surveys) is data.py's docstring:
keep it current when a draw changes here.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Sequence
from zoneinfo import ZoneInfo

from kpi_engine.samples import desk
from kpi_engine.samples.hours import HourCalendar, TimestampFormatter
from kpi_engine.samples.spec import SampleSpec

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
    calendar = HourCalendar(spec, rng)
    if spec.tickets == 0:
        return
    fmt = TimestampFormatter(ZoneInfo(spec.tz))

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
