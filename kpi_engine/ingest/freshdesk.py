"""Freshdesk in: the pages of Freshdesk's own API — `/api/v2/tickets?include=requester,stats`
(ordered by updated_at), `/api/v2/surveys/satisfaction_ratings`, and `/api/v2/agents` and
`/api/v2/groups` for names — read from export files or pulled live, mapped onto the canonical
ticket record as docs/helpdesks.md documents.

Freshdesk answers with bare JSON arrays; a page is recognised by the shape of its objects.
Source `freshdesk`, id the ticket id. Status, priority and source codes are mapped by the
tables below (FRESHDESK_STATUSES and FRESHDESK_SOURCES map others); a survey rating becomes a
CSAT answer 1–5 by its code (103 → 5 … -103 → 1, on every scale). The live sync is incremental
by `updated_since`, the last `updated_at` seen being the cursor; the API's page limit is met by
moving `updated_since` forward rather than paging on. The ticket list leaves deleted and spam
tickets out, so the sync also reads `filter=deleted` and `filter=spam` (same cursor rule), and
removes what it finds there.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

from kpi_engine.ingest.helpdesk.files import BadItem, Page
from kpi_engine.ingest.helpdesk.http import HelpdeskClient, HelpdeskError
from kpi_engine.ingest.helpdesk.items import (
    ItemError,
    MappedRating,
    MappedTicket,
    People,
    Removal,
    bounded_text,
    channel_map,
    clean_tags,
    identifier,
    optional_timestamp,
    status_map,
    tier_from_tags,
    timestamp,
)
from kpi_engine.ingest.helpdesk.vendor import Fetched, Item, Stream, Vendor
from kpi_engine.ingest.values import MAX_COMMENT

SOURCE = "freshdesk"
TICKETS_PATH = "/api/v2/tickets"
RATINGS_PATH = "/api/v2/surveys/satisfaction_ratings"
PER_PAGE = 100
MAX_PAGE = 300  # the furthest page Freshdesk lists
DEFAULT_START = datetime(2000, 1, 1, tzinfo=timezone.utc)

STATUSES = {"2": "open", "3": "pending", "4": "solved", "5": "closed",
            "6": "pending", "7": "pending"}  # 6, 7: Waiting on Customer / on Third Party
PRIORITIES = {1: "low", 2: "normal", 3: "high", 4: "urgent"}
SOURCES = {"1": "email", "2": "web", "3": "phone", "5": "social", "6": "social", "7": "chat",
           "8": "web", "9": "web", "10": "email"}
# A survey answer's code → CSAT 1–5: the sign is the polarity, the size its strength, the same
# on every scale (2, 3, 5 or 7 points): kpibot's CSAT (share of 4–5) = Freshdesk's positive share.
RATINGS = {103: 5, 102: 4, 101: 4, 100: 3, -101: 2, -102: 2, -103: 1}
ESCALATION_TAG = "escalated"


class FreshdeskVendor(Vendor):
    source = SOURCE
    label = "Freshdesk"
    url_setting, site_setting, domain = "freshdesk_url", "freshdesk_domain", ".freshdesk.com"
    refused_hint = "check FRESHDESK_API_KEY (Profile settings → Your API Key)"

    def __init__(self, settings) -> None:
        super().__init__(settings)
        self.statuses = STATUSES | status_map(settings.freshdesk_statuses, "FRESHDESK_STATUSES")
        self.channels = SOURCES | channel_map(settings.freshdesk_sources, "FRESHDESK_SOURCES")

    # -- pages --------------------------------------------------------------------------------

    def read_page(self, page: Page, people: People) -> Iterator[Item]:
        data = page.data
        if not isinstance(data, list):
            yield BadItem(page.file, page.where, _not_a_page(data))
            return
        first = next((item for item in data if isinstance(item, dict)), None)
        if first is None:
            if data:
                yield BadItem(page.file, page.where, _not_a_page(data))
            return
        if "ratings" in first and "ticket_id" in first:
            yield from _ratings(page, data)
        elif "contact" in first:
            for agent in data:
                contact = agent.get("contact") if isinstance(agent, dict) else None
                if isinstance(contact, dict):
                    people.add_user(agent.get("id"), contact.get("name"), contact.get("email"))
        elif "requester_id" in first or "status" in first:
            yield from self._tickets(page, data, people)
        elif "name" in first and "id" in first:
            for group in data:
                if isinstance(group, dict):
                    people.add_group(group.get("id"), group.get("name"))
        else:
            yield BadItem(page.file, page.where, _not_a_page(data))

    def _tickets(self, page: Page, data: list, people: People) -> Iterator[Item]:
        ticket = self._ticket
        for index, raw in enumerate(data):
            try:
                yield ticket(raw, people)
            except ItemError as error:
                key = raw.get("id") if type(raw) is dict else None
                yield BadItem(page.file, page.position(f"[{index}]"), error.reason,
                              None if key is None else str(key))

    def _ticket(self, raw: Any, people: People) -> MappedTicket | Removal:
        if not isinstance(raw, dict):
            raise ItemError("is not a ticket object")
        ticket_id = identifier(raw.get("id"), "the ticket id")
        what = f"ticket {ticket_id}"
        updated = timestamp(raw.get("updated_at") or raw.get("created_at"), f"{what}: updated_at")
        if raw.get("deleted") is True or raw.get("spam") is True:
            return Removal(ticket_id, updated)
        created = timestamp(raw.get("created_at"), f"{what}: created_at")
        status = self.statuses.get(str(raw.get("status")))
        if status is None:
            raise ItemError(f"{what}: status {raw.get('status')!r} is not a status kpibot knows; "
                            f"map it with FRESHDESK_STATUSES={raw.get('status')}=pending (or open, "
                            "solved, closed)")
        priority = PRIORITIES.get(raw.get("priority"))
        if priority is None:
            raise ItemError(f"{what}: priority {raw.get('priority')!r} is not 1–4")
        channel = self.channels.get(str(raw.get("source")))
        if channel is None:
            raise ItemError(f"{what}: source {raw.get('source')!r} is not a source kpibot knows; "
                            f"map it with FRESHDESK_SOURCES={raw.get('source')}=web (or chat, "
                            "email, phone, social, slack)")
        stats = raw.get("stats")
        if not isinstance(stats, dict):
            raise ItemError(f"{what} has no stats: export it with include=stats")
        first = optional_timestamp(stats.get("first_responded_at"),
                                   f"{what}: stats.first_responded_at")
        if first is not None and first < created:
            raise ItemError(f"{what}: first_responded_at is before created_at")
        solved = None
        if status in ("solved", "closed"):
            solved = optional_timestamp(stats.get("resolved_at") or stats.get("closed_at"),
                                        f"{what}: stats.resolved_at")
            if solved is None:
                raise ItemError(f"{what} is {status} but its stats have no resolved_at")
            if solved < created:
                raise ItemError(f"{what}: resolved_at is before created_at")
        reopens = 1 if stats.get("reopened_at") else 0
        tags = clean_tags(raw.get("tags"), f"{what}: tags")
        pending = []
        agent = _name(people, raw.get("responder_id"), "agent", pending)
        team = _name(people, raw.get("group_id"), "team", pending)
        requester = raw.get("requester")
        email = requester.get("email") if isinstance(requester, dict) else None
        if isinstance(email, str) and email.strip():
            customer = bounded_text(email.strip(), "customer")
        elif raw.get("requester_id") is not None:
            customer = _name(people, raw.get("requester_id"), "customer", pending)
        else:
            raise ItemError(f"{what} has no requester_id")
        row = (SOURCE, ticket_id, created, first, solved, status, channel, priority,
               tier_from_tags(tags), team, agent, customer, 1 if first else 0, 1 + reopens,
               reopens, ESCALATION_TAG in tags, None, None, None, None)
        return MappedTicket(row, tags, None, updated, tuple(pending))

    # -- live sync ----------------------------------------------------------------------------

    @staticmethod
    def missing(settings) -> list[str]:
        missing = []
        if not (settings.freshdesk_domain or settings.freshdesk_url):
            missing.append("FRESHDESK_DOMAIN (or FRESHDESK_URL)")
        if not settings.freshdesk_api_key:
            missing.append("FRESHDESK_API_KEY")
        return missing

    def credentials(self) -> tuple[str, str]:
        return self.settings.freshdesk_api_key, "X"

    def prelude(self, client: HelpdeskClient, people: People) -> None:
        """Agents' and groups' names, which ticket pages give only by id."""
        for path in ("/api/v2/agents", "/api/v2/groups"):
            for number in range(1, MAX_PAGE + 1):
                body = client.get(path, {"per_page": PER_PAGE, "page": number})
                if not isinstance(body, list):
                    raise HelpdeskError(f"Freshdesk answered GET {path} without a list")
                for _item in self.read_page(Page("Freshdesk API", path, body), people):
                    pass  # agents and groups pages only fill `people`
                if len(body) < PER_PAGE:
                    break

    def streams(self) -> list[Stream]:
        start = self.settings.sync_start or DEFAULT_START
        if start.tzinfo is None:
            start = start.replace(tzinfo=timezone.utc)
        return [_Tickets(start), _Removed(start, "deleted"), _Removed(start, "spam"),
                _Ratings(start)]


VENDOR = FreshdeskVendor


def _not_a_page(data: Any) -> str:
    if isinstance(data, dict):
        return ("not a Freshdesk page: a JSON object (a Zendesk page?); expected the JSON array "
                "of /api/v2/tickets, /api/v2/surveys/satisfaction_ratings, /api/v2/agents or "
                "/api/v2/groups")
    return ("not a Freshdesk page: expected the JSON array of /api/v2/tickets, "
            "/api/v2/surveys/satisfaction_ratings, /api/v2/agents or /api/v2/groups")


def _name(people: People, key: Any, kind: str, pending: list) -> str | None:
    if key is None:
        return None
    key = str(key)
    name = people.name(kind, key)
    if name is None:
        pending.append((kind, kind, key))
        return key
    return bounded_text(name, kind)


def _ratings(page: Page, data: list) -> Iterator[Item]:
    for index, raw in enumerate(data):
        position = page.position(f"[{index}]")
        try:
            yield _rating(raw, page.file, position)
        except ItemError as error:
            yield BadItem(page.file, position, error.reason)


def _rating(raw: Any, file: str, position: str) -> MappedRating:
    """A survey answer: the default question's code as CSAT 1–5, answered at created_at."""
    if not isinstance(raw, dict):
        raise ItemError("is not a satisfaction rating object")
    ticket_id = identifier(raw.get("ticket_id"), "the rating's ticket_id")
    what = f"the rating of ticket {ticket_id}"
    ratings = raw.get("ratings")
    code = ratings.get("default_question") if isinstance(ratings, dict) else None
    score = RATINGS.get(code) if isinstance(code, int) and not isinstance(code, bool) else None
    if score is None:
        raise ItemError(f"{what}: ratings.default_question {code!r} is not a Freshdesk rating "
                        "(103, 102, 101, 100, -101, -102, -103)")
    responded = timestamp(raw.get("created_at"), f"{what}: created_at")
    updated = timestamp(raw.get("updated_at") or raw.get("created_at"), f"{what}: updated_at")
    feedback = raw.get("feedback")
    comment = feedback.strip()[:MAX_COMMENT] or None if isinstance(feedback, str) else None
    return MappedRating(ticket_id, None, score, responded, comment, updated, file, position)


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _latest(items: list, key: str) -> datetime | None:
    found = None
    for item in items:
        if isinstance(item, dict):
            try:
                moment = timestamp(item.get(key), key)
            except ItemError:
                continue  # the page's reading reports it
            if found is None or moment > found:
                found = moment
    return found


