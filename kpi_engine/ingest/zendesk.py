"""Zendesk in: the pages of Zendesk's own API — the cursor-based incremental ticket export
(`/api/v2/incremental/tickets/cursor.json` with `include=metric_sets,users,groups`) and the
satisfaction ratings (`/api/v2/satisfaction_ratings`) — read from export files or pulled live,
mapped onto the canonical ticket record field by field as docs/helpdesks.md documents.

A page is recognised by its shape: `tickets` (with `metric_sets`, `users`, `groups`
sideloaded), `satisfaction_ratings`, or `users`/`groups` alone. Source `zendesk`, id the
ticket id. The ticket's metric set gives the first reply (created_at + reply_time_in_minutes'
calendar minutes), the solve, reopens and replies; Zendesk's own calendar and business minutes
are kept in `helpdesk_metrics`. A deleted ticket (status `deleted` in the export) is removed.
The ratings are read by zendesk_ratings.py; the live streams `kpibot sync zendesk` pulls are in
zendesk_streams.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from kpi_engine.ingest.helpdesk.files import BadItem, Page
from kpi_engine.ingest.helpdesk.http import shared_limiter
from kpi_engine.ingest.helpdesk.items import (
    MAX_TEXT,
    ItemError,
    MappedTicket,
    People,
    Removal,
    bounded_text,
    channel_map,
    clean_tags,
    count,
    identifier,
    minutes,
    tier_from_tags,
    timestamp,
)
from kpi_engine.ingest.helpdesk.vendor import Item, Stream, Vendor
from kpi_engine.ingest.zendesk_ratings import ratings_of
from kpi_engine.ingest.zendesk_streams import (
    EXPORT_PATH,
    SIDELOADS,
    Ratings,
    TicketExport,
    epoch,
)

SOURCE = "zendesk"

# via.channel → the canonical channel. Anything else (rule, system, closed_ticket,
# any_channel, a numeric via id, …) is reported, never guessed: ZENDESK_CHANNELS maps it.
CHANNELS = {
    "web": "web", "mobile": "web", "mobile_sdk": "web", "web_widget": "web",
    "help_center": "web", "api": "web",
    "email": "email",
    "chat": "chat", "native_messaging": "chat", "sms": "chat",
    "voice": "phone",
    "twitter": "social", "facebook": "social", "instagram_dm": "social", "whatsapp": "social",
    "line": "social", "wechat": "social", "telegram": "social", "viber": "social",
}
STATUSES = {"new": "new", "open": "open", "pending": "pending", "hold": "pending",
            "solved": "solved", "closed": "closed"}
PRIORITIES = {None: "normal", "low": "low", "normal": "normal", "high": "high",
              "urgent": "urgent"}
ESCALATION_TAG = "escalated"
TAG_CACHE = 10_000  # the distinct lists of tags whose reading is kept
_MAX_AGENT, _MAX_TEAM, _MAX_CUSTOMER = MAX_TEXT["agent"], MAX_TEXT["team"], MAX_TEXT["customer"]


class ZendeskVendor(Vendor):
    source = SOURCE
    label = "Zendesk"
    url_setting, site_setting, domain = "zendesk_url", "zendesk_subdomain", ".zendesk.com"
    refused_hint = ("check ZENDESK_EMAIL and ZENDESK_API_TOKEN (an agent's or admin's API "
                    "token, with token access on in the Admin Center)")

    def __init__(self, settings) -> None:
        super().__init__(settings)
        self.channels = CHANNELS | channel_map(settings.zendesk_channels, "ZENDESK_CHANNELS")
        self.tag_cache: dict[tuple, tuple[tuple[str, ...], int, bool]] = {}

    # -- pages --------------------------------------------------------------------------------

    def read_page(self, page: Page, people: People) -> Iterator[Item]:
        data = page.data
        if not isinstance(data, dict):
            yield BadItem(page.file, page.where, _not_a_page(data))
            return
        people.add_users(data.get("users"))
        for group in _objects(data, "groups"):
            people.add_group(group.get("id"), group.get("name"))
        if "tickets" in data:
            yield from self._tickets(page, data, people)
        elif "satisfaction_ratings" in data:
            yield from ratings_of(page, data)
        elif not isinstance(data.get("users"), list) and not isinstance(data.get("groups"), list):
            yield BadItem(page.file, page.where, _not_a_page(data))

    def _tickets(self, page: Page, data: dict, people: People) -> Iterator[Item]:
        raw_tickets = data["tickets"]
        if not isinstance(raw_tickets, list):
            yield BadItem(page.file, page.where, "`tickets` is not a list: not a Zendesk page")
            return
        metric_sets = data.get("metric_sets")
        if raw_tickets and not isinstance(metric_sets, list):
            yield BadItem(page.file, page.where,
                          "a tickets page without metric_sets: export it with "
                          f"include={SIDELOADS}")
            return
        metrics = {}
        for metric in metric_sets or ():
            if isinstance(metric, dict):
                key = metric.get("ticket_id")
                metrics[key] = metrics[str(key)] = metric
        ticket = self._ticket
        for index, raw in enumerate(raw_tickets):
            try:
                yield ticket(raw, metrics, people)
            except ItemError as error:
                key = raw.get("id") if type(raw) is dict else None
                yield BadItem(page.file, page.position(f"tickets[{index}]"), error.reason,
                              None if key is None else str(key))

    def _ticket(self, raw: Any, metrics: dict, people: People) -> MappedTicket | Removal:
        """One ticket as the canonical record (fast paths first, for the values as Zendesk
        writes them; every other value goes through the checks of items.py, which name what is
        wrong)."""
        if type(raw) is not dict:
            raise ItemError("is not a ticket object")
        get = raw.get
        raw_id = get("id")
        ticket_id = str(raw_id) if type(raw_id) is int else identifier(raw_id, "the ticket id")
        created_text = get("created_at")
        updated_text = get("updated_at") or created_text
        try:
            updated = _from_iso(updated_text)
            if updated.tzinfo is None:
                raise ValueError
        except (TypeError, ValueError):
            updated = _time(updated_text, ticket_id, "updated_at")
        status = get("status")
        if status == "deleted":
            return Removal(ticket_id, updated)
        try:
            created = _from_iso(created_text)
            if created.tzinfo is None:
                raise ValueError
        except (TypeError, ValueError):
            created = _time(created_text, ticket_id, "created_at")
        mapped_status = STATUSES.get(status)
        if mapped_status is None:
            raise ItemError(f"ticket {ticket_id}: status {status!r} is not a Zendesk status "
                            f"({', '.join(STATUSES)}, deleted)")
        metric = metrics.get(raw_id)
        if metric is None:
            raise ItemError(f"ticket {ticket_id} has no metric set on its page: export with "
                            f"include={SIDELOADS}")
        mget = metric.get
        reply = mget("reply_time_in_minutes")
        if type(reply) is dict:
            reply_calendar, reply_business = reply.get("calendar"), reply.get("business")
            if not ((reply_calendar is None or type(reply_calendar) is int
                     and reply_calendar >= 0) and (reply_business is None or type(
                         reply_business) is int and reply_business >= 0)):
                reply_calendar, reply_business = _minutes_pair(
                    reply, ticket_id, "reply_time_in_minutes")
        else:
            reply_calendar, reply_business = _minutes_pair(
                reply, ticket_id, "reply_time_in_minutes")
        resolution = mget("full_resolution_time_in_minutes")
        if type(resolution) is dict:
            resolution_calendar = resolution.get("calendar")
            resolution_business = resolution.get("business")
            if not ((resolution_calendar is None or type(resolution_calendar) is int
                     and resolution_calendar >= 0) and (resolution_business is None or type(
                         resolution_business) is int and resolution_business >= 0)):
                resolution_calendar, resolution_business = _minutes_pair(
                    resolution, ticket_id, "full_resolution_time_in_minutes")
        else:
            resolution_calendar, resolution_business = _minutes_pair(
                resolution, ticket_id, "full_resolution_time_in_minutes")
        first = None if reply_calendar is None else created + _timedelta(0, 60 * reply_calendar)
        solved = None
        if mapped_status == "solved" or mapped_status == "closed":
            solved_text = mget("solved_at")
            if not solved_text:
                raise ItemError(f"ticket {ticket_id} is {status} but its metric set has no "
                                "solved_at")
            try:
                solved = _from_iso(solved_text)
                if solved.tzinfo is None:
                    raise ValueError
            except (TypeError, ValueError):
                solved = _time(solved_text, ticket_id, "metric set solved_at")
            if solved < created:
                raise ItemError(f"ticket {ticket_id}: solved_at is before created_at")
        via = get("via")
        channel_value = via.get("channel") if type(via) is dict else None
        channel = self.channels.get(channel_value)
        if channel is None:
            channel = self.channels.get(str(channel_value).lower())
            if channel is None:
                raise ItemError(
                    f"ticket {ticket_id}: via.channel {channel_value!r} is not a channel kpibot "
                    f"knows; map it with ZENDESK_CHANNELS={channel_value}=web (or chat, email, "
                    "phone, social, slack)")
        priority = PRIORITIES.get(get("priority"))
        if priority is None:
            raise ItemError(f"ticket {ticket_id}: priority {get('priority')!r} is not low, "
                            "normal, high or urgent")
        raw_tags = get("tags")
        if raw_tags:
            known = None
            if type(raw_tags) is list:
                try:
                    known = self.tag_cache.get(tuple(raw_tags))
                except TypeError:  # something unhashable in the list: clean_tags names it
                    pass
            tags, tier, tagged = known or self._tags(raw_tags, ticket_id)
        else:
            tags, tier, tagged = (), 1, False
        reopens = mget("reopens")
        if type(reopens) is not int or reopens < 0:
            reopens = count(reopens, f"ticket {ticket_id}: reopens")
        replies = mget("replies")
        if type(replies) is not int or replies < 0:
            replies = count(replies, f"ticket {ticket_id}: replies")
        stations = mget("group_stations")
        escalated = (type(stations) is int and stations > 1) or tagged
        requester = get("requester_id")
        if requester is None:
            raise ItemError(f"ticket {ticket_id} has no requester_id")
        pending: list = []
        users = people.users
        assignee = get("assignee_id")
        if assignee is None:
            agent = None
        else:
            found = users.get(str(assignee))
            agent = None if found is None else found[0] or found[1]
            if agent is None:
                agent = _name(people, assignee, "agent", pending)
        group = get("group_id")
        team = None if group is None else people.groups.get(str(group))
        if team is None and group is not None:
            team = _name(people, group, "team", pending)
        found = users.get(str(requester))
        customer = None if found is None else found[1]
        if customer is None or len(customer) > _MAX_CUSTOMER:
            customer = _name(people, requester, "customer", pending)
        if (agent is not None and len(agent) > _MAX_AGENT) or (
                team is not None and len(team) > _MAX_TEAM):
            agent, team = (bounded_text(agent, "agent"), bounded_text(team, "team"))
        return MappedTicket(
            (SOURCE, ticket_id, created, first, solved, mapped_status, channel, priority, tier,
             team, agent, customer, replies, 1 + reopens, reopens, escalated, None, None, None,
             None),
            tags, (reply_calendar, reply_business, resolution_calendar, resolution_business),
            updated, tuple(pending) if pending else ())

    def _tags(self, raw_tags: Any, ticket_id: str) -> tuple[tuple[str, ...], int, bool]:
        """A ticket's tags as kpibot keeps them, its tier and whether it is tagged escalated:
        worked out once for each list of tags (a desk uses few), then looked up."""
        cache = self.tag_cache
        key = tuple(raw_tags) if type(raw_tags) is list else None
        try:
            known = None if key is None else cache.get(key)
        except TypeError:  # something unhashable in the list: clean_tags names it
            key = known = None
        if known is None:
            tags = clean_tags(raw_tags, f"ticket {ticket_id}: tags")
            known = (tags, tier_from_tags(tags), ESCALATION_TAG in tags)
            if key is not None and len(cache) < TAG_CACHE:
                cache[key] = known
        return known

    # -- live sync ----------------------------------------------------------------------------

    @staticmethod
    def missing(settings) -> list[str]:
        missing = []
        if not (settings.zendesk_subdomain or settings.zendesk_url):
            missing.append("ZENDESK_SUBDOMAIN (or ZENDESK_URL)")
        if not settings.zendesk_email:
            missing.append("ZENDESK_EMAIL")
        if not settings.zendesk_api_token:
            missing.append("ZENDESK_API_TOKEN")
        return missing

    def credentials(self) -> tuple[str, str]:
        return f"{self.settings.zendesk_email}/token", self.settings.zendesk_api_token

    def streams(self) -> list[Stream]:
        start = epoch(self.settings.sync_start)
        limiter = shared_limiter(self.base_url + EXPORT_PATH, self.settings.zendesk_export_rpm)
        lookback = self.settings.zendesk_ratings_lookback_days * 86_400
        return [TicketExport(start, limiter), Ratings(start, lookback)]


VENDOR = ZendeskVendor


def _not_a_page(data: Any) -> str:
    if isinstance(data, list):
        return ("not a Zendesk page: a JSON array (a Freshdesk page?); expected an incremental "
                "ticket export page or a satisfaction ratings page")
    return ("not a Zendesk page: expected an incremental ticket export page (tickets, "
            "metric_sets, users, groups) or a satisfaction ratings page (satisfaction_ratings)")


def _objects(data: dict, key: str) -> list[dict]:
    value = data.get(key)
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


_from_iso = datetime.fromisoformat
_timedelta = timedelta


def _time(text: Any, ticket_id: str, what: str) -> datetime:
    """An aware timestamp of a ticket (Zendesk writes 2026-11-02T09:00:00Z)."""
    if type(text) is str:
        try:
            moment = _from_iso(text)
            if moment.tzinfo is not None:
                return moment
        except ValueError:
            pass
    return timestamp(text, f"ticket {ticket_id}: {what}")


def _minutes_pair(value: Any, ticket_id: str, key: str) -> tuple[int | None, int | None]:
    """{calendar, business} minutes of a metric set."""
    if value is None:
        return None, None
    if type(value) is not dict:
        raise ItemError(f"ticket {ticket_id}: {key} is not {{calendar, business}}")
    calendar, business = value.get("calendar"), value.get("business")
    if not (calendar is None or type(calendar) is int and calendar >= 0):
        calendar = minutes(calendar, f"ticket {ticket_id}: {key}.calendar")
    if not (business is None or type(business) is int and business >= 0):
        business = minutes(business, f"ticket {ticket_id}: {key}.business")
    return calendar, business


def _name(people: People, key: Any, kind: str, pending: list) -> str | None:
    """The name of a user or group (People.name), or its id for now (filled in if a later page
    names it)."""
    if key is None:
        return None
    key = str(key)
    if kind == "team":
        name = people.groups.get(key)
    else:
        found = people.users.get(key)
        name = None if found is None else found[1] if kind == "customer" else \
            found[0] or found[1]
    if name is None:
        pending.append((kind, kind, key))
        return key
    return name if len(name) <= 128 else bounded_text(name, kind)