_SECOND = timedelta(seconds=1)


class _Tickets(Stream):
    """Tickets by updated_at, oldest first: after each page, `updated_since` moves to the
    page's last updated_at less a second (a second read again, harmlessly), so no ticket sharing
    a second with the page's last is lost and the page number stays low; only when a whole page
    shares those seconds does the page number grow."""

    name = "tickets"
    what = "tickets"

    def __init__(self, start: datetime) -> None:
        self.since = start

    def start(self) -> dict:
        return {"updated_since": _iso(self.since), "page": 1}

    def params(self, cursor: dict) -> dict:
        return {"updated_since": cursor["updated_since"], "order_by": "updated_at",
                "order_type": "asc", "per_page": PER_PAGE, "page": cursor["page"],
                "include": "requester,stats"}

    def listed(self, body: list) -> list:
        """The tickets of a page as the mapping reads them."""
        return body

    def fetch(self, client: HelpdeskClient, cursor: dict) -> Fetched:
        body = client.get(TICKETS_PATH, self.params(cursor))
        if not isinstance(body, list):
            raise HelpdeskError("Freshdesk answered GET /api/v2/tickets without a list")
        page = Page("Freshdesk API", f"{self.what} updated since {cursor['updated_since']}, "
                                     f"page {cursor['page']}", self.listed(body))
        since = timestamp(cursor["updated_since"], "updated_since")
        last = _latest(body, "updated_at")
        moved = last - _SECOND if last is not None else since
        if len(body) < PER_PAGE:
            return Fetched(page, {"updated_since": _iso(max(moved, since)), "page": 1}, True)
        if moved > since:
            return Fetched(page, {"updated_since": _iso(moved), "page": 1}, False)
        if cursor["page"] >= MAX_PAGE:
            raise HelpdeskError(f"Freshdesk holds more than {MAX_PAGE * PER_PAGE:,} tickets "
                                f"updated at {cursor['updated_since']}: past its page limit")
        return Fetched(page, {"updated_since": cursor["updated_since"],
                              "page": cursor["page"] + 1}, False)


class _Removed(_Tickets):
    """The tickets deleted (`filter=deleted`) or marked spam (`filter=spam`) since the
    cursor: Freshdesk's ticket list leaves them out, so a ticket synced before and deleted
    later is seen only here; each is removed as a deleted Zendesk ticket is. Paged as the
    tickets are (updated_at moves when a ticket is deleted); a ticket restored later comes
    back with the tickets."""

    def __init__(self, start: datetime, kind: str) -> None:
        super().__init__(start)
        self.name = self.kind = kind
        self.what = f"tickets marked {kind}"

    def params(self, cursor: dict) -> dict:
        params = super().params(cursor)
        del params["include"]
        return params | {"filter": self.kind}

    def listed(self, body: list) -> list:
        return [dict(ticket, **{self.kind: True}) if isinstance(ticket, dict) else ticket
                for ticket in body]


class _Ratings(Stream):
    """Survey ratings created since the cursor, page by page; at the end (or at the page
    limit) `created_since` moves to the newest rating read less a second."""

    name = "ratings"

    def __init__(self, start: datetime) -> None:
        self.since = start

    def start(self) -> dict:
        return {"created_since": _iso(self.since), "page": 1}

    def fetch(self, client: HelpdeskClient, cursor: dict) -> Fetched:
        params = {"created_since": cursor["created_since"], "per_page": PER_PAGE,
                  "page": cursor["page"]}
        body = client.get(RATINGS_PATH, params)
        if not isinstance(body, list):
            raise HelpdeskError("Freshdesk answered GET /api/v2/surveys/satisfaction_ratings "
                                "without a list")
        page = Page("Freshdesk API", f"ratings created since {cursor['created_since']}, page "
                                     f"{cursor['page']}", body)
        since = timestamp(cursor["created_since"], "created_since")
        newest = max(filter(None, (_latest(body, "created_at"),
                                   optional_timestamp(cursor.get("newest"), "newest"))),
                     default=None)
        moved = max(newest - _SECOND, since) if newest is not None else since
        if len(body) < PER_PAGE:
            return Fetched(page, {"created_since": _iso(moved), "page": 1}, True)
        if cursor["page"] >= MAX_PAGE:
            if moved <= since:
                raise HelpdeskError(f"Freshdesk holds more than {MAX_PAGE * PER_PAGE:,} ratings "
                                    f"created at {cursor['created_since']}: past its page limit")
            return Fetched(page, {"created_since": _iso(moved), "page": 1}, False)
        return Fetched(page, {"created_since": cursor["created_since"],
                              "page": cursor["page"] + 1, "newest": _iso(newest or since)},
                       False)
